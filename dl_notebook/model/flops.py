"""Floating-point operations of one forward pass, per Keras layer call.

FLOPs count a multiply-add as two operations (so a Dense layer of ``n``
inputs and ``m`` units costs ``2·n·m`` per sample), for one sample. Layers
that only move data (reshape, dropout, padding, concatenation) cost 0.
"""

from __future__ import annotations

import math

__all__ = ["layer_flops"]


def _size(shape) -> int:
    dims = [d for d in tuple(shape)[1:]]
    return 0 if any(d is None for d in dims) else math.prod(dims)


def _conv(layer, in_shape, out_shape, cls):
    cfg = layer.get_config()
    kernel = math.prod(cfg.get("kernel_size", (1,)))
    c_in = in_shape[-1] or 0
    out_positions = _size(out_shape) // max(out_shape[-1] or 1, 1)
    if cls.startswith("Depthwise"):
        return 2 * kernel * c_in * cfg.get("depth_multiplier", 1) * out_positions
    if cls.startswith("Separable"):
        mult = cfg.get("depth_multiplier", 1)
        return 2 * out_positions * c_in * mult * (kernel + (out_shape[-1] or 0))
    if "Transpose" in cls:
        return 2 * kernel * c_in * (out_shape[-1] or 0) * (_size(in_shape) // max(c_in, 1))
    groups = cfg.get("groups", 1) or 1
    return 2 * kernel * (c_in // groups) * _size(out_shape)


def _recurrent(layer, in_shape, cls):
    if cls == "Bidirectional":
        return 2 * _recurrent(layer.forward_layer, in_shape, type(layer.forward_layer).__name__)
    gates = {"LSTM": 4, "GRU": 3}.get(cls, 1)
    units = layer.get_config().get("units", 0)
    steps = in_shape[1] or 0
    return 2 * gates * (in_shape[-1] + units) * units * steps


def layer_flops(layer, in_shape, out_shape) -> int:
    """FLOPs of one call of the Keras *layer*, given its input and output shapes.

    Example:
        >>> import keras
        >>> layer_flops(keras.layers.Dense(10), (None, 784), (None, 10))
        15680
    """
    cls = type(layer).__name__
    if isinstance(in_shape, list):  # merge layers
        return max(len(in_shape) - 1, 0) * _size(out_shape) if cls in (
            "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum") else 0
    out = _size(out_shape)
    act = getattr(layer, "activation", None)
    act_cost = out if act is not None and getattr(act, "__name__", "linear") != "linear" else 0
    if "Conv" in cls and "LSTM" not in cls:
        return _conv(layer, in_shape, out_shape, cls) + act_cost
    if cls in ("Dense", "EinsumDense"):
        rows = _size(in_shape) // max(in_shape[-1] or 1, 1)
        return 2 * (in_shape[-1] or 0) * (out_shape[-1] or 0) * rows + act_cost
    if cls in ("LSTM", "GRU", "SimpleRNN", "Bidirectional"):
        return _recurrent(layer, in_shape, cls)
    if "Pooling" in cls:
        if cls.startswith("Global"):
            return _size(in_shape)
        return math.prod(layer.get_config().get("pool_size", (1,))) * out
    if cls in ("BatchNormalization", "LayerNormalization", "GroupNormalization", "Rescaling",
               "Normalization"):
        return 2 * out
    if cls in ("Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"):
        return out
    if cls.startswith("UpSampling") and getattr(layer, "interpolation", "nearest") != "nearest":
        return 4 * out
    return 0
