"""Progress during training: the live view in a notebook, text lines elsewhere.

Core code never names the widgets package: the composition root
(``dl_notebook/__init__.py``) registers the notebook view with
:func:`register_live_view`, and :func:`make_live_callback` builds it when
training runs inside a kernel. Outside notebooks, :class:`TextProgress`
prints one line per epoch.

Example:
    >>> from dl_notebook.train.progress import make_live_callback
    >>> make_live_callback(False, epochs=2, steps_per_epoch=5, stop_event=None) is None
    True
    >>> type(make_live_callback(None, epochs=2, steps_per_epoch=5, stop_event=None)).__name__
    'TextProgress'
"""

from __future__ import annotations

import sys
import time

from .. import _views
from .._views import in_kernel
from ..errors import InvalidArgumentError

__all__ = ["TextProgress", "in_kernel", "make_live_callback", "register_live_view"]  # noqa: F822


def register_live_view(path: str) -> None:
    """Name the class shown as the live view in notebooks, as ``"module:Class"``.

    The class is imported only when a notebook run needs it.

    Example:
        >>> from dl_notebook.train import progress
        >>> progress.register_live_view("dl_notebook.widgets.live:LiveDashboard")
    """
    _views.register_view("live", path)


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
    return __getattr__("TextProgress")(epochs=epochs, steps_per_epoch=steps_per_epoch)


def _text_progress_class():
    from .._keras import keras

    class TextProgress(keras().callbacks.Callback):
        """One printed line per epoch: epoch, loss, metrics and seconds.

        Example:
            >>> from dl_notebook.train.progress import TextProgress
            >>> TextProgress(epochs=3).line(0, {"loss": 0.5, "accuracy": 0.8}, 1.25)
            'Epoch 1/3 - loss 0.5000 - accuracy 0.8000 - 1.2 s'
        """

        def __init__(self, epochs=None, steps_per_epoch=None, file=None):
            super().__init__()
            self.epochs = epochs
            self.steps_per_epoch = steps_per_epoch
            self.file = file
            self._start = None

        def line(self, epoch, logs, seconds) -> str:
            total = f"/{self.epochs}" if self.epochs else ""
            parts = [f"Epoch {epoch + 1}{total}"]
            logs = {key: value for key, value in (logs or {}).items()
                    if isinstance(value, (int, float)) and key != "learning_rate"}
            order = sorted(logs, key=lambda key: (key.startswith("val_"),
                                                  key not in ("loss", "val_loss")))
            parts += [f"{key} {logs[key]:.4f}" for key in order]
            return " - ".join(parts + [f"{seconds:.1f} s"])

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds = time.perf_counter() - (self._start or time.perf_counter())
            print(self.line(epoch, logs, seconds), file=self.file or sys.stdout, flush=True)

    TextProgress.__module__ = __name__
    return TextProgress


def __getattr__(name):
    if name == "TextProgress":
        cls = _text_progress_class()
        globals()["TextProgress"] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
