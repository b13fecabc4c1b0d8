"""The Model builder dashboard in Voila, in a real Chromium: adding a layer through the form changes the DAG.

A layer goes before the output layer by default, and the drawing's pane shows the whole
network (its last box is visible, not cut off by the form beside it).
"""

from __future__ import annotations

import pytest

from conftest import NOTEBOOKS_DIR

DASHBOARD = NOTEBOOKS_DIR / "dashboards" / "model_builder.ipynb"
PAGE_TIMEOUT_MS = 120_000
EDIT_TIMEOUT_MS = 30_000
NODES = ".dln-builder-dag svg g.node"


@pytest.mark.browser
def test_adding_a_layer_through_the_form_changes_the_dag(voila_server, page, tmp_path):
    page.goto(voila_server(DASHBOARD), timeout=PAGE_TIMEOUT_MS)
    screenshot = tmp_path / "model_builder.png"
    try:
        page.locator(f'{NODES}[data-name="conv1"]').wait_for(state="visible",
                                                               timeout=PAGE_TIMEOUT_MS)
        n_before = page.locator(NODES).count()
        assert n_before == 8, f"the LeNet-like start network should show 8 layers, not {n_before}"
        assert page.locator(f'{NODES}[data-name="extra_drop"]').count() == 0
        page.get_by_text("Equivalent code").wait_for(state="visible")

        page.locator(".dln-builder-type select").select_option("Dropout")
        page.locator(".dln-builder-name input").fill("extra_drop")
        page.locator(".dln-builder-name input").press("Tab")  # commit the text to the kernel
        page.locator("button.dln-builder-add").click()

        added = page.locator(f'{NODES}[data-name="extra_drop"]')
        added.wait_for(state="visible", timeout=EDIT_TIMEOUT_MS)
        assert page.locator(NODES).count() == n_before + 1
        # The drawing, the status line and the code are separate updates: wait for each.
        page.locator(".dln-builder-status", has_text="Added extra_drop (Dropout) before "
                     "output1.").wait_for(timeout=EDIT_TIMEOUT_MS)  # the default place
        page.wait_for_function("() => document.querySelector('textarea.dln-builder-code-dl')"
                               ".value.includes('extra_drop: dropout 0.5')",
                               timeout=EDIT_TIMEOUT_MS)
        code = page.locator("textarea.dln-builder-code-dl").input_value()
        assert code.splitlines()[-3:-1] == ["dense 84 relu", "extra_drop: dropout 0.5"], code
        tops = {name: page.locator(f'{NODES}[data-name="{name}"]').bounding_box()["y"]
                for name in ("fc2", "extra_drop", "output1")}
        assert tops["fc2"] < tops["extra_drop"] < tops["output1"]

        # The pane shows the whole network: nothing hidden in it, the output box on top.
        seen = page.evaluate(
            """() => {
                const pane = document.querySelector('.dln-builder-dag');
                const out = pane.querySelector('svg g.node[data-name="output1"]');
                out.scrollIntoView({block: 'center'});
                const r = out.getBoundingClientRect(), p = pane.getBoundingClientRect();
                const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height - 3);
                return {hidden: pane.scrollHeight - pane.clientHeight, inside: r.bottom <= p.bottom,
                        hit: hit && hit.closest('g.node') ? hit.closest('g.node').dataset.name
                                                          : null};
            }"""
        )
        assert seen["hidden"] <= 1 and seen["inside"] and seen["hit"] == "output1", seen

        # A click on a box selects that layer in the kernel, which highlights it and the list.
        page.locator(f'{NODES}[data-name="conv2"]').click()
        page.locator(f'{NODES}.dln-selected[data-name="conv2"]').wait_for(
            state="attached", timeout=EDIT_TIMEOUT_MS)
        page.wait_for_function(
            """() => {
                const s = document.querySelector('.dln-builder-layers select');
                return s && s.value.startsWith('conv2');
            }""",
            timeout=EDIT_TIMEOUT_MS,
        )
        page.locator("button.dln-builder-remove").click()
        page.locator(f'{NODES}[data-name="conv2"]').wait_for(state="detached",
                                                              timeout=EDIT_TIMEOUT_MS)
        assert page.locator(NODES).count() == n_before
    finally:
        page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 0
    assert page.errors == [], f"page errors: {page.errors} (see {screenshot})"


