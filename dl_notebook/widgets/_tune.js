// Tuning dashboard: status line, Stop button, best-so-far chart over trials, learning curves
// (the running trial bold, finished ones faint) and a table of trials.
// Messages: {type: "start"|"point"|"trial"|"history"}; the view asks for the history ({type: "sync"}).
// `el`, `listen`, `dashboardHead`, `frames` and `fitCanvas` come from _base.js, placed
// before this module.

const INK = "#4b5563";
const GRID = "#eceef2";
const BLUE = "#2563eb";
const FAINT = "rgba(107, 114, 128, 0.35)";
const STATE_COLOR = { complete: BLUE, pruned: "#f59e0b", fail: "#dc2626", running: "#16a34a" };
const M = { left: 46, right: 10, top: 8, bottom: 24 };

function fmt(v) {
  if (v === null || v === undefined) return "–";
  if (typeof v !== "number") return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toPrecision(4);
}

function setupCanvas(canvas) {
  const c = fitCanvas(canvas);
  if (c) c.ctx.font = "11px system-ui, sans-serif";
  return c;
}

// Axes for x in [0, xMax] and y in [yMin, yMax]; returns the mapping functions.
function axes(ctx, w, h, xMax, yMin, yMax, xLabel) {
  if (!(yMax > yMin)) {
    const pad = Math.abs(yMax) * 0.05 || 0.5;
    yMin -= pad;
    yMax += pad;
  }
  const pw = w - M.left - M.right;
  const ph = h - M.top - M.bottom;
  const px = (x) => M.left + (x / Math.max(xMax, 1)) * pw;
  const py = (y) => M.top + (1 - (y - yMin) / (yMax - yMin)) * ph;
  ctx.lineWidth = 1;
  ctx.strokeStyle = GRID;
  ctx.fillStyle = INK;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (let i = 0; i <= 4; i++) {
    const y = yMin + ((yMax - yMin) * i) / 4;
    ctx.beginPath();
    ctx.moveTo(M.left, Math.round(py(y)) + 0.5);
    ctx.lineTo(M.left + pw, Math.round(py(y)) + 0.5);
    ctx.stroke();
    ctx.fillText(fmt(Number(y.toPrecision(3))), M.left - 5, py(y));
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  const step = Math.max(1, Math.ceil(xMax / 8));
  for (let x = 0; x <= xMax; x += step) ctx.fillText(String(x), px(x), M.top + ph + 4);
  ctx.textAlign = "right";
  ctx.fillText(xLabel, M.left + pw, M.top + ph + 13);
  return { px, py };
}

function render({ model, el: host }) {
  const rows = new Map(); // number -> finished row
  let running = null; // {number, params, curve}

  const root = el("div", "dln-widget dln-tune");
  const { head, title, status, showKind, dispose: disposeHead } = dashboardHead(model);
  const charts = el("div", "dln-tune-charts");
  const bestBox = el("div", "dln-panel");
  const bestHead = el("div", "dln-panel-head", "best so far, per trial");
  const bestCanvas = el("canvas", "dln-canvas dln-tune-best");
  bestBox.append(bestHead, bestCanvas);
  const curveBox = el("div", "dln-panel");
  const curveHead = el("div", "dln-panel-head", "learning curves");
  const curveCanvas = el("canvas", "dln-canvas dln-tune-curves");
  curveBox.append(curveHead, curveCanvas);
  charts.append(bestBox, curveBox);
  const tableBox = el("div", "dln-tune-table");
  const table = el("table");
  tableBox.append(table);
  root.append(head, charts, tableBox);
  host.append(root);

  const better = (a, b) => (model.get("direction") === "minimize" ? a < b : a > b);

  function sorted() {
    return [...rows.values()].sort((a, b) => a.number - b.number);
  }

  function drawBest() {
    const c = setupCanvas(bestCanvas);
    if (!c) return;
    const done = sorted().filter((r) => r.value !== null && r.state !== "fail");
    const values = done.map((r) => r.value);
    const xMax = Math.max(model.get("target") - 1, ...done.map((r) => r.number), 1);
    const lo = values.length ? Math.min(...values) : 0;
    const hi = values.length ? Math.max(...values) : 1;
    const { px, py } = axes(c.ctx, c.w, c.h, xMax, lo, hi, "trial");
    let best = null;
    const steps = [];
    for (const r of done) {
      c.ctx.fillStyle = STATE_COLOR[r.state] || INK;
      c.ctx.beginPath();
      c.ctx.arc(px(r.number), py(r.value), 3, 0, 2 * Math.PI);
      c.ctx.fill();
      if (r.state === "complete" && (best === null || better(r.value, best))) best = r.value;
      if (best !== null) steps.push([r.number, best]);
    }
    c.ctx.strokeStyle = "#111827";
    c.ctx.lineWidth = 1.5;
    c.ctx.beginPath();
    steps.forEach(([x, y], i) => {
      if (i === 0) c.ctx.moveTo(px(x), py(y));
      else {
        c.ctx.lineTo(px(x), py(steps[i - 1][1]));
        c.ctx.lineTo(px(x), py(y));
      }
    });
    c.ctx.stroke();
    root.dataset.best = best === null ? "" : String(best);
  }

  function drawCurves() {
    const c = setupCanvas(curveCanvas);
    if (!c) return;
    const curves = sorted().map((r) => ({ curve: r.curve || [], live: false }));
    if (running) curves.push({ curve: running.curve, live: true });
    const values = curves.flatMap((k) => k.curve.filter((v) => v !== null));
    const xMax = Math.max(1, ...curves.map((k) => k.curve.length));
    const lo = values.length ? Math.min(...values) : 0;
    const hi = values.length ? Math.max(...values) : 1;
    const { px, py } = axes(c.ctx, c.w, c.h, xMax, lo, hi, "epoch");
    for (const { curve, live } of curves) {
      c.ctx.strokeStyle = live ? BLUE : FAINT;
      c.ctx.fillStyle = c.ctx.strokeStyle;
      c.ctx.lineWidth = live ? 2.5 : 1;
      c.ctx.beginPath();
      let pen = false;
      curve.forEach((v, i) => {
        if (v === null) return void (pen = false);
        if (pen) c.ctx.lineTo(px(i + 1), py(v));
        else c.ctx.moveTo(px(i + 1), py(v));
        pen = true;
      });
      c.ctx.stroke();
      if (live || curve.length === 1) {
        curve.forEach((v, i) => {
          if (v === null) return;
          c.ctx.beginPath();
          c.ctx.arc(px(i + 1), py(v), live ? 3 : 1.5, 0, 2 * Math.PI);
          c.ctx.fill();
        });
      }
    }
    root.dataset.curves = String(curves.length);
  }

  function drawTable() {
    const params = model.get("params") || [];
    const metric = model.get("metric");
    const headRow = el("tr");
    for (const name of ["trial", ...params, metric, "state", "epochs", "seconds"])
      headRow.append(el("th", "", name));
    const body = [];
    const all = sorted();
    if (running) all.push({ ...running, value: running.curve.at(-1) ?? null, state: "running" });
    let bestNumber = null;
    let best = null;
    for (const r of all)
      if (r.state === "complete" && r.value !== null && (best === null || better(r.value, best))) {
        best = r.value;
        bestNumber = r.number;
      }
    for (const r of all.reverse()) {
      const tr = el("tr");
      tr.dataset.state = r.state;
      if (r.number === bestNumber) tr.className = "dln-tune-bestrow";
      const cells = [r.number, ...params.map((p) => (r.params || {})[p]), r.value];
      for (const v of cells) tr.append(el("td", "", fmt(v)));
      const state = el("td", "dln-tune-state", r.state);
      state.style.color = STATE_COLOR[r.state] || INK;
      tr.append(
        state,
        el("td", "", fmt(r.epochs ?? r.curve?.length)),
        el("td", "", r.seconds === null || r.seconds === undefined ? "–" : r.seconds.toFixed(1)),
      );
      body.push(tr);
    }
    table.replaceChildren(headRow, ...body);
    root.dataset.rows = String(rows.size);
  }

  const { schedule, dispose: disposeFrames } = frames(() => {
    drawBest();
    drawCurves();
    drawTable();
  }, charts);

  function onMessage(msg) {
    if (!msg || typeof msg !== "object") return;
    if (msg.type === "history") {
      rows.clear();
      for (const r of msg.rows || []) rows.set(r.number, r);
      running = msg.running ? { ...msg.running, curve: [...msg.running.curve] } : null;
    } else if (msg.type === "start") {
      running = { ...msg.trial, curve: [...(msg.trial.curve || [])] };
    } else if (msg.type === "point") {
      if (running && running.number === msg.number) running.curve[msg.epoch - 1] = msg.value;
    } else if (msg.type === "trial") {
      rows.set(msg.row.number, msg.row);
      if (running && running.number === msg.row.number) running = null;
    } else return;
    schedule();
  }

  function updateStatus() {
    const kind = model.get("status_kind");
    title.textContent = model.get("title");
    status.textContent = model.get("status");
    showKind(kind, kind === "running" || kind === "idle");
    root.dataset.status = kind;
  }

  const unlisten = listen(model, [
    ["msg:custom", onMessage],
    ["change:status", updateStatus],
    ["change:status_kind", updateStatus],
    ["change:title", updateStatus],
    ["change:params", schedule],
  ]);
  updateStatus();
  schedule();
  model.send({ type: "sync" });

  return () => {
    disposeHead();
    unlisten();
    disposeFrames();
  };
}

export default { render };
