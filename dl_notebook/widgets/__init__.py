"""Notebook widgets: thin views over dl_notebook's core objects.

Nothing here is imported by ``import dl_notebook``; each widget module imports
ipywidgets, anywidget and Keras when it is first used.

Example:
    >>> from dl_notebook.widgets import LiveDashboard
    >>> LiveDashboard(title="demo").state["status"]
    'Waiting for training'
"""

from __future__ import annotations

__all__ = ["LiveDashboard"]


def __getattr__(name: str):
    if name == "LiveDashboard":
        from .live import LiveDashboard

        return LiveDashboard
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
