// Detection browser: a header (summary, filter buttons with their counts, class picker,
// colour key), paging controls and a grid of cards. Each card is the image with its boxes
// drawn over it as SVG in the image's own pixels: ground truth dashed, predictions solid
// with class and score; the box's status (found / missed, matched / poor / false) sets
// its colour, a dark casing under each keeps it visible on any image, and the boxes of
// the current filter (and class, when one is picked) are drawn thicker.
// The kernel holds the state in synced traits; user actions go to it as messages
// ({type: "go" | "filter"}), each answered by {type: "ready"}.
// Keyboard (when the browser has the focus): ←/→, PageUp/PageDown, Home/End.
// `el`, `listen`, `segmented`, `classPicker`, `pager` and the other helpers come from
// _base.js, placed before this module.

const SVG = "http://www.w3.org/2000/svg";
const FILTERS = [
  ["all", "All", "every image"],
  ["missed", "Missed", "ground-truth boxes no detection of their class found (IoU ≥ 0.5)"],
  ["false", "False", "detections that match no ground-truth box"],
  ["poor", "Badly placed", "detections of the right class at 0.1 ≤ IoU < 0.5"],
];
const KEY = [
  ["found", "truth found", true],
  ["missed", "missed", true],
  ["matched", "matched", false],
  ["poor", "badly placed", false],
  ["false", "false", false],
];
const HIT = { missed: "missed", false: "false", poor: "poor" };

