"""Progress during training: the live view in a notebook, text lines elsewhere.

Core code never names the widgets package: the composition root
(``dl_notebook/__init__.py``) registers the notebook view as the ``"live"``
view (:mod:`dl_notebook._views`), and :func:`make_live_callback` builds it
when training runs inside a kernel. Outside notebooks,
:class:`~dl_notebook.train.text_progress.TextProgress` prints one line per
epoch (its module imports Keras; it is importable from here too).

Example:
    >>> from dl_notebook.train.progress import make_live_callback
    >>> make_live_callback(False, epochs=2, steps_per_epoch=5, stop_event=None) is None
    True
    >>> type(make_live_callback(None, epochs=2, steps_per_epoch=5, stop_event=None)).__name__
    'TextProgress'
"""

from __future__ import annotations

import sys

from .. import _views
from .._views import in_kernel
from ..errors import InvalidArgumentError

__all__ = ["TextProgress", "in_kernel", "make_live_callback"]  # noqa: F822


def make_live_callback(live, *, epochs, steps_per_epoch, stop_event):
    """The progress callback for a run, or None.

    Args:
        live: None (the live view in a notebook kernel, else text lines),
            True (the live view even outside a kernel), False (nothing) or
            a Keras callback (used as it is).
        epochs, steps_per_epoch: the run's size, for the text lines.
        stop_event: the ``threading.Event`` that stops the run; the live
            view's Stop button sets it.
    """
    if live is False:
        return None
    k = sys.modules.get("keras")
    if k is not None and isinstance(live, k.callbacks.Callback):
        return live
    if live is not None and live is not True:
        raise InvalidArgumentError(
            f"live must be None, True, False or a Keras callback; got {type(live).__name__}."
        )
    if live is True or in_kernel():
        view = _views.view_class("live")
        if view is not None:
            return view(stop_event=stop_event)
    from .text_progress import TextProgress

    return TextProgress(epochs=epochs, steps_per_epoch=steps_per_epoch)


def __getattr__(name):
    if name == "TextProgress":  # a Keras callback: its module imports Keras
        from .text_progress import TextProgress

        return TextProgress
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
