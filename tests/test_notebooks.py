"""Every notebook under notebooks/ (workshop, tutorials, dashboards) runs top to bottom in a
real kernel without errors."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import NOTEBOOKS_DIR

NOTEBOOKS = sorted(p for p in NOTEBOOKS_DIR.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
IDS = [str(p.relative_to(NOTEBOOKS_DIR).with_suffix("")) for p in NOTEBOOKS]


def _execute(path, env_overrides, monkeypatch):
    for key, value in env_overrides.items():
        monkeypatch.setenv(key, value)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},  # as Jupyter and Voila run it
    )
    client.execute()
    return nb


def _errors(nb) -> list[str]:
    found = []
    for index, cell in enumerate(nb.cells):
        if "raises-exception" in cell.get("metadata", {}).get("tags", []):
            continue  # a cell that shows an error on purpose (a typo and its message)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append(f"cell {index}: {output.get('ename')}: {output.get('evalue')}")
    return found


def _svg_outputs(nb) -> list[str]:
    return [
        output["data"]["image/svg+xml"]
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if "image/svg+xml" in output.get("data", {})
    ]


def test_notebooks_exist():
    names = {path.relative_to(NOTEBOOKS_DIR).as_posix() for path in NOTEBOOKS}
    assert "workshop.ipynb" in names
    assert {f"tutorials/{name}.ipynb" for name in ("01_build_a_cnn", "02_load_data", "03_train")} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_runs(path, jupyter_env, monkeypatch):
    nb = _execute(path, jupyter_env, monkeypatch)
    assert _errors(nb) == []
    if path.name == "workshop.ipynb":
        svgs = _svg_outputs(nb)
        assert svgs, "the workshop notebook shows no image/svg+xml output"
        assert any('class="node"' in svg for svg in svgs), (
            'no image/svg+xml output of the workshop notebook has a class="node" element'
        )
        pngs = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
        assert pngs, "the workshop notebook shows no image grid of the digits"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {index} has stored outputs"
            assert cell.execution_count is None, f"{path.name} cell {index} has a count"
