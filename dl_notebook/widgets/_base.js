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
