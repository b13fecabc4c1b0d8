"""Zero padding around images: ``ZeroPadding2D``."""

from __future__ import annotations

from ..._keras import keras
from ...errors import InvalidArgumentError
from .base import Layer
from .describe import Arg, Keyword

__all__ = ["ZeroPadding2D"]


def _padding(value):
    """One int, ``(rows, cols)`` or ``((top, bottom), (left, right))``, checked."""
    flat = value
    if isinstance(value, (tuple, list)):
        flat = [v for part in value for v in (part if isinstance(part, (tuple, list)) else [part])]
    else:
        flat = [value]
    if not flat or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                           for v in flat):
        raise InvalidArgumentError(
            f"ZeroPadding2D: padding must be one integer, (rows, cols) or "
            f"((top, bottom), (left, right)) of integers >= 0; got {value!r}."
        )
    if isinstance(value, list):
        return tuple(tuple(v) if isinstance(v, list) else v for v in value)
    return value


class ZeroPadding2D(Layer):
    """Add rows and columns of zeros around an image (before a strided convolution).

    Args:
        padding: one integer for all sides, ``(rows, cols)``, or
            ``((top, bottom), (left, right))``.

    Example:
        >>> import dl_notebook as dn
        >>> dn.layers.ZeroPadding2D(((0, 1), (0, 1))).padding
        ((0, 1), (0, 1))
    """

    prefix = "pad"
    kind = "reshape"
    args = (Arg("padding", "size", 1, positional=True, form=True),)
    keywords = (Keyword("zeropad", ("padding",), aliases=("pad", "zeropadding"),
                        example="zeropad 3", help="zero rows and columns around an image"),)

    def __init__(self, padding=1, name=None):
        super().__init__(name=name)
        self.padding = _padding(padding)
        self._config = dict(padding=self.padding)

    def check(self, in_shapes):
        self._needs_rank(in_shapes[0], (4,), "an image input (height, width, channels)")

    def make_layers(self, in_shapes, fresh):
        return [keras().layers.ZeroPadding2D(self.padding, name=self.name)]
