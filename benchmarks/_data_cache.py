"""Where the benchmarks keep the data they generate, so that later runs reuse it."""

from __future__ import annotations

import os
import tempfile


def bench_data_root():
    """``$DL_NOTEBOOK_BENCH_DATA``, else ``dl_notebook_bench_data`` in the system temp folder."""
    return os.environ.get("DL_NOTEBOOK_BENCH_DATA") or os.path.join(
        tempfile.gettempdir(), "dl_notebook_bench_data")
