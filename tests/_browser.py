"""Helpers shared by the browser tests: a notebook file on disk, the values it printed, and
JupyterLab page steps (open a notebook, wait for an idle kernel, run a cell)."""

from __future__ import annotations

import json

import nbformat

CELL_EDITORS = ".jp-Notebook .jp-Cell .cm-content"


def write_notebook(path, *cells):
    """Write a Python 3 notebook of code *cells* (source strings) at *path*; return *path*."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python"
    }
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, str(path))
    return path


def printed(page, *keys, timeout_ms=60_000):
    """The values a notebook printed as ``KEY=json`` lines, once every one of *keys* shows.

    The whole page's text is read: the lines of one cell may arrive in several output
    messages, each drawn as an element of its own.
    """
    page.wait_for_function(
        "keys => keys.every(key => document.body.innerText.includes(key + '='))",
        arg=list(keys), timeout=timeout_ms)
    values = {}
    for line in page.locator("body").inner_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() in keys:
            values[key.strip()] = json.loads(value)
    return values


def wait_for_kernel(page, *, timeout_ms):
    """Wait until JupyterLab's status bar says "Python 3 (ipykernel) | Idle"."""
    page.locator("#jp-main-statusbar").get_by_text("| Idle").wait_for(
        state="visible", timeout=timeout_ms
    )


def open_notebook(page, url, *, timeout_ms):
    """Open the JupyterLab notebook at *url* and wait until its kernel is idle."""
    page.goto(url, timeout=timeout_ms)
    page.locator(CELL_EDITORS).first.wait_for(state="visible", timeout=timeout_ms)
    wait_for_kernel(page, timeout_ms=timeout_ms)


def run_cell(page, index, keys="Shift+Enter", *, timeout_ms):
    """Run the cell at *index*: a click in its editor, then *keys* (Control+Enter runs in place)."""
    editor = page.locator(CELL_EDITORS).nth(index)
    editor.wait_for(state="visible", timeout=timeout_ms)
    editor.click()
    page.keyboard.press(keys)
