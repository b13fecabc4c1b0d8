"""A live training dashboard: charts, progress and a Stop button for a running ``fit``.

:class:`LiveDashboard` is a ``keras.callbacks.Callback`` that draws the training in
the notebook while it runs. The browser part is an anywidget (``_live.js``) that
draws on canvases; the kernel keeps a bounded history and sends only new points,
as messages, at most every ``update_interval`` seconds and at each epoch end. A
view that renders later (a re-opened notebook, Voila, a second view) asks the
kernel for the whole history. The hooks may run in a background thread.
"""

from __future__ import annotations

import collections
import math
import threading
import time

import ipywidgets

from dl_notebook._keras import keras
from dl_notebook.errors import InvalidArgumentError
from dl_notebook.train.status import RunStatus
from dl_notebook.widgets._dashboard import DashboardView
from dl_notebook.widgets._live_chart import LiveChart, status_kind
from dl_notebook.widgets._series import Series

__all__ = ["LiveDashboard"]

_SMOOTHING = 0.9  # EMA factor of the smoothed per-batch loss curve
_SKIPPED_LOGS = ("learning_rate", "lr", "size", "batch")


class LiveDashboard(DashboardView, keras().callbacks.Callback):
    """Live charts, progress and a Stop button for a Keras ``fit``, drawn in the notebook.

    Panels show the loss (train and validation per epoch, and a smoothed per-batch
    curve), each metric (train and validation per epoch) and the learning rate; a
    progress bar shows the epoch, the batch, the ETA and samples per second. New
    points go to the browser as messages, at most every ``update_interval`` seconds
    and at each epoch end; each series keeps at most ``max_points`` points in Python
    (when full, neighbouring points are averaged). Stop (the button or
    :meth:`click_stop`) sets ``stop_event``; the next batch end then sets
    ``model.stop_training``, so it also works alone in ``keras.Model.fit``. To stop
    from a button while the kernel stays responsive, run ``fit`` in a
    ``threading.Thread``: the hooks are safe to call from it. The dashboard has a
    fixed height and never clears other output.

    Args:
        stop_event: a ``threading.Event`` that Stop sets; a new one when None. One
            passed in is left set after a run; the dashboard's own one is cleared
            when a new run begins.
        update_interval: at most one update per this many seconds (epoch ends are
            always sent).
        max_points: the most points kept, and drawn, per series (at least 10).
        title: heading of the dashboard; "Training" when None.
        auto_show: display the dashboard when training begins, unless already shown;
            False when an app places ``widget`` in its own layout.
        stop_button: draw the dashboard's Stop button; False when an app has its
            own (which calls :meth:`click_stop`), so a page shows one Stop.

    Attributes:
        widget: the ipywidgets container to display.
        chart: the anywidget inside it (messages go through ``chart.send``).
        stop_event: the event that Stop sets.

    Example:
        >>> import numpy as np
        >>> from dl_notebook._keras import keras
        >>> dash = LiveDashboard(title="demo", auto_show=False)
        >>> model = keras().Sequential([keras().Input((4,)), keras().layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> _ = model.fit(np.ones((8, 4)), np.ones((8, 1)), epochs=2, batch_size=4,
        ...               verbose=0, callbacks=[dash])
        >>> dash.state["status"], dash.state["epoch"], dash.state["batch"]
        ('Finished', 2, 2)
    """

    async_safe = True  # Keras may call on_train_batch_end in its callback thread

    def __init__(self, *, stop_event=None, update_interval=0.25, max_points=5000, title=None,
                 auto_show=True, stop_button=True):
        super().__init__()
        if stop_event is not None and not (
            callable(getattr(stop_event, "set", None))
            and callable(getattr(stop_event, "is_set", None))
        ):
            raise InvalidArgumentError(
                f"stop_event must be a threading.Event or None, not {type(stop_event).__name__}."
            )
        if isinstance(update_interval, bool) or not isinstance(update_interval, (int, float)) or (
            not update_interval >= 0
        ):
            raise InvalidArgumentError(
                f"update_interval must be a number of seconds >= 0, not {update_interval!r}."
            )
        if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < 10:
            raise InvalidArgumentError(f"max_points must be an integer >= 10, not {max_points!r}.")
        self._own_event = stop_event is None
        self.stop_event = threading.Event() if stop_event is None else stop_event
        self.update_interval = float(update_interval)
        self.max_points = max_points
        self.title = "Training" if title is None else str(title)
        self.chart = LiveChart(title=self.title, stop_button=stop_button)
        self.chart.on_msg(self._on_message)
        self.widget = ipywidgets.VBox([self.chart], layout=ipywidgets.Layout(width="100%"))
        self._lock = threading.RLock()
        self._clock = time.monotonic
        self._shown = not auto_show
        self._reset_run()

    # ----------------------------------------------------------------- public API
    def click_stop(self) -> None:
        """Do what the Stop button does: set ``stop_event`` and show "Stopping…"."""
        self.stop_event.set()
        with self._lock:
            if self._running and not self._custom_status:
                self._set_status("Stopping…", "stopping")

    def set_status(self, text: str, status: RunStatus | None = None) -> None:
        """Show *text* in the status line (e.g. "non-finite loss at epoch 3, batch 7").

        The text stays when the run ends.

        Args:
            text: the message.
            status: the :class:`~dl_notebook.train.RunStatus` it reports, which
                sets its colour (``hist.status`` of a run); None for a plain note.

        Example:
            >>> from dl_notebook.train import RunStatus
            >>> dash = LiveDashboard(auto_show=False)
            >>> dash.set_status("non-finite loss at epoch 1, batch 4", RunStatus.DIVERGED)
            >>> dash.state["status_kind"]
            'error'
        """
        if status is not None and not isinstance(status, RunStatus):
            raise InvalidArgumentError(
                f"status must be a dn.train.RunStatus or None, not {type(status).__name__}."
            )
        with self._lock:
            self._custom_status = True
            self._set_status(str(text), "idle" if status is None else status_kind(status))

    @property
    def state(self) -> dict:
        """What the dashboard shows: status, progress, points per series, latest values."""
        with self._lock:
            self._drain()
            shown = dict(self._progress(self._clock()))
            shown.update(
                title=self.title,
                status=self.chart.status,
                status_kind=self.chart.status_kind,
                running=self._running,
                stop_requested=self.stop_event.is_set(),
                series={name: len(s.xs) for name, s in self._series.items()},
                latest={
                    name: (None if math.isnan(s.ys[-1]) else s.ys[-1])
                    for name, s in self._series.items()
                    if s.ys
                },
            )
            return shown

    # ---------------------------------------------------------------- Keras hooks
    def on_train_begin(self, logs=None):
        if not self._shown:
            self.show()
        if self._own_event:
            self.stop_event.clear()
        with self._lock:
            self._reset_run()
            self._running = True
            self._epochs = self.params.get("epochs")
            self._steps = self.params.get("steps")
            self._train_start = self._clock()
            self._set_status("Running", status_kind(RunStatus.RUNNING))
            self.chart.send({"type": "history", "replace": {}})
            self.chart.progress = self._progress(self._train_start)

    def on_epoch_begin(self, epoch, logs=None):
        with self._lock:
            self._epoch = epoch
            self._batch = 0
            self._prev_n, self._prev_mean = 0, 0.0
            self._epoch_start = self._clock()

    def on_train_batch_begin(self, batch, logs=None):
        if self.stop_event.is_set() and self.model is not None:
            self.model.stop_training = True  # Keras ends the run after this batch

    def on_train_batch_end(self, batch, logs=None):
        # The hot path (in Keras' callback thread: async_safe): note the batch; the work
        # waits for the next flush.
        self._pending.append((batch + 1, (logs or {}).get("loss")))
        now = self._clock()
        if now - self._last_flush >= self.update_interval:
            with self._lock:
                self._drain()
                self._add_learning_rate(self._batch_x())
                self._flush(now)

    def on_epoch_end(self, epoch, logs=None):
        now = self._clock()
        with self._lock:
            self._drain()
            complete = self._steps is None or self._batch >= self._steps
            if complete:
                self._steps_seen = max(self._steps_seen, self._batch)
            # An epoch cut short (Stop, a non-finite loss) has averages over a few batches
            # only: the per-batch curve shows it, the per-epoch curves do not.
            stopped = self.model is not None and self.model.stop_training
            epoch_logs = (logs or {}).items() if complete or not stopped else ()
            x = epoch + 1.0
            for name, value in epoch_logs:
                if name in _SKIPPED_LOGS:
                    continue
                try:
                    y = float(value)
                except (TypeError, ValueError):
                    continue
                self._add(name, x, y)
            self._add_learning_rate(x if epoch_logs else self._batch_x())
            self._epochs_done = epoch + 1
            self._flush(now)

    def on_train_end(self, logs=None):
        now = self._clock()
        with self._lock:
            self._drain()
            self._running = False
            self._ended = now
            if not self._custom_status:
                if self.stop_event.is_set():
                    self._set_status("Stopped", status_kind(RunStatus.STOPPED))
                elif self.model is not None and self.model.stop_training:
                    self._set_status(f"Finished early, after epoch {self._epochs_done}",
                                     status_kind(RunStatus.EARLY_STOPPED))
                else:
                    self._set_status("Finished", status_kind(RunStatus.COMPLETED))
            self._flush(now)

    # ------------------------------------------------------------------ internals
    def _reset_run(self) -> None:
        self._series: dict[str, Series] = {}
        self._running = False
        self._custom_status = False
        self._epochs = self._steps = None
        self._epoch = 0
        self._epochs_done = 0
        self._batch = 0
        self._batches_done = 0
        self._steps_seen = 0
        self._prev_n, self._prev_mean = 0, 0.0
        self._ema, self._ema_count = 0.0, 0
        self._train_start = self._epoch_start = self._ended = None
        self._last_flush = -math.inf
        self._pending = collections.deque()  # (batch number, logged loss) not yet drawn

    def _drain(self) -> None:
        """Record the batches noted since the last flush (call with the lock held)."""
        while self._pending:  # deque: the training thread may append meanwhile
            n, loss = self._pending.popleft()
            self._batches_done += max(n - self._batch, 1)
            self._batch = n
            if loss is not None:
                self._record_batch_loss(n, float(loss))

    def _add(self, name: str, x: float, y: float) -> None:
        series = self._series.get(name)
        if series is None:
            series = self._series[name] = Series(self.max_points)
        series.append(x, y)

    def _batch_x(self) -> float:
        steps = self._steps or self._steps_seen
        if not steps:
            return self._epoch + 0.5
        return self._epoch + min(self._batch / steps, 1.0)

    def _record_batch_loss(self, n: int, running_mean: float) -> None:
        """Add a point to the smoothed per-batch loss (Keras logs the epoch's running mean)."""
        if n > self._prev_n and self._prev_n > 0:
            value = (n * running_mean - self._prev_n * self._prev_mean) / (n - self._prev_n)
        else:
            value = running_mean
        self._prev_n, self._prev_mean = n, running_mean
        if math.isfinite(value):
            self._ema = _SMOOTHING * self._ema + (1 - _SMOOTHING) * value
            self._ema_count += 1
            value = self._ema / (1 - _SMOOTHING**self._ema_count)
        self._add("batch_loss", self._batch_x(), value)

    def _add_learning_rate(self, x: float) -> None:
        optimizer = getattr(self.model, "optimizer", None) if self.model is not None else None
        if optimizer is None:
            return
        try:
            lr = float(keras().ops.convert_to_numpy(optimizer.learning_rate))
        except (AttributeError, TypeError, ValueError):
            return
        self._add("lr", x, lr)

    def _samples_seen(self):
        tracker = getattr(self.model, "_loss_tracker", None)
        count = getattr(tracker, "count", None)
        if count is None:
            return None
        try:
            return float(keras().ops.convert_to_numpy(count))
        except (TypeError, ValueError):
            return None

    def _progress(self, now: float) -> dict:
        progress = {
            "epoch": min(self._epoch + 1, self._epochs or self._epoch + 1),
            "epochs": self._epochs,
            "batch": self._batch,
            "steps": self._steps,
            "eta_s": None,
            "samples_per_s": None,
            "elapsed_s": None,
        }
        if self._train_start is None:
            progress["epoch"] = 0
            return progress
        end = self._ended if self._ended is not None else now
        progress["elapsed_s"] = round(end - self._train_start, 2)
        if self._ended is not None:
            progress["eta_s"] = 0.0
            return progress
        steps = self._steps or self._steps_seen
        if self._batches_done and self._epochs and steps:
            remaining = (self._epochs - self._epoch) * steps - self._batch
            progress["eta_s"] = round(max(remaining, 0) * (now - self._train_start)
                                      / self._batches_done, 1)
        if self._epoch_start is not None and self._batch and now > self._epoch_start:
            samples = self._samples_seen()
            if samples:
                progress["samples_per_s"] = round(samples / (now - self._epoch_start), 1)
        return progress

    def _flush(self, now: float) -> None:
        """Send the points not sent yet (halved series whole) and the progress."""
        append, replace = {}, {}
        for name, series in self._series.items():
            if series.replaced:
                replace[name] = series.points()
            elif series.sent < len(series.xs):
                append[name] = series.points(series.sent)
            series.sent, series.replaced = len(series.xs), False
        if append or replace:
            self.chart.send({"type": "points", "append": append, "replace": replace})
        self.chart.progress = self._progress(now)
        self._last_flush = now

    def _send_history(self) -> None:
        with self._lock:
            history = {}
            for name, series in self._series.items():
                history[name] = series.points()
                series.sent, series.replaced = len(series.xs), False
            self.chart.send({"type": "history", "replace": history})

    def _on_message(self, _widget, content, _buffers) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "stop":
            self.click_stop()
        elif kind == "sync":
            self._send_history()
