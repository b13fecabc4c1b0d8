"""Importing dl_notebook stays light: no TensorFlow or Keras until a call needs them."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO_ROOT

HEAVY = ("tensorflow", "keras", "tf_keras", "matplotlib", "pandas")

_PROBE = f"""
import json, sys
import dl_notebook
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r})
print(json.dumps({{"heavy": heavy}}))
"""


def _probe() -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_does_not_load_heavy_libraries():
    result = _probe()
    assert result["heavy"] == [], f"`import dl_notebook` imported {result['heavy'][:10]}"


def test_first_network_call_loads_keras():
    probe = (
        "import sys, dl_notebook as dn\n"
        "net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(4,))])\n"
        "print('keras' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True,
                         text=True, timeout=120, check=True)
    assert out.stdout.strip().splitlines()[-1] == "True"
