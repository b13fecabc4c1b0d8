"""CheckpointCallback: an atomic training checkpoint at each epoch end.

The files and how they are written and read back are described in
:mod:`dl_notebook.train.checkpoint`; this module is the Keras callback that
writes them during ``fit``. It imports Keras, so it loads when training does.

Example:
    >>> import os, tempfile
    >>> import keras, numpy as np
    >>> from dl_notebook.train.checkpoint_callback import CheckpointCallback
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile("sgd", "mse")
    >>> folder = tempfile.mkdtemp()
    >>> _ = model.fit(np.ones((4, 2)), np.zeros((4, 1)), epochs=1, verbose=0,
    ...               callbacks=[CheckpointCallback(folder)])
    >>> sorted(os.listdir(folder))
    ['epoch-0001.json', 'epoch-0001.keras', 'latest']
"""

from __future__ import annotations

import math
import os

import numpy as np

from .._keras import keras as _load_keras
from ..errors import InvalidArgumentError
from .checkpoint import _json_default, save_checkpoint

keras = _load_keras()  # training-only module: Keras (and TensorFlow) load with it

__all__ = ["CheckpointCallback"]


def _finite(weights) -> bool:
    return all(np.isfinite(w).all() for w in weights if np.issubdtype(w.dtype, np.floating))


class CheckpointCallback(keras.callbacks.Callback):
    """Keras callback: an atomic checkpoint at each epoch end.

    See the module notes for the files it writes. Put it after the
    callback that records the history, so that *history_rows* already
    holds the epoch that just ended. A failed write raises (training
    stops) rather than leaving a run that cannot be resumed. An epoch
    that ends with a non-finite loss or non-finite weights writes nothing
    (its number goes to :attr:`skipped`), so ``latest`` always names
    finite weights.

    Args:
        directory: the folder for the checkpoints.
        history_rows: a callable returning the history rows (a list of
            dicts) to store; None stores ``{"epoch": n, **logs}`` per epoch.
        keep: how many complete checkpoints to keep.
        settings: the optimizer settings the run was given, recorded in
            each checkpoint (None records the optimizer's current ones).

    Example:
        >>> from dl_notebook.train.checkpoint_callback import CheckpointCallback
        >>> CheckpointCallback("ckpt").keep
        2
    """

    def __init__(self, directory, history_rows=None, *, keep=2, settings=None):
        super().__init__()
        if history_rows is not None and not callable(history_rows):
            raise InvalidArgumentError(
                "history_rows must be a callable that returns a list of dicts, or None."
            )
        self.directory = os.fspath(directory)
        self.history_rows = history_rows
        self.keep = keep
        self.settings = settings
        self.skipped = []
        self._rows = []

    def on_epoch_end(self, epoch, logs=None):
        row = {"epoch": epoch + 1, **{k: _json_default(v) for k, v in (logs or {}).items()}}
        self._rows.append(row)
        loss = (logs or {}).get("loss")
        if (loss is not None and not math.isfinite(loss)) or not _finite(self.model.get_weights()):
            self.skipped.append(epoch + 1)  # never a checkpoint (nor `latest`) of NaN weights
            return
        rows = self._rows if self.history_rows is None else list(self.history_rows())
        save_checkpoint(self.model, self.directory, epoch + 1, rows, keep=self.keep,
                        settings=self.settings)