function svgNode(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

// The filter buttons, each with its count: images for "all", boxes for the others.
function filterButtons(onPick) {
  const options = FILTERS.map(([value, text, hint]) => [value, el("span", null, text), hint]);
  const { group, buttons, mark } = segmented("Show", options, onPick, "dln-db-filters");
  for (const button of buttons) button.append(el("span", "dln-db-count"));
  function update(current, counts) {
    mark(current);
    for (const button of buttons) {
      const count = (counts || {})[button.dataset.value] || { boxes: 0, images: 0 };
      const value = button.dataset.value === "all" ? count.images : count.boxes;
      button.querySelector(".dln-db-count").textContent = String(value);
      button.dataset.boxes = String(count.boxes);
      button.dataset.images = String(count.images);
    }
  }
  return { group, update };
}

function colourKey() {
  const box = el("div", "dln-db-key");
  for (const [status, text, dashed] of KEY) {
    const swatch = el("span", `dln-db-swatch${dashed ? " dln-db-dashed" : ""}`);
    swatch.dataset.status = status;
    const entry = el("span", "dln-db-key-entry");
    entry.append(swatch, el("span", null, text));
    box.append(entry);
  }
  return box;
}

function drawBoxes(item, names, show, classId) {
  const { width, height } = item;
  const svg = svgNode("svg", {
    class: "dln-db-boxes",
    viewBox: `0 0 ${width} ${height}`,
    preserveAspectRatio: "xMidYMid meet",
  });
  const font = Math.max(width, height) / 14;
  // Each box is drawn over a dark casing, so that it shows on images of its own colour.
  function rect(box, label, kind, status) {
    const [x0, y0, x1, y1] = box;
    const hit = HIT[show] === status && (classId === null || classId === label);
    const place = {
      x: x0,
      y: y0,
      width: Math.max(0, x1 - x0),
      height: Math.max(0, y1 - y0),
      "vector-effect": "non-scaling-stroke",
    };
    const casing = { fill: "none", stroke: "rgba(0, 0, 0, 0.55)", "stroke-width": hit ? 5 : 3.5 };
    svg.append(svgNode("rect", { class: "dln-db-casing", ...casing, ...place }));
    const node = svgNode("rect", { class: `dln-db-box dln-db-${kind}`, ...place });
    node.dataset.status = status;
    if (hit) node.classList.add("dln-db-hit");
    svg.append(node);
    return node;
  }
  for (const t of item.truth) {
    const node = rect(t.box, t.label, "truth", t.status);
    node.append(svgNode("title", {}));
    node.firstChild.textContent = `${names[t.label] ?? t.label} (ground truth, ${t.status})`;
  }
  for (const p of item.pred) {
    const name = names[p.label] ?? String(p.label);
    const node = rect(p.box, p.label, "pred", p.status);
    node.append(svgNode("title", {}));
    node.firstChild.textContent = `${name} ${p.score.toFixed(2)} (${p.status})`;
    // A box in the right half has its label ending at its right edge, inside the image.
    const right = p.box[0] > width / 2;
    const label = svgNode("text", {
      class: "dln-db-label",
      x: right ? p.box[2] - font * 0.15 : p.box[0] + font * 0.15,
      y: Math.max(font, p.box[1] - font * 0.2),
      "text-anchor": right ? "end" : "start",
      "font-size": font,
    });
    label.dataset.status = p.status;
    label.textContent = `${name} ${p.score.toFixed(2)}`;
    svg.append(label);
  }
  return svg;
}

function card(item, src, size, names, show, classId) {
  const node = el("figure", "dln-card dln-db-card");
  node.dataset.index = String(item.index);
  node.dataset.missed = String(item.counts.missed);
  node.dataset.false = String(item.counts.false);
  node.dataset.poor = String(item.counts.poor);
  const frame = el("div", "dln-db-frame");
  const alt = `image ${item.index}: ${item.truth.length} true boxes, ${item.pred.length} found`;
  const img = thumbnail(src, size, alt);
  frame.append(img, drawBoxes(item, names, show, classId));
  const caption = el("figcaption", "dln-card-labels");
  const c = item.counts;
  caption.append(
    el("span", "dln-card-index", `#${item.index}`),
    el("span", "dln-db-tally", `${c.missed} missed · ${c.false} false · ${c.poor} poor`),
  );
  node.append(frame, caption);
  return node;
}

function render({ model, el: host }) {
  const root = keyRegion("dln-widget dln-browser dln-detection-browser", "Detection browser");

  const head = el("div", "dln-br-head");
  const summary = el("div", "dln-br-summary");
  const filters = filterButtons((value) => pages.request({ type: "filter", show: value }));
  const classes = classPicker("Class", "dln-db-class", (value) =>
    pages.request({ type: "filter", class_id: value }),
  );
  head.append(summary, filters.group, classes.box, colourKey());

  const pages = pager(model, root, () => "Loading…");
  const grid = el("div", "dln-br-grid");
  root.append(head, pages.nav, grid);
  host.append(root);

  function updateHeader() {
    summary.textContent = model.get("summary");
    pages.update();
    root.dataset.nImages = String(model.get("n_images"));
    root.dataset.show = model.get("show");
    root.dataset.classId = model.get("class_id") ?? "";
    filters.update(model.get("show"), model.get("counts"));
    classes.fill(model.get("class_names") || [], model.get("class_id"));
    pages.error.textContent = model.get("error");
  }

  function updateGrid() {
    const items = model.get("items") || [];
    const thumbs = model.get("thumbnails") || [];
    const size = model.get("thumb_size");
    const names = model.get("class_names") || [];
    root.style.setProperty("--dln-thumb", `${size}px`);
    const show = model.get("show");
    const classId = model.get("class_id") ?? null;
    const cards = items.map((item, i) => card(item, thumbs[i], size, names, show, classId));
    showCards(grid, cards, "No image has boxes of this kind.");
  }

  const headerTraits = [
    "summary",
    "page",
    "n_pages",
    "n_images",
    "show",
    "class_id",
    "class_names",
    "counts",
    "error",
  ];
  const unlisten = listen(model, [
    ...headerTraits.map((name) => [`change:${name}`, updateHeader]),
    ["change:items", updateGrid],
    ["change:thumbnails", updateGrid],
    // A filter that selects the same page of images sends no new items: draw its boxes.
    ["change:show", updateGrid],
    ["change:class_id", updateGrid],
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
