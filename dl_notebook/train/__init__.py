"""Training: solvers, learning-rate schedules, the fit loop, history, checkpoints.

Importing this package is light: modules that need Keras (``solvers``,
``schedules``, ``fit``, ``lr_find``, ``checkpoint``, ``distribute``) load
on first access.

Example:
    >>> import dl_notebook as dn
    >>> dn.train.Optimizer(max_epochs=3).max_epochs
    3
"""

from __future__ import annotations

import importlib

from . import progress
from .history import TrainingHistory
from .optimizer import Optimizer

__all__ = ["Optimizer", "TrainingHistory", "progress"]

_LAZY = ("solvers", "schedules", "checkpoint", "distribute", "fit", "lr_find")


def __getattr__(name):  # submodules that import Keras load on first access
    if name in _LAZY:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
