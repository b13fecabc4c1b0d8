"""DLPy's ``dlpy.model_conversion``: models from ONNX and Keras, and models to ONNX.

DLPy converts other frameworks' models into SAS model tables (and SAS code
that builds them on a CAS server). Here a model is a Keras model already,
so the conversions go through the core: ONNX files are read by
:meth:`dl_notebook.Network.from_onnx`, Keras models by
:meth:`dl_notebook.Network.from_keras`, and a network is written to ONNX by
``net.export(path, format="onnx")``. What only makes sense on a SAS server
(SAS code generation, SAS-layout weight files, Caffe model files read by
SAS) is refused in one sentence.
"""

from __future__ import annotations

import os
import tempfile

from ..errors import InvalidArgumentError
from ..model.network import Network as CoreNetwork
from ._data import table_name
from ._ignored import given, warn_ignored

__all__ = ["caffe_to_sas", "keras_to_sas", "load_onnx_model", "onnx_to_sas", "sas_to_onnx",
           "write_keras_hdf5"]


def _onnx_path(onnx_model, folder):
    """A file path holding *onnx_model* (a path, or an ``onnx.ModelProto`` saved into *folder*)."""
    if isinstance(onnx_model, (str, os.PathLike)):
        return os.fspath(onnx_model)
    import onnx

    if not isinstance(onnx_model, onnx.ModelProto):
        raise InvalidArgumentError(
            f"onnx_model must be an onnx.ModelProto or a path to an .onnx file; got "
            f"{type(onnx_model).__name__}."
        )
    path = os.path.join(folder, "model.onnx")
    onnx.save(onnx_model, path)
    return path


def load_onnx_model(conn, onnx_model, output_model_table=None, offsets=None, scale=None,
                    std=None, norm_stds=None, output_layer=None):
    """A DLPy ``Model`` with the layers and weights of an ONNX model (``Model.from_onnx_model``).

    The ONNX graph is read by :meth:`dl_notebook.Network.from_onnx`; an NCHW
    image input becomes NHWC. *scale*, *offsets* and *norm_stds* normalise
    the input in a new input layer, ``(x * scale - offsets) / norm_stds``.

    Args:
        conn: ignored.
        onnx_model: an ``onnx.ModelProto`` (DLPy's form) or a path to an ``.onnx`` file.
        output_model_table: the model's name (default: the ONNX graph's name).
        offsets, scale, norm_stds: the input normalisation (per channel or one number).
        std: DLPy's ``'STD'`` / ``'MIDRANGE'`` standardisation of the CAS
            table's columns: named in a warning and not applied.
        output_layer: a DLPy ``OutputLayer`` added after the imported network's output.

    Returns:
        A :class:`~dl_notebook.dlpy.model.Model`.

    Example:
        >>> import numpy as np
        >>> from onnx import helper, TensorProto, numpy_helper
        >>> from dl_notebook.dlpy.model_conversion import load_onnx_model
        >>> w = numpy_helper.from_array(np.eye(3, 2, dtype="float32"), "w")
        >>> graph = helper.make_graph(
        ...     [helper.make_node("MatMul", ["x", "w"], ["y"], name="fc")], "tiny",
        ...     [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 3])],
        ...     [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 2])], [w])
        >>> model = load_onnx_model(None, helper.make_model(graph), scale=2.0)
        >>> model.name, model.layer_names
        ('tiny', ['x', 'fc'])
        >>> model.to_keras()(np.array([[1.0, 2.0, 3.0]], "float32")).numpy().tolist()
        [[2.0, 4.0]]
    """
    from ..io.onnx_import import onnx_to_keras
    from .model import Model

    warn_ignored("from_onnx_model", given(std=std))
    name = table_name(output_model_table, what="output_model_table")
    with tempfile.TemporaryDirectory() as folder:
        keras_model = onnx_to_keras(_onnx_path(onnx_model, folder))
    model, _ = Model.from_keras_model(conn, keras_model, output_model_table=name,
                                      offsets=offsets, std=norm_stds,
                                      scale=1.0 if scale is None else scale)
    if output_layer is not None:
        model.add(output_layer)
    return model


