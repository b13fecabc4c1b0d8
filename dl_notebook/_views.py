"""Which widget shows a core object in a notebook.

Core code never imports the widgets package. The composition root
(``dl_notebook/__init__.py``) names each notebook view here as
``"module:Class"``; core code asks for it by kind with :func:`view_class`,
which imports the class only then, and returns None when the widget
libraries are missing (a script, plain IPython without ipywidgets); any
other error in a view's module surfaces.

Example:
    >>> from dl_notebook import _views
    >>> _views.register_view("example", "collections:OrderedDict")
    >>> _views.view_class("example").__name__
    'OrderedDict'
    >>> _views.view_class("no-such-view") is None
    True
"""

from __future__ import annotations

import importlib
import sys

from .errors import InvalidArgumentError

__all__ = ["in_kernel", "register_view", "view_class"]

_views: dict[str, str] = {}

WIDGET_LIBRARIES = ("ipywidgets", "anywidget", "traitlets", "comm")
"""Libraries whose absence means the notebook views are not available (a script)."""


def register_view(kind: str, path: str) -> None:
    """Name the class that shows objects of *kind* in a notebook, as ``"module:Class"``."""
    if not isinstance(path, str) or path.count(":") != 1:
        raise InvalidArgumentError(
            f"register_view needs 'module:Class', e.g. "
            f"'dl_notebook.widgets.browser:ImageBrowser'; got {path!r}."
        )
    _views[kind] = path


def view_class(kind: str):
    """The registered view class for *kind*; None when none is, or the widget libraries are missing.

    Only a missing widget library (ipywidgets, anywidget) means "no view";
    any other error in the view's module surfaces as it is.
    """
    path = _views.get(kind)
    if path is None:
        return None
    module, _, name = path.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as err:
        if (err.name or "").partition(".")[0] in WIDGET_LIBRARIES:
            return None
        raise


def in_kernel() -> bool:
    """True inside an IPython kernel (a notebook), False in scripts and plain IPython."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None
