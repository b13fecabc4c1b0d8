"""The ``ReduceLROnPlateau`` callback: a lower learning rate when training stalls.

It subclasses Keras' callback with checked arguments, and refuses, at the
start of training, an optimizer whose learning rate follows a schedule
(the callback changes the rate between epochs, so the rate must be a number).
It is also importable from :mod:`dl_notebook.train.schedules` and
``dl_notebook.callbacks``.

This module imports Keras, so it loads when training does (``dl_notebook``
and ``dl_notebook.callbacks`` import it on first access).

Example:
    >>> from dl_notebook.train.plateau import ReduceLROnPlateau
    >>> ReduceLROnPlateau(monitor="val_loss", patience=3).patience
    3
"""

from __future__ import annotations

from .._keras import keras as _load_keras
from ..errors import InvalidArgumentError
from ._checks import count as _count
from ._checks import number as _number

keras = _load_keras()  # training-only module: Keras (and TensorFlow) load with it

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(keras.callbacks.ReduceLROnPlateau):
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
            schedule = isinstance(rate, keras.optimizers.schedules.LearningRateSchedule)
            if schedule or (callable(rate) and not isinstance(rate, keras.Variable)):
                raise InvalidArgumentError(
                    "ReduceLROnPlateau needs an optimizer whose learning rate is a number, "
                    f"but it follows the schedule {rate!r}; drop the schedule or the callback."
                )
        super().on_train_begin(logs)
