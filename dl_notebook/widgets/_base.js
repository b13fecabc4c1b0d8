// Shared by the notebook widgets, placed before each widget's own module (one file for
// anywidget): building DOM nodes and subscribing to model events.

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// Subscribe each [event, handler] pair to the model; the returned function unsubscribes them.
function listen(model, pairs) {
  for (const [event, handler] of pairs) model.on(event, handler);
  return () => {
    for (const [event, handler] of pairs) model.off(event, handler);
  };
}

// Mark the pressed buttons of a group: `dln-on` and aria-pressed where isOn(button).
function markPressed(buttons, isOn) {
  for (const button of buttons) {
    const on = Boolean(isOn(button));
    button.classList.toggle("dln-on", on);
    button.setAttribute("aria-pressed", on ? "true" : "false");
  }
}

// A labelled group of toggle buttons, one per [value, text, hint] option (text: a string or
// a node); a click calls onPick(value), and mark(value) shows the value in use.
function segmented(label, options, onPick, className) {
  const group = el("div", `dln-seg dln-br-seg${className ? ` ${className}` : ""}`);
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", label);
  group.append(el("span", "dln-br-seg-label", label));
  const buttons = options.map(([value, text, hint]) => {
    const button = el("button", "dln-btn dln-br-seg-btn");
    button.append(text);
    button.type = "button";
    button.dataset.value = value === null ? "" : value;
    if (hint) button.title = hint;
    button.addEventListener("click", () => onPick(value));
    group.append(button);
    return button;
  });
  function mark(current) {
    const key = current === null || current === undefined ? "" : current;
    markPressed(buttons, (button) => button.dataset.value === key);
  }
  return { group, buttons, mark };
}

// A labelled class <select> ("any" or a class name); a change calls onPick(id or null),
// and fill(names, current) sets the options and the class in use.
function classPicker(label, className, onPick) {
  const box = el("label", `dln-br-class ${className}`);
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

// The root of a browser widget: a focusable region whose keys JupyterLab leaves alone.
function keyRegion(className, label) {
  const root = el("div", className);
  root.tabIndex = 0;
  root.setAttribute("role", "region");
  root.setAttribute("aria-label", label);
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  return root;
}

// A browser's image of `size` pixels (its data URL may come later).
function thumbnail(src, size, alt) {
  const img = el("img", "dln-thumb");
  img.width = size;
  img.height = size;
  img.alt = alt;
  if (src) img.src = src;
  return img;
}

// Put *cards* in *grid*, or one line saying why there are none.
function showCards(grid, cards, emptyText) {
  if (!cards.length) cards.push(el("div", "dln-br-empty", emptyText));
  grid.replaceChildren(...cards);
}

// The paging row of a browser over the `page`, `n_pages` and `busy` traits: ‹ Prev,
// "Page i / n", Next ›, a status and an error line, and the keys ←/→, PageUp/PageDown,
// Home/End on *root*. request(message) sends a message the kernel answers with
// {type: "ready"}; while one is unanswered or `busy` is set, the status shows busyText().
// update() redraws the row from the traits; dispose() removes the listeners.
function pager(model, root, busyText) {
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

  let pending = 0; // requests sent and not answered yet
  const page = () => model.get("page");
  const lastPage = () => Math.max(0, model.get("n_pages") - 1);

  function updateBusy() {
    const busy = pending > 0 || model.get("busy");
    root.dataset.busy = busy ? "true" : "false";
    status.textContent = busy ? busyText() : "";
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

  function update() {
    pageNo.textContent = `Page ${page() + 1} / ${model.get("n_pages")}`;
    prev.disabled = page() <= 0;
    next.disabled = page() >= lastPage();
    root.dataset.page = String(page());
    root.dataset.nPages = String(model.get("n_pages"));
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
  const unlisten = listen(model, [
    ["msg:custom", onMessage],
    ["change:busy", updateBusy],
  ]);
  function dispose() {
    prev.removeEventListener("click", onPrev);
    next.removeEventListener("click", onNext);
    root.removeEventListener("keydown", onKey);
    unlisten();
  }
  return { nav, status, error, request, update, updateBusy, dispose };
}

// A dashboard's head: its title, the status line and a Stop button. A click on Stop shows
// "Stopping…", calls onStop() and sends {type: "stop"}; showKind(kind, canStop) shows the
// run's status kind (running, stopping, stopped, …) on the line and the button.
function dashboardHead(model, onStop) {
  const head = el("div", "dln-head");
  const title = el("span", "dln-title");
  const status = el("span", "dln-status");
  const stop = el("button", "dln-stop", "Stop");
  stop.type = "button";
  head.append(title, status, stop);

  function onClick() {
    stop.disabled = true;
    stop.textContent = "Stopping…";
    if (onStop) onStop();
    model.send({ type: "stop" });
  }

  function showKind(kind, canStop) {
    status.dataset.kind = kind;
    stop.disabled = !canStop;
    stop.textContent = kind === "stopping" ? "Stopping…" : kind === "stopped" ? "Stopped" : "Stop";
  }

  stop.addEventListener("click", onClick);
  const dispose = () => stop.removeEventListener("click", onClick);
  return { head, title, status, stop, showKind, dispose };
}

// Call draw() at most once per animation frame: schedule() asks for a frame, and a change
// of *box*'s size asks for one too; dispose() stops both.
function frames(draw, box) {
  let frame = 0;
  const run = () => {
    frame = 0;
    draw();
  };
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(run);
  };
  const observer = new ResizeObserver(schedule);
  observer.observe(box);
  function dispose() {
    observer.disconnect();
    if (frame) cancelAnimationFrame(frame);
  }
  return { schedule, dispose };
}

// Size *canvas*'s pixels to its box at the screen's pixel ratio and clear it: {ctx, w, h}
// in CSS pixels, or null while it has no size.
function fitCanvas(canvas) {
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (!w || !h) return null;
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ctx, w, h };
}
