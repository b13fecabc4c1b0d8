"""Solvers: DLPy-style descriptions of an optimisation algorithm that become Keras optimizers.

A solver is a small, plain Python object (no Keras until :meth:`Solver.to_keras`)
holding the algorithm and its settings under DLPy's names
(``learning_rate``, ``clip_grad_max``, ``clip_grad_min``, ``beta1`` ...).
``to_keras()`` returns a fresh ``keras.optimizers.Optimizer`` every time, so
one solver can describe many training runs. ``learning_rate`` is a number or
a learning-rate schedule (:mod:`dl_notebook.train.schedules`).

Gradient clipping follows DLPy: ``clip_grad_max=c`` clips every gradient value
into ``[-c, c]`` (Keras ``clipvalue``); ``clip_grad_min`` may be given instead
or as well, but only as ``-clip_grad_max``: asymmetric clipping raises
:class:`~dl_notebook.errors.InvalidArgumentError`.

Example:
    >>> from dl_notebook.train.solvers import Adam, as_keras_optimizer
    >>> Adam(learning_rate=0.01, clip_grad_max=1.0)
    Adam(learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-07, clip_grad_max=1.0)
    >>> opt = as_keras_optimizer(Adam(learning_rate=0.01, clip_grad_max=1.0))
    >>> type(opt).__name__, round(float(opt.learning_rate), 6), opt.clipvalue
    ('Adam', 0.01, 1.0)
"""

from __future__ import annotations

import math
import numbers

from .._keras import keras
from ..errors import InvalidArgumentError

__all__ = [
    "Solver",
    "Vanilla",
    "Momentum",
    "Adam",
    "AdamW",
    "RMSProp",
    "Nadam",
    "as_keras_optimizer",
]


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_schedule(value) -> bool:
    """True for a Keras ``LearningRateSchedule`` (Keras is imported only if *value* needs it)."""
    if _is_number(value):
        return False
    return isinstance(value, keras().optimizers.schedules.LearningRateSchedule)


def _check_learning_rate(value, where: str):
    if _is_number(value):
        if not (math.isfinite(value) and value > 0):
            raise InvalidArgumentError(
                f"{where}: learning_rate must be a positive number or a schedule; got {value!r}."
            )
        return float(value)
    if _is_schedule(value):
        return value
    raise InvalidArgumentError(
        f"{where}: learning_rate must be a positive number or a schedule from "
        f"dn.schedules; got {value!r}."
    )


def _check_range(value, name, where, low, high, *, low_open=False, high_open=False):
    if not _is_number(value) or not math.isfinite(value):
        raise InvalidArgumentError(f"{where}: {name} must be a number; got {value!r}.")
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        lo, hi = ("(" if low_open else "["), (")" if high_open else "]")
        raise InvalidArgumentError(
            f"{where}: {name} must lie in {lo}{low:g}, {high:g}{hi}; got {value!r}."
        )
    return float(value)


def _clip_value(clip_max, clip_min, where):
    """Keras ``clipvalue`` from DLPy's ``clip_grad_max`` / ``clip_grad_min`` (or None)."""
    for name, value in (("clip_grad_max", clip_max), ("clip_grad_min", clip_min)):
        if value is not None and (not _is_number(value) or not math.isfinite(value)):
            raise InvalidArgumentError(f"{where}: {name} must be a number or None; got {value!r}.")
    if clip_max is not None and clip_max <= 0:
        raise InvalidArgumentError(f"{where}: clip_grad_max must be positive; got {clip_max!r}.")
    if clip_min is not None and clip_min >= 0:
        raise InvalidArgumentError(f"{where}: clip_grad_min must be negative; got {clip_min!r}.")
    if clip_max is not None and clip_min is not None and not math.isclose(clip_min, -clip_max):
        raise InvalidArgumentError(
            f"{where}: gradient clipping is symmetric, so clip_grad_min must equal "
            f"-clip_grad_max ({-clip_max!r}); got {clip_min!r}."
        )
    if clip_max is not None:
        return float(clip_max)
    return None if clip_min is None else float(-clip_min)


