"""The magics in a real kernel: tests/notebooks/magics.ipynb runs every subcommand via nbclient."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import VENV_BIN, VENV_JUPYTER_PATH

NOTEBOOK = Path(__file__).parent / "notebooks" / "magics.ipynb"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook, run in a real kernel with an isolated Jupyter environment (as conftest's)."""
    root = tmp_path_factory.mktemp("jupyter")
    with pytest.MonkeyPatch.context() as mp:
        for key in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
            path = root / key.lower()
            path.mkdir()
            mp.setenv(key, str(path))
        mp.setenv("JUPYTER_PATH", str(VENV_JUPYTER_PATH))
        mp.setenv("JUPYTER_PLATFORM_DIRS", "1")
        mp.setenv("PATH", os.pathsep.join((str(VENV_BIN), os.environ.get("PATH", ""))))
        nb = nbformat.read(NOTEBOOK, as_version=4)
        client = NotebookClient(nb, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(root)}})
        client.execute()
    return nb


def cell(nb, source_start):
    found = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(source_start)]
    assert len(found) == 1, source_start
    return found[0]


def data_of(cell_, mime):
    return [o["data"][mime] for o in cell_.outputs if mime in o.get("data", {})]


def text_of(cell_):
    return "".join(o.get("text", "") for o in cell_.outputs if o["output_type"] == "stream")


def errors_of(cell_):
    return [o for o in cell_.outputs if o["output_type"] == "error"]


def test_only_the_cells_meant_to_fail_fail(executed):
    for c in executed.cells:
        if c.cell_type != "code":
            continue
        expected = "raises-exception" in c.metadata.get("tags", [])
        assert bool(errors_of(c)) == expected, (c.source, c.outputs)


def test_errors_are_one_message_with_a_caret_and_no_traceback(executed):
    (err,) = errors_of(cell(executed, "%dl add lenet cnv"))
    lines = [_ANSI.sub("", line) for line in err["traceback"]]
    assert err["ename"] == "DLSyntaxError"
    assert lines == [
        "DLSyntaxError: column 15: unknown layer type `cnv`; did you mean `conv`?",
        "    %dl add lenet cnv 8 3x3 --after conv1",
        "                  ^^^",
    ]
    (err,) = errors_of(cell(executed, "%%dl model broken"))
    lines = [_ANSI.sub("", line) for line in err["traceback"]]
    assert err["ename"] == "ShapeError"
    assert lines[0].startswith("ShapeError: Layer 'pool1' (Pooling): its 16×16 window")
    assert lines[1:] == ["    line 3: pool max 16 padding=valid", " " * 12 + "^^^^"]
    assert not any("Traceback" in line or 'File "' in line for line in lines)


def test_building_and_editing_outputs(executed):
    assert text_of(cell(executed, "%%dl model lenet")).startswith("<Sequential 'lenet': 5 layers")
    assert "added bn1 after conv1" in text_of(cell(executed, "%dl add lenet bn1"))
    assert "removed bn1" in text_of(cell(executed, "%dl remove"))
    svgs = data_of(cell(executed, "%dl show"), "image/svg+xml")
    assert svgs and 'class="node"' in svgs[0]
    assert "<table" in data_of(cell(executed, "%dl summary"), "text/html")[0]
    assert text_of(cell(executed, "%dl code")).startswith(
        "%%dl model lenet --input 8x8x1 --scale 0.00392156862745098\n")
    assert "%dl add NAME LAYER…" in text_of(cell(executed, "%dl help add"))


def test_data_training_and_inspection_outputs(executed):
    assert "digits_train:" in text_of(cell(executed, "%dl data"))
    train = cell(executed, "%dl train")
    assert data_of(train, "application/vnd.jupyter.widget-view+json"), train.outputs
    frame = data_of(cell(executed, "lenet_history.wait()"), "text/html")[0]
    assert "val_loss" in frame
    found = re.match(r"lenet: accuracy (0\.\d{4}) on \d+ examples of digits_test",
                     text_of(cell(executed, "%dl evaluate")))
    assert found and float(found.group(1)) > 0.5  # three epochs learn the digits
    assert data_of(cell(executed, "%dl confusion"), "image/png")
    assert data_of(cell(executed, "%dl browse"), "application/vnd.jupyter.widget-view+json")
    assert data_of(cell(executed, "%dl gradcam"), "image/png")
    assert data_of(cell(executed, "%dl heatmap"), "image/png")


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert all(c.outputs == [] and c.execution_count is None
               for c in nb.cells if c.cell_type == "code")
