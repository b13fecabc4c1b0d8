"""Compiled TensorFlow functions of the explanation methods, cached per Keras model.

Functions are cached per Keras model (weakly: the cache goes with the
model) and per key (method and layer), so a second call with the same model
and layer runs the function traced by the first. Each has a fixed input
signature with a free batch axis: one trace serves every batch size.
"""

from __future__ import annotations

import weakref

import numpy as np

__all__ = ["cached", "compiled", "image_spec", "run_batches"]

_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _graph_version(kmodel):
    """Changes when layers are added to or removed from a Sequential after it was explained."""
    return id(getattr(kmodel, "_functional", None)), len(kmodel.layers)


def cached(kmodel, key, make):
    """``make()`` once per Keras model and *key*; later calls return the same object."""
    version = _graph_version(kmodel)
    entry = _CACHE.get(kmodel)
    if entry is None or entry[0] != version:
        entry = _CACHE[kmodel] = (version, {})
    per_model = entry[1]
    if key not in per_model:
        per_model[key] = make()
    return per_model[key]


def compiled(signature):
    """``tf.function`` with a fixed *signature*: one trace serves every batch size.

    Each model and layer gets its own function by design, so TensorFlow's
    warning about many functions traced from the same code does not apply.
    """
    import tensorflow as tf

    def wrap(fn):
        function = tf.function(fn, input_signature=signature)
        function._omit_frequent_tracing_warning = True
        return function

    return wrap


def image_spec(kmodel):
    """The ``tf.TensorSpec`` of a float32 image batch for *kmodel*."""
    import tensorflow as tf

    return tf.TensorSpec((None, *kmodel.inputs[0].shape[1:]), tf.float32)


def run_batches(fn, arrays, batch_size):
    """Run the compiled *fn* over *arrays* (split along the first axis) in batches."""
    import tensorflow as tf

    from ..data._base import check_batch_size

    batch_size = check_batch_size(batch_size)
    n = len(arrays[0])
    parts = []
    for start in range(0, n, batch_size):
        chunk = [tf.constant(a[start:start + batch_size]) for a in arrays]
        parts.append(fn(*chunk).numpy())
    return np.concatenate(parts).astype(np.float32, copy=False)
