// Image browser: a header (filter summary, image-type toggle, true and predicted class
// pickers, heatmap toggle and its colour scale), paging controls and a grid of cards
// (thumbnail, its index under it, labels, confidence, top-5 bars).
// The heatmap toggle offers the methods of the `methods` trait (name and title of
// each method registered in Python), redrawn when that list changes.
// The kernel holds the state in synced traits; user actions go to it as messages
// ({type: "go" | "heatmap" | "filter"}), each answered by {type: "ready"}. A filter
// message carries only what the user changed; the kernel adapts the rest.
// Keyboard (when the browser has the focus): ←/→, PageUp/PageDown, Home/End.
// `el`, `listen`, `segmented`, `classPicker`, `pager` and the other helpers come from
// _base.js, placed before this module.

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
  const img = thumbnail(
    src,
    size,
    `image ${item.index}: true ${item.true}, predicted ${item.pred}`,
  );
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
  const root = keyRegion("dln-widget dln-browser", "Image browser");

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

  const pages = pager(model, root, () =>
    model.get("heatmap") ? "Computing heatmaps…" : "Loading…",
  );
  const grid = el("div", "dln-br-grid");
  root.append(head, pages.nav, grid);
  host.append(root);

  function request(message) {
    if (message.type === "heatmap") pages.status.dataset.heatmap = message.method || "";
    pages.request(message);
  }

  function updateHeader() {
    summary.textContent = model.get("summary");
    pages.update();
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
    pages.error.textContent = model.get("error");
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
    showCards(
      grid,
      items.map((item, i) => card(item, thumbs[i], size)),
      "No images match this filter: choose another type or set True or Predicted to any.",
    );
  }

  function updateThumbs() {
    const thumbs = model.get("thumbnails") || [];
    const imgs = grid.querySelectorAll("img.dln-thumb");
    if (imgs.length !== thumbs.length) return updateGrid();
    imgs.forEach((img, i) => {
      img.src = thumbs[i];
    });
  }

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
    ...headerTraits.map((name) => [`change:${name}`, updateHeader]),
    ["change:methods", updateMethods],
    ["change:items", updateGrid],
    ["change:thumbnails", updateThumbs],
    ["change:heatmap", pages.updateBusy],
  ]);

  updateHeader();
  updateGrid();
  pages.updateBusy();

  return () => {
    pages.dispose();
    unlisten();
  };
}

export default { render };
