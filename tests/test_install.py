"""A plain ``pip install .`` (no extras) into a fresh venv gives a working package.

The venv is new and sees nothing of the test environment, so any module
the package imports at run time without declaring it fails here.
"""

import subprocess
import sys

import pytest

from conftest import REPO_ROOT

SCRIPT = """
import numpy as np
import dl_notebook as dn

rng = np.random.default_rng(0)
x = rng.normal(size=(60, 4)).astype("float32")
y = rng.integers(0, 3, size=60)
net = dn.Sequential("tiny", layers=[dn.layers.InputLayer(shape=(4,)), dn.layers.OutputLayer(3)])
res = net.evaluate((x, y))
matrix = res.confusion_matrix().matrix
expected = np.zeros((3, 3), int)
np.add.at(expected, (y, res.y_pred), 1)
assert (np.asarray(matrix) == expected).all(), (matrix, expected)
print("OK", int(np.asarray(matrix).sum()))
"""


@pytest.mark.install
def test_a_plain_install_computes_a_confusion_matrix(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--progress-bar", "off", "--no-compile",
         str(REPO_ROOT)],
        capture_output=True, text=True, timeout=1200)
    assert install.returncode == 0, install.stderr[-3000:]
    run = subprocess.run([python, "-c", SCRIPT], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().splitlines()[-1] == "OK 60"
