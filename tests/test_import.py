"""Importing dl_notebook stays light: no TensorFlow or Keras until a call needs them."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO_ROOT

HEAVY = ("tensorflow", "keras", "tf_keras", "matplotlib")
IMPORT_BUDGET_S = 1.0

_PROBE = f"""
import json, sys, time
t0 = time.perf_counter()
import dl_notebook
elapsed = time.perf_counter() - t0
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r})
print(json.dumps({{"elapsed": elapsed, "heavy": heavy}}))
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


def test_import_does_not_load_tensorflow_or_keras():
    result = _probe()
    assert result["heavy"] == [], f"`import dl_notebook` imported {result['heavy'][:10]}"


def test_import_is_fast():
    result = _probe()
    assert result["elapsed"] < IMPORT_BUDGET_S, (
        f"`import dl_notebook` took {result['elapsed']:.2f} s (budget {IMPORT_BUDGET_S} s)"
    )
