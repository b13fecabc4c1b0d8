"""TensorFlow starts quietly: no C++/absl start-up lines in a script's stderr or a notebook's
outputs (cudart_stub, the absl banner, cuInit without a driver), while real errors show."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import nbformat
from nbclient import NotebookClient

from conftest import REPO_ROOT

# What TensorFlow prints while it loads, in absl's format or as absl's banner.
STARTUP_LINE = re.compile(
    r"^[IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\]|absl::InitializeLog|cudart_stub|cuInit"
    r"|oneDNN custom operations",
    re.MULTILINE,
)

FIRST_CELL = """\
import numpy as np
import dl_notebook as dn

rng = np.random.default_rng(0)
x = rng.normal(size=(64, 4)).astype("float32")
y = (x[:, 0] > 0).astype("int64")
net = dn.Sequential("tiny", layers=[dn.layers.InputLayer(shape=(4,)), dn.layers.OutputLayer(2)])
history = net.fit((x, y), epochs=1, batch_size=32, live=False, background=False)
print("trained", len(history.frame))
"""


def test_a_script_that_imports_and_trains_has_a_clean_stderr():
    run = subprocess.run([sys.executable, "-c", FIRST_CELL], cwd=REPO_ROOT, capture_output=True,
                         text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().splitlines()[-1] == "trained 1"
    assert STARTUP_LINE.search(run.stderr) is None, run.stderr[-3000:]


def test_a_notebooks_first_model_cell_shows_no_startup_lines(jupyter_env, tmp_path):
    # The kernel's own defaults; and out of pytest, ipykernel shows what is written to fd 2.
    env = {key: value for key, value in jupyter_env.items()
           if key not in ("TF_CPP_MIN_LOG_LEVEL", "PYTEST_CURRENT_TEST")}
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(FIRST_CELL),
                nbformat.v4.new_code_cell("import os; os.write(2, b'a real error\\n')")]
    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute(env=env)
    streams = [(index, out["name"], out["text"]) for index, cell in enumerate(nb.cells)
               for out in cell.outputs if out["output_type"] == "stream"]
    assert any(i == 0 and name == "stdout" and "trained 1" in text for i, name, text in streams)
    stderr = "".join(text for _, name, text in streams if name == "stderr")
    assert STARTUP_LINE.search(stderr) is None, stderr
    assert "a real error" in stderr  # the kernel's descriptor 2 is shown again afterwards


HELD = """\
import os, sys
from dl_notebook._keras import _quiet_stderr
with _quiet_stderr():
    os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are "
                b"written to STDERR\\n")
    os.write(2, b"I0000 00:00:1796561898.288633   10440 cudart_stub.cc:31] Could not find "
                b"cuda drivers on your machine, GPU will not be used.\\n")
    os.write(2, b"E0000 00:00:1796561904.464989   10440 cuda_platform.cc:52] failed call "
                b"to cuInit: INTERNAL: CUDA error\\n")
    os.write(2, b"E0000 00:00:1796561904.5   10440 op_kernel.cc:1857] a real C++ error\\n")
    print("a Python warning", file=sys.stderr)
os.write(2, b"after\\n")
"""


def test_held_back_stderr_keeps_real_errors_and_their_order():
    run = subprocess.run([sys.executable, "-c", HELD], cwd=REPO_ROOT, capture_output=True,
                         timeout=60, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert run.returncode == 0, run.stderr
    lines = run.stderr.decode().splitlines()
    assert [line.split("] ")[-1] for line in lines] == [
        "a real C++ error", "a Python warning", "after"]
