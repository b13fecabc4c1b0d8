"""Batch normalisation: ``BN``."""

from __future__ import annotations

from ..._keras import keras
from .base import Layer, check_activation
from .describe import Arg, Keyword

__all__ = ["BN"]


class BN(Layer):
    """Batch normalisation (DLPy ``BN``), optionally followed by an activation.

    Args:
        act: activation after normalising (default none; ``"relu"`` is common).
        momentum: moving-average momentum.
        epsilon: small constant added to the variance.
        center: learn an offset (beta).
        scale: learn a factor (gamma); networks whose next layer is linear
            (InceptionV3) leave it out.

    Example:
        >>> import dl_notebook as dn
        >>> dn.layers.BN(act="relu").act
        'relu'
    """

    prefix = "bn"
    kind = "norm"
    args = (
        Arg("act", "act", None, keys=("activation",), form=True),
        Arg("momentum", "num", 0.99),
        Arg("epsilon", "num", 1e-3),
        Arg("center", "bool", True, flags={"nocenter": False}),
        Arg("scale", "bool", True, flags={"noscale": False}),
    )
    keywords = (Keyword("bn", ("act",), aliases=("batchnorm",), example="bn relu",
                        help="batch normalisation, then an optional activation"),)

    def __init__(self, act=None, name=None, momentum=0.99, epsilon=1e-3, center=True, scale=True):
        super().__init__(name=name)
        self.act = check_activation(act, default=None, where="BN")
        self.momentum = momentum
        self.epsilon = epsilon
        self.center, self.scale = bool(center), bool(scale)
        self._config = dict(act=self.act)

    def make_layers(self, in_shapes, fresh):
        layer = keras().layers.BatchNormalization(momentum=self.momentum, epsilon=self.epsilon,
                                                  center=self.center, scale=self.scale,
                                                  name=self.name)
        return self._post([layer], act=self.act)
