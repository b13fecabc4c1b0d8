"""Input, fully connected, output and shape-changing layer specs."""

from __future__ import annotations

import math

import numpy as np

from ..._keras import keras
from ...errors import InvalidArgumentError, ShapeError
from .base import Layer, chain, check_activation, check_positive_int, check_rate, fmt_shape
from .describe import Arg, Keyword

__all__ = ["InputLayer", "Dense", "OutputLayer", "Dropout", "Flatten", "Reshape", "Embedding"]

_ERRORS = {
    "auto": "auto", "entropy": "entropy", "crossentropy": "entropy", "normal": "mse",
    "mse": "mse", "mae": "mae", "huber": "huber", "poisson": "poisson",
}


def _check_shape(shape, where):
    if isinstance(shape, int):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)) or not shape or not all(
        d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0) for d in shape
    ):
        raise InvalidArgumentError(
            f"{where}: shape must be a tuple of positive integers (None for a free size), "
            f"e.g. (32, 32, 3); got {shape!r}."
        )
    return tuple(shape)


class InputLayer(Layer):
    """The network's input, with optional normalisation (DLPy ``InputLayer``).

    Give the shape without the batch axis, either as ``shape=(h, w, c)`` or
    DLPy-style as ``n_channels``, ``width`` and ``height``. The input is
    normalised as ``(x * scale - offsets) / std`` when any of those is given
    (``offsets`` and ``std`` per channel or one number); ``reverse_channels``
    first turns RGB images into BGR, for weights trained in Caffe's order.

    Args:
        shape: input shape without the batch axis, e.g. ``(32, 32, 1)``.
        n_channels, width, height: DLPy's way to give an image shape.
        offsets: value(s) subtracted after scaling (e.g. channel means).
        scale: factor applied first (e.g. ``1/255``).
        std: value(s) the result is divided by (e.g. channel standard deviations).
        reverse_channels: reverse the channel order first (RGB -> BGR).
        dtype: input dtype (``"int32"`` for token ids).

    Example:
        >>> import dl_notebook as dn
        >>> dn.layers.InputLayer(n_channels=3, width=64, height=32).shape
        (32, 64, 3)
    """

    prefix = "input"
    kind = "input"
    min_inputs = 0
    max_inputs = 0
    args = (
        Arg("shape", "shape", None, form=True),
        Arg("n_channels", "int", None, written=False),
        Arg("width", "int", None, written=False),
        Arg("height", "int", None, written=False),
        Arg("offsets", "nums", None),
        Arg("scale", "num", None),
        Arg("std", "nums", None),
        Arg("reverse_channels", "bool", False, flags={"bgr": True}),
        Arg("dtype", choices=("float32", "float16", "bfloat16", "float64", "int32", "int64",
                              "uint8"), default="float32"),
    )
    keywords = (Keyword("input", ("shape",), example="input 32x32x3 scale=1/255",
                        help="an input (a shape; ? for a free size)"),)

    def __init__(self, shape=None, n_channels=None, width=None, height=None, offsets=None,
                 scale=None, std=None, dtype="float32", name=None, reverse_channels=False):
        super().__init__(name=name)
        if shape is None:
            if width is None or height is None:
                raise InvalidArgumentError(
                    "InputLayer: give shape=(height, width, channels), or width and height "
                    "(and n_channels, default 3)."
                )
            shape = (height, width, n_channels or 3)
        elif width is not None or height is not None or n_channels is not None:
            raise InvalidArgumentError(
                "InputLayer: give either shape or n_channels/width/height, not both."
            )
        self.shape = _check_shape(shape, "InputLayer")
        self.offsets, self.scale, self.std = offsets, scale, std
        channels = self.shape[-1]
        for what, value in (("offsets", offsets), ("scale", scale), ("std", std)):
            size = None if value is None else np.size(value)
            if size not in (None, 1, channels):
                raise InvalidArgumentError(
                    f"InputLayer: {what} needs one value or one per channel ({channels}); "
                    f"got {size}."
                )
        if std is not None and np.any(np.asarray(std, dtype=float) <= 0):
            raise InvalidArgumentError("InputLayer: std must be positive.")
        self.dtype = dtype
        self.reverse_channels = bool(reverse_channels)
        self._model_input = None
        self._config = dict(shape=self.shape, offsets=offsets, scale=scale, std=std,
                            dtype=None if dtype == "float32" else dtype,
                            reverse_channels=self.reverse_channels or None)

    @property
    def normalizes(self) -> bool:
        """True when the input is scaled or shifted."""
        return self.reverse_channels or any(
            v is not None for v in (self.offsets, self.scale, self.std))

    def make_layers(self, in_shapes, fresh):
        layers = []
        if self.reverse_channels:
            from ._keras_extra import ReverseChannels

            layers.append(ReverseChannels(name=f"{self.name}_bgr"))
        if all(v is None for v in (self.offsets, self.scale, self.std)):
            return layers
        scale = 1.0 if self.scale is None else np.asarray(self.scale, dtype="float32")
        offsets = 0.0 if self.offsets is None else np.asarray(self.offsets, dtype="float32")
        std = 1.0 if self.std is None else np.asarray(self.std, dtype="float32")
        factor, shift = np.asarray(scale / std).tolist(), np.asarray(-offsets / std).tolist()
        return [*layers, keras().layers.Rescaling(factor, shift, name=f"{self.name}_scale")]

    def run(self, layers, tensors):
        x = keras().Input(shape=self.shape, dtype=self.dtype, name=self.name)
        self._model_input = x
        return chain(layers, x)


