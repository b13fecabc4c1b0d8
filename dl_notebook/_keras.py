"""Lazy access to Keras: importing dl_notebook never imports TensorFlow."""

from __future__ import annotations

import os
import sys

_keras = None


def keras():
    """Return the ``keras`` module, importing it (and TensorFlow) on first use."""
    global _keras
    if _keras is None:
        os.environ.setdefault("KERAS_BACKEND", "tensorflow")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import keras as _k

        _keras = _k
    return _keras


def is_keras_operation(obj) -> bool:
    """True when *obj* is a Keras layer, model or operation.

    Keras is not imported by this check: an object cannot be a Keras
    operation unless Keras was imported to make it.
    """
    k = sys.modules.get("keras")
    return k is not None and isinstance(obj, k.Operation)


def is_keras_model(obj) -> bool:
    """True when *obj* is a ``keras.Model`` (Sequential, functional or subclassed)."""
    k = sys.modules.get("keras")
    return k is not None and isinstance(obj, k.Model)
