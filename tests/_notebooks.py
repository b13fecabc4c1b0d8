"""Running the notebooks under notebooks/ in a real kernel, shared by the test_notebooks* files.

Each notebook runs in one of ``SHARDS`` test files (round robin over the sorted paths), so
that pytest-xdist (``--dist loadfile``) spreads the notebooks over its workers.
"""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from conftest import NOTEBOOKS_DIR

SHARDS = 3

NOTEBOOKS = sorted(p for p in NOTEBOOKS_DIR.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def execute(path, env_overrides, monkeypatch):
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


def errors(nb) -> list[str]:
    found = []
    for index, cell in enumerate(nb.cells):
        if "raises-exception" in cell.get("metadata", {}).get("tags", []):
            continue  # a cell that shows an error on purpose (a typo and its message)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append(f"cell {index}: {output.get('ename')}: {output.get('evalue')}")
    return found


def svg_outputs(nb) -> list[str]:
    return [
        output["data"]["image/svg+xml"]
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if "image/svg+xml" in output.get("data", {})
    ]


def shard(index: int) -> tuple[list, list]:
    """The notebooks of shard *index* and their test ids."""
    paths = NOTEBOOKS[index::SHARDS]
    return paths, [str(p.relative_to(NOTEBOOKS_DIR).with_suffix("")) for p in paths]


def check_runs(path, jupyter_env, monkeypatch) -> None:
    """Run the notebook at *path* top to bottom and check its outputs."""
    nb = execute(path, jupyter_env, monkeypatch)
    assert errors(nb) == []
    if path.name == "workshop.ipynb":
        svgs = svg_outputs(nb)
        assert svgs, "the workshop notebook shows no image/svg+xml output"
        assert any('class="node"' in svg for svg in svgs), (
            'no image/svg+xml output of the workshop notebook has a class="node" element'
        )
        pngs = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
        assert pngs, "the workshop notebook shows no image grid of the digits"
