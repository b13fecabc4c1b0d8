"""Layer specs that join several inputs: residual sum and concatenation."""

from __future__ import annotations

from ..._keras import keras
from ...errors import InvalidArgumentError, ShapeError
from .base import Layer, check_activation, fmt_shape
from .describe import Arg, Keyword

ACT = Arg("act", "act", None, keys=("activation",), form=True)

__all__ = ["Res", "Concat"]


class Res(Layer):
    """Element-wise sum of its inputs (DLPy ``Res``), optionally followed by an activation.

    All inputs must have the same shape; give them with ``inputs=`` when adding.

    Args:
        act: activation after the sum (default none; ``"relu"`` in ResNets).

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.Network()
        >>> net.add(dn.layers.InputLayer(shape=(8, 8, 4), name="x"))
        >>> net.add(dn.layers.Conv2d(4, 3, name="c"), inputs="x")
        >>> net.add(dn.layers.Res(act="relu", name="sum"), inputs=["c", "x"])
        >>> net.edges
        [('x', 'c'), ('c', 'sum'), ('x', 'sum')]
    """

    prefix = "res"
    kind = "merge"
    min_inputs = 2
    max_inputs = None
    args = (ACT,)
    keywords = (Keyword("res", ("inputs", "act"), aliases=("sum",), example="res conv1 conv3 relu",
                        help="element-wise sum of the named layers"),)

    def __init__(self, act=None, name=None):
        super().__init__(name=name)
        self.act = check_activation(act, default=None, where="Res")
        self._config = dict(act=self.act)

    def check(self, in_shapes):
        first = in_shapes[0]
        for shape in in_shapes[1:]:
            if len(shape) != len(first) or any(
                a is not None and b is not None and a != b for a, b in zip(shape, first)
            ):
                got = " and ".join(fmt_shape(s) for s in in_shapes)
                raise ShapeError(
                    f"{self._where()} cannot add inputs of shapes {got}; give them the same shape "
                    f"(e.g. a 1×1 Conv2d with the right filters and stride on the shortcut)."
                )

    def make_layers(self, in_shapes, fresh):
        return self._post([keras().layers.Add(name=self.name)], act=self.act)


class Concat(Layer):
    """Concatenate its inputs along the channel axis (DLPy ``Concat``).

    Args:
        axis: the axis to join along (default the last, channels).
        act: activation after joining (default none).

    Example:
        >>> import dl_notebook as dn
        >>> dn.layers.Concat(name="join").axis
        -1
    """

    prefix = "concat"
    kind = "merge"
    min_inputs = 2
    max_inputs = None
    args = (Arg("axis", "axis", -1), ACT)
    keywords = (Keyword("concat", ("inputs", "act"), aliases=("cat",), example="concat a b",
                        help="concatenate the named layers (channels)"),)

    def __init__(self, axis=-1, act=None, name=None):
        super().__init__(name=name)
        if not isinstance(axis, int) or axis == 0:
            raise InvalidArgumentError(f"Concat: axis must be a non-zero integer; got {axis!r}.")
        self.axis = axis
        self.act = check_activation(act, default=None, where="Concat")
        self._config = dict(axis=None if axis == -1 else axis, act=self.act)

    def check(self, in_shapes):
        rank = len(in_shapes[0])
        axis = self.axis % rank
        for shape in in_shapes[1:]:
            others = [(a, b) for i, (a, b) in enumerate(zip(shape, in_shapes[0])) if i != axis]
            if len(shape) != rank or any(a is not None and b is not None and a != b
                                         for a, b in others):
                got = " and ".join(fmt_shape(s) for s in in_shapes)
                raise ShapeError(
                    f"{self._where()} cannot concatenate inputs of shapes {got} along axis "
                    f"{self.axis}; all other sizes must match (resize or pool one branch)."
                )

    def make_layers(self, in_shapes, fresh):
        return self._post([keras().layers.Concatenate(axis=self.axis, name=self.name)],
                          act=self.act)
