"""The Model builder dashboard in Voila, in a real Chromium: adding a layer through the form changes the DAG."""

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
        status = page.locator(".dln-builder-status").inner_text()
        assert "Added extra_drop (Dropout) at the end." in status
        code = page.locator("textarea.dln-builder-code-dl").input_value()
        assert "extra_drop" in code

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
