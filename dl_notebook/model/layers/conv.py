"""Convolution, pooling and up-sampling layer specs."""

from __future__ import annotations

from ..._keras import keras
from ...errors import InvalidArgumentError, ShapeError
from .base import Layer, check_activation, check_positive_int, check_rate, fmt_shape
from .describe import Arg, Keyword

__all__ = [
    "Conv2d",
    "Conv1d",
    "Conv2DTranspose",
    "Pooling",
    "GlobalAveragePooling2D",
    "UpSampling2D",
]


def _pair(value, what, where):
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise InvalidArgumentError(f"{where}: {what} must be one integer or two; got {value!r}.")
        return tuple(check_positive_int(v, what, where) for v in value)
    return None if value is None else check_positive_int(value, what, where)


_PADDINGS = ("same", "valid")
PADDING = Arg("padding", choices=_PADDINGS, default="same", flags={p: p for p in _PADDINGS},
              form=True)
DROPOUT = Arg("dropout", "num", 0.0, form=True)


def _conv_args(kernel_kind):
    return (
        Arg("n_filters", "int", keys=("filters",), positional=True, form=True, start=16),
        Arg("width", kernel_kind, keys=("kernel", "kernel_size"), positional=True, form=True,
            start=3, attr="kernel"),
        Arg("height", "int", None, written=False),
        Arg("stride", "size", 1, keys=("strides",), form=True),
        Arg("stride_horizontal", "int", None, written=False),
        Arg("stride_vertical", "int", None, written=False),
        PADDING,
        Arg("act", "act", "relu", keys=("activation",), form=True),
        DROPOUT,
        Arg("include_bias", "bool", True, key="bias", keys=("include_bias",)),
        Arg("dilation", "size", 1),
        Arg("init", "word", "glorot_uniform"),
    )


def _padding(padding, where):
    if padding is None:
        return "same"
    if padding not in ("same", "valid"):
        raise InvalidArgumentError(f"{where}: padding must be 'same' or 'valid'; got {padding!r}.")
    return padding


class _Conv(Layer):
    """Shared parts of the convolution specs."""

    kind = "conv"
    rank = 2

    def __init__(self, n_filters, width=None, height=None, stride=1, padding="same", act="relu",
                 dropout=0, include_bias=True, name=None, *, dilation=1, init="glorot_uniform",
                 stride_horizontal=None, stride_vertical=None, **config):
        super().__init__(name=name)
        where = type(self).__name__
        width = config.pop("kernel_size", width)
        if width is None:
            raise InvalidArgumentError(f"{where}: give the kernel size as width (e.g. {where}(16, 3)).")
        if config:
            raise InvalidArgumentError(f"{where}: unknown argument(s) {', '.join(config)}.")
        width = _pair(width, "width", where)
        if isinstance(width, tuple):
            height, width = width
        self.n_filters = check_positive_int(n_filters, "n_filters", where)
        self.width = width
        self.height = check_positive_int(height, "height", where) if height is not None else width
        if stride_horizontal or stride_vertical:
            stride = (stride_vertical or stride, stride_horizontal or stride)
        self.stride = _pair(stride, "stride", where)
        self.padding = _padding(padding, where)
        self.act = check_activation(act, default="relu", where=where)
        self.dropout = check_rate(dropout, where)
        self.include_bias = bool(include_bias)
        self.dilation = _pair(dilation, "dilation", where)
        self.init = init
        self._config = dict(n_filters=self.n_filters, width=self.width, height=self.height,
                            stride=self.stride, padding=self.padding, act=self.act,
                            dropout=self.dropout or None)

    @property
    def kernel(self):
        """The kernel as given: one size when square, else ``(height, width)``."""
        return self.width if self.height == self.width or self.rank == 1 else (self.height,
                                                                                 self.width)

    @property
    def kernel_size(self):
        return (self.height, self.width) if self.rank == 2 else (self.width,)

    @property
    def strides(self):
        s = self.stride
        return s if isinstance(s, tuple) else (s,) * self.rank

    def check(self, in_shapes):
        (shape,) = in_shapes
        what = "an image input (height, width, channels)" if self.rank == 2 else \
            "a sequence input (steps, channels)"
        self._needs_rank(shape, (self.rank + 2,), what)
        if self.padding == "valid":
            spatial = shape[1:-1]
            k = self.kernel_size
            if any(d is not None and kk > d for kk, d in zip(k, spatial)):
                raise ShapeError(
                    f"{self._where()}: its {'×'.join(map(str, k))} kernel is larger than its "
                    f"{fmt_shape(shape)} input; use a smaller kernel or padding='same'."
                )

    def _conv_kwargs(self):
        return dict(filters=self.n_filters, kernel_size=self.kernel_size, strides=self.strides,
                    padding=self.padding, activation=self.act, use_bias=self.include_bias,
                    kernel_initializer=self.init, name=self.name)


