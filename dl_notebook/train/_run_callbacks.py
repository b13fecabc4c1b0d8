"""The Keras callbacks every ``fit`` run carries: history rows, Stop, non-finite loss, best weights.

This module imports Keras: :mod:`dl_notebook.train.fit` imports it when a run starts.

NaN policy: a copy of the weights is taken when training begins and at the
end of each epoch, when they are all finite (one host copy per epoch: the
per-batch path only compares one float). When a batch loss is not finite
the run stops after that batch; when the weights at an epoch's end are not
finite (a NaN in the data can leave the reported loss finite while the
weights become NaN), the run stops there. Either way the last finite copy
is put back. Copying every batch would lose less training but costs a full
weight transfer per step.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .._keras import keras as _load_keras
from .status import RunStatus

keras = _load_keras()  # training-only module: Keras (and TensorFlow) load with it


def _finite(weights) -> bool:
    return all(np.isfinite(w).all() for w in weights if np.issubdtype(w.dtype, np.floating))


def _learning_rate(model, logs):
    if logs and "learning_rate" in logs:
        return float(logs["learning_rate"])
    try:
        return float(np.asarray(model.optimizer.learning_rate))
    except Exception:  # an optimizer without a readable rate
        return float("nan")


class Recorder(keras.callbacks.Callback):
    """Append one row per epoch to the TrainingHistory (epoch counted from 1)."""

    def __init__(self, history):
        super().__init__()
        self.history = history
        self._start = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        row = {"epoch": epoch + 1}
        row.update((key, float(value)) for key, value in logs.items()
                   if key != "learning_rate" and np.ndim(value) == 0)
        row["learning_rate"] = _learning_rate(self.model, logs)
        row["seconds"] = time.perf_counter() - (self._start or time.perf_counter())
        self.history._append(row)

class Guard(keras.callbacks.Callback):
    """Stop on the stop event (after the current batch), a non-finite loss or non-finite weights.

    The stop event is read when a batch begins (no logs, so no wait for the
    device); the loss check runs in Keras' callback thread (``async_safe``),
    so the training loop never waits for it.
    """

    async_safe = True

    def __init__(self, history, events):
        super().__init__()
        self.history = history
        self.events = [e for e in events if e is not None]
        self.epoch = 0
        self.snapshot = None
        self.bad = None

    def on_train_begin(self, logs=None):
        weights = self.model.get_weights()
        if _finite(weights):
            self.snapshot = weights

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self._check_stop()

    def on_epoch_end(self, epoch, logs=None):
        """Keep the weights when they are all finite; else stop (the loss may look fine)."""
        if self.bad is not None:
            return
        weights = self.model.get_weights()
        if _finite(weights):
            self.snapshot = weights
            return
        self.bad = (epoch + 1, None)
        self.model.stop_training = True
        self.history._mark(
            RunStatus.DIVERGED,
            f"non-finite weights after epoch {epoch + 1} (the loss stayed finite: look for "
            f"NaN or infinite values in the data)", force=True)

    def _check_stop(self):
        for event in self.events:
            if event.is_set():
                self.model.stop_training = True
                self.history._mark(RunStatus.STOPPED, "stopped")
                return

    def on_train_batch_begin(self, batch, logs=None):
        self._check_stop()

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if self.bad is None and loss is not None and not math.isfinite(loss):
            self.bad = (self.epoch + 1, batch + 1)
            self.model.stop_training = True
            self.history._mark(
                RunStatus.DIVERGED,
                f"non-finite loss at epoch {self.bad[0]}, batch {self.bad[1]}", force=True)

    def restore(self, model):
        """Put back the last finite weights after a non-finite loss; True when done."""
        if self.bad is None:
            return False
        if self.snapshot is not None and not _finite(model.get_weights()):
            model.set_weights(self.snapshot)
        return True

class BestWeights(keras.callbacks.Callback):
    """Keep the weights of the epoch with the lowest *monitor* value (DLPy save_best_weights)."""

    def __init__(self, monitor):
        super().__init__()
        self.monitor = monitor
        self.best = math.inf
        self.weights = None
        self.best_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is not None and math.isfinite(value) and value < self.best:
            self.best, self.best_epoch = value, epoch + 1
            self.weights = self.model.get_weights()

    def restore(self, model):
        if self.weights is not None:
            model.set_weights(self.weights)
