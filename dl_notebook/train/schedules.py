"""Learning-rate schedules (DLPy ``lr_scheduler``) and the ``ReduceLROnPlateau`` callback.

Each schedule is a ``keras.optimizers.schedules.LearningRateSchedule``: a
function of the optimizer's step (the number of batches trained so far,
counted from 0), computed with ``keras.ops`` so it also runs inside a
compiled training step, and serialisable with ``get_config`` /
``from_config`` (registered as ``dl_notebook>Name``, so a saved ``.keras``
model loads back with its schedule). Give one as ``learning_rate`` of a
solver or of any Keras optimizer, or as ``lr_scheduler=`` to ``fit``.

Steps are batches. DLPy counts ``StepLR`` / ``MultiStepLR`` in epochs: pass
``steps_per_epoch=`` and ``step_size`` / ``steps`` are read as epochs
(multiplied by ``steps_per_epoch``). ``ReduceLROnPlateau`` changes the
learning rate between epochs, so it needs an optimizer whose learning rate
is a number, not a schedule; it is defined in :mod:`dl_notebook.train.plateau`
and importable from here.

This module imports Keras, so it loads when training does (``dn.schedules``
is imported on first access).

Example:
    >>> from dl_notebook.train.schedules import CyclicLR, StepLR
    >>> lr = CyclicLR(0.001, 0.006, step_size=4)
    >>> [round(float(lr(s)), 5) for s in (0, 2, 4, 6, 8)]
    [0.001, 0.0035, 0.006, 0.0035, 0.001]
    >>> [round(float(StepLR(0.1, 0.5, 2, steps_per_epoch=10)(s)), 3) for s in (19, 20, 40)]
    [0.1, 0.05, 0.025]
"""

from __future__ import annotations

import math
import numbers

from .._keras import keras as _load_keras
from ..errors import InvalidArgumentError
from ._checks import count as _count
from ._checks import number as _number
from .plateau import ReduceLROnPlateau

keras = _load_keras()  # training-only module: Keras (and TensorFlow) load with it
ops = keras.ops

__all__ = [
    "FixedLR",
    "StepLR",
    "MultiStepLR",
    "PolynomialLR",
    "CyclicLR",
    "CosineDecay",
    "OneCycle",
    "ReduceLROnPlateau",
    "custom_objects",
]

_CYCLIC_MODES = ("triangular", "triangular2", "exp_range")


# -- argument checks ----------------------------------------------------------------------
def _steps_per_epoch(value, where):
    return None if value is None else _count(value, "steps_per_epoch", where)


def custom_objects() -> dict:
    """The schedule classes by name, registered with Keras; for ``load_model(custom_objects=)``.

    Importing this module registers the classes (as ``dl_notebook>Name``), so
    that ``keras.models.load_model`` finds them when a saved optimizer follows one.

    Example:
        >>> from dl_notebook.train.schedules import custom_objects
        >>> sorted(custom_objects())[:2]
        ['CosineDecay', 'CyclicLR']
    """
    return {cls.__name__: cls for cls in sorted(_SCHEDULES, key=lambda c: c.__name__)}


def _register(cls):
    return keras.saving.register_keras_serializable(package="dl_notebook", name=cls.__name__)(cls)


def _float_step(step):
    return ops.cast(step, "float32")


class _Schedule(keras.optimizers.schedules.LearningRateSchedule):
    """Shared ``get_config`` / ``__repr__``: the constructor's arguments."""

    _args: tuple = ()

    def get_config(self):
        return {name: getattr(self, name) for name in self._args}

    def __repr__(self):
        args = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._args)
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    __hash__ = object.__hash__


@_register
class FixedLR(_Schedule):
    """A constant learning rate (DLPy ``FixedLR``).

    Example:
        >>> from dl_notebook.train.schedules import FixedLR
        >>> round(float(FixedLR(0.01)(1000)), 6)
        0.01
    """

    _args = ("learning_rate",)

    def __init__(self, learning_rate):
        self.learning_rate = _number(learning_rate, "learning_rate", "FixedLR",
                                     low=0, low_open=True)

    def __call__(self, step):
        return ops.full((), self.learning_rate, dtype="float32")


