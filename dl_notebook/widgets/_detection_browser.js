// Detection browser: a header (summary, filter buttons with their counts, class picker,
// colour key), paging controls and a grid of cards. Each card is the image with its boxes
// drawn over it as SVG in the image's own pixels: ground truth dashed, predictions solid
// with class and score; the box's status (found / missed, matched / poor / false) sets
// its colour, and the boxes of the current filter are drawn thicker.
// The kernel holds the state in synced traits; user actions go to it as messages
// ({type: "go" | "filter"}), each answered by {type: "ready"}.
// Keyboard (when the browser has the focus): ←/→, PageUp/PageDown, Home/End.
// `el` and `listen` come from _base.js, placed before this module.

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

function filterButtons(onPick) {
  const group = el("div", "dln-seg dln-br-seg dln-db-filters");
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", "Show");
  group.append(el("span", "dln-br-seg-label", "Show"));
  const buttons = FILTERS.map(([value, text, hint]) => {
    const button = el("button", "dln-btn dln-br-seg-btn");
    button.type = "button";
    button.dataset.value = value;
    button.title = hint;
    button.append(el("span", null, text), el("span", "dln-db-count"));
    button.addEventListener("click", () => onPick(value));
    group.append(button);
    return button;
  });
  function update(current, counts) {
    for (const button of buttons) {
      const on = button.dataset.value === current;
      button.classList.toggle("dln-on", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
      const count = (counts || {})[button.dataset.value] || { boxes: 0, images: 0 };
      const value = button.dataset.value === "all" ? count.images : count.boxes;
      button.querySelector(".dln-db-count").textContent = String(value);
      button.dataset.boxes = String(count.boxes);
      button.dataset.images = String(count.images);
    }
  }
  return { group, update };
}

function classPicker(onPick) {
  const box = el("label", "dln-br-class dln-db-class");
  box.append(el("span", "dln-br-seg-label", "Class"));
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
  return { box, fill };
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

function drawBoxes(item, names, show) {
  const { width, height } = item;
  const svg = svgNode("svg", {
    class: "dln-db-boxes",
    viewBox: `0 0 ${width} ${height}`,
    preserveAspectRatio: "xMidYMid meet",
  });
  const font = Math.max(width, height) / 14;
  function rect(box, kind, status) {
    const [x0, y0, x1, y1] = box;
    const node = svgNode("rect", {
      class: `dln-db-box dln-db-${kind}`,
      x: x0,
      y: y0,
      width: Math.max(0, x1 - x0),
      height: Math.max(0, y1 - y0),
      "vector-effect": "non-scaling-stroke",
    });
    node.dataset.status = status;
    if (HIT[show] === status) node.classList.add("dln-db-hit");
    svg.append(node);
    return node;
  }
  for (const t of item.truth) {
    const node = rect(t.box, "truth", t.status);
    node.append(svgNode("title", {}));
    node.firstChild.textContent = `${names[t.label] ?? t.label} (ground truth, ${t.status})`;
  }
  for (const p of item.pred) {
    const name = names[p.label] ?? String(p.label);
    const node = rect(p.box, "pred", p.status);
    node.append(svgNode("title", {}));
    node.firstChild.textContent = `${name} ${p.score.toFixed(2)} (${p.status})`;
    const label = svgNode("text", {
      class: "dln-db-label",
      x: p.box[0] + font * 0.15,
      y: Math.max(font, p.box[1] - font * 0.2),
      "font-size": font,
    });
    label.dataset.status = p.status;
    label.textContent = `${name} ${p.score.toFixed(2)}`;
    svg.append(label);
  }
  return svg;
}

function card(item, src, size, names, show) {
  const node = el("figure", "dln-card dln-db-card");
  node.dataset.index = String(item.index);
  node.dataset.missed = String(item.counts.missed);
  node.dataset.false = String(item.counts.false);
  node.dataset.poor = String(item.counts.poor);
  const frame = el("div", "dln-db-frame");
  const img = el("img", "dln-thumb");
  img.width = size;
  img.height = size;
  img.alt = `image ${item.index}: ${item.truth.length} true boxes, ${item.pred.length} found`;
  if (src) img.src = src;
  frame.append(img, drawBoxes(item, names, show));
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
  const root = el("div", "dln-widget dln-browser dln-detection-browser");
  root.tabIndex = 0;
  root.setAttribute("role", "region");
  root.setAttribute("aria-label", "Detection browser");
  root.setAttribute("data-lm-suppress-shortcuts", "true");

  const head = el("div", "dln-br-head");
  const summary = el("div", "dln-br-summary");
  const filters = filterButtons((value) => request({ type: "filter", show: value }));
  const classes = classPicker((value) => request({ type: "filter", class_id: value }));
  head.append(summary, filters.group, classes.box, colourKey());

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
  const page = () => model.get("page");
  const lastPage = () => Math.max(0, model.get("n_pages") - 1);

  function updateBusy() {
    const busy = pending > 0 || model.get("busy");
    root.dataset.busy = busy ? "true" : "false";
    status.textContent = busy ? "Loading…" : "";
  }

  function request(message) {
    pending += 1;
    updateBusy();
    model.send(message);
  }

  function goTo(target) {
    const clamped = Math.max(0, Math.min(lastPage(), target));
    if (clamped !== page()) request({ type: "go", page: clamped });
  }

  function updateHeader() {
    summary.textContent = model.get("summary");
    pageNo.textContent = `Page ${page() + 1} / ${model.get("n_pages")}`;
    prev.disabled = page() <= 0;
    next.disabled = page() >= lastPage();
    root.dataset.page = String(page());
    root.dataset.nPages = String(model.get("n_pages"));
    root.dataset.nImages = String(model.get("n_images"));
    root.dataset.show = model.get("show");
    root.dataset.classId = model.get("class_id") ?? "";
    filters.update(model.get("show"), model.get("counts"));
    classes.fill(model.get("class_names") || [], model.get("class_id"));
    error.textContent = model.get("error");
  }

  function updateGrid() {
    const items = model.get("items") || [];
    const thumbs = model.get("thumbnails") || [];
    const size = model.get("thumb_size");
    const names = model.get("class_names") || [];
    root.style.setProperty("--dln-thumb", `${size}px`);
    const cards = items.map((item, i) => card(item, thumbs[i], size, names, model.get("show")));
    if (!cards.length) {
      cards.push(el("div", "dln-br-empty", "No image has boxes of this kind."));
    }
    grid.replaceChildren(...cards);
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
  const headerTraits = ["summary", "page", "n_pages", "n_images", "show", "class_id",
    "class_names", "counts", "error"];
  const unlisten = listen(model, [
    ["msg:custom", onMessage],
    ...headerTraits.map((name) => [`change:${name}`, updateHeader]),
    ["change:items", updateGrid],
    ["change:thumbnails", updateGrid],
    ["change:busy", updateBusy],
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
