// Image browser: a header (filter summary, image-type toggle, true and predicted class
// pickers, heatmap toggle and its colour scale), paging controls and a grid of cards
// (thumbnail, its index under it, labels, confidence, top-5 bars).
// The heatmap toggle offers the methods of the `methods` trait (name and title of
// each method registered in Python), redrawn when that list changes.
// The kernel holds the state in synced traits; user actions go to it as messages
// ({type: "go" | "heatmap" | "filter"}), each answered by {type: "ready"}. A filter
// message carries only what the user changed; the kernel adapts the rest.
// Keyboard (when the browser has the focus): ←/→, PageUp/PageDown, Home/End.
// `el` and `listen` come from _base.js, placed before this module.

const IMG_TYPES = [
  ["A", "All"],
  ["C", "Correct"],
  ["M", "Misclassified"],
];

function heatmapOptions(methods) {
  return [[null, "None"], ...(methods || []).map((m) => [m.name, m.title, m.description])];
}

function percent(p) {
  if (p === null || p === undefined) return "–";
  const v = 100 * p;
  return `${v >= 99.95 || v < 0.05 ? v.toFixed(0) : v.toFixed(1)}%`;
}

function segmented(label, options, onPick) {
  const group = el("div", "dln-seg dln-br-seg");
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", label);
  group.append(el("span", "dln-br-seg-label", label));
  const buttons = options.map(([value, text, hint]) => {
    const button = el("button", "dln-btn dln-br-seg-btn", text);
    button.type = "button";
    button.dataset.value = value === null ? "" : value;
    if (hint) button.title = hint;
    button.addEventListener("click", () => onPick(value));
    group.append(button);
    return button;
  });
  function mark(current) {
    const key = current === null || current === undefined ? "" : current;
    for (const button of buttons) {
      const on = button.dataset.value === key;
      button.classList.toggle("dln-on", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
    }
  }
  return { group, buttons, mark };
}

function classPicker(label, css, onPick) {
  const box = el("label", `dln-br-class ${css}`);
  box.append(el("span", "dln-br-seg-label", label));
  const select = el("select", "dln-br-class-select");
  select.addEventListener("change", () =>
    onPick(select.value === "" ? null : Number(select.value)),
  );
  box.append(select);
  function fill(names, current) {
    const options = [["", "any"], ...names.map((name, i) => [String(i), name])];
    if (select.options.length !== options.length) {
      select.replaceChildren(
        ...options.map(([value, text]) => {
          const option = el("option", null, text);
          option.value = value;
          return option;
        }),
      );
    }
    select.value = current === null || current === undefined ? "" : String(current);
  }
  return { box, select, fill };
}

function colourScale() {
  const box = el("div", "dln-br-scale");
  box.title = "heatmap colour scale: how much each region counts for the prediction";
  const strip = el("span", "dln-br-scale-strip");
  box.append(el("span", "dln-br-scale-end", "low"), strip, el("span", "dln-br-scale-end", "high"));
  function paint(colours, on) {
    strip.style.background = `linear-gradient(to right, ${(colours || []).join(", ")})`;
    box.hidden = !on;
  }
  return { box, paint };
}

function card(item, src, size) {
  const node = el("figure", "dln-card");
  node.dataset.index = String(item.index);
  node.dataset.correct = item.correct ? "true" : "false";
  const img = el("img", "dln-thumb");
  img.width = size;
  img.height = size;
  img.alt = `image ${item.index}: true ${item.true}, predicted ${item.pred}`;
  if (src) img.src = src;
  const labels = el("figcaption", "dln-card-labels");
  const truth = el("div", "dln-card-true");
  truth.append(el("span", "dln-card-key", "true"), el("b", null, item.true));
  const pred = el("div", `dln-card-pred${item.correct ? "" : " dln-wrong"}`);
  pred.append(el("span", "dln-card-key", "pred"), el("b", null, item.pred));
  const conf = el("div", "dln-card-conf", percent(item.confidence));
  conf.title = item.loss === null ? "confidence" : `confidence · loss ${item.loss.toFixed(3)}`;
  labels.append(truth, pred, conf);
  const bars = el("div", "dln-bars");
  for (const [name, p] of item.top || []) {
    const row = el("div", "dln-bar-row");
    if (name === item.true) row.classList.add("dln-bar-true");
    if (name === item.pred) row.classList.add("dln-bar-pred");
    const track = el("span", "dln-bar-track");
    const fill = el("span", "dln-bar-fill");
    fill.style.width = `${Math.max(0, Math.min(1, p || 0)) * 100}%`;
    track.append(fill);
    row.append(el("span", "dln-bar-name", name), track, el("span", "dln-bar-value", percent(p)));
    row.title = `${name}: ${percent(p)}`;
    bars.append(row);
  }
  const index = el("div", "dln-card-index", `#${item.index}`);
  index.title = "position in the evaluated data";
  node.append(img, index, labels, bars);
  return node;
}

function render({ model, el: host }) {
  const root = el("div", "dln-widget dln-browser");
  root.tabIndex = 0;
  root.setAttribute("role", "region");
  root.setAttribute("aria-label", "Image browser");
  root.setAttribute("data-lm-suppress-shortcuts", "true");

  const head = el("div", "dln-br-head");
  const summary = el("div", "dln-br-summary");
  const types = segmented("Show", IMG_TYPES, (value) =>
    request({ type: "filter", img_type: value }),
  );
  const trueClass = classPicker("True", "dln-br-true", (value) =>
    request({ type: "filter", true_class: value }),
  );
  const predClass = classPicker("Predicted", "dln-br-pred", (value) =>
    request({ type: "filter", pred_class: value }),
  );
  const pickHeatmap = (value) => request({ type: "heatmap", method: value });
  let heat = segmented("Heatmap", heatmapOptions(model.get("methods")), pickHeatmap);
  const scale = colourScale();
  head.append(summary, types.group, trueClass.box, predClass.box, heat.group, scale.box);

  const nav = el("div", "dln-br-nav");
  const prev = el("button", "dln-btn dln-br-prev", "‹ Prev");
  const next = el("button", "dln-btn dln-br-next", "Next ›");
  prev.type = next.type = "button";
  prev.title = "Previous page (← or PageUp)";
  next.title = "Next page (→ or PageDown)";
  const pageNo = el("span", "dln-br-pageno");
  const status = el("span", "dln-br-status");
  const error = el("span", "dln-br-error");
  nav.append(prev, pageNo, next, status, error);

  const grid = el("div", "dln-br-grid");
  root.append(head, nav, grid);
  host.append(root);

  let pending = 0; // requests sent and not answered yet

  function page() {
    return model.get("page");
  }

  function lastPage() {
    return Math.max(0, model.get("n_pages") - 1);
  }

  function updateBusy() {
    const busy = pending > 0 || model.get("busy");
    root.dataset.busy = busy ? "true" : "false";
    status.textContent = busy ? (model.get("heatmap") ? "Computing heatmaps…" : "Loading…") : "";
  }

  function request(message) {
    pending += 1;
    if (message.type === "heatmap") status.dataset.heatmap = message.method || "";
    updateBusy();
    model.send(message);
  }

  function goTo(target) {
    const clamped = Math.max(0, Math.min(lastPage(), target));
    if (clamped !== page()) request({ type: "go", page: clamped });
  }

  function updateHeader() {
    summary.textContent = model.get("summary");
    const n = model.get("n_pages");
    pageNo.textContent = `Page ${page() + 1} / ${n}`;
    prev.disabled = page() <= 0;
    next.disabled = page() >= lastPage();
    root.dataset.page = String(page());
    root.dataset.nPages = String(n);
    root.dataset.nImages = String(model.get("n_images"));
    types.mark(model.get("img_type"));
    const names = model.get("class_names") || [];
    trueClass.fill(names, model.get("true_class"));
    predClass.fill(names, model.get("pred_class"));
    heat.mark(model.get("heatmap"));
    scale.paint(model.get("heat_colors"), Boolean(model.get("heatmap")));
    root.dataset.heatmap = model.get("heatmap") || "";
    root.dataset.imgType = model.get("img_type");
    root.dataset.trueClass = model.get("true_class") ?? "";
    root.dataset.predClass = model.get("pred_class") ?? "";
    error.textContent = model.get("error");
  }

  function updateMethods() {
    const fresh = segmented("Heatmap", heatmapOptions(model.get("methods")), pickHeatmap);
    heat.group.replaceWith(fresh.group);
    heat = fresh;
    heat.mark(model.get("heatmap"));
  }

  function updateGrid() {
    const items = model.get("items") || [];
    const thumbs = model.get("thumbnails") || [];
    const size = model.get("thumb_size");
    root.style.setProperty("--dln-thumb", `${size}px`);
    const cards = items.map((item, i) => card(item, thumbs[i], size));
    if (!cards.length) {
      cards.push(
        el(
          "div",
          "dln-br-empty",
          "No images match this filter: choose another type " + "or set True or Predicted to any.",
        ),
      );
    }
    grid.replaceChildren(...cards);
  }

  function updateThumbs() {
    const thumbs = model.get("thumbnails") || [];
    const imgs = grid.querySelectorAll("img.dln-thumb");
    if (imgs.length !== thumbs.length) return updateGrid();
    imgs.forEach((img, i) => {
      img.src = thumbs[i];
    });
  }

  function onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    let target = null;
    if (event.key === "ArrowRight" || event.key === "PageDown") target = page() + 1;
    else if (event.key === "ArrowLeft" || event.key === "PageUp") target = page() - 1;
    else if (event.key === "Home") target = 0;
    else if (event.key === "End") target = lastPage();
    if (target === null) return;
    event.preventDefault();
    event.stopPropagation();
    goTo(target);
  }

  function onMessage(message) {
    if (message && message.type === "ready") {
      pending = Math.max(0, pending - 1);
      updateBusy();
    }
  }

  const onPrev = () => goTo(page() - 1);
  const onNext = () => goTo(page() + 1);
  prev.addEventListener("click", onPrev);
  next.addEventListener("click", onNext);
  root.addEventListener("keydown", onKey);
  const headerTraits = [
    "summary",
    "page",
    "n_pages",
    "n_images",
    "img_type",
    "heatmap",
    "error",
    "true_class",
    "pred_class",
    "class_names",
    "heat_colors",
  ];
  const unlisten = listen(model, [
    ["msg:custom", onMessage],
    ...headerTraits.map((name) => [`change:${name}`, updateHeader]),
    ["change:methods", updateMethods],
    ["change:items", updateGrid],
    ["change:thumbnails", updateThumbs],
    ["change:busy", updateBusy],
    ["change:heatmap", updateBusy],
  ]);

  updateHeader();
  updateGrid();
  updateBusy();

  return () => {
    prev.removeEventListener("click", onPrev);
    next.removeEventListener("click", onNext);
    root.removeEventListener("keydown", onKey);
    unlisten();
  };
}

export default { render };
