"""Timing helpers shared by the benchmarks: one timed call, and interleaved rounds.

The benchmarks run as scripts from this folder, so they import it as ``_timing``.
"""

from __future__ import annotations

import gc
import time


def timed(fn):
    """Call *fn* once; return ``(seconds, what it returned)``, timed with ``perf_counter``.

    Example:
        >>> seconds, value = timed(lambda: sum(range(10)))
        >>> value, seconds >= 0.0
        (45, True)
    """
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def interleaved(runs, repeats):
    """Time each function of *runs* (``{name: fn}``) once per round, for *repeats* rounds.

    The functions take turns in each round, so slow drift of a shared machine touches
    them alike; a garbage collection before each call keeps one run's garbage out of
    the next one's time. Warm-up runs, if any, are the caller's. Returns ``{name:
    [seconds of each round]}``, ready for ``statistics.median``.

    Example:
        >>> times = interleaved({"a": lambda: None, "b": lambda: None}, repeats=3)
        >>> sorted(times), [len(t) for t in times.values()]
        (['a', 'b'], [3, 3])
    """
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            gc.collect()
            seconds, _ = timed(fn)
            times[name].append(seconds)
    return times