@pytest.mark.browser
def test_starting_from_a_ready_network_replaces_the_drawing(voila_server, page, tmp_path):
    from dl_notebook.applications import fitting

    page.set_viewport_size({"width": 1280, "height": 1400})
    page.goto(voila_server(DASHBOARD), timeout=PAGE_TIMEOUT_MS)
    screenshot = tmp_path / "model_builder_start.png"
    try:
        page.locator(f'{NODES}[data-name="conv1"]').wait_for(state="visible",
                                                               timeout=PAGE_TIMEOUT_MS)
        start = page.locator(".dln-builder-start select")
        labels = [t.replace("\xa0", " ") for t in start.locator("option").all_inner_texts()]
        assert labels == [e.title for e in fitting((32, 32, 1)).values()]  # ipywidgets: nbsp

        start.select_option(label="ResNet-18")
        page.locator(".dln-builder-classes input").fill("5")
        page.locator(".dln-builder-classes input").press("Tab")
        page.locator("button.dln-builder-start-button").click()
        page.locator(f'{NODES}[data-name="conv1_conv"]').wait_for(state="visible",
                                                                    timeout=EDIT_TIMEOUT_MS)
        page.locator(".dln-builder-status", has_text="Started from ResNet-18: 71 layers"
                     ).wait_for(timeout=EDIT_TIMEOUT_MS)
        page.locator(".dln-builder-summary", has_text="71 layers").wait_for(
            timeout=EDIT_TIMEOUT_MS)
        # Repeated blocks are grouped: a drawing of a dozen boxes, not 71.
        n_grouped = page.locator(NODES).count()
        assert page.locator(f"{NODES}.group").count() >= 1 and n_grouped < 20
        assert page.locator(f'{NODES}[data-name="conv1"]').count() == 0
        code = page.locator("textarea.dln-builder-code-dl").input_value()
        assert code == "%dl model resnet18 --from resnet18 --classes 5 --input 32x32x1"

        page.locator(".dln-builder-expand input").check()
        page.wait_for_function(
            f"() => document.querySelectorAll('{NODES}').length === 71",
            timeout=EDIT_TIMEOUT_MS,
        )
        page.locator(".dln-builder-expand input").uncheck()
        page.wait_for_function(
            f"() => document.querySelectorAll('{NODES}').length === {n_grouped}",
            timeout=EDIT_TIMEOUT_MS,
        )

        # It is edited like any network: a layer added (before the output layer, the default)
        # shows in drawing and code.
        page.locator(".dln-builder-type select").select_option("Dropout")
        page.locator(".dln-builder-name input").fill("extra_drop")
        page.locator(".dln-builder-name input").press("Tab")
        page.locator("button.dln-builder-add").click()
        page.locator(f'{NODES}[data-name="extra_drop"]').wait_for(state="visible",
                                                                    timeout=EDIT_TIMEOUT_MS)
        page.wait_for_function(  # the code view may arrive after the drawing
            "() => document.querySelector('textarea.dln-builder-code-dl').value"
            ".includes('extra_drop')", timeout=EDIT_TIMEOUT_MS)
        code = page.locator("textarea.dln-builder-code-dl").input_value()
        assert code.splitlines()[-2:] == ["extra_drop: dropout 0.5",
                                          "predictions: output 5 softmax"], code
    finally:
        page.screenshot(path=str(screenshot), full_page=True)
    assert page.errors == [], f"page errors: {page.errors} (see {screenshot})"
