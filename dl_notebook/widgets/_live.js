// Live training dashboard: canvas charts, progress bar, status line and Stop button.
// Points arrive as custom messages ({type: "points"|"history", append, replace});
// the view asks the kernel for the whole history when it renders ({type: "sync"}).
// `el`, `listen`, `dashboardHead`, `frames` and `fitCanvas` come from _base.js, placed
// before this module.

const COLORS = {
  train: "#2563eb",
  val: "#ea580c",
  batch: "rgba(37, 99, 235, 0.38)",
  lr: "#7c3aed",
};
const LABELS = { train: "train", val: "val", batch: "batch", lr: "" };
const TIPS = {
  train: "training, per epoch",
  val: "validation, per epoch",
  batch: "training, per batch (smoothed)",
  lr: "learning rate of the optimizer",
};
const ROLE_ORDER = { batch: 0, train: 1, val: 2, lr: 3 };
const MARGIN = { left: 52, right: 12, top: 10, bottom: 30 };

function panelOf(name) {
  if (name === "batch_loss") return ["loss", "batch"];
  if (name === "lr") return ["learning rate", "lr"];
  if (name.startsWith("val_")) return [name.slice(4), "val"];
  return [name, "train"];
}

function niceStep(span, count) {
  const raw = span / Math.max(count, 1);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / power;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * power;
}

function linearTicks(lo, hi, count) {
  const step = niceStep(hi - lo, count);
  const out = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return { values: out, step };
}

function isFlat(lo, hi) {
  // equal up to float noise (a learning rate read back from float32)
  return hi - lo <= Math.max(Math.abs(hi), Math.abs(lo)) * 1e-6;
}

function formatTick(v, step, largest) {
  const a = Math.abs(v);
  if (a === 0) return "0";
  if (a >= 1e5 || step < 1e-4) {
    // one exponent per axis, so the labels line up: "1.05e-3", "9.50e-4" -> "10.5e-4", "9.5e-4"
    const exponent = Math.floor(Math.log10(largest || a));
    const digits = Math.max(0, Math.min(3, exponent - Math.floor(Math.log10(step))));
    return `${(v / Math.pow(10, exponent)).toFixed(digits)}e${exponent}`;
  }
  return v.toFixed(Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)));
}

function formatValue(v) {
  if (v === null || v === undefined) return "–";
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2).replace("e+", "e");
  const text = v.toPrecision(4);
  return text.includes(".") && !text.includes("e") ? text.replace(/\.?0+$/, "") : text;
}