def onnx_to_sas(model, model_name=None, output_layer=None):
    """The layers of an ONNX model, as a list (DLPy ``onnx_to_sas``).

    Args:
        model: an ``onnx.ModelProto`` or a path to an ``.onnx`` file.
        model_name: the network's name.
        output_layer: a DLPy ``OutputLayer`` added after the last layer.

    Returns:
        The layers of the imported network (``model.layers`` of
        :func:`load_onnx_model`'s model).

    Example:
        >>> import numpy as np
        >>> from onnx import helper, TensorProto
        >>> from dl_notebook.dlpy.model_conversion import onnx_to_sas
        >>> graph = helper.make_graph(
        ...     [helper.make_node("Relu", ["x"], ["y"], name="act")], "g",
        ...     [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])],
        ...     [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 4])])
        >>> [layer.name for layer in onnx_to_sas(helper.make_model(graph))]
        ['x', 'act']
    """
    return load_onnx_model(None, model, output_model_table=model_name,
                           output_layer=output_layer).layers


def sas_to_onnx(layers, model_table=None, model_weights=None):
    """The ONNX model of a network (DLPy ``sas_to_onnx``), through ``net.export(format='onnx')``.

    Args:
        layers: a network, or the list of its layers (DLPy passes ``model.layers``).
        model_table, model_weights: DLPy's CAS tables of the model and its
            weights; not used (the weights are in the network).

    Returns:
        An ``onnx.ModelProto``.

    Example:
        >>> from dl_notebook import dlpy
        >>> from dl_notebook.dlpy.layers import Dense, InputLayer, OutputLayer
        >>> from dl_notebook.dlpy.model_conversion import sas_to_onnx
        >>> seq = dlpy.Sequential(None, [InputLayer(4), Dense(3), OutputLayer(n=2)], "s")
        >>> proto = sas_to_onnx(seq.layers)
        >>> [d.dim_value for d in proto.graph.output[0].type.tensor_type.shape.dim][1:]
        [2]
    """
    import onnx

    net = layers
    if not isinstance(net, CoreNetwork):
        first = next(iter(layers), None) if isinstance(layers, (list, tuple)) else None
        net = getattr(first, "_network", None)
        if net is None:
            raise InvalidArgumentError(
                "sas_to_onnx takes a network or the layers of one (model.layers), added to it."
            )
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"{net.name}.onnx")
        net.export(path, format="onnx")
        return onnx.load(path)


def keras_to_sas(model, rnn_support=True, model_name=None, offsets=None, std=None, scale=1.0,
                 max_num_frames=-1, verbose=False):
    """Refused: it writes SAS code that builds the model on a CAS server.

    Use ``Model.from_keras_model(conn, keras_model)`` (or ``dn.Network.from_keras``).

    Example:
        >>> from dl_notebook.dlpy.model_conversion import keras_to_sas
        >>> keras_to_sas(None)
        Traceback (most recent call last):
        dl_notebook.errors.InvalidArgumentError: keras_to_sas writes SAS code for a CAS server; use Model.from_keras_model(conn, keras_model), which keeps the Keras layers and weights.
    """
    raise InvalidArgumentError(
        "keras_to_sas writes SAS code for a CAS server; use Model.from_keras_model(conn, "
        "keras_model), which keeps the Keras layers and weights."
    )


def caffe_to_sas(*args, **kwargs):
    """Refused: there is no Caffe model reader here (DLPy's ``caffe_to_sas``, ``from_caffe_model``).

    Example:
        >>> from dl_notebook.dlpy.model_conversion import caffe_to_sas
        >>> caffe_to_sas("net.prototxt")
        Traceback (most recent call last):
        dl_notebook.errors.InvalidArgumentError: Caffe models cannot be read here; convert the model to ONNX and use Model.from_onnx_model.
    """
    raise InvalidArgumentError(
        "Caffe models cannot be read here; convert the model to ONNX and use "
        "Model.from_onnx_model."
    )


def write_keras_hdf5(model, rnn_support=True, hdf5_out=None, *args, **kwargs):
    """Refused: it rewrites Keras weights in SAS's HDF5 layout, which nothing here reads.

    Example:
        >>> from dl_notebook.dlpy.model_conversion import write_keras_hdf5
        >>> write_keras_hdf5(None)
        Traceback (most recent call last):
        dl_notebook.errors.InvalidArgumentError: write_keras_hdf5 writes SAS's weight layout for a CAS server; Keras weight files load as they are (model.load_weights(path)).
    """
    raise InvalidArgumentError(
        "write_keras_hdf5 writes SAS's weight layout for a CAS server; Keras weight files load "
        "as they are (model.load_weights(path))."
    )
