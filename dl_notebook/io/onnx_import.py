"""An ONNX file read back as a Keras functional model of standard Keras layers.

:func:`onnx_to_keras` walks the ONNX graph node by node and calls one Keras layer
per node (named after the node), with the node's weights set. ``dn.Network.from_onnx``
turns the result into an editable network.

ONNX image operators are channels first (NCHW); Keras layers are channels last
(NHWC). Each ONNX tensor is therefore held as a Keras tensor plus the permutation
that turns it into the ONNX tensor, and a transpose is only made into a layer where
an operator needs the other layout. Kernels are transposed as they are read, and a
Gemm or MatMul after a flattened NCHW tensor gets its weight rows permuted, so the
imported network computes the same numbers on NHWC images. The operator
converters live in :mod:`._onnx_ops`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np

from .._keras import keras
from ..errors import InvalidArgumentError

__all__ = ["onnx_to_keras", "SUPPORTED"]

SUPPORTED = (
    "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
    "BatchNormalization", "Concat", "Gemm", "MatMul", "Add", "Sum", "Sub", "Mul", "Div",
    "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Pad", "Dropout", "Relu",
    "LeakyRelu", "Clip", "Sigmoid", "Tanh", "Softmax", "Constant", "Identity", "Cast",
    "Shape", "Gather", "Slice", "Expand", "ReverseSequence",
)

# Operators that reach the converters only for tensors: with all inputs constant
# they are computed with numpy (shape arithmetic, folded weights).
_SPATIAL = {"Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
            "BatchNormalization"}


@dataclass
class Tensor:
    """An ONNX tensor held as a Keras tensor.

    Attributes:
        tensor: the Keras tensor.
        perm: ONNX axis ``i`` is axis ``perm[i]`` of the Keras tensor, so
            ``(0, 3, 1, 2)`` is an NCHW ONNX tensor held as NHWC.
        rows: for a flattened NCHW tensor read only by Gemm or MatMul, the ONNX
            column of each Keras column (``None`` otherwise).
        fold: ``(layer, kind)`` when a following Add or Mul by a constant may be
            folded into the weights of the layer that made the tensor
            (``"bias"``: Conv or Dense, ``"affine"``: BatchNormalization).
        nonneg: whether every value is known to be ``>= 0`` (after Relu, ...).
    """

    tensor: object
    perm: tuple
    rows: np.ndarray | None = None
    fold: tuple | None = None
    nonneg: bool = False

    @property
    def rank(self) -> int:
        return len(self.perm)

    def onnx_shape(self) -> tuple:
        """The ONNX shape, ``None`` where unknown."""
        if self.rows is not None:
            return (self.tensor.shape[0], len(self.rows))
        return tuple(self.tensor.shape[p] for p in self.perm)

    def keeps_order(self) -> bool:
        """Whether ``perm`` moves only axes of size 1, so a reshape of the Keras tensor
        equals the same reshape of the ONNX tensor."""
        if self.rows is not None:
            return False
        kept = [p for p in self.perm if self.tensor.shape[p] != 1]
        return kept == sorted(kept)


def channels_first(rank: int) -> tuple:
    """The ``perm`` of a channels-first ONNX tensor held channels last.

    Example:
        >>> channels_first(4)
        (0, 3, 1, 2)
    """
    return (0, rank - 1) + tuple(range(1, rank - 1))


def _sanitise(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z_]+", "_", name).strip("_")


class Builder:
    """The state of one import: values by ONNX name, consumers, layer names."""

    def __init__(self, graph):
        from onnx import numpy_helper

        self.values = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
        self.consumers = {}
        for node in graph.node:
            for name in node.input:
                if name:
                    self.consumers.setdefault(name, []).append(node)
        self.outputs = {out.name for out in graph.output}
        self.constant_names = set(self.values) | {
            out for node in graph.node if node.op_type == "Constant" for out in node.output}
        self._taken = set()
        prefixes = {n.name.split("/", 1)[0] for n in graph.node if "/" in n.name}
        self._strip = prefixes.pop() + "/" if len(prefixes) == 1 else None

    # Names -----------------------------------------------------------------

    def name(self, node, suffix: str = "") -> str:
        """A unique Keras layer name made from the node's name (or its operator)."""
        raw = node.name or ""
        if self._strip and raw.startswith(self._strip):
            raw = raw[len(self._strip):]
        base = _sanitise(raw + suffix) or _sanitise(node.op_type.lower() + suffix)
        name, n = base, 1
        while name in self._taken:
            name, n = f"{base}_{n}", n + 1
        self._taken.add(name)
        return name

    # Values ----------------------------------------------------------------

    def get(self, node, i):
        """Input *i* of *node*: a :class:`Tensor` or a numpy constant (``None`` if absent)."""
        if i >= len(node.input) or not node.input[i]:
            return None
        return self.values[node.input[i]]

    def const(self, node, i, default=None):
        """Input *i* of *node*, which must be a constant."""
        value = self.get(node, i)
        if value is None:
            return default
        if isinstance(value, Tensor):
            raise InvalidArgumentError(
                f"ONNX node {label(node)!r} ({node.op_type}) computes its input {i} at run "
                f"time, which dl_notebook cannot import; it imports that input only as a constant."
            )
        return value

    def tensor(self, node, i=0) -> Tensor:
        """Input *i* of *node*, which must be a tensor."""
        value = self.get(node, i)
        if not isinstance(value, Tensor):
            raise InvalidArgumentError(
                f"ONNX node {label(node)!r} ({node.op_type}) has a constant as input {i} "
                f"where dl_notebook imports only a tensor."
            )
        return value

    def single_reader(self, name: str):
        """The one node that reads the value *name*, or ``None``."""
        readers = self.consumers.get(name, [])
        if len(readers) == 1 and name not in self.outputs:
            return readers[0]
        return None

    def only_dense_readers(self, name: str) -> bool:
        """Whether every reader of *name* is a Gemm or MatMul that takes it as ``A``."""
        readers = self.consumers.get(name, [])
        return bool(readers) and name not in self.outputs and all(
            r.op_type in ("Gemm", "MatMul") and r.input[0] == name and r.input[1] != name
            for r in readers)

    def bias_follows(self, node) -> bool:
        """Whether *node*'s output goes only to an Add (or Sub) of a constant."""
        reader = self.single_reader(node.output[0])
        if reader is None or reader.op_type not in ("Add", "Sum", "Sub") or len(reader.input) != 2:
            return False
        other = [n for n in reader.input if n != node.output[0]]
        return len(other) == 1 and other[0] in self.constant_names and (
            reader.op_type != "Sub" or reader.input[0] == node.output[0])

    # Layers ----------------------------------------------------------------

    def call(self, layer, *inputs):
        """Call the Keras *layer* on Keras tensors."""
        return layer(inputs[0] if len(inputs) == 1 else list(inputs))

    def materialise(self, value: Tensor, node) -> object:
        """A Keras tensor in ONNX layout (``perm`` the identity)."""
        if value.rows is not None:
            raise InvalidArgumentError(
                f"ONNX node {label(node)!r} reads a flattened image tensor in a way "
                f"dl_notebook cannot import."
            )
        if value.perm == tuple(range(value.rank)):
            return value.tensor
        shape = value.onnx_shape()
        if value.keeps_order() and sum(d is None for d in shape[1:]) <= 1:
            target = tuple(-1 if d is None else d for d in shape[1:])
            return self.call(keras().layers.Reshape(target, name=self.name(node, "_reshape")),
                             value.tensor)
        if value.perm[0] != 0:
            raise InvalidArgumentError(
                f"ONNX node {label(node)!r} moves the batch axis, which dl_notebook cannot import."
            )
        return self.call(keras().layers.Permute(value.perm[1:], name=self.name(node, "_nchw")),
                         value.tensor)

    def channels_last(self, value: Tensor, node) -> object:
        """A channels-last Keras tensor of the channels-first ONNX tensor *value*."""
        cf = channels_first(value.rank)
        if value.perm == cf:
            return value.tensor
        tensor = self.materialise(value, node)
        dims = tuple(range(2, value.rank)) + (1,)
        return self.call(keras().layers.Permute(dims, name=self.name(node, "_nhwc")), tensor)

    def keras_const(self, c, value: Tensor, node) -> np.ndarray:
        """The constant *c*, broadcast against the ONNX tensor *value*, in Keras layout."""
        c = np.asarray(c, dtype="float32")
        if c.ndim > value.rank:
            raise InvalidArgumentError(
                f"ONNX node {label(node)!r} broadcasts a constant of shape {c.shape} against "
                f"a tensor of rank {value.rank}, which dl_notebook cannot import."
            )
        c = c.reshape((1,) * (value.rank - c.ndim) + c.shape)
        return np.transpose(c, np.argsort(value.perm))


