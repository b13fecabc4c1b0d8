"""The image browser's page in a real Chromium offers exactly the heatmap methods Python has.

The browser's ES module renders from the state of a Python ``ImageBrowser`` (its synced
traits, handed over as they are) in a blank page; its heatmap buttons must be the
registered methods, in order, with their titles, a method registered in this test
included, and pressing one asks the kernel for that method by name.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from dl_notebook.evaluate import EvaluationResult
from dl_notebook.explain import registry
from dl_notebook.widgets.browser import ImageBrowser

_TRAITS = ("summary", "img_type", "page", "n_pages", "n_images", "page_size", "thumb_size",
           "items", "thumbnails", "heatmap", "busy", "error", "methods")

_RENDER = """async ([esm, state]) => {
    const url = URL.createObjectURL(new Blob([esm], {type: "text/javascript"}));
    const module = await import(url);
    const handlers = {};
    window.sent = [];
    const model = {
        get: (key) => state[key],
        on: (event, handler) => { (handlers[event] = handlers[event] || []).push(handler); },
        off: () => {},
        send: (message) => { window.sent.push(message); },
    };
    module.default.render({model, el: document.getElementById("host")});
}"""

_BUTTONS = """() => [...document.querySelectorAll('[aria-label="Heatmap"] button')]
    .map((b) => [b.dataset.value, b.textContent])"""


def _flat(model, images, class_index=None):
    return np.zeros(np.shape(images)[:3], np.float32)


@pytest.mark.browser
def test_the_page_offers_the_registered_methods(page):
    x = np.zeros((3, 8, 8, 1), np.float32)
    res = EvaluationResult([0, 1, 1], [[.9, .1], [.6, .4], [.3, .7]], class_names=["a", "b"],
                           data=(x, [0, 1, 1]))
    registry.register("flat", title="Flat map", needs_gradients=False)(_flat)
    try:
        widget = ImageBrowser(res, page_size=3, thumb_size=32)
        state = {key: getattr(widget, key) for key in _TRAITS}
        json.dumps(state)  # what the page receives is plain JSON
        page.set_content('<div id="host"></div>')
        page.evaluate(_RENDER, [widget._esm, state])
        buttons = page.evaluate(_BUTTONS)
    finally:
        registry.unregister("flat")
    expected = [["", "None"]] + [[m.name, m.title] for m in registry.methods()]
    assert buttons == expected + [["flat", "Flat map"]]
    page.locator('[aria-label="Heatmap"] button[data-value="gradcam++"]').click()
    page.locator('[aria-label="Heatmap"] button[data-value="flat"]').click()
    assert page.evaluate("() => window.sent") == [
        {"type": "heatmap", "method": "gradcam++"}, {"type": "heatmap", "method": "flat"}]
    assert page.errors == []
