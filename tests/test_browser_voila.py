"""The workshop dashboard renders in Voila, in a real Chromium."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from _browser import write_notebook

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


# A small network with three identical residual blocks (one group), built without Keras.
DAG_CELL = """\
from dl_notebook.graph import Dag, DagNode, DagView

nodes = [DagNode("x", "InputLayer", "input", (8, 8, 3), 0),
         DagNode("stem", "Conv2D", "conv", (8, 8, 4), 112)]
edges, prev = [("x", "stem")], "stem"
for i in range(1, 4):
    nodes += [DagNode(f"b{i}_conv", "Conv2D", "conv", (8, 8, 4), 148),
              DagNode(f"b{i}_add", "Add", "merge", (8, 8, 4), 0)]
    edges += [(prev, f"b{i}_conv"), (f"b{i}_conv", f"b{i}_add"), (prev, f"b{i}_add")]
    prev = f"b{i}_add"
nodes.append(DagNode("out", "Dense", "output", (10,), 50))
edges.append((prev, "out"))
DagView.from_dag(Dag("residual", nodes, edges))
"""
# Console errors that would come from this project's extension (the font-awesome CDN
# requests that fail offline are not among them).
EXTENSION_ERROR = re.compile(r"dl-notebook|dl_notebook|shared module|@codemirror", re.I)


@pytest.mark.browser
def test_labextension_loads_in_voila_without_errors(voila_server, page, tmp_path):
    notebook = write_notebook(tmp_path / "network.ipynb", DAG_CELL)
    console_errors = []
    page.on(
        "console",
        lambda message: console_errors.append(message.text) if message.type == "error" else None,
    )
    page.goto(voila_server(notebook), timeout=PAGE_TIMEOUT_MS)
    root = page.locator('[data-mime-type="application/vnd.dl-notebook.dag+json"]')
    try:
        root.locator("svg g.dln-dag-node").first.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        assert root.get_attribute("data-mode") == "grouped"
        root.locator(".dln-dag-group").click()  # the view works: the group expands
        page.wait_for_function(
            """() => document.querySelectorAll('g.dln-dag-node').length === 9""",
            timeout=PAGE_TIMEOUT_MS,
        )
        # Voila's own extensions load after the page shows; let every one finish
        page.wait_for_load_state("networkidle", timeout=PAGE_TIMEOUT_MS)
    finally:
        page.screenshot(path=str(tmp_path / "voila-network.png"), full_page=True)
    assert page.errors == [], f"page errors: {page.errors}"
    ours = [text for text in console_errors if EXTENSION_ERROR.search(text)]
    assert ours == [], f"console errors from the extension: {ours}"
