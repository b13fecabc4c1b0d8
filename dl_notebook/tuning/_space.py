"""The search space of ``dn.tune``: ranges and choices, checked once and asked of Optuna.

A space is a dict from a parameter name to what it may be:

- a tuple ``(low, high)`` is a float range, ``(low, high, "log")`` a float range
  sampled on a log scale, ``(low, high, "int")`` an integer range (both ends
  included) and ``(low, high, "int", "log")`` an integer range on a log scale;
- a list ``[16, 32, 64]`` is a choice among its values (numbers, strings,
  booleans or None).

Anything else is refused with one sentence naming the key.

Example:
    >>> from dl_notebook.tuning._space import check_space
    >>> space = check_space({"learning_rate": (1e-4, 1e-1, "log"), "units": (16, 128, "int"),
    ...                      "batch_size": [16, 32, 64]})
    >>> [str(dim) for dim in space.values()]
    ['float 0.0001..0.1 log', 'int 16..128', 'choice 16 | 32 | 64']
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from ..errors import InvalidArgumentError

__all__ = ["Dimension", "check_space", "suggest"]

_FLAGS = ("log", "int")
_CHOICE_TYPES = (bool, int, float, str, type(None))


@dataclass(frozen=True)
class Dimension:
    """One parameter of a search space: a float or int range, or a choice.

    Attributes:
        name: the parameter's name (the key of the space).
        kind: ``"float"``, ``"int"`` or ``"choice"``.
        low, high: the range's ends (None for a choice).
        log: sample the range on a log scale.
        choices: the values of a choice (a tuple).
    """

    name: str
    kind: str
    low: float | int | None = None
    high: float | int | None = None
    log: bool = False
    choices: tuple = ()

    def __str__(self) -> str:
        if self.kind == "choice":
            return "choice " + " | ".join(str(c) for c in self.choices)
        return f"{self.kind} {self.low}..{self.high}" + (" log" if self.log else "")

    def suggest(self, trial):
        """The value a trial takes for this parameter (Optuna's ``suggest_*``)."""
        if self.kind == "choice":
            return trial.suggest_categorical(self.name, list(self.choices))
        if self.kind == "int":
            return trial.suggest_int(self.name, self.low, self.high, log=self.log)
        return trial.suggest_float(self.name, self.low, self.high, log=self.log)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _range(name, spec) -> Dimension:
    ends, flags = spec[:2], spec[2:]
    if len(spec) < 2 or not all(_is_number(v) for v in ends):
        raise InvalidArgumentError(
            f"The range of {name!r} must start with two numbers, (low, high); got {spec!r}.")
    unknown = [f for f in flags if f not in _FLAGS]
    if unknown or len(set(flags)) != len(flags):
        raise InvalidArgumentError(
            f"The range of {name!r} may end with 'log' and/or 'int' only; got {spec!r}.")
    low, high = ends
    is_int = "int" in flags
    if is_int and not all(float(v).is_integer() for v in ends):
        raise InvalidArgumentError(f"The 'int' range of {name!r} needs whole ends; got {spec!r}.")
    if not low < high:
        raise InvalidArgumentError(f"The range of {name!r} needs low < high; got {spec!r}.")
    if "log" in flags and low <= 0:
        raise InvalidArgumentError(f"The 'log' range of {name!r} needs low > 0; got {spec!r}.")
    if is_int:
        return Dimension(name, "int", int(low), int(high), log="log" in flags)
    return Dimension(name, "float", float(low), float(high), log="log" in flags)


def _choice(name, values) -> Dimension:
    if not values:
        raise InvalidArgumentError(f"The choice of {name!r} is empty; list at least one value.")
    bad = [v for v in values if not isinstance(v, _CHOICE_TYPES)]
    if bad:
        raise InvalidArgumentError(
            f"The choices of {name!r} must be numbers, strings, booleans or None; "
            f"got {type(bad[0]).__name__}.")
    return Dimension(name, "choice", choices=tuple(values))


def check_space(space) -> dict[str, Dimension]:
    """Read a search space dict into one :class:`Dimension` per parameter.

    Args:
        space: ``{name: (low, high[, "log"][, "int"]) or [choice, …]}``.

    Returns:
        ``{name: Dimension}`` in the space's order.

    Raises:
        InvalidArgumentError: one sentence naming the key that is wrong.

    Example:
        >>> from dl_notebook.tuning._space import check_space
        >>> check_space({"dropout": 0.5})
        Traceback (most recent call last):
        dl_notebook.errors.InvalidArgumentError: The space of 'dropout' must be a tuple (low, high[, 'log' or 'int']) for a range or a list for a choice; got 0.5.
    """
    if not isinstance(space, dict) or not space:
        raise InvalidArgumentError(
            f"space must be a non-empty dict of parameter names; got {space!r}.")
    dims = {}
    for name, spec in space.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise InvalidArgumentError(
                f"Each key of space must be a parameter name such as 'learning_rate'; "
                f"got {name!r}.")
        if isinstance(spec, tuple):
            dims[name] = _range(name, spec)
        elif isinstance(spec, list):
            dims[name] = _choice(name, spec)
        else:
            raise InvalidArgumentError(
                f"The space of {name!r} must be a tuple (low, high[, 'log' or 'int']) for a "
                f"range or a list for a choice; got {spec!r}.")
    return dims


def suggest(trial, dims: dict[str, Dimension]) -> dict:
    """The parameters of an Optuna *trial*: one value per dimension, in the space's order.

    Example:
        >>> import optuna
        >>> from dl_notebook.tuning._space import check_space, suggest
        >>> study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
        >>> params = suggest(study.ask(), check_space({"units": (8, 16, "int"), "act": ["relu"]}))
        >>> 8 <= params["units"] <= 16, params["act"]
        (True, 'relu')
    """
    return {name: dim.suggest(trial) for name, dim in dims.items()}
