"""The ``ReduceLROnPlateau`` callback: a lower learning rate when training stalls.

It subclasses Keras' callback with checked arguments, and refuses, at the
start of training, an optimizer whose learning rate follows a schedule
(the callback changes the rate between epochs, so the rate must be a number).
It is also importable from :mod:`dl_notebook.train.schedules` and
``dl_notebook.callbacks``.

Keras loads when the class is first used, not when this module is imported.

Example:
    >>> from dl_notebook.train.plateau import ReduceLROnPlateau
    >>> ReduceLROnPlateau(monitor="val_loss", patience=3).patience
    3
"""

# ReduceLROnPlateau subclasses a Keras class, so it is made on first use by the module
# __getattr__ below (importing dl_notebook stays free of Keras); ruff cannot see that.
# ruff: noqa: F822

from __future__ import annotations

import threading

from .._keras import keras
from ..errors import InvalidArgumentError
from ._checks import count as _count
from ._checks import number as _number

__all__ = ["ReduceLROnPlateau"]

_DEFINE_LOCK = threading.Lock()


def __getattr__(name):
    if name == "ReduceLROnPlateau":
        with _DEFINE_LOCK:
            if name not in globals():
                globals()[name] = _define()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))


def _define():
    """Create the callback class (it subclasses a Keras class, so Keras loads here)."""
    k = keras()
    base = k.optimizers.schedules.LearningRateSchedule

    class ReduceLROnPlateau(k.callbacks.ReduceLROnPlateau):
        """Lower the learning rate when a monitored quantity stops improving (Keras' callback).

        After *patience* epochs without an improvement of *monitor* by more than
        *min_delta*, the rate becomes ``max(lr * factor, min_lr)``; then
        *cooldown* epochs pass before counting again. The optimizer's learning
        rate must be a number (a variable): with a schedule, training stops at
        once with :class:`~dl_notebook.errors.InvalidArgumentError`.

        Args:
            monitor: the quantity in the epoch logs (``"val_loss"``, ``"loss"``, ...).
            factor: multiplier of the rate, in (0, 1).
            patience: epochs without improvement before lowering the rate.
            min_lr: the rate never goes below this.
            cooldown: epochs to wait after a reduction.
            mode: "auto", "min" or "max".
            min_delta: the smallest change that counts as an improvement.
            verbose: 1 prints a line at each reduction.

        Example:
            >>> from dl_notebook.train.schedules import ReduceLROnPlateau
            >>> ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2).factor
            0.5
        """

        def __init__(self, monitor="val_loss", factor=0.1, patience=10, min_lr=0.0,
                     cooldown=0, mode="auto", min_delta=1e-4, verbose=0):
            where = "ReduceLROnPlateau"
            factor = _number(factor, "factor", where, low=0, high=1, low_open=True,
                             high_open=True)
            patience = _count(patience, "patience", where, minimum=0)
            min_lr = _number(min_lr, "min_lr", where, low=0)
            cooldown = _count(cooldown, "cooldown", where, minimum=0)
            if mode not in ("auto", "min", "max"):
                raise InvalidArgumentError(
                    f"{where}: mode must be 'auto', 'min' or 'max'; got {mode!r}."
                )
            if not isinstance(monitor, str) or not monitor:
                raise InvalidArgumentError(
                    f"{where}: monitor must be the name of a logged quantity; got {monitor!r}."
                )
            super().__init__(monitor=monitor, factor=factor, patience=patience, verbose=verbose,
                             mode=mode, min_delta=_number(min_delta, "min_delta", where, low=0),
                             cooldown=cooldown, min_lr=min_lr)

        def on_train_begin(self, logs=None):
            optimizer = self.model.optimizer
            for opt in getattr(optimizer, "optimizers", None) or [optimizer]:
                rate = getattr(opt, "_learning_rate", None)
                if isinstance(rate, base) or (callable(rate)
                                              and not isinstance(rate, k.Variable)):
                    raise InvalidArgumentError(
                        "ReduceLROnPlateau needs an optimizer whose learning rate is a number, "
                        f"but it follows the schedule {rate!r}; drop the schedule or the callback."
                    )
            super().on_train_begin(logs)

    ReduceLROnPlateau.__module__ = __name__
    ReduceLROnPlateau.__qualname__ = ReduceLROnPlateau.__name__
    return ReduceLROnPlateau
