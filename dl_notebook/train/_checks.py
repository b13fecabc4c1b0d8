"""Argument checks shared by the learning-rate schedules and ``ReduceLROnPlateau``.

Each returns the value as a plain ``float`` / ``int``, or raises
:class:`~dl_notebook.errors.InvalidArgumentError` with a one-sentence
message that names the class (*where*) and the argument.

Example:
    >>> from dl_notebook.train._checks import count, number
    >>> number(0.5, "gamma", "StepLR", low=0, high=1), count(3, "step_size", "StepLR")
    (0.5, 3)
"""

from __future__ import annotations

import math
import numbers

from ..errors import InvalidArgumentError

__all__ = ["count", "number"]


def number(value, name, where, *, low=None, high=None, low_open=False, high_open=False):
    """*value* as a float: finite, within ``[low, high]`` (open ends with ``*_open``)."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value):
        raise InvalidArgumentError(f"{where}: {name} must be a finite number; got {value!r}.")
    if low is not None and (value <= low if low_open else value < low):
        sign = ">" if low_open else "≥"
        raise InvalidArgumentError(f"{where}: {name} must be {sign} {low:g}; got {value!r}.")
    if high is not None and (value >= high if high_open else value > high):
        sign = "<" if high_open else "≤"
        raise InvalidArgumentError(f"{where}: {name} must be {sign} {high:g}; got {value!r}.")
    return float(value)


def count(value, name, where, *, minimum=1):
    """*value* as an int: an integer (not a bool) of at least *minimum*."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        raise InvalidArgumentError(
            f"{where}: {name} must be an integer ≥ {minimum}; got {value!r}."
        )
    return int(value)
