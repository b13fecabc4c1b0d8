"""Training: solvers, learning-rate schedules, the fit loop, history, checkpoints.

Importing this package is light: it imports ``Optimizer``, ``TrainingHistory``,
``RunStatus`` and ``progress``, which need no Keras. The modules that do
(``solvers``, ``schedules``, ``plateau``, ``fit``, ``lr_find``, ``checkpoint``,
``checkpoint_callback``, ``text_progress``, ``distribute``) load on first access;
they define their Keras subclasses at module scope.

Example:
    >>> import dl_notebook as dn
    >>> dn.train.Optimizer(max_epochs=3).max_epochs
    3
    >>> dn.train.RunStatus.STOPPED.value
    'stopped'
"""

from __future__ import annotations

import importlib

from . import progress
from .history import TrainingHistory
from .optimizer import Optimizer
from .status import RunStatus

__all__ = ["Optimizer", "RunStatus", "TrainingHistory", "progress"]

_LAZY = ("solvers", "schedules", "plateau", "checkpoint", "checkpoint_callback",
         "text_progress", "distribute", "fit", "lr_find")


def __getattr__(name):  # submodules that import Keras load on first access
    if name in _LAZY:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
