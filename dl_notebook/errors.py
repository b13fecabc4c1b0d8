"""Exceptions raised by dl_notebook.

Every mistake a user can make raises a :class:`DLError` subclass whose
message is one sentence that says what was wrong and how to fix it. Magics
show that sentence without a traceback.
"""

from __future__ import annotations

__all__ = [
    "DLError",
    "LayerNotFoundError",
    "NetworkEditError",
    "ShapeError",
    "InvalidArgumentError",
    "MissingDependencyError",
]


class DLError(Exception):
    """Base class of every error dl_notebook raises for a user mistake.

    Example:
        >>> import dl_notebook as dn
        >>> try:
        ...     dn.Sequential()["nope"]
        ... except dn.DLError as err:
        ...     print(err)
        The network has no layer named 'nope'; it has no layers yet.
    """


class LayerNotFoundError(DLError, KeyError):
    """A layer name that the network does not have."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class NetworkEditError(DLError):
    """An edit (add, insert, remove, switch, rename) that cannot be done as asked."""


class ShapeError(DLError, ValueError):
    """A layer that cannot take the shape of its inputs."""


class InvalidArgumentError(DLError, ValueError):
    """An argument with a value dl_notebook cannot use."""


class MissingDependencyError(DLError, ImportError):
    """An optional package that a feature needs is not installed."""
