// Clickable confusion matrix: an HTML table, true classes in rows and predicted
// classes in columns, cells coloured by their rate (a white-to-blue scale).
// The counts/rates toggle sets the `normalize` trait; the kernel answers with new
// cell texts. A click on a cell sends {type: "select", true, pred}; on a class name
// {type: "class", true} or {type: "class", pred}; "All misclassified" / "All correct"
// send {type: "all", img_type}. The kernel shows the image browser below and sets
// `selected` ([true, pred], null for any class), which outlines the cell or marks the
// class, and `img_type`, which marks the "All" button in use.
// `el`, `listen` and `markPressed` come from _base.js, placed before this module.

const MODES = [
  [null, "Counts"],
  ["true", "Rates by true"],
  ["pred", "Rates by predicted"],
];
// matplotlib's "Blues" at 0, 0.25, 0.5, 0.75, 1
const STOPS = [
  [247, 251, 255],
  [198, 219, 239],
  [107, 174, 214],
  [33, 113, 181],
  [8, 48, 107],
];

function colour(t) {
  const x = Math.max(0, Math.min(1, Number(t) || 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const rgb = STOPS[i].map((a, k) => Math.round(a + (STOPS[i + 1][k] - a) * f));
  return `rgb(${rgb[0]}, ${rgb[1]}, ${rgb[2]})`;
}

function render({ model, el: host }) {
  const root = el("div", "dln-widget dln-cm");
  const head = el("div", "dln-cm-head");
  const titles = el("div", "dln-cm-titles");
  const title = el("div", "dln-cm-title", "Confusion matrix");
  const caption = el("div", "dln-cm-caption");
  titles.append(title, caption);
  const toggle = el("div", "dln-seg dln-cm-toggle");
  toggle.setAttribute("role", "group");
  toggle.setAttribute("aria-label", "Numbers shown");
  const modeButtons = MODES.map(([value, text]) => {
    const button = el("button", "dln-btn dln-cm-mode", text);
    button.type = "button";
    button.dataset.value = value === null ? "" : value;
    button.addEventListener("click", () => {
      model.set("normalize", value);
      model.save_changes();
    });
    toggle.append(button);
    return button;
  });
  const shortcuts = el("div", "dln-seg dln-cm-all");
  shortcuts.setAttribute("role", "group");
  shortcuts.setAttribute("aria-label", "Browse across cells");
  const allButtons = [
    ["M", "All misclassified"],
    ["C", "All correct"],
  ].map(([value, text]) => {
    const button = el("button", "dln-btn dln-cm-all-btn", text);
    button.type = "button";
    button.dataset.value = value;
    button.title = `browse every ${value === "M" ? "misclassified" : "correctly classified"} image`;
    button.addEventListener("click", () => {
      root.dataset.pending = `all:${value}`;
      model.send({ type: "all", img_type: value });
    });
    shortcuts.append(button);
    return button;
  });
  head.append(titles, shortcuts, toggle);

  const body = el("div", "dln-cm-body");
  const scroller = el("div", "dln-cm-scroll");
  const table = el("table", "dln-cm-table");
  scroller.append(table);
  const legend = el("div", "dln-cm-legend");
  const bar = el("div", "dln-cm-legend-bar");
  bar.style.background = `linear-gradient(to top, ${STOPS.map((_, i) => colour(i / 4)).join(", ")})`;
  const legendText = el("div", "dln-cm-legend-text");
  const legendTop = el("span", null, "1");
  const legendBottom = el("span", null, "0");
  legendText.append(legendTop, legendBottom);
  const legendName = el("div", "dln-cm-legend-name");
  legend.append(legendName, bar, legendText);
  body.append(scroller, legend);
  root.append(head, body);
  host.append(root);

  let cells = []; // cells[i][j] -> <td>
  let rowHeads = [];
  let colHeads = [];

  function build() {
    const names = model.get("class_names") || [];
    const k = names.length;
    const thead = el("thead");
    const axisRow = el("tr");
    const corner = el("th", "dln-cm-corner");
    corner.colSpan = 2;
    corner.rowSpan = 2;
    const predAxis = el("th", "dln-cm-axis dln-cm-axis-pred", "Predicted");
    predAxis.colSpan = Math.max(k, 1);
    axisRow.append(corner, predAxis);
    const nameRow = el("tr");
    colHeads = names.map((name, j) => {
      const th = el("th", "dln-cm-col", name);
      th.dataset.pred = String(j);
      th.title = `predicted ${name}: click to browse the images predicted as ${name}`;
      nameRow.append(th);
      return th;
    });
    thead.append(axisRow, nameRow);

    const tbody = el("tbody");
    cells = [];
    rowHeads = [];
    names.forEach((name, i) => {
      const tr = el("tr");
      if (i === 0) {
        const trueAxis = el("th", "dln-cm-axis dln-cm-axis-true");
        trueAxis.rowSpan = k;
        trueAxis.append(el("span", null, "True"));
        tr.append(trueAxis);
      }
      const th = el("th", "dln-cm-row", name);
      th.dataset.true = String(i);
      th.title = `true ${name}: click to browse the images of true class ${name}`;
      tr.append(th);
      rowHeads.push(th);
      const row = names.map((_, j) => {
        const td = el("td", "dln-cm-cell");
        td.dataset.true = String(i);
        td.dataset.pred = String(j);
        if (i === j) td.classList.add("dln-cm-diag");
        tr.append(td);
        return td;
      });
      cells.push(row);
      tbody.append(tr);
    });
    table.replaceChildren(thead, tbody);
    paint();
    mark();
  }

  function paint() {
    const names = model.get("class_names") || [];
    const labels = model.get("labels") || [];
    const shade = model.get("shade") || [];
    const counts = model.get("counts") || [];
    const mode = model.get("normalize");
    cells.forEach((row, i) =>
      row.forEach((td, j) => {
        const t = (shade[i] || [])[j] || 0;
        const count = (counts[i] || [])[j] || 0;
        td.textContent = (labels[i] || [])[j] ?? "";
        td.style.background = colour(t);
        td.classList.toggle("dln-cm-dark", t > 0.5);
        td.classList.toggle("dln-cm-zero", count === 0);
        td.dataset.count = String(count);
        const share = `${(100 * t).toFixed(1)}% of ${mode === "pred" ? "predicted" : "true"} ${
          mode === "pred" ? names[j] : names[i]
        }`;
        td.title = `true ${names[i]} → predicted ${names[j]}: ${count} image${
          count === 1 ? "" : "s"
        } (${share}); click to browse`;
      }),
    );
    markPressed(modeButtons, (button) => button.dataset.value === (mode || ""));
    root.dataset.normalize = mode || "";
    legendName.textContent = mode === "pred" ? "rate per predicted" : "rate per true";
  }

  function mark() {
    const selected = model.get("selected") || [];
    const [t, p] = selected.length === 2 ? selected : [null, null];
    for (const node of table.querySelectorAll(".dln-cm-selected")) {
      node.classList.remove("dln-cm-selected");
    }
    const known = (i) => i !== null && i !== undefined;
    if (known(t) && known(p) && cells[t] && cells[t][p]) {
      cells[t][p].classList.add("dln-cm-selected");
    } else if (known(t) && rowHeads[t]) {
      rowHeads[t].classList.add("dln-cm-selected");
    } else if (known(p) && colHeads[p]) {
      colHeads[p].classList.add("dln-cm-selected");
    }
    root.dataset.selected =
      selected.length === 2 ? `${known(t) ? t : ""},${known(p) ? p : ""}` : "";
    const type = model.get("img_type") || "";
    const across = selected.length === 2 && !known(t) && !known(p);
    markPressed(allButtons, (button) => across && button.dataset.value === type);
  }

  function updateCaption() {
    caption.textContent = model.get("caption");
  }

  function highlight(td, on) {
    if (!td) return;
    const i = Number(td.dataset.true);
    const j = Number(td.dataset.pred);
    td.classList.toggle("dln-cm-hover", on);
    if (rowHeads[i]) rowHeads[i].classList.toggle("dln-cm-hover", on);
    if (colHeads[j]) colHeads[j].classList.toggle("dln-cm-hover", on);
  }

  function cellOf(event) {
    const td = event.target.closest ? event.target.closest("td.dln-cm-cell") : null;
    return td && table.contains(td) ? td : null;
  }

  const onOver = (event) => highlight(cellOf(event), true);
  const onOut = (event) => highlight(cellOf(event), false);
  const onClick = (event) => {
    const th = event.target.closest ? event.target.closest("th.dln-cm-row, th.dln-cm-col") : null;
    if (th && table.contains(th)) {
      const which = th.classList.contains("dln-cm-row") ? "true" : "pred";
      root.dataset.pending = `${which}:${th.dataset[which]}`;
      model.send({ type: "class", [which]: Number(th.dataset[which]) });
      return;
    }
    const td = cellOf(event);
    if (!td) return;
    root.dataset.pending = `${td.dataset.true},${td.dataset.pred}`;
    model.send({ type: "select", true: Number(td.dataset.true), pred: Number(td.dataset.pred) });
  };
  table.addEventListener("mouseover", onOver);
  table.addEventListener("mouseout", onOut);
  table.addEventListener("click", onClick);
  const unlisten = listen(model, [
    ["change:class_names", build],
    ["change:labels", paint],
    ["change:shade", paint],
    ["change:counts", paint],
    ["change:normalize", paint],
    ["change:selected", mark],
    ["change:img_type", mark],
    ["change:caption", updateCaption],
  ]);

  updateCaption();
  build();

  return () => {
    table.removeEventListener("mouseover", onOver);
    table.removeEventListener("mouseout", onOut);
    table.removeEventListener("click", onClick);
    unlisten();
  };
}

export default { render };
