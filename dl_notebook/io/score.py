"""``net.predict(data)`` and ``dn.score(path, data)`` (DLPy ``dlScore``): one row per example.

The table has a ``predicted`` column (the class name, or the class id when
there are no names) and one ``P_<class>`` column per class with its
probability; for image datasets read from files a first ``file`` column holds
each image's path relative to the folder the dataset's files share.

A network is read as a regressor when no class names are known (neither
given nor the data's) and its output is not a softmax or a sigmoid: the
table then holds its values, ``predicted`` for one output unit and
``predicted_0`` … ``predicted_<k-1>`` for more. Give ``class_names`` to read
a network that ends in logits as a classifier.

Data may be a dl_notebook dataset, a batched ``tf.data.Dataset`` (of inputs,
or of ``(inputs, labels)``), an array of inputs or an ``(x, y)`` pair.
"""

from __future__ import annotations

import os

import numpy as np

from .._keras import is_keras_model
from ..data._base import check_batch_size
from ..errors import InvalidArgumentError
from ..evaluate._predict import _add_channel, _batches, keras_model, to_proba
from ._onnx_check import quiet

__all__ = ["predict", "score"]

_SCORED = (".keras", ".onnx")


def _input_batches(data, batch_size, input_shape):
    """An iterator of input batches of *data* (labels, where there are any, dropped)."""
    import tensorflow as tf

    if hasattr(data, "to_tf_dataset"):
        batches = data.to_tf_dataset(batch_size=batch_size, shuffle=False)
        return (b[0] if isinstance(b, tuple) else b for b in batches)
    if isinstance(data, tf.data.Dataset):
        if isinstance(data.element_spec, tuple):
            return (b[0] for b in _batches(data, batch_size, input_shape)[1])
        return iter(data)
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return (b[0] for b in _batches(data, batch_size, input_shape)[1])
    if hasattr(data, "shape") and hasattr(data, "__len__"):
        x = _add_channel(np.asarray(data), input_shape)
        return (x[s:s + batch_size] for s in range(0, len(x), batch_size))
    raise InvalidArgumentError(
        "predict needs a dl_notebook dataset, a batched tf.data.Dataset, an array of inputs or "
        f"an (x, y) pair of arrays; got {type(data).__name__}."
    )


def _files(data):
    """Each example's file, relative to the folder the dataset's files share, or None."""
    paths = getattr(data, "paths", None)
    if not paths:
        return None
    root = os.path.commonpath([os.path.dirname(os.path.abspath(p)) for p in paths])
    return [os.path.relpath(os.path.abspath(p), root) for p in paths]


def _table(raw, data, class_names, ends_in_probabilities):
    """The DataFrame of the raw outputs *raw* (``N x K``) of *data*."""
    import pandas as pd

    raw = np.asarray(raw)
    raw = raw.reshape(len(raw), -1)
    names = class_names if class_names is not None else getattr(data, "class_names", None)
    columns = {}
    files = _files(data)
    if files is not None:
        if len(files) != len(raw):
            raise InvalidArgumentError(
                f"{len(files) - len(raw)} of the {len(files)} images could not be read while "
                "scoring; fix or remove those files and load the dataset again."
            )
        columns["file"] = files
    if names is None and not ends_in_probabilities:
        if raw.shape[1] == 1:
            columns["predicted"] = raw[:, 0]
        else:
            columns.update({f"predicted_{i}": raw[:, i] for i in range(raw.shape[1])})
        return pd.DataFrame(columns)
    proba = to_proba(raw)
    k = proba.shape[1]
    if names is not None and len(names) != k:
        raise InvalidArgumentError(
            f"There are {len(names)} class names but the network scores {k} classes; give one "
            f"name per output."
        )
    labels = [str(c) for c in names] if names is not None else list(range(k))
    ids = proba.argmax(axis=1)
    columns["predicted"] = [labels[i] for i in ids] if names is not None else ids
    columns.update({f"P_{c}": proba[:, i] for i, c in enumerate(labels)})
    return pd.DataFrame(columns)


def _keras_ends_in_probabilities(model) -> bool:
    operation = model.outputs[0]._keras_history.operation
    activation = getattr(operation, "activation", None)
    name = getattr(activation, "__name__", type(operation).__name__).lower()
    return name in ("softmax", "sigmoid")