class Conv2d(_Conv):
    """2-D convolution (DLPy ``Conv2d``), optionally with activation and dropout.

    Args:
        n_filters: number of output channels.
        width: kernel width (or ``(height, width)``).
        height: kernel height; defaults to ``width``.
        stride: stride, one integer or ``(vertical, horizontal)``.
        padding: ``"same"`` (default, as in DLPy) or ``"valid"``.
        act: activation, default ``"relu"`` as in DLPy; ``"identity"`` for none.
        dropout: dropout rate applied after the convolution.
        include_bias: whether the convolution has a bias.
        name: layer name (automatic when omitted: ``conv1``, ``conv2``, ...).

    Example:
        >>> import dl_notebook as dn
        >>> dn.layers.Conv2d(6, 5, act="relu", name="conv1").kernel_size
        (5, 5)
    """

    prefix = "conv"
    args = _conv_args("kernel")
    keywords = (
        Keyword("conv", ("n_filters", "width", "act"), shown=("act",), sequence="conv1d",
                example="conv 32 3x3 relu",
                help="convolution: filters, kernel, activation (1-D after a sequence input)"),
        Keyword("conv2d", ("n_filters", "width", "act"), shown=("act",),
                example="conv2d 32 3x3 relu", help="2-D convolution"),
    )

    def make_layers(self, in_shapes, fresh):
        layer = keras().layers.Conv2D(dilation_rate=self.dilation, **self._conv_kwargs())
        return self._post([layer], dropout=self.dropout)


class Conv1d(_Conv):
    """1-D convolution over a sequence (steps, channels).

    Args:
        n_filters: number of output channels.
        width: kernel width.
        stride: stride.
        padding: ``"same"`` or ``"valid"``.
        act: activation (default ``"relu"``).
        dropout: dropout rate applied after the convolution.

    Example:
        >>> import dl_notebook as dn
        >>> dn.layers.Conv1d(16, 3).kernel_size
        (3,)
    """

    prefix = "conv"
    rank = 1
    reads_sequences = True
    args = _conv_args("size1")
    keywords = (Keyword("conv1d", ("n_filters", "width", "act"), shown=("act",),
                        example="conv1d 16 3 relu", help="1-D convolution"),)

    def make_layers(self, in_shapes, fresh):
        layer = keras().layers.Conv1D(dilation_rate=self.dilation, **self._conv_kwargs())
        return self._post([layer], dropout=self.dropout)


class Conv2DTranspose(_Conv):
    """Transposed 2-D convolution (DLPy ``Conv2DTranspose``), e.g. for up-sampling in U-Net.

    Args:
        n_filters: number of output channels.
        width: kernel width; ``height`` defaults to it.
        stride: stride (2 doubles the spatial size with ``padding="same"``).
        act: activation (default ``"relu"``).

    Example:
        >>> import dl_notebook as dn
        >>> dn.layers.Conv2DTranspose(8, 3, stride=2).strides
        (2, 2)
    """

    prefix = "deconv"
    args = tuple(a for a in _conv_args("kernel") if a.name != "dilation")
    keywords = (Keyword("deconv", ("n_filters", "width", "act"), shown=("act",),
                        aliases=("convt", "conv2dtranspose"),
                        example="deconv 16 3x3 relu stride=2",
                        help="transposed 2-D convolution"),)

    def check(self, in_shapes):
        self._needs_rank(in_shapes[0], (4,), "an image input (height, width, channels)")

    def make_layers(self, in_shapes, fresh):
        layer = keras().layers.Conv2DTranspose(**self._conv_kwargs())
        return self._post([layer], dropout=self.dropout)


