"""Notebook widgets: thin views over dl_notebook's core objects.

Nothing here is imported by ``import dl_notebook``; each widget module imports
ipywidgets, anywidget and Keras when it is first used.

Example:
    >>> from dl_notebook.widgets import LiveDashboard
    >>> LiveDashboard(title="demo").state["status"]
    'Waiting for training'
"""

from __future__ import annotations

__all__ = ["ConfusionMatrixWidget", "DetectionBrowser", "ImageBrowser", "LiveDashboard",
           "ModelBuilder", "TrainInspectApp", "TuneDashboard"]

_WHERE = {
    "ConfusionMatrixWidget": "confusion",
    "DetectionBrowser": "detection_browser",
    "ImageBrowser": "browser",
    "LiveDashboard": "live",
    "ModelBuilder": "builder",
    "TrainInspectApp": "train_inspect",
    "TuneDashboard": "tune",
}


def __getattr__(name: str):
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