def _fc_args(default_act, start_n):
    return (
        Arg("n", "int", keys=("units",), positional=True, form=True, start=start_n),
        Arg("act", "act", default_act, keys=("activation",), form=True),
        Arg("dropout", "num", 0.0, form=True),
        Arg("include_bias", "bool", True, key="bias", keys=("include_bias",)),
        Arg("flatten", choices={"auto": "auto", "true": True, "false": False}, default="auto"),
        Arg("init", "word", "glorot_uniform"),
    )


def _default_error(spec):
    return "entropy" if spec.act in ("softmax", "sigmoid") else "mse"


class _FullyConnected(Layer):
    """Shared parts of Dense and OutputLayer: implicit flatten of spatial inputs."""

    kind = "dense"
    default_act = "relu"

    def __init__(self, n, act="auto", dropout=0, include_bias=True, flatten="auto", name=None,
                 init="glorot_uniform"):
        super().__init__(name=name)
        where = type(self).__name__
        self.n = check_positive_int(n, "n", where)
        self.act = check_activation(act, default=self.default_act, where=where)
        self.dropout = check_rate(dropout, where)
        self.include_bias = bool(include_bias)
        if flatten not in ("auto", True, False):
            raise InvalidArgumentError(f"{where}: flatten must be 'auto', True or False.")
        self.flatten = flatten
        self.init = init
        self._config = dict(n=self.n, act=self.act, dropout=self.dropout or None)

    def _flattens(self, in_shape) -> bool:
        return len(in_shape) > 3 if self.flatten == "auto" else bool(self.flatten and
                                                                     len(in_shape) > 2)

    def make_layers(self, in_shapes, fresh):
        k = keras()
        layers = []
        if self._flattens(in_shapes[0]):
            layers.append(k.layers.Flatten(name=f"{self.name}_flatten"))
        layers.append(k.layers.Dense(self.n, activation=self.act, use_bias=self.include_bias,
                                     kernel_initializer=self.init, name=self.name))
        return self._post(layers, dropout=self.dropout)

    @property
    def keras_layer(self):
        """The Dense layer (after an implicit Flatten, when there is one)."""
        first = super().keras_layer  # raises a clear error when not placed
        return next((layer for layer in self._layers if layer.name == self.name), first)


class Dense(_FullyConnected):
    """Fully connected layer (DLPy ``Dense`` / ``FullyConnected``).

    After a spatial layer (an image-shaped input) it flattens its input
    first, as DLPy does; a raw ``keras.layers.Dense`` keeps Keras' rule
    of acting on the last axis only.

    Args:
        n: number of units.
        act: activation, default ``"relu"`` as in DLPy.
        dropout: dropout rate applied after the layer.
        include_bias: whether the layer has a bias.
        flatten: ``"auto"`` (flatten image-shaped inputs), True or False.

    Example:
        >>> import dl_notebook as dn
        >>> dn.layers.Dense(84, act="relu").n
        84
    """

    prefix = "fc"
    args = _fc_args("relu", 64)
    keywords = (Keyword("dense", ("n", "act"), shown=("act",), aliases=("fc", "fullyconnected"),
                        example="dense 128 relu dropout=0.5",
                        help="fully connected (flattens images first)"),)


class OutputLayer(_FullyConnected):
    """The network's prediction layer (DLPy ``OutputLayer``).

    Args:
        n: number of outputs (classes for classification).
        act: output activation, default ``"softmax"``.
        error: loss DLPy-style: ``"entropy"`` (cross-entropy), ``"normal"``
            (mean squared error), ``"mae"``, ``"huber"``, ``"poisson"``, or
            ``"auto"`` (entropy for softmax/sigmoid, else normal).

    Example:
        >>> import dl_notebook as dn
        >>> dn.layers.OutputLayer(10).error
        'entropy'
    """

    prefix = "output"
    kind = "output"
    default_act = "softmax"
    args = _fc_args("softmax", 10) + (
        Arg("error", choices=_ERRORS, default=_default_error, form=True),
    )
    keywords = (Keyword("output", ("n", "act"), shown=("act",), example="output 10 softmax",
                        help="the prediction layer (softmax by default)"),)

    def __init__(self, n, act="softmax", error="auto", dropout=0, include_bias=True,
                 flatten="auto", name=None, init="glorot_uniform"):
        super().__init__(n, act=act, dropout=dropout, include_bias=include_bias,
                         flatten=flatten, name=name, init=init)
        key = str(error).lower() if error is not None else "auto"
        if key not in _ERRORS:
            raise InvalidArgumentError(
                f"OutputLayer: unknown error {error!r}; use one of {', '.join(_ERRORS)}."
            )
        if _ERRORS[key] == "auto":
            key = "entropy" if self.act in ("softmax", "sigmoid") else "mse"
        self.error = _ERRORS[key]
        self._config["error"] = self.error


