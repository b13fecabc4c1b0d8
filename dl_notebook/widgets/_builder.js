// Model builder drawing: the network's SVG, inline; a click on a layer's box selects it.

function render({ model, el }) {
  el.classList.add("dln-builder-dag");

  const mark = () => {
    const selected = model.get("selected");
    for (const node of el.querySelectorAll("svg g.node")) {
      node.classList.toggle("dln-selected", node.dataset.name === selected);
    }
  };

  const draw = () => {
    const svg = model.get("svg");
    el.innerHTML = svg || '<p class="dln-builder-empty">No layers yet.</p>';
    el.dataset.nodes = String(el.querySelectorAll("svg g.node").length);
    mark();
  };

  const onClick = (event) => {
    const node = event.target.closest("g.node");
    if (!node || !el.contains(node) || node.classList.contains("group")) return;
    model.set("selected", node.dataset.name);
    model.save_changes();
  };

  el.addEventListener("click", onClick);
  model.on("change:svg", draw);
  model.on("change:selected", mark);
  draw();
  return () => {
    el.removeEventListener("click", onClick);
    model.off("change:svg", draw);
    model.off("change:selected", mark);
  };
}

export default { render };
