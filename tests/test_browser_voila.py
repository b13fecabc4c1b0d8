"""The workshop dashboard renders in Voila, in a real Chromium."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import NOTEBOOKS_DIR, _venv_executable

WORKSHOP = NOTEBOOKS_DIR / "workshop.ipynb"
PAGE_TIMEOUT_MS = 90_000
# The network: the labextension's interactive view, or the inline SVG fallback without it.
CONV1 = 'svg g.dln-dag-node[data-node-id="conv1"], svg g.node[data-name="conv1"]'
SVG_AS_IMAGE = '[data-mime-type="image/svg+xml"] img'


def test_jupyter_env_finds_kernel_and_widget_extensions(jupyter_env):
    specs = subprocess.run(
        [*_venv_executable("jupyter"), "kernelspec", "list", "--json"],
        env=jupyter_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "python3" in json.loads(specs.stdout)["kernelspecs"]

    extensions = subprocess.run(
        [*_venv_executable("jupyter"), "labextension", "list"],
        env=jupyter_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    listing = extensions.stdout + extensions.stderr
    assert "@jupyter-widgets/jupyterlab-manager" in listing
    assert "enabled" in listing and "OK" in listing


@pytest.mark.browser
def test_workshop_dashboard_shows_the_network(voila_server, page, tmp_path):
    url = voila_server(WORKSHOP)

    screenshot = tmp_path / "workshop.png"
    page.goto(url, timeout=PAGE_TIMEOUT_MS)
    try:
        # The graph output, however it is rendered: inline SVG, or an <img> of the SVG.
        page.locator(f"{CONV1}, {SVG_AS_IMAGE}").first.wait_for(
            state="visible", timeout=PAGE_TIMEOUT_MS
        )
    finally:
        page.screenshot(path=str(screenshot), full_page=True)

    assert page.locator(CONV1).count() == 1, (
        "the network is not drawn as inline SVG (found "
        f"{page.locator(SVG_AS_IMAGE).count()} image/svg+xml output(s) shown as <img>, "
        "which Voila/JupyterLab use for image/svg+xml): the display needs a text/html "
        f"form with the <svg>, or the labextension's renderer (see {screenshot})"
    )
    n_nodes = page.locator("svg g.dln-dag-node, svg g.node").count()
    assert n_nodes >= 8, f"expected at least 8 layers drawn, found {n_nodes} (see {screenshot})"
    grid = page.locator('[data-mime-type="image/png"] img')
    assert grid.count() >= 1, f"the digits grid is not shown (see {screenshot})"
    assert grid.first.evaluate("img => img.naturalWidth") > 500, "the digits grid is empty"
    assert page.get_by_text("Loaded 1,797 images in 10 classes.").count() == 1
    assert page.errors == [], f"page errors: {page.errors} (see {screenshot})"