class Dropout(Layer):
    """Randomly zero a fraction of the inputs while training.

    Example:
        >>> import dl_notebook as dn
        >>> dn.layers.Dropout(0.25).rate
        0.25
    """

    prefix = "dropout"
    kind = "dropout"
    args = (Arg("rate", "num", 0.5, positional=True, form=True),)
    keywords = (Keyword("dropout", ("rate",), example="dropout 0.25", help="dropout"),)

    def __init__(self, rate=0.5, name=None):
        super().__init__(name=name)
        self.rate = check_rate(rate, "Dropout")
        self._config = dict(rate=self.rate)

    def make_layers(self, in_shapes, fresh):
        return [keras().layers.Dropout(self.rate, name=self.name)]


class Flatten(Layer):
    """Flatten all axes but the batch axis.

    Example:
        >>> import dl_notebook as dn
        >>> dn.layers.Flatten(name="flat").name
        'flat'
    """

    prefix = "flatten"
    kind = "reshape"
    keywords = (Keyword("flatten", example="flatten", help="flatten to one axis"),)

    def make_layers(self, in_shapes, fresh):
        return [keras().layers.Flatten(name=self.name)]


class Reshape(Layer):
    """Reshape to a target shape (without the batch axis; -1 for one free size).

    DLPy's ``Reshape(width=, height=, depth=)`` is also accepted.

    Example:
        >>> import dl_notebook as dn
        >>> dn.layers.Reshape((7, 7, 16)).target_shape
        (7, 7, 16)
    """

    prefix = "reshape"
    kind = "reshape"
    args = (
        Arg("target_shape", "rshape", positional=True, form=True, start=(-1,)),
        Arg("width", "int", None, written=False),
        Arg("height", "int", None, written=False),
        Arg("depth", "int", None, written=False),
    )
    keywords = (Keyword("reshape", ("target_shape",), example="reshape 7x7x16",
                        help="reshape (-1 for one free size)"),)

    def __init__(self, target_shape=None, width=None, height=None, depth=None, name=None):
        super().__init__(name=name)
        if target_shape is None:
            if width is None:
                raise InvalidArgumentError("Reshape: give target_shape, e.g. Reshape((7, 7, 16)).")
            target_shape = tuple(d for d in (height or 1, width, depth) if d is not None)
        if isinstance(target_shape, int):
            target_shape = (target_shape,)
        target_shape = tuple(target_shape)
        if not target_shape or not all(isinstance(d, int) and (d > 0 or d == -1)
                                        for d in target_shape) or target_shape.count(-1) > 1:
            raise InvalidArgumentError(
                f"Reshape: target_shape must hold positive integers and at most one -1; "
                f"got {target_shape!r}."
            )
        self.target_shape = target_shape
        self._config = dict(target_shape=target_shape)

    def check(self, in_shapes):
        dims = in_shapes[0][1:]
        if None in dims:
            return
        size = math.prod(dims)
        known = math.prod(d for d in self.target_shape if d != -1)
        if (-1 in self.target_shape and size % known) or (
            -1 not in self.target_shape and size != known
        ):
            raise ShapeError(
                f"{self._where()} cannot reshape {fmt_shape(in_shapes[0])} ({size} values) into "
                f"{self.target_shape}; choose a target shape with {size} values."
            )

    def make_layers(self, in_shapes, fresh):
        return [keras().layers.Reshape(self.target_shape, name=self.name)]


class Embedding(Layer):
    """Map integer token ids to dense vectors: (steps,) -> (steps, output_dim).

    Args:
        input_dim: vocabulary size (largest id + 1).
        output_dim: vector size.
        mask_zero: treat id 0 as padding to be masked in later recurrent layers.

    Example:
        >>> import dl_notebook as dn
        >>> dn.layers.Embedding(1000, 64).output_dim
        64
    """

    prefix = "embedding"
    kind = "embedding"
    args = (
        Arg("input_dim", "int", positional=True, form=True, start=1000),
        Arg("output_dim", "int", positional=True, form=True, start=64),
        Arg("mask_zero", "bool", False, flags={"mask_zero": True, "mask": True}, form=True),
    )
    keywords = (Keyword("embedding", ("input_dim", "output_dim"), aliases=("embed",),
                        example="embedding 1000 64 mask_zero",
                        help="token ids -> vectors: vocabulary, size"),)

    def __init__(self, input_dim, output_dim, mask_zero=False, name=None):
        super().__init__(name=name)
        self.input_dim = check_positive_int(input_dim, "input_dim", "Embedding")
        self.output_dim = check_positive_int(output_dim, "output_dim", "Embedding")
        self.mask_zero = bool(mask_zero)
        self._config = dict(input_dim=input_dim, output_dim=output_dim, mask_zero=mask_zero or None)

    def make_layers(self, in_shapes, fresh):
        return [keras().layers.Embedding(self.input_dim, self.output_dim,
                                         mask_zero=self.mask_zero, name=self.name)]
