"""The notebooks of shard 2 (see tests/_notebooks.py) run top to bottom in a real kernel."""

from __future__ import annotations

import pytest
from _notebooks import check_runs, shard

PATHS, IDS = shard(2)


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_notebook_runs(path, jupyter_env, monkeypatch):
    check_runs(path, jupyter_env, monkeypatch)