class Pooling(Layer):
    """Max or mean pooling (DLPy ``Pooling``); 1-D, 2-D or 3-D by the input's rank.

    Args:
        width: pooling window width.
        height: window height; defaults to ``width``.
        stride: stride; defaults to the window size, as in DLPy.
        pool: ``"max"`` or ``"mean"`` (``"average"``/``"avg"`` also accepted).
        padding: ``"same"`` (default, as in DLPy) or ``"valid"``.
        dropout: dropout rate applied after pooling.

    Example:
        >>> import dl_notebook as dn
        >>> dn.layers.Pooling(2, pool="max").pool
        'max'
    """

    prefix = "pool"
    kind = "pool"
    args = (
        Arg("width", "size", 2, keys=("size",), positional=True, form=True, attr="window"),
        Arg("height", "int", None, written=False),
        Arg("stride", "size", None, keys=("strides",), form=True),
        Arg("pool", choices={"max": "max", "mean": "mean", "avg": "mean", "average": "mean"},
            default="max", form=True),
        PADDING,
        DROPOUT,
    )
    keywords = (
        Keyword("pool", ("pool", "width"), shown=("pool",), example="pool max 2",
                help="max or average pooling (max, avg); window size (stride defaults to it)"),
        Keyword("maxpool", ("width",), preset={"pool": "max"}, aliases=("maxpooling",),
                example="maxpool 2", help="max pooling"),
        Keyword("avgpool", ("width",), preset={"pool": "mean"}, aliases=("avgpooling",),
                example="avgpool 2", help="average pooling"),
    )

    def __init__(self, width=2, height=None, stride=None, pool="max", padding="same", dropout=0,
                 name=None):
        super().__init__(name=name)
        where = "Pooling"
        width = _pair(width, "width", where)
        if isinstance(width, tuple):
            height, width = width
        self.width = width
        self.height = self.width if height is None else check_positive_int(height, "height", where)
        self.stride = _pair(stride, "stride", where)
        pool = {"average": "mean", "avg": "mean"}.get(pool, pool)
        if pool not in ("max", "mean"):
            raise InvalidArgumentError(f"Pooling: pool must be 'max' or 'mean'; got {pool!r}.")
        self.pool = pool
        self.padding = _padding(padding, where)
        self.dropout = check_rate(dropout, where)
        self._config = dict(width=self.width, height=self.height, stride=self.stride,
                            pool=self.pool, padding=self.padding, dropout=self.dropout or None)

    @property
    def window(self):
        """The window as given: one size when square, else ``(height, width)``."""
        return self.width if self.height == self.width else (self.height, self.width)

    def _sizes(self, rank):
        window = {1: (self.width,), 2: (self.height, self.width), 3: (self.height, self.width,
                                                                     self.width)}[rank]
        stride = self.stride
        if stride is None:
            stride = window
        elif not isinstance(stride, tuple):
            stride = (stride,) * rank
        return window, stride

    def check(self, in_shapes):
        (shape,) = in_shapes
        self._needs_rank(shape, (3, 4, 5), "a sequence, image or volume input")
        window, _ = self._sizes(len(shape) - 2)
        if self.padding == "valid" and any(
            d is not None and w > d for w, d in zip(window, shape[1:-1])
        ):
            raise ShapeError(
                f"{self._where()}: its {'×'.join(map(str, window))} window is larger than its "
                f"{fmt_shape(shape)} input; use a smaller window or padding='same'."
            )

    def make_layers(self, in_shapes, fresh):
        rank = len(in_shapes[0]) - 2
        window, stride = self._sizes(rank)
        kind = "Max" if self.pool == "max" else "Average"
        cls = getattr(keras().layers, f"{kind}Pooling{rank}D")
        layer = cls(pool_size=window, strides=stride, padding=self.padding, name=self.name)
        return self._post([layer], dropout=self.dropout)


class GlobalAveragePooling2D(Layer):
    """Average over all spatial positions: (h, w, c) -> (c,); (steps, c) -> (c,) for sequences.

    Args:
        keepdims: keep the spatial axes with size 1: (h, w, c) -> (1, 1, c),
            as MobileNet's top does before its 1×1 convolution.

    Example:
        >>> import dl_notebook as dn
        >>> dn.layers.GlobalAveragePooling2D(name="gap").name
        'gap'
        >>> dn.layers.GlobalAveragePooling2D(keepdims=True).keepdims
        True
    """

    prefix = "gap"
    kind = "pool"
    args = (Arg("keepdims", "bool", False, flags={"keepdims": True}),)
    keywords = (Keyword("gap", aliases=("globalpool",), example="gap",
                        help="global average pooling: (h, w, c) -> (c,); keepdims: (1, 1, c)"),)

    def __init__(self, keepdims=False, name=None):
        super().__init__(name=name)
        self.keepdims = bool(keepdims)
        self._config = dict(keepdims=self.keepdims or None)

    def check(self, in_shapes):
        self._needs_rank(in_shapes[0], (3, 4), "an image or sequence input")

    def make_layers(self, in_shapes, fresh):
        rank = len(in_shapes[0]) - 2
        cls = getattr(keras().layers, f"GlobalAveragePooling{rank}D")
        return [cls(keepdims=self.keepdims, name=self.name)]


class UpSampling2D(Layer):
    """Repeat rows and columns: (h, w, c) -> (h*size, w*size, c).

    Args:
        size: up-sampling factor, one integer or ``(rows, cols)``.
        interpolation: ``"nearest"`` or ``"bilinear"``.

    Example:
        >>> import dl_notebook as dn
        >>> dn.layers.UpSampling2D(2).size
        2
    """

    prefix = "upsample"
    kind = "reshape"
    args = (
        Arg("size", "size", 2, positional=True, form=True),
        Arg("interpolation", choices=("nearest", "bilinear"), default="nearest",
            flags={"nearest": "nearest", "bilinear": "bilinear"}, form=True),
    )
    keywords = (Keyword("upsample", ("size",), aliases=("upsampling",),
                        example="upsample 2 bilinear", help="repeat rows and columns"),)

    def __init__(self, size=2, interpolation="nearest", name=None):
        super().__init__(name=name, size=size, interpolation=interpolation)
        self.size = _pair(size, "size", "UpSampling2D")
        if interpolation not in ("nearest", "bilinear"):
            raise InvalidArgumentError(
                f"UpSampling2D: interpolation must be 'nearest' or 'bilinear'; got {interpolation!r}."
            )
        self.interpolation = interpolation

    def check(self, in_shapes):
        self._needs_rank(in_shapes[0], (4,), "an image input (height, width, channels)")

    def make_layers(self, in_shapes, fresh):
        return [keras().layers.UpSampling2D(self.size, interpolation=self.interpolation,
                                            name=self.name)]
