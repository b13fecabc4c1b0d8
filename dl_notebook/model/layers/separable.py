"""Depthwise and depthwise-separable convolutions (MobileNet, Xception)."""

from __future__ import annotations

from ..._keras import keras
from .base import check_positive_int
from .conv import _Conv, _conv_args
from .describe import Arg, Keyword

__all__ = ["DepthwiseConv2d", "SeparableConv2d"]


class DepthwiseConv2d(_Conv):
    """A convolution per input channel (MobileNet's depthwise step); no channel mixing.

    Args:
        width: kernel width (or ``(height, width)``).
        depth_multiplier: output channels per input channel.
        stride, padding, act, dropout, include_bias: as in :class:`Conv2d`.

    Example:
        >>> import dl_notebook as dn
        >>> dn.layers.DepthwiseConv2d(3, stride=2).strides
        (2, 2)
    """

    prefix = "dwconv"
    args = (
        Arg("width", "kernel", keys=("kernel", "kernel_size"), positional=True, form=True,
            start=3, attr="kernel"),
        Arg("depth_multiplier", "int", 1),
        *(a for a in _conv_args("kernel") if a.name not in ("n_filters", "width")),
    )
    keywords = (Keyword("dwconv", ("width", "act"), shown=("act",), aliases=("depthwise",),
                        example="dwconv 3x3 relu stride=2",
                        help="depthwise convolution: one kernel per channel"),)

    def __init__(self, width=None, depth_multiplier=1, name=None, **config):
        self.depth_multiplier = check_positive_int(depth_multiplier, "depth_multiplier",
                                                   "DepthwiseConv2d")
        super().__init__(1, width, name=name, **config)
        self._config.pop("n_filters")
        if self.depth_multiplier != 1:
            self._config["depth_multiplier"] = self.depth_multiplier

    def make_layers(self, in_shapes, fresh):
        kwargs = self._conv_kwargs()
        del kwargs["filters"]
        kwargs["depthwise_initializer"] = kwargs.pop("kernel_initializer")
        layer = keras().layers.DepthwiseConv2D(depth_multiplier=self.depth_multiplier,
                                               dilation_rate=self.dilation, **kwargs)
        return self._post([layer], dropout=self.dropout)


class SeparableConv2d(_Conv):
    """A depthwise convolution followed by a 1×1 convolution (Xception's building block).

    Arguments as in :class:`Conv2d`.

    Example:
        >>> import dl_notebook as dn
        >>> dn.layers.SeparableConv2d(64, 3, act="identity").n_filters
        64
    """

    prefix = "sepconv"
    args = _conv_args("kernel")
    keywords = (Keyword("sepconv", ("n_filters", "width", "act"), shown=("act",),
                        aliases=("separable",), example="sepconv 64 3x3 relu",
                        help="depthwise-separable convolution: filters, kernel, activation"),)

    def make_layers(self, in_shapes, fresh):
        kwargs = self._conv_kwargs()
        kwargs["pointwise_initializer"] = kwargs["depthwise_initializer"] = \
            kwargs.pop("kernel_initializer")
        layer = keras().layers.SeparableConv2D(dilation_rate=self.dilation, **kwargs)
        return self._post([layer], dropout=self.dropout)
