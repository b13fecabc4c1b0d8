"""ONNX convolution, pooling, padding and per-channel affine nodes as Keras layers.

Converters for :mod:`._onnx_ops`. ONNX pads are turned into Keras ``"same"`` where
they are exactly TensorFlow's same padding, otherwise into a ``ZeroPadding`` layer
before a ``"valid"`` layer (for MaxPool only where the input cannot be negative,
since ONNX pads max pooling with minus infinity).
"""

from __future__ import annotations

import math

import numpy as np
from onnx import helper

from .._keras import keras
from ..errors import InvalidArgumentError
from .onnx_import import Builder, Tensor, channels_first, label

__all__ = ["SPATIAL", "affine", "same_pads"]


def _attrs(node) -> dict:
    values = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    if isinstance(values.get("auto_pad"), bytes):
        values["auto_pad"] = values["auto_pad"].decode()
    return values


def same_pads(sizes, kernel, strides):
    """TensorFlow's ``"same"`` padding as ``(begin, end)`` per axis (``None`` if a size is unknown).

    Args:
        sizes: the input's spatial sizes.
        kernel: the effective kernel sizes (dilation included).
        strides: the strides.

    Example:
        >>> same_pads((8, 8), (3, 3), (2, 2))
        [(0, 1), (0, 1)]
    """
    if any(s is None for s in sizes):
        return None
    pads = []
    for size, k, s in zip(sizes, kernel, strides):
        total = max((math.ceil(size / s) - 1) * s + k - size, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _padding(node, x, kernel, strides, dilations):
    """``(pairs, same)``: the ONNX pads as ``(begin, end)`` per spatial axis (``None`` when
    only ``auto_pad`` gives them and a size is unknown), and whether they equal
    TensorFlow's ``"same"``."""
    a = _attrs(node)
    n = len(kernel)
    effective = [(k - 1) * d + 1 for k, d in zip(kernel, dilations)]
    sizes = tuple(x.shape[1:-1])
    same = same_pads(sizes, effective, strides)
    auto = a.get("auto_pad", "NOTSET")
    if auto == "VALID":
        return [(0, 0)] * n, same == [(0, 0)] * n
    if auto == "SAME_UPPER":
        return same, True
    if auto == "SAME_LOWER":
        if same is None:
            raise InvalidArgumentError(
                f"ONNX node {label(node)!r} pads SAME_LOWER an input of unknown size; give "
                f"the ONNX input a fixed height and width."
            )
        pairs = [(e, b) for b, e in same]
        return pairs, pairs == same
    pads = list(a.get("pads", [0] * 2 * n))
    pairs = list(zip(pads[:n], pads[n:]))
    return pairs, pairs == same


def _zero_pad(b, node, x, pairs):
    n = len(pairs)
    layers = keras().layers
    cls = {1: layers.ZeroPadding1D, 2: layers.ZeroPadding2D, 3: layers.ZeroPadding3D}[n]
    padding = tuple(pairs[0]) if n == 1 else tuple(tuple(p) for p in pairs)
    return b.call(cls(padding, name=b.name(node, "_pad")), x)


def _spatial_rank(node, value, n):
    if n not in (1, 2) or value.rank != n + 2:
        raise InvalidArgumentError(
            f"ONNX node {label(node)!r} ({node.op_type}) works on {n} spatial axes of a rank "
            f"{value.rank} tensor; dl_notebook imports 1D and 2D images."
        )


def _conv(b: Builder, node, opset):
    value, weight = b.tensor(node, 0), b.const(node, 1).astype("float32")
    n = weight.ndim - 2
    _spatial_rank(node, value, n)
    a = _attrs(node)
    kernel = tuple(weight.shape[2:])
    strides = tuple(a.get("strides", [1] * n))
    dilations = tuple(a.get("dilations", [1] * n))
    group = a.get("group", 1)
    x = b.channels_last(value, node)
    pairs, same = _padding(node, x, kernel, strides, dilations)
    if same:
        padding = "same"
    elif pairs == [(0, 0)] * n:
        padding = "valid"
    else:
        x, padding = _zero_pad(b, node, x, pairs), "valid"
    bias = b.const(node, 2)
    use_bias = bias is not None or b.bias_follows(node)
    channels = x.shape[-1]
    layers = keras().layers
    spatial = tuple(range(2, 2 + n))
    if group == 1 or group != channels or weight.shape[1] != 1:
        cls = layers.Conv1D if n == 1 else layers.Conv2D
        layer = cls(weight.shape[0], kernel, strides=strides, padding=padding,
                    dilation_rate=dilations, groups=group, use_bias=use_bias, name=b.name(node))
        kernel_value = weight.transpose(spatial + (1, 0))
    else:
        multiplier = weight.shape[0] // channels
        cls = layers.DepthwiseConv1D if n == 1 else layers.DepthwiseConv2D
        layer = cls(kernel, strides=strides, padding=padding, depth_multiplier=multiplier,
                    dilation_rate=dilations, use_bias=use_bias, name=b.name(node))
        kernel_value = weight.reshape((channels, multiplier) + kernel).transpose(spatial + (0, 1))
    out = b.call(layer, x)
    weights = [kernel_value]
    if use_bias:
        weights.append(np.zeros(weight.shape[0], "float32") if bias is None
                       else bias.astype("float32"))
    layer.set_weights(weights)
    b.values[node.output[0]] = Tensor(out, channels_first(n + 2),
                                      fold=(layer, "bias") if use_bias else None)


def _pool(b: Builder, node, opset):
    value = b.tensor(node, 0)
    a = _attrs(node)
    kernel = tuple(a["kernel_shape"])
    n = len(kernel)
    _spatial_rank(node, value, n)
    strides = tuple(a.get("strides", [1] * n))
    if any(d != 1 for d in a.get("dilations", [1] * n)):
        raise InvalidArgumentError(
            f"ONNX node {label(node)!r} is a dilated {node.op_type}, which dl_notebook cannot import."
        )
    x = b.channels_last(value, node)
    pairs, same = _padding(node, x, kernel, strides, [1] * n)
    if a.get("ceil_mode", 0) and not same:
        sizes = x.shape[1:-1]
        if None in sizes or any(
                (s + p0 + p1 - k) % st for s, (p0, p1), k, st in zip(sizes, pairs, kernel, strides)):
            raise InvalidArgumentError(
                f"ONNX node {label(node)!r} pools with ceil_mode=1 where it changes the output "
                f"size, which dl_notebook cannot import."
            )
    is_max = node.op_type == "MaxPool"
    include = bool(a.get("count_include_pad", 0))
    padded = pairs is None or pairs != [(0, 0)] * n
    if not padded:
        padding = "valid"
    elif same and (is_max or not include):
        padding = "same"
    elif pairs is not None and (include if not is_max else value.nonneg):
        x, padding = _zero_pad(b, node, x, pairs), "valid"
    else:
        why = ("pads a tensor that may be negative" if is_max
               else "pads without counting the padding")
        raise InvalidArgumentError(
            f"ONNX node {label(node)!r} ({node.op_type}) {why} in a way Keras' pooling cannot "
            f"repeat exactly."
        )
    layers = keras().layers
    kinds = {("MaxPool", 1): layers.MaxPooling1D, ("MaxPool", 2): layers.MaxPooling2D,
             ("AveragePool", 1): layers.AveragePooling1D,
             ("AveragePool", 2): layers.AveragePooling2D}
    layer = kinds[node.op_type, n](kernel, strides=strides, padding=padding, name=b.name(node))
    b.values[node.output[0]] = Tensor(b.call(layer, x), channels_first(n + 2),
                                      nonneg=value.nonneg)


def _global_pool(b: Builder, node, opset):
    value = b.tensor(node, 0)
    _spatial_rank(node, value, value.rank - 2)
    layers = keras().layers
    kinds = {("GlobalAveragePool", 1): layers.GlobalAveragePooling1D,
             ("GlobalAveragePool", 2): layers.GlobalAveragePooling2D,
             ("GlobalMaxPool", 1): layers.GlobalMaxPooling1D,
             ("GlobalMaxPool", 2): layers.GlobalMaxPooling2D}
    layer = kinds[node.op_type, value.rank - 2](keepdims=True, name=b.name(node))
    out = b.call(layer, b.channels_last(value, node))
    b.values[node.output[0]] = Tensor(out, channels_first(value.rank), nonneg=value.nonneg)


def _pad(b: Builder, node, opset):
    value = b.tensor(node, 0)
    a = _attrs(node)
    mode = a.get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    pads = a.get("pads") if opset < 11 else b.const(node, 1)
    fill = a.get("value", 0.0) if opset < 11 else b.const(node, 2, default=0.0)
    axes = b.const(node, 3)
    r = value.rank
    axes = list(range(r)) if axes is None else [int(i) % r for i in axes]
    pads = [int(p) for p in pads]
    begin, end = [0] * r, [0] * r
    for i, axis in enumerate(axes):
        begin[axis], end[axis] = pads[i], pads[len(axes) + i]
    keras_pairs = {value.perm[i]: (begin[i], end[i]) for i in range(r)}
    spatial = set(range(1, r - 1))
    moved = {k for k, p in keras_pairs.items() if p != (0, 0)}
    if mode != "constant" or float(np.ravel(fill)[0]) != 0.0 or not moved <= spatial or (
            r - 2 not in (1, 2, 3)):
        raise InvalidArgumentError(
            f"ONNX node {label(node)!r} pads in {mode} mode or outside the image axes; "
            f"dl_notebook imports Pad only with zeros around the height and width."
        )
    pairs = [keras_pairs[k] for k in sorted(spatial)]
    b.values[node.output[0]] = Tensor(_zero_pad(b, node, value.tensor, pairs)
                                      if moved else value.tensor, value.perm, nonneg=value.nonneg)


def affine(b: Builder, node, values) -> Tensor:
    """A tensor plus, minus, times or over a constant: folded into the layer before, or a
    BatchNormalization layer that scales and shifts each channel.

    Args:
        b: the import's state.
        node: an Add, Sum, Sub, Mul or Div node with one tensor and one constant input.
        values: the node's two inputs.

    Returns:
        The output :class:`~.onnx_import.Tensor`.
    """
    ti = 0 if isinstance(values[0], Tensor) else 1
    value, c = values[ti], np.asarray(values[1 - ti], "float32")
    op = node.op_type
    if op == "Div" and ti == 1:
        raise InvalidArgumentError(
            f"ONNX node {label(node)!r} divides a constant by a tensor, which dl_notebook "
            f"cannot import."
        )
    scale, shift = np.ones_like(c), np.zeros_like(c)
    if op == "Mul":
        scale = c
    elif op == "Div":
        scale = 1.0 / c
    elif op == "Sub" and ti == 1:
        scale, shift = -scale, c
    else:
        shift = -c if op == "Sub" else c
    if value.rows is not None:
        value = Tensor(b.materialise(value, node), (0, 1))
    channels = value.tensor.shape[-1]
    per_channel = []
    for part in (scale, shift):
        k = b.keras_const(part, value, node)
        if any(d != 1 for d in k.shape[:-1]) or k.shape[-1] not in (1, channels):
            raise InvalidArgumentError(
                f"ONNX node {label(node)!r} ({op}) uses a constant of shape {c.shape}; "
                f"dl_notebook imports constants that are one number per channel."
            )
        per_channel.append(np.broadcast_to(k.reshape(-1), (channels,)).astype("float32"))
    scale, shift = per_channel
    if value.fold and b.single_reader(node.input[ti]) is node:
        layer, kind = value.fold
        weights = layer.get_weights()
        if kind == "bias":
            kernel = weights[0]
            weights[0] = (kernel * scale.reshape(kernel.shape[-2:]) if isinstance(
                layer, (keras().layers.DepthwiseConv1D, keras().layers.DepthwiseConv2D))
                else kernel * scale)
            weights[1] = weights[1] * scale + shift
        else:  # BatchNormalization: gamma, beta, mean, variance
            weights[0], weights[1] = weights[0] * scale, weights[1] * scale + shift
        layer.set_weights(weights)
        return value
    layer = keras().layers.BatchNormalization(axis=-1, epsilon=0.0, name=b.name(node))
    out = b.call(layer, value.tensor)
    layer.set_weights([scale, shift, np.zeros(channels, "float32"), np.ones(channels, "float32")])
    return Tensor(out, value.perm, fold=(layer, "affine"))


def _reverse(b: Builder, node, opset):
    """ReverseSequence over whole sequences of the channel axis (an RGB/BGR flip): a Dense
    layer without bias whose kernel is the flipped identity."""
    value, lengths = b.tensor(node, 0), np.ravel(b.const(node, 1))
    axis = _attrs(node).get("time_axis", 0)
    size = value.onnx_shape()[axis]
    if value.rows is not None or value.perm[axis] != value.rank - 1 or np.any(lengths != size):
        raise InvalidArgumentError(
            f"ONNX node {label(node)!r} reverses sequences of a tensor in a way dl_notebook "
            f"cannot import; it imports only a flip of the whole channel axis."
        )
    layer = keras().layers.Dense(size, use_bias=False, name=b.name(node))
    out = b.call(layer, value.tensor)
    layer.set_weights([np.eye(size, dtype="float32")[::-1]])
    b.values[node.output[0]] = Tensor(out, value.perm, nonneg=value.nonneg)


SPATIAL = {"ReverseSequence": _reverse, "Conv": _conv, "MaxPool": _pool, "AveragePool": _pool,
           "GlobalAveragePool": _global_pool, "GlobalMaxPool": _global_pool, "Pad": _pad}
