"""Every notebook under notebooks/ (workshop, tutorials, dashboards, DLPy-style) runs top to bottom
in a real kernel without errors: a third of them here, the rest in test_notebooks_b.py and
test_notebooks_c.py (so the test workers share them), and all are stored without outputs."""

from __future__ import annotations

import nbformat
import pytest
from _notebooks import NOTEBOOKS, check_runs, shard

from conftest import NOTEBOOKS_DIR

PATHS, IDS = shard(0)
ALL_IDS = [str(p.relative_to(NOTEBOOKS_DIR).with_suffix("")) for p in NOTEBOOKS]


def test_notebooks_exist():
    names = {path.relative_to(NOTEBOOKS_DIR).as_posix() for path in NOTEBOOKS}
    assert "workshop.ipynb" in names
    assert {f"tutorials/{name}.ipynb" for name in ("01_build_a_cnn", "02_load_data", "03_train")} <= names


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_notebook_runs(path, jupyter_env, monkeypatch):
    check_runs(path, jupyter_env, monkeypatch)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ALL_IDS)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {index} has stored outputs"
            assert cell.execution_count is None, f"{path.name} cell {index} has a count"