@_register
class StepLR(_Schedule):
    """Multiply the rate by *gamma* every *step_size* steps (DLPy ``StepLR``).

    ``lr = learning_rate * gamma ** floor(step / step_size)``.

    Args:
        learning_rate: the starting rate.
        gamma: the factor applied at each drop, in (0, 1].
        step_size: steps between drops (epochs when ``steps_per_epoch`` is given).
        steps_per_epoch: batches per epoch, to count ``step_size`` in epochs as DLPy does.

    Example:
        >>> from dl_notebook.train.schedules import StepLR
        >>> [round(float(StepLR(1.0, 0.1, 3)(s)), 4) for s in (0, 2, 3, 6)]
        [1.0, 1.0, 0.1, 0.01]
    """

    _args = ("learning_rate", "gamma", "step_size", "steps_per_epoch")

    def __init__(self, learning_rate, gamma=0.1, step_size=10, steps_per_epoch=None):
        self.learning_rate = _number(learning_rate, "learning_rate", "StepLR",
                                     low=0, low_open=True)
        self.gamma = _number(gamma, "gamma", "StepLR", low=0, high=1, low_open=True)
        self.step_size = _count(step_size, "step_size", "StepLR")
        self.steps_per_epoch = _steps_per_epoch(steps_per_epoch, "StepLR")

    def __call__(self, step):
        size = self.step_size * (self.steps_per_epoch or 1)
        drops = ops.floor(_float_step(step) / size)
        return self.learning_rate * ops.power(self.gamma, drops)


