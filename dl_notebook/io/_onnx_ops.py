"""ONNX operators as Keras layers: one converter per operator, for :mod:`.onnx_import`.

A converter reads its inputs from the :class:`~.onnx_import.Builder` (Keras
tensors with their layout, or numpy constants) and stores its output there. A node
whose inputs are all constants is computed with numpy instead (shape arithmetic,
weights that the exporter transposed or cast).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from onnx import helper

from .._keras import keras
from ..errors import InvalidArgumentError
from ._onnx_conv import SPATIAL, affine
from .onnx_import import SUPPORTED, Builder, Tensor, label

__all__ = ["convert"]


def _attrs(node) -> dict:
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _axes(node, builder, opset, i=1):
    """The ``axes`` of Squeeze/Unsqueeze/Slice-like nodes: an attribute, later an input."""
    axes = _attrs(node).get("axes")
    if axes is None:
        axes = builder.const(node, i)
    return None if axes is None else [int(a) for a in np.ravel(axes)]


# Constants -------------------------------------------------------------------


def _np_slice(node, builder, opset, data):
    a = _attrs(node)
    if opset < 10:
        starts, ends, axes, steps = a["starts"], a["ends"], a.get("axes"), None
    else:
        starts, ends = builder.const(node, 1), builder.const(node, 2)
        axes, steps = builder.const(node, 3), builder.const(node, 4)
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    index = [slice(None)] * data.ndim
    for s, e, ax, st in zip(starts, ends, axes, steps):
        index[int(ax)] = slice(int(s), int(e), int(st))
    return data[tuple(index)]


def _np_reshape(data, shape):
    shape = [data.shape[i] if d == 0 else int(d) for i, d in enumerate(shape)]
    return data.reshape(shape)


def _constant(node, builder, opset):
    """The numpy value of a node whose inputs are all constants, or ``NotImplemented``."""
    from onnx import numpy_helper

    a, op = _attrs(node), node.op_type
    ins = [builder.get(node, i) for i in range(len(node.input))]
    if op == "Constant":
        if "value" in a:
            return numpy_helper.to_array(a["value"])
        for key in ("value_float", "value_floats", "value_int", "value_ints"):
            if key in a:
                return np.array(a[key], "float32" if "float" in key else "int64")
        return NotImplemented
    if op == "Identity":
        return ins[0]
    if op == "Cast":
        return ins[0].astype(helper.tensor_dtype_to_np_dtype(a["to"]))
    if op == "Gather":
        return np.take(ins[0], ins[1], axis=a.get("axis", 0))
    if op == "Slice":
        return _np_slice(node, builder, opset, ins[0])
    if op == "Concat":
        return np.concatenate([np.atleast_1d(v) for v in ins], axis=a["axis"])
    if op == "Unsqueeze":
        return np.expand_dims(ins[0], tuple(_axes(node, builder, opset)))
    if op == "Squeeze":
        axes = _axes(node, builder, opset)
        return np.squeeze(ins[0], None if axes is None else tuple(axes))
    if op == "Reshape":
        return _np_reshape(ins[0], ins[1])
    if op == "Transpose":
        return np.transpose(ins[0], a.get("perm"))
    if op == "Expand":  # -1, an unknown batch size, broadcasts as 1
        return np.broadcast_to(ins[0], np.maximum(np.asarray(ins[1], "int64"), 1))
    binary = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}
    if op in binary and len(ins) == 2:
        result = binary[op](ins[0], ins[1])
        return result.astype(ins[0].dtype) if op != "Div" else result
    return NotImplemented


def _shape(b: Builder, node, opset):
    shape = b.tensor(node, 0).onnx_shape()
    b.values[node.output[0]] = np.array([-1 if d is None else d for d in shape], "int64")


# Layout-only nodes -------------------------------------------------------------


def _identity(b, node, opset):
    b.values[node.output[0]] = replace(b.tensor(node, 0), fold=None)


def _cast(b, node, opset):
    value = b.tensor(node, 0)
    to = np.dtype(helper.tensor_dtype_to_np_dtype(_attrs(node)["to"]))
    if to.kind != "f" or np.dtype(value.tensor.dtype).kind != "f":
        raise InvalidArgumentError(
            f"ONNX node {label(node)!r} casts a tensor to {to.name}; dl_notebook imports "
            f"only casts between float types."
        )
    b.values[node.output[0]] = replace(value, fold=None)


def _transpose(b, node, opset):
    value = b.tensor(node, 0)
    if value.rows is not None:
        b.materialise(value, node)
    perm = _attrs(node).get("perm") or list(reversed(range(value.rank)))
    b.values[node.output[0]] = Tensor(value.tensor, tuple(value.perm[p] for p in perm),
                                      nonneg=value.nonneg)


def _unit_moves(value, shape):
    """The ``perm`` that makes *shape* from *value* when the reshape only moves axes of
    size 1 (``(N, 8, 8, 1)`` to ``(N, 1, 8, 8)``), else ``None``."""
    old = value.onnx_shape()
    if value.rows is not None or len(shape) != len(old) or None in old[1:]:
        return None
    if [d for d in old[1:] if d != 1] != [d for d in shape[1:] if d != 1]:
        return None
    units = iter(i for i in range(1, len(old)) if old[i] == 1)
    others = iter(i for i in range(1, len(old)) if old[i] != 1)
    source = [0] + [next(units) if d == 1 else next(others) for d in shape[1:]]
    return tuple(value.perm[i] for i in source)


def _reshape_to(b, node, value, shape):
    """Reshape the ONNX tensor *value* to *shape* (its first entry the batch)."""
    perm = _unit_moves(value, shape)
    if perm is not None:
        return Tensor(value.tensor, perm, nonneg=value.nonneg)
    if len(shape) == 2 and value.rank > 2 and not value.keeps_order() and (
            b.only_dense_readers(node.output[0])):
        return _flatten_rows(b, node, value)
    source = value.tensor if value.keeps_order() else b.materialise(value, node)
    unknown = [i for i, d in enumerate(shape[1:]) if d is None or d < 0]
    if len(unknown) > 1:
        raise InvalidArgumentError(
            f"ONNX node {label(node)!r} reshapes to {shape}, with more than one unknown size."
        )
    target = tuple(-1 if d is None or d < 0 else int(d) for d in shape[1:])
    layer = keras().layers.Reshape(target, name=b.name(node))
    return Tensor(b.call(layer, source), tuple(range(len(shape))), nonneg=value.nonneg)


def _flatten_rows(b, node, value):
    """Flatten the Keras tensor as it is; the Gemm/MatMul readers permute their rows."""
    onnx_shape = value.onnx_shape()[1:]
    if any(d is None for d in onnx_shape):
        raise InvalidArgumentError(
            f"ONNX node {label(node)!r} flattens an image of unknown size; give the ONNX "
            f"input a fixed height and width."
        )
    index = np.arange(int(np.prod(onnx_shape))).reshape(onnx_shape)
    inner = [p - 1 for p in value.perm[1:]]
    rows = np.transpose(index, np.argsort(inner)).ravel()
    flat = b.call(keras().layers.Flatten(name=b.name(node)), value.tensor)
    return Tensor(flat, (0, 1), rows=rows, nonneg=value.nonneg)


def _reshape(b, node, opset):
    value = b.tensor(node, 0)
    shape = [int(d) for d in b.const(node, 1)]
    onnx_shape = value.onnx_shape()
    shape = [onnx_shape[i] if d == 0 else d for i, d in enumerate(shape)]
    b.values[node.output[0]] = _reshape_to(b, node, value, shape)


def _flatten(b, node, opset):
    value = b.tensor(node, 0)
    axis = _attrs(node).get("axis", 1) % max(value.rank, 1)
    if axis != 1:
        rest = value.onnx_shape()[axis:]
        size = None if None in rest else int(np.prod(rest))
        b.values[node.output[0]] = _reshape_to(b, node, value, [None, *value.onnx_shape()[1:axis], size])
        return
    if value.keeps_order() or not b.only_dense_readers(node.output[0]):
        source = value.tensor if value.keeps_order() else b.materialise(value, node)
        flat = b.call(keras().layers.Flatten(name=b.name(node)), source)
        b.values[node.output[0]] = Tensor(flat, (0, 1), nonneg=value.nonneg)
    else:
        b.values[node.output[0]] = _flatten_rows(b, node, value)


def _squeeze(b, node, opset):
    value = b.tensor(node, 0)
    shape = list(value.onnx_shape())
    axes = _axes(node, b, opset)
    if node.op_type == "Squeeze":
        axes = [i for i, d in enumerate(shape) if d == 1] if axes is None else axes
        drop = {a % len(shape) for a in axes}
        new = [d for i, d in enumerate(shape) if i not in drop]
    else:
        new = shape
        for a in sorted(a % (len(shape) + len(axes)) for a in axes):
            new.insert(a, 1)
    if new[0] != shape[0]:
        raise InvalidArgumentError(
            f"ONNX node {label(node)!r} changes the batch axis, which dl_notebook cannot import."
        )
    b.values[node.output[0]] = _reshape_to(b, node, value, new)


# Layers ------------------------------------------------------------------------


def _elementwise(b, node, layer, nonneg=False):
    value = b.tensor(node, 0)
    out = b.call(layer, value.tensor)
    b.values[node.output[0]] = Tensor(out, value.perm, rows=value.rows, nonneg=nonneg)


def _activation(b, node, opset):
    a, op, layers = _attrs(node), node.op_type, keras().layers
    name = b.name(node)
    if op == "LeakyRelu":
        layer = layers.LeakyReLU(negative_slope=a.get("alpha", 0.01), name=name)
    elif op == "Clip":
        low = a.get("min", b.const(node, 1, default=None))
        high = a.get("max", b.const(node, 2, default=None))
        if low is None or float(low) != 0.0:
            raise InvalidArgumentError(
                f"ONNX node {label(node)!r} clips from {low}; dl_notebook imports Clip only from 0."
            )
        layer = layers.ReLU(max_value=None if high is None else float(high), name=name)
    else:
        layer = layers.Activation({"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh"}[op],
                                  name=name)
    _elementwise(b, node, layer, nonneg=op in ("Relu", "Sigmoid", "Clip"))


def _softmax(b, node, opset):
    value = b.tensor(node, 0)
    axis = _attrs(node).get("axis", -1 if opset >= 13 else 1) % value.rank
    if opset < 13 and axis != value.rank - 1:
        raise InvalidArgumentError(
            f"ONNX node {label(node)!r} is a Softmax over the axes from {axis} on (opset "
            f"{opset}); dl_notebook imports it over the last axis only."
        )
    if value.rows is not None:
        b.values[node.input[0]] = value = Tensor(b.materialise(value, node), (0, 1))
    layer = keras().layers.Softmax(axis=value.perm[axis], name=b.name(node))
    _elementwise(b, node, layer, nonneg=True)


def _dropout(b, node, opset):
    ratio = _attrs(node).get("ratio", b.const(node, 1, default=0.5))
    layer = keras().layers.Dropout(float(ratio), name=b.name(node))
    _elementwise(b, node, layer, nonneg=b.tensor(node, 0).nonneg)


def _batch_norm(b, node, opset):
    value = b.tensor(node, 0)
    source = value.tensor if value.rows is None else b.materialise(value, node)
    perm = value.perm if value.rows is None else (0, 1)
    a = _attrs(node)
    layer = keras().layers.BatchNormalization(
        axis=perm[1], epsilon=a.get("epsilon", 1e-5), momentum=a.get("momentum", 0.9),
        name=b.name(node))
    out = b.call(layer, source)
    layer.set_weights([b.const(node, i).astype("float32") for i in (1, 2, 3, 4)])
    b.values[node.output[0]] = Tensor(out, perm, fold=(layer, "affine"))


def _dense(b, node, opset):
    value = b.tensor(node, 0)
    a = _attrs(node)
    weight = b.const(node, 1).astype("float32")
    if node.op_type == "Gemm":
        if a.get("transA", 0):
            raise InvalidArgumentError(
                f"ONNX node {label(node)!r} is a Gemm with transA=1, which dl_notebook cannot import."
            )
        weight = (weight.T if a.get("transB", 0) else weight) * a.get("alpha", 1.0)
        bias = b.const(node, 2)
        bias = None if bias is None else np.broadcast_to(
            np.asarray(bias, "float32") * a.get("beta", 1.0), (1, weight.shape[1]))
        if bias is not None:
            bias = bias.reshape(-1)
    else:
        bias = None
    if weight.ndim != 2:
        raise InvalidArgumentError(
            f"ONNX node {label(node)!r} multiplies by a constant of rank {weight.ndim}; "
            f"dl_notebook imports MatMul only with a matrix."
        )
    if value.rows is not None:
        weight = weight[value.rows]
        source = value.tensor
    else:
        source = b.materialise(value, node)
    use_bias = bias is not None or b.bias_follows(node)
    layer = keras().layers.Dense(weight.shape[1], use_bias=use_bias, name=b.name(node))
    out = b.call(layer, source)
    layer.set_weights([weight] + ([np.zeros(weight.shape[1], "float32") if bias is None else bias]
                                  if use_bias else []))
    b.values[node.output[0]] = Tensor(out, tuple(range(len(out.shape))),
                                      fold=(layer, "bias") if use_bias else None)


def _merge(b, node, opset):
    """Add, Sum, Sub, Mul, Div: of tensors (a merge layer) or with a constant (folded)."""
    values = [b.get(node, i) for i in range(len(node.input))]
    tensors = [v for v in values if isinstance(v, Tensor)]
    if len(tensors) == 1 and len(values) == 2:
        b.values[node.output[0]] = affine(b, node, values)
        return
    if len(tensors) != len(values) or node.op_type == "Div":
        raise InvalidArgumentError(
            f"ONNX node {label(node)!r} ({node.op_type}) mixes more than one tensor with "
            f"constants, which dl_notebook cannot import."
        )
    if len(tensors) == 1:
        b.values[node.output[0]] = tensors[0]
        return
    perms = {v.perm for v in tensors}
    if len(perms) > 1 or any(v.rows is not None for v in tensors):
        sources, perm = [b.materialise(v, node) for v in tensors], tuple(range(tensors[0].rank))
    else:
        sources, perm = [v.tensor for v in tensors], perms.pop()
    layers = keras().layers
    kind = {"Add": layers.Add, "Sum": layers.Add, "Sub": layers.Subtract,
            "Mul": layers.Multiply}[node.op_type]
    out = b.call(kind(name=b.name(node)), *sources)
    b.values[node.output[0]] = Tensor(out, perm)


def _concat(b, node, opset):
    values = [b.tensor(node, i) for i in range(len(node.input))]
    axis = _attrs(node)["axis"] % values[0].rank
    perms = {v.perm for v in values}
    if len(perms) > 1 or any(v.rows is not None for v in values):
        sources, perm = [b.materialise(v, node) for v in values], tuple(range(values[0].rank))
    else:
        sources, perm = [v.tensor for v in values], perms.pop()
    layer = keras().layers.Concatenate(axis=perm[axis], name=b.name(node))
    b.values[node.output[0]] = Tensor(b.call(layer, *sources), perm,
                                      nonneg=all(v.nonneg for v in values))


def convert(builder: Builder, node, opset: int) -> None:
    """Add the Keras layers of one ONNX *node* to the import in *builder*.

    Args:
        builder: the import's state.
        node: an ONNX ``NodeProto``.
        opset: the model's default-domain opset version.

    Example:
        >>> sorted(_CONVERTERS)[:3]
        ['Add', 'AveragePool', 'BatchNormalization']
    """
    op = node.op_type
    if node.domain not in ("", "ai.onnx") or (
            op not in _CONVERTERS and op not in ("Constant", "Gather", "Slice", "Expand")):
        spelled = op[:2].isupper() and op[:1] in "FHLMNRSX"  # an LSTM, an RNN
        article = "an" if op[:1] in "AEIOU" or spelled else "a"
        raise InvalidArgumentError(
            f"ONNX node {label(node)!r} is {article} {op}, which dl_notebook cannot import; "
            f"it imports {', '.join(SUPPORTED)}."
        )
    inputs = [builder.get(node, i) for i in range(len(node.input))]
    if op == "Constant" or (op != "Shape" and inputs and not any(
            isinstance(v, Tensor) for v in inputs)):
        value = _constant(node, builder, opset)
        if value is NotImplemented:
            raise InvalidArgumentError(
                f"ONNX node {label(node)!r} ({op}) computes a constant in a way dl_notebook "
                f"cannot import."
            )
        builder.values[node.output[0]] = value
        return
    if op in ("Gather", "Slice", "Expand"):
        raise InvalidArgumentError(
            f"ONNX node {label(node)!r} ({op}) indexes a tensor at run time; dl_notebook "
            f"imports {op} only in shape arithmetic."
        )
    _CONVERTERS[op](builder, node, opset)


_CONVERTERS = {
    "Identity": _identity, "Cast": _cast, "Transpose": _transpose, "Shape": _shape,
    "Reshape": _reshape, "Flatten": _flatten, "Squeeze": _squeeze, "Unsqueeze": _squeeze,
    "Relu": _activation, "LeakyRelu": _activation, "Clip": _activation,
    "Sigmoid": _activation, "Tanh": _activation, "Softmax": _softmax, "Dropout": _dropout,
    "BatchNormalization": _batch_norm, "Gemm": _dense, "MatMul": _dense,
    "Add": _merge, "Sum": _merge, "Sub": _merge, "Mul": _merge, "Div": _merge,
    "Concat": _concat, **SPATIAL,
}
