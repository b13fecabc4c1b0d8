"""TextProgress: one printed line per epoch, the progress of a run outside notebooks.

It imports Keras, so it loads when training does.

Example:
    >>> from dl_notebook.train.text_progress import TextProgress
    >>> TextProgress(epochs=2).line(1, {"loss": 0.25}, 0.5)
    'Epoch 2/2 - loss 0.2500 - 0.5 s'
"""

from __future__ import annotations

import sys
import time

from .._keras import keras as _load_keras

keras = _load_keras()  # training-only module: Keras (and TensorFlow) load with it

__all__ = ["TextProgress"]


class TextProgress(keras.callbacks.Callback):
    """One printed line per epoch: epoch, loss, metrics and seconds.

    Example:
        >>> from dl_notebook.train.text_progress import TextProgress
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