def _onnx_ends_in_probabilities(path) -> bool:
    import onnx

    graph = onnx.load(path, load_external_data=False).graph
    made_by = {out: node for node in graph.node for out in node.output}
    node = made_by.get(graph.output[0].name)
    while node is not None and node.op_type == "Identity":
        node = made_by.get(node.input[0])
    return node is not None and node.op_type in ("Softmax", "Sigmoid")


def _run_keras(model, data, batch_size, class_names):
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise InvalidArgumentError(
            f"predict needs a network with one input and one output; this one has "
            f"{len(model.inputs)} inputs and {len(model.outputs)} outputs."
        )
    input_shape = tuple(model.inputs[0].shape[1:])
    with quiet():  # TensorFlow warns of retracing when several models predict in turn
        outputs = [np.asarray(model.predict_on_batch(x))
                   for x in _input_batches(data, batch_size, input_shape)]
    if not outputs:
        raise InvalidArgumentError("The data has no examples; predict needs at least one.")
    return _table(np.concatenate(outputs), data, class_names, _keras_ends_in_probabilities(model))


def predict(net, data, batch_size=256, *, class_names=None):
    """Score *data* with *net*: one row per example, the predicted class and its probabilities.

    Args:
        net: a ``dn.Network`` or a ``keras.Model`` with one input and one output.
        data: a dl_notebook dataset, a batched ``tf.data.Dataset``, an array of
            inputs or an ``(x, y)`` pair.
        batch_size: examples per batch.
        class_names: the name of each output; default the data's ``class_names``.

    Returns:
        A pandas DataFrame: ``file`` (image datasets read from files),
        ``predicted`` and ``P_<class>`` per class; a regressor's values in
        ``predicted`` (see the module's note).

    Example:
        >>> import numpy as np, dl_notebook as dn
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(3,)), dn.layers.OutputLayer(2)])
        >>> table = net.predict(np.zeros((4, 3)), class_names=["no", "yes"])
        >>> list(table.columns), len(table)
        (['predicted', 'P_no', 'P_yes'], 4)
    """
    batch_size = check_batch_size(batch_size)
    model = net if is_keras_model(net) else keras_model(net)
    return _run_keras(model, data, batch_size, class_names)


def score(model_path, data, batch_size=256, *, class_names=None):
    """Score *data* with an exported ``.keras`` (Keras) or ``.onnx`` (onnxruntime) file.

    The same table as :func:`predict`. An ONNX file gets each batch in the
    dtype its input asks for (float32, or uint8 for a model exported with
    ``include_preprocessing=True``: load such images with ``normalize=None``).

    Args:
        model_path: the file written by ``net.export``.
        data: a dl_notebook dataset, a batched ``tf.data.Dataset``, an array of
            inputs or an ``(x, y)`` pair.
        batch_size: examples per batch.
        class_names: the name of each output; default the data's ``class_names``.

    Returns:
        A pandas DataFrame (see :func:`predict`).

    Example:
        >>> import os, tempfile, numpy as np, dl_notebook as dn
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(3,)), dn.layers.OutputLayer(2)])
        >>> path = net.export(os.path.join(tempfile.mkdtemp(), "tiny.onnx")).path
        >>> table = dn.score(path, np.zeros((5, 3)))
        >>> list(table.columns), len(table)
        (['predicted', 'P_0', 'P_1'], 5)
    """
    from ._onnx_check import run_session, session

    path = os.fspath(model_path)
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in _SCORED:
        raise InvalidArgumentError(
            f"score reads .keras and .onnx files (written by net.export); got {path!r}."
        )
    if not os.path.isfile(path):
        raise InvalidArgumentError(f"There is no file {path!r} to score with.")
    batch_size = check_batch_size(batch_size)
    if suffix == ".keras":
        from .._keras import keras

        return _run_keras(keras().saving.load_model(path, compile=False), data, batch_size,
                          class_names)
    sess = session(path)
    shape = tuple(d if isinstance(d, int) else None for d in sess.get_inputs()[0].shape[1:])
    outputs = [np.asarray(run_session(sess, np.asarray(x))[0])
               for x in _input_batches(data, batch_size, shape)]
    if not outputs:
        raise InvalidArgumentError("The data has no examples; score needs at least one.")
    return _table(np.concatenate(outputs), data, class_names, _onnx_ends_in_probabilities(path))
