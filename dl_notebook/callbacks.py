"""Keras callbacks for training: the live dashboard and learning-rate reduction on plateaus.

Both load on first access (their modules import Keras), so importing
this module stays light.

Example:
    >>> import dl_notebook as dn
    >>> sorted(dn.callbacks.__all__)
    ['LiveDashboard', 'ReduceLROnPlateau']
"""

from __future__ import annotations

__all__ = ["LiveDashboard", "ReduceLROnPlateau"]  # noqa: F822 (lazy)


def __getattr__(name):
    if name == "LiveDashboard":
        from .widgets.live import LiveDashboard

        return LiveDashboard
    if name == "ReduceLROnPlateau":
        from .train.plateau import ReduceLROnPlateau

        return ReduceLROnPlateau
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
