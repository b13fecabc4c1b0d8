"""What every detection head shares: the check that a network's output is what it decodes."""

from __future__ import annotations

from ..errors import ShapeError

__all__ = ["Head"]


class Head:
    """Base of the detection heads; a subclass gives ``output_shape`` (per image).

    Example:
        >>> class Tiny(Head):
        ...     output_shape = (4,)
        >>> Tiny().check_network((None, 4))
        >>> Tiny().check_network((None, 5))
        Traceback (most recent call last):
        ...
        dl_notebook.errors.ShapeError: The network's output is (5,) per image but its head decodes (4,); rebuild the network (or its head) for its input size, anchors and classes.
    """

    output_shape: tuple

    def check_network(self, output_shape) -> None:
        """Raise a ShapeError when a network's output *output_shape* is not what this head decodes."""
        if tuple(output_shape[1:]) != tuple(self.output_shape):
            raise ShapeError(
                f"The network's output is {tuple(output_shape[1:])} per image but its head "
                f"decodes {tuple(self.output_shape)}; rebuild the network (or its head) for its "
                f"input size, anchors and classes.")