@_register
class MultiStepLR(_Schedule):
    """Multiply the rate by *gamma* at each of the given steps (DLPy ``MultiStepLR``).

    ``lr = learning_rate * gamma ** (number of milestones ≤ step)``.

    Args:
        learning_rate: the starting rate.
        gamma: the factor applied at each milestone, in (0, 1].
        steps: increasing milestones (epochs when ``steps_per_epoch`` is given).
        steps_per_epoch: batches per epoch, to give ``steps`` in epochs as DLPy does.

    Example:
        >>> from dl_notebook.train.schedules import MultiStepLR
        >>> [round(float(MultiStepLR(1.0, 0.5, [2, 5])(s)), 3) for s in (1, 2, 4, 5, 99)]
        [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    _args = ("learning_rate", "gamma", "steps", "steps_per_epoch")

    def __init__(self, learning_rate, gamma=0.1, steps=(), steps_per_epoch=None):
        where = "MultiStepLR"
        self.learning_rate = _number(learning_rate, "learning_rate", where,
                                     low=0, low_open=True)
        self.gamma = _number(gamma, "gamma", where, low=0, high=1, low_open=True)
        if isinstance(steps, numbers.Integral):
            steps = [steps]
        try:
            steps = [_count(s, "each of steps", where) for s in steps]
        except TypeError:
            raise InvalidArgumentError(
                f"{where}: steps must be a list of positive integers; got {steps!r}."
            ) from None
        if not steps or steps != sorted(set(steps)):
            raise InvalidArgumentError(
                f"{where}: steps must be a non-empty increasing list of integers; got {steps!r}."
            )
        self.steps = steps
        self.steps_per_epoch = _steps_per_epoch(steps_per_epoch, where)

    def __call__(self, step):
        scale = self.steps_per_epoch or 1
        milestones = ops.convert_to_tensor([s * scale for s in self.steps], dtype="float32")
        passed = ops.sum(ops.cast(_float_step(step) >= milestones, "float32"))
        return self.learning_rate * ops.power(self.gamma, passed)


@_register
class PolynomialLR(_Schedule):
    """Polynomial decay to *end_lr* over *max_steps* steps (DLPy ``PolynomialLR``).

    ``lr = (learning_rate - end_lr) * (1 - min(step, max_steps) / max_steps) ** power + end_lr``.

    Example:
        >>> from dl_notebook.train.schedules import PolynomialLR
        >>> [round(float(PolynomialLR(1.0, 2, 10)(s)), 3) for s in (0, 5, 10, 20)]
        [1.0, 0.25, 0.0, 0.0]
    """

    _args = ("learning_rate", "power", "max_steps", "end_lr")

    def __init__(self, learning_rate, power=1.0, max_steps=1000, end_lr=0.0):
        where = "PolynomialLR"
        self.learning_rate = _number(learning_rate, "learning_rate", where,
                                     low=0, low_open=True)
        self.power = _number(power, "power", where, low=0, low_open=True)
        self.max_steps = _count(max_steps, "max_steps", where)
        self.end_lr = _number(end_lr, "end_lr", where, low=0, high=self.learning_rate)

    def __call__(self, step):
        done = ops.minimum(_float_step(step), float(self.max_steps)) / self.max_steps
        return ((self.learning_rate - self.end_lr) * ops.power(1.0 - done, self.power)
                + self.end_lr)


@_register
class CyclicLR(_Schedule):
    """A cyclic learning rate between *base_lr* and *max_lr* (Smith 2017), per batch.

    One cycle is ``2 * step_size`` steps: up from ``base_lr`` to ``max_lr``
    in ``step_size`` steps, then down again. With ``cycle = floor(1 + step /
    (2 * step_size))`` and ``x = |step / step_size - 2 * cycle + 1|``,
    ``lr = base_lr + (max_lr - base_lr) * max(0, 1 - x) * scale`` where
    ``scale`` is 1 (``"triangular"``), ``1 / 2 ** (cycle - 1)``
    (``"triangular2"``: the amplitude halves every cycle) or ``gamma ** step``
    (``"exp_range"``).

    Args:
        base_lr: the lowest rate.
        max_lr: the highest rate (> base_lr).
        step_size: steps in half a cycle (Smith suggests 2–8 epochs' worth).
        mode: "triangular", "triangular2" or "exp_range".
        gamma: decay per step in "exp_range" mode, in (0, 1].

    Example:
        >>> from dl_notebook.train.schedules import CyclicLR
        >>> lr = CyclicLR(0.0, 1.0, step_size=2, mode="triangular2")
        >>> [float(lr(s)) for s in (2, 4, 6, 10)]
        [1.0, 0.0, 0.5, 0.25]
    """

    _args = ("base_lr", "max_lr", "step_size", "mode", "gamma")

    def __init__(self, base_lr, max_lr, step_size=2000, mode="triangular", gamma=1.0):
        where = "CyclicLR"
        self.base_lr = _number(base_lr, "base_lr", where, low=0)
        self.max_lr = _number(max_lr, "max_lr", where, low=self.base_lr, low_open=True)
        self.step_size = _count(step_size, "step_size", where)
        if mode not in _CYCLIC_MODES:
            raise InvalidArgumentError(
                f"{where}: mode must be one of {', '.join(_CYCLIC_MODES)}; got {mode!r}."
            )
        self.mode = mode
        self.gamma = _number(gamma, "gamma", where, low=0, high=1, low_open=True)

    def __call__(self, step):
        step = _float_step(step)
        cycle = ops.floor(1.0 + step / (2.0 * self.step_size))
        x = ops.abs(step / self.step_size - 2.0 * cycle + 1.0)
        height = (self.max_lr - self.base_lr) * ops.maximum(0.0, 1.0 - x)
        if self.mode == "triangular2":
            height = height / ops.power(2.0, cycle - 1.0)
        elif self.mode == "exp_range":
            height = height * ops.power(self.gamma, step)
        return self.base_lr + height


@_register
class CosineDecay(_Schedule):
    """Optional linear warm-up, then cosine decay (Loshchilov & Hutter 2017).

    For ``step < warmup_steps``: ``lr = learning_rate * step / warmup_steps``
    (from 0). After it, with ``t = min(step - warmup_steps, decay_steps) /
    decay_steps``: ``lr = learning_rate * ((1 - alpha) * (1 + cos(pi t)) / 2 + alpha)``,
    so the rate ends at ``alpha * learning_rate`` and stays there.

    Args:
        learning_rate: the peak rate.
        decay_steps: steps of the cosine part (after the warm-up).
        alpha: the final rate as a fraction of ``learning_rate``, in [0, 1].
        warmup_steps: steps of the linear warm-up (0 for none).

    Example:
        >>> from dl_notebook.train.schedules import CosineDecay
        >>> lr = CosineDecay(1.0, decay_steps=10, warmup_steps=4)
        >>> [round(float(lr(s)), 3) for s in (0, 2, 4, 9, 14, 99)]
        [0.0, 0.5, 1.0, 0.5, 0.0, 0.0]
    """

    _args = ("learning_rate", "decay_steps", "alpha", "warmup_steps")

    def __init__(self, learning_rate, decay_steps, alpha=0.0, warmup_steps=0):
        where = "CosineDecay"
        self.learning_rate = _number(learning_rate, "learning_rate", where,
                                     low=0, low_open=True)
        self.decay_steps = _count(decay_steps, "decay_steps", where)
        self.alpha = _number(alpha, "alpha", where, low=0, high=1)
        self.warmup_steps = _count(warmup_steps, "warmup_steps", where, minimum=0)

    def __call__(self, step):
        step = _float_step(step)
        warm = float(max(self.warmup_steps, 1))
        warmup = self.learning_rate * step / warm
        t = ops.clip(step - self.warmup_steps, 0.0, float(self.decay_steps)) / self.decay_steps
        cosine = 0.5 * (1.0 + ops.cos(math.pi * t))
        decayed = self.learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)
        return ops.where(step < self.warmup_steps, warmup, decayed)


@_register
class OneCycle(_Schedule):
    """The one-cycle policy (Smith & Topin 2018), as PyTorch's ``OneCycleLR`` (cosine).

    The rate rises from ``max_lr / div_factor`` to ``max_lr`` over the first
    ``pct_start * total_steps - 1`` steps, then falls to ``max_lr / div_factor
    / final_div_factor`` at step ``total_steps - 1``, both along half a cosine;
    later steps keep the final rate.

    Args:
        max_lr: the peak rate.
        total_steps: steps in the whole run (epochs × batches per epoch).
        pct_start: fraction of the steps spent rising, in (0, 1).
        div_factor: ``initial rate = max_lr / div_factor``.
        final_div_factor: ``final rate = initial rate / final_div_factor``.

    Example:
        >>> from dl_notebook.train.schedules import OneCycle
        >>> lr = OneCycle(1.0, total_steps=11, pct_start=0.5, div_factor=10, final_div_factor=10)
        >>> [round(float(lr(s)), 4) for s in (0, 4.5, 10)]
        [0.1, 1.0, 0.01]
    """

    _args = ("max_lr", "total_steps", "pct_start", "div_factor", "final_div_factor")

    def __init__(self, max_lr, total_steps, pct_start=0.3, div_factor=25.0,
                 final_div_factor=1e4):
        where = "OneCycle"
        self.max_lr = _number(max_lr, "max_lr", where, low=0, low_open=True)
        self.total_steps = _count(total_steps, "total_steps", where, minimum=2)
        self.pct_start = _number(pct_start, "pct_start", where, low=0, high=1,
                                 low_open=True, high_open=True)
        self.div_factor = _number(div_factor, "div_factor", where, low=0, low_open=True)
        self.final_div_factor = _number(final_div_factor, "final_div_factor", where,
                                        low=0, low_open=True)
        peak = self.pct_start * self.total_steps - 1.0
        if not 0 < peak < self.total_steps - 1:
            raise InvalidArgumentError(
                f"{where}: pct_start * total_steps must lie between 1 and total_steps - 1; "
                f"got {self.pct_start} * {self.total_steps}."
            )

    def __call__(self, step):
        step = _float_step(step)
        initial = self.max_lr / self.div_factor
        final = initial / self.final_div_factor
        peak = self.pct_start * self.total_steps - 1.0
        last = float(self.total_steps - 1)

        def anneal(start, end, pct):
            return end + (start - end) / 2.0 * (1.0 + ops.cos(math.pi * pct))

        rising = anneal(initial, self.max_lr, ops.clip(step / peak, 0.0, 1.0))
        falling = anneal(self.max_lr, final,
                         ops.clip((step - peak) / (last - peak), 0.0, 1.0))
        return ops.where(step <= peak, rising, falling)


_SCHEDULES = (FixedLR, StepLR, MultiStepLR, PolynomialLR, CyclicLR, CosineDecay, OneCycle)