function formatDuration(s) {
  if (s === null || s === undefined || !isFinite(s)) return "–";
  s = Math.round(s);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

function render({ model, el: host }) {
  const series = new Map(); // name -> {xs, ys}
  const panels = new Map(); // panel name -> {root, canvas, legend, values}

  const root = el("div", "dln-widget dln-live");
  const {
    head,
    title,
    status,
    stop,
    showKind,
    dispose: disposeHead,
  } = dashboardHead(model, () => {
    status.textContent = "Stopping…";
    status.dataset.kind = "stopping";
  });
  const progress = el("div", "dln-progress");
  const bar = el("div", "dln-bar");
  const fill = el("div", "dln-fill");
  bar.append(fill);
  const progressText = el("div", "dln-progress-text");
  progress.append(bar, progressText);
  const panelRow = el("div", "dln-panels");
  root.append(head, progress, panelRow);
  host.append(root);

  function ensurePanel(name) {
    let panel = panels.get(name);
    if (panel) return panel;
    const box = el("div", "dln-panel");
    const top = el("div", "dln-panel-head");
    const label = el("span", "dln-panel-title", name);
    const legend = el("span", "dln-legend");
    top.append(label, legend);
    const canvas = el("canvas", "dln-canvas");
    box.append(top, canvas);
    box.dataset.panel = name;
    // loss first, learning rate last, metrics in between in arrival order
    if (name === "loss") panelRow.prepend(box);
    else {
      const lrBox = panels.get("learning rate");
      if (lrBox && name !== "learning rate") panelRow.insertBefore(box, lrBox.root);
      else panelRow.append(box);
    }
    panel = { root: box, canvas, legend };
    panels.set(name, panel);
    return panel;
  }
  ensurePanel("loss");
  ensurePanel("learning rate");

  function setSeries(name, points) {
    const s = { xs: [], ys: [] };
    for (const [x, y] of points) {
      s.xs.push(x);
      s.ys.push(y);
    }
    series.set(name, s);
    ensurePanel(panelOf(name)[0]);
  }

  function appendSeries(name, points) {
    if (!series.has(name)) return setSeries(name, points);
    const s = series.get(name);
    for (const [x, y] of points) {
      s.xs.push(x);
      s.ys.push(y);
    }
  }

  function onMessage(msg) {
    if (!msg || typeof msg !== "object") return;
    if (msg.type === "history") {
      series.clear();
      for (const [name, points] of Object.entries(msg.replace || {})) setSeries(name, points);
    } else if (msg.type === "points") {
      for (const [name, points] of Object.entries(msg.replace || {})) setSeries(name, points);
      for (const [name, points] of Object.entries(msg.append || {})) appendSeries(name, points);
    } else return;
    schedule();
  }

  function drawPanel(name, panel, ink, grid) {
    const fitted = fitCanvas(panel.canvas);
    if (!fitted) return 0;
    const { ctx, w: width, h: height } = fitted;

    const members = [...series.entries()]
      .filter(([n]) => panelOf(n)[0] === name)
      .map(([n, s]) => ({ name: n, role: panelOf(n)[1], s }))
      .sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role]);
    let xMax = 1;
    let yMin = Infinity;
    let yMax = -Infinity;
    let count = 0;
    for (const { s } of members) {
      for (let i = 0; i < s.xs.length; i++) {
        if (s.xs[i] > xMax) xMax = s.xs[i];
        const y = s.ys[i];
        if (y === null || !isFinite(y)) continue;
        if (y < yMin) yMin = y;
        if (y > yMax) yMax = y;
        count += 1;
      }
    }
    const logY = name === "learning rate" && count > 0 && yMin > 0 && yMax / yMin > 30;
    const ty = logY ? (v) => Math.log10(v) : (v) => v;
    // a constant series (a fixed learning rate): one tick at its value, centred
    const flat = count > 0 && isFlat(yMin, yMax) ? yMax : null;
    if (count === 0) {
      yMin = 0;
      yMax = 1;
    } else if (flat !== null) {
      const pad = Math.abs(flat) * 0.5 || 1;
      yMin = flat - pad;
      yMax = flat + pad;
    } else {
      yMin = ty(yMin);
      yMax = ty(yMax);
      const pad = (yMax - yMin) * 0.06;
      yMin -= pad;
      yMax += pad;
    }
    const plotW = width - MARGIN.left - MARGIN.right;
    const plotH = height - MARGIN.top - MARGIN.bottom;
    const px = (x) => MARGIN.left + (x / xMax) * plotW;
    const py = (v) => MARGIN.top + (1 - (ty(v) - yMin) / (yMax - yMin)) * plotH;

    // grid and tick labels
    ctx.font = "11px system-ui, -apple-system, 'Segoe UI', sans-serif";
    ctx.lineWidth = 1;
    ctx.strokeStyle = grid;
    ctx.fillStyle = ink;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const yTicks = logY
      ? { values: [], step: 1 }
      : flat !== null
        ? { values: [flat], step: Math.abs(flat) || 1 }
        : linearTicks(yMin, yMax, Math.max(2, Math.floor(plotH / 34)));
    if (logY) {
      for (let e = Math.ceil(yMin); e <= Math.floor(yMax); e++) yTicks.values.push(e);
      if (yTicks.values.length < 2) Object.assign(yTicks, linearTicks(yMin, yMax, 4));
    }
    const yLabels = [];
    for (const t of yTicks.values) {
      const y = MARGIN.top + (1 - (t - yMin) / (yMax - yMin)) * plotH;
      ctx.beginPath();
      ctx.moveTo(MARGIN.left, Math.round(y) + 0.5);
      ctx.lineTo(MARGIN.left + plotW, Math.round(y) + 0.5);
      ctx.stroke();
      const label = logY
        ? Number.isInteger(t)
          ? `1e${t}`
          : formatTick(Math.pow(10, t), Math.pow(10, t) / 10)
        : flat !== null
          ? formatValue(t)
          : formatTick(t, yTicks.step, Math.max(...yTicks.values.map(Math.abs)));
      ctx.fillText(label, MARGIN.left - 6, y);
      yLabels.push(label);
    }
    panel.root.dataset.yTicks = yLabels.join("|");
    const xTicks = linearTicks(0, xMax, Math.max(2, Math.floor(plotW / 60)));
    if (xTicks.step < 1) Object.assign(xTicks, linearTicks(0, xMax, xMax));
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of xTicks.values) {
      const x = Math.round(px(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, MARGIN.top + plotH);
      ctx.lineTo(x, MARGIN.top + plotH + 4);
      ctx.stroke();
      ctx.fillText(formatTick(t, xTicks.step), x, MARGIN.top + plotH + 6);
    }
    ctx.beginPath();
    ctx.strokeStyle = ink;
    ctx.globalAlpha = 0.5;
    ctx.moveTo(MARGIN.left + 0.5, MARGIN.top);
    ctx.lineTo(MARGIN.left + 0.5, MARGIN.top + plotH + 0.5);
    ctx.lineTo(MARGIN.left + plotW, MARGIN.top + plotH + 0.5);
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.textAlign = "right";
    ctx.fillText("epoch", MARGIN.left + plotW, MARGIN.top + plotH + 18);

    // lines (gaps at non-finite values) and epoch dots
    ctx.save();
    ctx.beginPath();
    ctx.rect(MARGIN.left, MARGIN.top - 2, plotW + 2, plotH + 4);
    ctx.clip();
    let drawn = 0;
    for (const { role, s } of members) {
      ctx.strokeStyle = COLORS[role];
      ctx.fillStyle = COLORS[role];
      ctx.lineWidth = role === "batch" ? 1.25 : 2;
      ctx.lineJoin = "round";
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < s.xs.length; i++) {
        const y = s.ys[i];
        if (y === null || !isFinite(y) || (logY && y <= 0)) {
          pen = false;
          continue;
        }
        const X = px(s.xs[i]);
        const Y = py(y);
        if (pen) ctx.lineTo(X, Y);
        else ctx.moveTo(X, Y);
        pen = true;
        drawn += 1;
      }
      ctx.stroke();
      if ((role === "train" || role === "val") && s.xs.length <= 60) {
        for (let i = 0; i < s.xs.length; i++) {
          const y = s.ys[i];
          if (y === null || !isFinite(y)) continue;
          ctx.beginPath();
          ctx.arc(px(s.xs[i]), py(y), 2.5, 0, 2 * Math.PI);
          ctx.fill();
        }
      }
    }
    ctx.restore();
    if (count === 0) {
      ctx.fillStyle = ink;
      ctx.globalAlpha = 0.6;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText("waiting for data", MARGIN.left + plotW / 2, MARGIN.top + plotH / 2);
      ctx.globalAlpha = 1;
    }

    // legend with the latest values
    panel.legend.replaceChildren(
      ...members.map(({ role, s }) => {
        const item = el("span", "dln-legend-item");
        const swatch = el("span", "dln-swatch");
        swatch.style.background = COLORS[role];
        const last = s.ys.length ? s.ys[s.ys.length - 1] : null;
        item.title = TIPS[role];
        item.append(swatch, `${LABELS[role]} ${formatValue(last)}`.trim());
        return item;
      }),
    );
    return drawn;
  }

  function draw() {
    const style = getComputedStyle(root);
    const ink = style.getPropertyValue("--dln-ink").trim() || "#444";
    const grid = style.getPropertyValue("--dln-grid").trim() || "#e5e7eb";
    let points = 0;
    for (const [name, panel] of panels) points += drawPanel(name, panel, ink, grid);
    root.dataset.points = String(points);
  }

  const { schedule, dispose: disposeFrames } = frames(draw, panelRow);

  function updateStatus() {
    const kind = model.get("status_kind");
    stop.hidden = !model.get("stop_button");
    status.textContent = model.get("status");
    showKind(kind, kind === "running");
    root.dataset.status = kind;
    updateProgress();
  }

  function updateProgress() {
    const p = model.get("progress") || {};
    const epochs = p.epochs || 0;
    const steps = p.steps || 0;
    const epoch = p.epoch || 0;
    const batch = p.batch || 0;
    let done = 0;
    if (epochs) done = (Math.max(epoch - 1, 0) + (steps ? Math.min(batch / steps, 1) : 0)) / epochs;
    if (model.get("status_kind") === "finished") done = 1;
    fill.style.width = `${(Math.min(Math.max(done, 0), 1) * 100).toFixed(2)}%`;
    progress.dataset.epoch = String(epoch);
    progress.dataset.batch = String(batch);
    const parts = [`Epoch ${epoch}/${epochs || "?"}`, `Batch ${batch}/${steps || "?"}`];
    const kind = model.get("status_kind");
    if (kind === "running" || kind === "stopping") parts.push(`ETA ${formatDuration(p.eta_s)}`);
    if (p.samples_per_s)
      parts.push(`${Math.round(p.samples_per_s).toLocaleString("en-US")} samples/s`);
    if (p.elapsed_s !== null && p.elapsed_s !== undefined)
      parts.push(`elapsed ${formatDuration(p.elapsed_s)}`);
    progressText.textContent = parts.join(" · ");
  }

  function updateTitle() {
    title.textContent = model.get("title");
  }

  const unlisten = listen(model, [
    ["msg:custom", onMessage],
    ["change:status", updateStatus],
    ["change:status_kind", updateStatus],
    ["change:progress", updateProgress],
    ["change:title", updateTitle],
    ["change:stop_button", updateStatus],
  ]);

  updateTitle();
  updateStatus();
  updateProgress();
  schedule();
  model.send({ type: "sync" });

  return () => {
    disposeHead();
    unlisten();
    disposeFrames();
  };
}

export default { render };
