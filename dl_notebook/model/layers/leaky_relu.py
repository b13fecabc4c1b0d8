"""Leaky ReLU with a chosen slope: ``LeakyReLU``."""

from __future__ import annotations

from ..._keras import keras
from ...errors import InvalidArgumentError
from .base import Layer
from .describe import Arg, Keyword

__all__ = ["LeakyReLU"]


class LeakyReLU(Layer):
    """Leaky ReLU as a layer of its own: ``x`` where ``x >= 0``, ``slope * x`` below.

    ``Activation("leaky_relu")`` uses Keras' fixed slope of 0.2; this layer
    takes any slope. The default, 0.1, is the one of Darknet (YOLO) and of
    DLPy's ``LEAKY`` activation.

    Args:
        slope: the factor applied to negative inputs, a number in [0, 1].

    Example:
        >>> import numpy as np
        >>> import dl_notebook as dn
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(3,)),
        ...                             dn.layers.LeakyReLU(0.1, name="leaky")])
        >>> net.to_keras().predict(np.array([[-2.0, 0.0, 3.0]]), verbose=0)[0].astype(float).round(3).tolist()
        [-0.2, 0.0, 3.0]
    """

    prefix = "leaky"
    kind = "activation"
    args = (Arg("slope", "num", 0.1, keys=("negative_slope", "alpha"), positional=True,
                form=True),)
    keywords = (Keyword("leakyrelu", ("slope",), aliases=("leaky",), example="leakyrelu 0.1",
                        help="leaky ReLU with its slope below zero (default 0.1)"),)

    def __init__(self, slope=0.1, name=None):
        super().__init__(name=name)
        if isinstance(slope, bool) or not isinstance(slope, (int, float)) or not 0 <= slope <= 1:
            raise InvalidArgumentError(
                f"LeakyReLU: slope must be a number in [0, 1]; got {slope!r}."
            )
        self.slope = float(slope)
        self._config = dict(slope=self.slope)

    def make_layers(self, in_shapes, fresh):
        return [keras().layers.LeakyReLU(negative_slope=self.slope, name=self.name)]
