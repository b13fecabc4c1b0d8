"""Scoring data once: class probabilities and true labels from one batched pass of a network.

Accepts a dl_notebook classification dataset (``to_tf_dataset``), a batched
``tf.data.Dataset`` of ``(inputs, labels)`` or an ``(x, y)`` pair of arrays,
and a ``dn.Network`` or a ``keras.Model`` with one input and one output.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._keras import keras_model_of
from ..errors import InvalidArgumentError

__all__ = ["Scores", "keras_model", "score"]


class Scores(NamedTuple):
    """What one pass gives: labels, probabilities, class names and array inputs (or None)."""

    y_true: np.ndarray
    proba: np.ndarray
    class_names: list
    inputs: np.ndarray | None


def keras_model(net):
    """The ``keras.Model`` of *net* (a ``dn.Network`` or a Keras model), after any running fit."""
    return keras_model_of(net, "evaluate")


def _check_model(model):
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise InvalidArgumentError(
            f"evaluate needs a classifier with one input and one output; this model has "
            f"{len(model.inputs)} inputs and {len(model.outputs)} outputs."
        )
    return tuple(model.inputs[0].shape[1:])


def _add_channel(x, input_shape):
    """``(N, H, W)`` images for an ``(H, W, 1)`` input get their channel axis."""
    if (x.ndim == len(input_shape) >= 2 and input_shape[-1] == 1
            and all(a is None or a == b for a, b in zip(input_shape[:-1], x.shape[1:]))):
        return x[..., None]
    return x


def _batches(data, batch_size, input_shape):
    """``(kind, batches, inputs)``: where the examples come from and an iterator of batches."""
    import tensorflow as tf

    if hasattr(data, "to_tf_dataset") and hasattr(data, "labels"):
        if getattr(data, "task", "classification") != "classification":
            raise InvalidArgumentError(
                "evaluate scores classifiers; this dataset has a numeric (regression) target."
            )
        return "dataset", data.to_tf_dataset(batch_size=batch_size, shuffle=False), None
    if isinstance(data, tf.data.Dataset):
        spec = data.element_spec
        if not isinstance(spec, tuple) or len(spec) < 2:
            raise InvalidArgumentError(
                f"The tf.data.Dataset must yield batched (inputs, labels); it yields {spec}."
            )
        shape = getattr(spec[0], "shape", None)
        if shape is not None and shape.rank is not None and shape.rank == len(input_shape):
            raise InvalidArgumentError(
                "The tf.data.Dataset yields single examples; batch it first, e.g. ds.batch(256)."
            )
        return "tf", data, None
    if isinstance(data, (tuple, list)) and len(data) == 2:
        x, y = np.asarray(data[0]), np.asarray(data[1])
        if len(x) != len(y):
            raise InvalidArgumentError(
                f"x has {len(x)} examples but y has {len(y)} labels; give one label each."
            )
        x = _add_channel(x, input_shape)
        batches = ((x[s:s + batch_size], y[s:s + batch_size])
                   for s in range(0, len(x), batch_size))
        return "arrays", batches, x
    raise InvalidArgumentError(
        "evaluate needs a dl_notebook dataset, a batched tf.data.Dataset or an (x, y) pair of "
        f"arrays; got {type(data).__name__}."
    )


def class_ids(y) -> np.ndarray:
    """Integer class ids from labels given as ids (any shape N or N×1) or one-hot rows."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        y = y.argmax(axis=1)
    y = y.reshape(-1)
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise InvalidArgumentError(
                "The labels must be class ids (0, 1, ...) or one-hot rows; got fractional values."
            )
    elif y.dtype.kind not in "iub":
        raise InvalidArgumentError(
            f"The labels must be class ids (0, 1, ...) or one-hot rows; got {y.dtype} values."
        )
    return y.astype(np.int64)


def to_proba(raw) -> np.ndarray:
    """Class probabilities ``N×K`` (float32) from a network's raw output.

    A single sigmoid unit becomes two columns ``[1 - p, p]``; outputs that
    are not probabilities (logits) go through a softmax (or a sigmoid).

    Example:
        >>> to_proba([[0.25], [1.0]]).tolist()
        [[0.75, 0.25], [0.0, 1.0]]
        >>> to_proba([[0.0, 0.0]]).tolist()  # logits go through a softmax
        [[0.5, 0.5]]
    """
    raw = np.asarray(raw, dtype=np.float64)
    if raw.ndim == 1:
        raw = raw[:, None]
    if raw.ndim != 2:
        raise InvalidArgumentError(
            f"evaluate needs a classifier whose output is one row of class scores per example; "
            f"this one gives shape {raw.shape[1:]}."
        )
    if raw.shape[1] == 1:
        p = raw[:, 0]
        if p.size and (p.min() < 0 or p.max() > 1):
            p = 1.0 / (1.0 + np.exp(-p))
        return np.stack([1.0 - p, p], axis=1).astype(np.float32)
    if raw.size and (raw.min() < 0 or raw.max() > 1
                     or not np.allclose(raw.sum(axis=1), 1.0, atol=1e-3)):
        raw = np.exp(raw - raw.max(axis=1, keepdims=True))
        raw /= raw.sum(axis=1, keepdims=True)
    return raw.astype(np.float32)


def score(net, data, batch_size=256, class_names=None) -> Scores:
    """Run *net* once over *data* in batches and return its :class:`Scores`."""
    from ..data._base import check_batch_size

    batch_size = check_batch_size(batch_size)
    model = keras_model(net)
    input_shape = _check_model(model)
    kind, batches, inputs = _batches(data, batch_size, input_shape)
    outputs, labels = [], []
    for x, y in ((b[0], b[1]) for b in batches):
        outputs.append(np.asarray(model.predict_on_batch(x)))
        labels.append(np.asarray(y))
    if not outputs:
        raise InvalidArgumentError("The data has no examples; evaluate needs at least one.")
    proba = to_proba(np.concatenate(outputs))
    y_true = class_ids(np.concatenate(labels))
    if kind == "dataset" and len(y_true) != len(data):
        raise InvalidArgumentError(
            f"{len(data) - len(y_true)} of the {len(data)} examples could not be read while "
            "scoring; fix or remove those files and load the dataset again."
        )
    k = proba.shape[1]
    if y_true.size and (y_true.min() < 0 or y_true.max() >= k):
        raise InvalidArgumentError(
            f"The labels run from {y_true.min()} to {y_true.max()} but the network scores "
            f"{k} classes; give labels 0..{k - 1} or a network with one output per class."
        )
    names = class_names if class_names is not None else getattr(data, "class_names", None)
    if names is not None and len(names) != k:
        raise InvalidArgumentError(
            f"The data has {len(names)} classes but the network scores {k}; give the network "
            f"one output per class."
        )
    return Scores(y_true, proba, None if names is None else [str(c) for c in names], inputs)