class Solver:
    """Base of the solvers: settings under DLPy's names and ``to_keras()``.

    Subclasses name their Keras optimizer (``_keras_name``) and map their
    own settings to its arguments (``_keras_args``).

    Args:
        learning_rate: a positive number or a ``LearningRateSchedule``.
        clip_grad_max: clip each gradient value to at most this (positive).
        clip_grad_min: clip each gradient value to at least this (negative,
            ``-clip_grad_max`` when both are given).
    """

    _keras_name = ""
    _defaults: dict = {}

    def __init__(self, learning_rate, clip_grad_max=None, clip_grad_min=None, **settings):
        where = type(self).__name__
        self.learning_rate = _check_learning_rate(learning_rate, where)
        self.clip_grad_max = clip_grad_max
        self.clip_grad_min = clip_grad_min
        self._clipvalue = _clip_value(clip_grad_max, clip_grad_min, where)
        self._settings = settings
        for key, value in settings.items():
            setattr(self, key, value)

    def _keras_args(self) -> dict:
        return dict(self._settings)

    def to_keras(self, learning_rate=None):
        """A fresh ``keras.optimizers.Optimizer`` with these settings.

        Args:
            learning_rate: replaces the solver's learning rate (a number or a
                schedule), e.g. a ``lr_scheduler`` given to ``fit``.

        Example:
            >>> from dl_notebook.train.solvers import Momentum
            >>> opt = Momentum(learning_rate=0.1, nesterov=True).to_keras()
            >>> type(opt).__name__, opt.nesterov
            ('SGD', True)
        """
        rate = self.learning_rate if learning_rate is None else _check_learning_rate(
            learning_rate, type(self).__name__)
        if _is_schedule(rate):  # a copy, so optimizers never share a schedule object
            rate = type(rate).from_config(rate.get_config())
        cls = getattr(keras().optimizers, self._keras_name)
        args = self._keras_args()
        if self._clipvalue is not None:
            args["clipvalue"] = self._clipvalue
        return cls(learning_rate=rate, **args)

    def _shown(self):
        yield "learning_rate", self.learning_rate
        yield from self._settings.items()
        for name in ("clip_grad_max", "clip_grad_min"):
            if getattr(self, name) is not None:
                yield name, getattr(self, name)

    def __repr__(self):
        args = ", ".join(f"{key}={value!r}" for key, value in self._shown())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        return type(self) is type(other) and list(self._shown()) == list(other._shown())

    __hash__ = None


class Vanilla(Solver):
    """Plain stochastic gradient descent (DLPy ``VanillaSolver``; Keras ``SGD``).

    Example:
        >>> from dl_notebook.train.solvers import Vanilla
        >>> Vanilla(learning_rate=0.05).to_keras().momentum
        0.0
    """

    _keras_name = "SGD"

    def __init__(self, learning_rate=0.01, clip_grad_max=None, clip_grad_min=None):
        super().__init__(learning_rate, clip_grad_max, clip_grad_min)


class Momentum(Solver):
    """SGD with momentum, optionally Nesterov's (DLPy ``MomentumSolver``; Keras ``SGD``).

    Args:
        learning_rate: a positive number or a schedule.
        momentum: the momentum in [0, 1).
        nesterov: use Nesterov momentum.
        clip_grad_max, clip_grad_min: gradient value clipping (see the module).

    Example:
        >>> from dl_notebook.train.solvers import Momentum
        >>> Momentum(0.01, momentum=0.8).to_keras().momentum
        0.8
    """

    _keras_name = "SGD"

    def __init__(self, learning_rate=0.01, momentum=0.9, nesterov=False,
                 clip_grad_max=None, clip_grad_min=None):
        momentum = _check_range(momentum, "momentum", "Momentum", 0, 1, high_open=True)
        super().__init__(learning_rate, clip_grad_max, clip_grad_min,
                         momentum=momentum, nesterov=bool(nesterov))


class _AdamLike(Solver):
    """Shared checks of the Adam family: ``beta1``, ``beta2``, ``epsilon``."""

    def __init__(self, learning_rate, beta1, beta2, epsilon, clip_grad_max, clip_grad_min,
                 **extra):
        where = type(self).__name__
        beta1 = _check_range(beta1, "beta1", where, 0, 1, high_open=True)
        beta2 = _check_range(beta2, "beta2", where, 0, 1, high_open=True)
        epsilon = _check_range(epsilon, "epsilon", where, 0, math.inf, low_open=True)
        super().__init__(learning_rate, clip_grad_max, clip_grad_min,
                         beta1=beta1, beta2=beta2, epsilon=epsilon, **extra)

    def _keras_args(self):
        args = dict(self._settings)
        args["beta_1"] = args.pop("beta1")
        args["beta_2"] = args.pop("beta2")
        return args


class Adam(_AdamLike):
    """Adam (DLPy ``AdamSolver``; Keras ``Adam``).

    Args:
        learning_rate: a positive number or a schedule.
        beta1, beta2: decay rates of the first and second moment estimates.
        epsilon: small constant for numerical stability.
        clip_grad_max, clip_grad_min: gradient value clipping (see the module).

    Example:
        >>> from dl_notebook.train.solvers import Adam
        >>> Adam(beta1=0.8).to_keras().beta_1
        0.8
    """

    _keras_name = "Adam"

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-7,
                 clip_grad_max=None, clip_grad_min=None):
        super().__init__(learning_rate, beta1, beta2, epsilon, clip_grad_max, clip_grad_min)