def label(node) -> str:
    """The node's name, or its first output's name when it has none."""
    return node.name or (node.output[0] if node.output else node.op_type)


def _load(path):
    import onnx
    from google.protobuf.message import DecodeError

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise InvalidArgumentError(f"There is no ONNX file at {path!r}.")
    try:
        model = onnx.load(path)
    except (DecodeError, ValueError, RuntimeError, OSError, UnicodeDecodeError) as err:
        raise InvalidArgumentError(
            f"{path!r} is not an ONNX model file ({type(err).__name__})."
        ) from None
    if not model.ir_version or not model.graph.output:
        raise InvalidArgumentError(f"{path!r} is not an ONNX model file (it holds no graph).")
    return model


def _input_tensor(builder, graph_input):
    """A Keras input for an ONNX graph input; image inputs read by Conv & co. become NHWC."""
    from onnx import helper

    kind = graph_input.type.tensor_type
    dims = [d.dim_value if d.dim_value > 0 else None for d in kind.shape.dim]
    dtype = np.dtype(helper.tensor_dtype_to_np_dtype(kind.elem_type)).name
    readers = builder.consumers.get(graph_input.name, [])
    if len(dims) in (3, 4) and any(r.op_type in _SPATIAL for r in readers):
        perm = channels_first(len(dims))
        shape = tuple(dims[p] for p in np.argsort(perm))[1:]
    else:
        perm, shape = tuple(range(len(dims))), tuple(dims[1:])
    name = _sanitise(graph_input.name) or "input"
    builder._taken.add(name)
    return Tensor(keras().Input(shape=shape, dtype=dtype, name=name), perm)


