"""Compile a network's Keras model once and reuse it while nothing relevant changes.

Each ``keras.Model.compile`` drops the model's traced training function, so
the next ``fit`` traces a new one; TensorFlow keeps every trace it made, and
a notebook that re-runs a training cell grew by several megabytes a run.
:func:`compile_or_reuse` compiles only when something that the traced
function depends on differs from the last compile of the same model: the
optimizer's class and settings, the loss, the metrics, which layers train
and the weight penalties. Otherwise it keeps the compiled model and puts
the optimizer back in the state of a freshly made one (iteration count 0,
zero moments, the given learning rate), so each ``fit`` still starts with
a fresh optimizer, as it does after a compile.

``compile_or_reuse`` has the example.
"""

from __future__ import annotations

import json
import weakref

import numpy as np

__all__ = ["compile_or_reuse"]

# model -> (compile key, the optimizer variables' initial values, the optimizer)
_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _describe(value):
    """A comparable description of a loss or metric: its name and config, else its identity."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return tuple(_describe(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _describe(v)) for k, v in value.items()))
    get_config = getattr(value, "get_config", None)
    if get_config is not None:
        try:
            config = {k: v for k, v in get_config().items() if k != "name"}  # adam_1, adam_2
            return type(value).__qualname__, json.dumps(config, sort_keys=True, default=repr)
        except Exception:  # a config that cannot be written: compare by identity
            pass
    return "id", id(value)


def _key(model, optimizer, loss, metrics, extra):
    return (
        type(optimizer).__qualname__,
        _describe(optimizer),
        _describe(loss),
        _describe(list(metrics or [])),
        tuple(variable.path for variable in model.trainable_variables),
        extra,
    )


def _initial_state(optimizer):
    """One value per optimizer variable: a float when it is filled with one, else a copy."""
    state = []
    for variable in optimizer.variables:
        value = np.asarray(variable)
        flat = value.reshape(-1)
        if flat.size and np.all(flat == flat[0]):
            state.append(flat[0].item())
        else:
            state.append(value.copy())
    return state


def _reset(optimizer, state):
    for variable, value in zip(optimizer.variables, state):
        if np.ndim(value) == 0:
            value = np.full(tuple(variable.shape), value, dtype=variable.dtype)
        variable.assign(value)


def compile_or_reuse(model, optimizer, loss, metrics, *, extra=None, reuse=True) -> bool:
    """Compile *model* unless its last compile had the same settings; True when compiled.

    When it reuses the compiled model, *optimizer* (a new object with the
    same settings) is dropped and the model's own optimizer is reset to its
    state right after that compile.

    Args:
        model: a ``keras.Model``.
        optimizer: the Keras optimizer to compile with.
        loss, metrics: as for ``keras.Model.compile``.
        extra: anything else the traced function depends on (the run's
            weight penalties and frozen layers), compared with ``==``.
        reuse: False always compiles (an optimizer object of the caller's,
            whose state must carry on).

    Returns:
        True when the model was compiled, False when the previous compile was reused.

    Example:
        >>> import keras
        >>> from dl_notebook.train._compile import compile_or_reuse
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> compile_or_reuse(model, keras.optimizers.Adam(0.01), "mse", [])
        True
        >>> compile_or_reuse(model, keras.optimizers.Adam(0.01), "mse", [])  # same settings
        False
        >>> compile_or_reuse(model, keras.optimizers.Adam(0.02), "mse", [])  # a new rate
        True
    """
    key = _key(model, optimizer, loss, metrics, extra) if reuse else None
    known = _COMPILED.get(model)
    if (key is not None and known is not None and known[0] == key
            and getattr(model, "optimizer", None) is known[2]()):  # not compiled elsewhere since
        _reset(model.optimizer, known[1])
        return False
    model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics or []))
    state = None
    if key is not None:
        with model.distribute_strategy.scope():
            optimizer.build(model.trainable_variables)
        state = _initial_state(optimizer)
    _COMPILED[model] = (key, state, weakref.ref(model.optimizer))
    return True