class AdamW(_AdamLike):
    """Adam with decoupled weight decay (Keras ``AdamW``).

    Args:
        learning_rate: a positive number or a schedule.
        weight_decay: decoupled weight decay, a number ≥ 0.
        beta1, beta2, epsilon: as in :class:`Adam`.
        clip_grad_max, clip_grad_min: gradient value clipping (see the module).

    Example:
        >>> from dl_notebook.train.solvers import AdamW
        >>> AdamW(weight_decay=0.01).to_keras().weight_decay
        0.01
    """

    _keras_name = "AdamW"

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta1=0.9, beta2=0.999,
                 epsilon=1e-7, clip_grad_max=None, clip_grad_min=None):
        weight_decay = _check_range(weight_decay, "weight_decay", "AdamW", 0, math.inf)
        super().__init__(learning_rate, beta1, beta2, epsilon, clip_grad_max, clip_grad_min,
                         weight_decay=weight_decay)


class Nadam(_AdamLike):
    """Adam with Nesterov momentum (Keras ``Nadam``).

    Example:
        >>> from dl_notebook.train.solvers import Nadam
        >>> type(Nadam().to_keras()).__name__
        'Nadam'
    """

    _keras_name = "Nadam"

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-7,
                 clip_grad_max=None, clip_grad_min=None):
        super().__init__(learning_rate, beta1, beta2, epsilon, clip_grad_max, clip_grad_min)


class RMSProp(Solver):
    """RMSProp (DLPy ``RMSPropSolver``; Keras ``RMSprop``).

    Args:
        learning_rate: a positive number or a schedule.
        rho: decay of the moving average of squared gradients, in [0, 1).
        momentum: momentum in [0, 1).
        epsilon: small constant for numerical stability.
        centered: normalise by the estimated variance of the gradient.
        clip_grad_max, clip_grad_min: gradient value clipping (see the module).

    Example:
        >>> from dl_notebook.train.solvers import RMSProp
        >>> RMSProp(rho=0.95).to_keras().rho
        0.95
    """

    _keras_name = "RMSprop"

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, clip_grad_max=None, clip_grad_min=None):
        rho = _check_range(rho, "rho", "RMSProp", 0, 1, high_open=True)
        momentum = _check_range(momentum, "momentum", "RMSProp", 0, 1, high_open=True)
        epsilon = _check_range(epsilon, "epsilon", "RMSProp", 0, math.inf, low_open=True)
        super().__init__(learning_rate, clip_grad_max, clip_grad_min, rho=rho,
                         momentum=momentum, epsilon=epsilon, centered=bool(centered))


_BY_NAME = {
    "sgd": Vanilla, "vanilla": Vanilla, "momentum": Momentum, "adam": Adam, "adamw": AdamW,
    "rmsprop": RMSProp, "nadam": Nadam,
}


def as_keras_optimizer(solver=None, lr_scheduler=None):
    """A fresh Keras optimizer from a solver, a solver name, a Keras optimizer or None.

    ``None`` gives ``Adam(learning_rate=1e-3)``; a name is one of ``"sgd"``
    (``"vanilla"``), ``"momentum"``, ``"adam"``, ``"adamw"``, ``"rmsprop"``,
    ``"nadam"`` with default settings; a Keras optimizer is returned as it
    is, or as a copy (same config) carrying *lr_scheduler* when one is given.

    Args:
        solver: a :class:`Solver`, a name, a ``keras.optimizers.Optimizer`` or None.
        lr_scheduler: a learning-rate schedule (or a number) that replaces the
            solver's learning rate.

    Example:
        >>> from dl_notebook.train.solvers import Vanilla, as_keras_optimizer
        >>> from dl_notebook.train.schedules import StepLR
        >>> opt = as_keras_optimizer(Vanilla(0.1), lr_scheduler=StepLR(0.5, 0.1, 10))
        >>> type(opt).__name__, round(float(opt.learning_rate), 6)
        ('SGD', 0.5)
        >>> type(as_keras_optimizer(None)).__name__
        'Adam'
    """
    if lr_scheduler is not None:
        lr_scheduler = _check_learning_rate(lr_scheduler, "lr_scheduler")
    if solver is None:
        solver = Adam(learning_rate=1e-3)
    elif isinstance(solver, str):
        key = solver.strip().lower()
        if key not in _BY_NAME:
            raise InvalidArgumentError(
                f"Unknown solver {solver!r}; use one of {', '.join(sorted(_BY_NAME))}."
            )
        solver = _BY_NAME[key]()
    if isinstance(solver, Solver):
        return solver.to_keras(learning_rate=lr_scheduler)
    k = keras()
    if isinstance(solver, k.optimizers.Optimizer):
        if lr_scheduler is None:
            return solver
        config = dict(solver.get_config(), learning_rate=lr_scheduler)
        return type(solver).from_config(config)
    raise InvalidArgumentError(
        f"solver must be a dn.solvers solver, a solver name, a Keras optimizer or None; "
        f"got {type(solver).__name__}."
    )