def onnx_to_keras(path, name=None):
    """Read the ONNX file *path* into a Keras functional model with its weights.

    Each ONNX node becomes one standard Keras layer named after the node (Identity,
    Transpose and the shape arithmetic around a Reshape take no layer; an Add or Mul
    of a constant after a Conv, Gemm, MatMul or BatchNormalization is folded into
    its weights). An NCHW image input (rank 4, read by Conv, pooling or
    BatchNormalization) becomes an NHWC Keras input, so the model takes NHWC images
    and its image outputs are NHWC too; a model exported from Keras keeps its
    NHWC input. Operators: see :data:`SUPPORTED`; any other gives an
    ``InvalidArgumentError`` naming the operator and the node.

    Args:
        path: the ``.onnx`` file.
        name: the Keras model's name (default: the ONNX graph's name).

    Returns:
        A ``keras.Model``.

    Example:
        >>> import os, tempfile, numpy as np
        >>> from onnx import helper, TensorProto, numpy_helper, save
        >>> w = numpy_helper.from_array(np.eye(3, 2, dtype="float32"), "w")
        >>> graph = helper.make_graph(
        ...     [helper.make_node("MatMul", ["x", "w"], ["y"], name="fc")], "tiny",
        ...     [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 3])],
        ...     [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 2])], [w])
        >>> path = os.path.join(tempfile.mkdtemp(), "tiny.onnx")
        >>> save(helper.make_model(graph), path)
        >>> model = onnx_to_keras(path)
        >>> [layer.name for layer in model.layers]
        ['x', 'fc']
        >>> model(np.array([[1.0, 2.0, 3.0]], "float32")).numpy().tolist()
        [[1.0, 2.0]]
    """
    from . import _onnx_ops

    model = _load(path)
    graph = model.graph
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 13)
    builder = Builder(graph)
    inputs = []
    for graph_input in graph.input:
        if graph_input.name in builder.values:  # an initializer listed as an input
            continue
        builder.values[graph_input.name] = value = _input_tensor(builder, graph_input)
        inputs.append(value.tensor)
    for node in graph.node:
        _onnx_ops.convert(builder, node, opset)
    outputs = []
    for out in graph.output:
        value = builder.values[out.name]
        if not isinstance(value, Tensor):
            raise InvalidArgumentError(
                f"ONNX output {out.name!r} is a constant, which dl_notebook cannot import."
            )
        keep = value.perm in (tuple(range(value.rank)), channels_first(value.rank))
        outputs.append(value.tensor if keep and value.rows is None
                       else builder.materialise(value, graph.node[-1]))
    model_name = _sanitise(name or graph.name or os.path.splitext(os.path.basename(path))[0])
    return keras().Model(inputs[0] if len(inputs) == 1 else inputs,
                         outputs[0] if len(outputs) == 1 else outputs,
                         name=model_name or "onnx_model")
