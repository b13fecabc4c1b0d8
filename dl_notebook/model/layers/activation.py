"""An activation on its own: ``Activation``."""

from __future__ import annotations

from ..._keras import keras
from .base import Layer, check_activation
from .describe import Arg, Keyword

__all__ = ["Activation"]


class Activation(Layer):
    """Apply an activation function as a layer of its own (``conv -> bn -> relu``).

    Args:
        act: the activation (``"relu"``, ``"relu6"``, ``"softmax"``, ...).

    Example:
        >>> import dl_notebook as dn
        >>> dn.layers.Activation("relu6", name="block1_relu").act
        'relu6'
    """

    prefix = "act"
    kind = "activation"
    args = (Arg("act", "act", "relu", keys=("activation",), positional=True, form=True),)
    keywords = (Keyword("activation", ("act",), shown=("act",), aliases=("act",),
                        example="activation relu",
                        help="an activation as a layer of its own"),)

    def __init__(self, act="relu", name=None):
        super().__init__(name=name)
        self.act = check_activation(act, default="relu", where="Activation")
        self._config = dict(act=self.act)

    def make_layers(self, in_shapes, fresh):
        return [keras().layers.Activation(self.act or "linear", name=self.name)]
