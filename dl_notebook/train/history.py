"""TrainingHistory: what a ``fit`` run recorded, and a handle on a run still going.

Rows (one per epoch) may be appended by the training thread while the
notebook reads :attr:`TrainingHistory.frame`; a lock keeps both sides
consistent. A run started in the background is joined with
:meth:`TrainingHistory.wait` or ``await hist``.
"""

from __future__ import annotations

import threading
import time

from ._background import BackgroundRun
from .status import RunStatus

_POLL = 0.1  # seconds between checks for an interrupt while waiting for a run

__all__ = ["TrainingHistory"]

_FIRST = ("epoch", "loss")
_LAST = ("learning_rate", "seconds")


class TrainingHistory(BackgroundRun):
    """The per-epoch record of a training run (what ``net.fit`` returns).

    ``frame`` is a pandas DataFrame with the columns ``epoch`` (counted from
    1), ``loss``, the metrics, ``val_loss`` and the validation metrics when
    validation data was given, ``learning_rate`` and ``seconds``. A run
    that a Stop button, an interrupt, a non-finite loss or early stopping
    ended says so in :attr:`status` (a :class:`~dl_notebook.train.RunStatus`)
    and, in words, in :attr:`stop_reason`; :attr:`interrupted` is True after
    an interrupt (the weights trained so far are kept). :attr:`notes`
    holds, as sentences, what the run announced before training (an older
    checkpoint resumed, solver settings that changed on resume, data that
    looks already scaled); each was also given as a ``UserWarning``.

    When training runs in a background thread (inside a notebook kernel),
    :attr:`running` is True until it ends; :meth:`wait` blocks until then
    and ``await hist`` does the same without blocking the event loop.

    Args:
        rows: rows to start with (e.g. from a checkpoint), as dicts.

    Example:
        >>> from dl_notebook.train.history import TrainingHistory
        >>> hist = TrainingHistory([{"epoch": 1, "loss": 0.9, "seconds": 1.5},
        ...                         {"epoch": 2, "loss": 0.5, "seconds": 1.4}])
        >>> hist.frame["loss"].tolist(), hist.running, hist.stop_reason
        ([0.9, 0.5], False, None)
        >>> hist.status
        <RunStatus.COMPLETED: 'completed'>
    """

    def __init__(self, rows=None):
        super().__init__()
        self._rows = [dict(row) for row in rows or []]
        self._lock = threading.Lock()
        self.stop_event = threading.Event()
        self.stop_reason = None
        self.interrupted = False
        self.error = None
        self.notes = []  # what the run announced before training (resume fallbacks, data range)
        self._ended_as = None  # the RunStatus the run ended with, once known

    # -- recording (training thread) ----------------------------------------------
    def _append(self, row: dict) -> None:
        with self._lock:
            self._rows.append(dict(row))

    def _replace_rows(self, rows) -> None:
        with self._lock:
            self._rows = [dict(row) for row in rows or []]

    def _mark(self, status: RunStatus, reason: str | None = None, *, force=False) -> None:
        """Record how the run ends (the first mark wins unless *force*)."""
        if force or self._ended_as is None:
            self._ended_as = status
            self.stop_reason = reason

    # -- reading ---------------------------------------------------------------------
    @property
    def rows(self) -> list[dict]:
        """The rows recorded so far, as a list of dicts (a copy)."""
        with self._lock:
            return [dict(row) for row in self._rows]

    @property
    def frame(self):
        """The history as a pandas DataFrame, one row per epoch."""
        import pandas as pd

        rows = self.rows
        keys = list(dict.fromkeys(key for row in rows for key in row))
        metrics = [k for k in keys if k not in _FIRST + _LAST and not k.startswith("val_")]
        valid = [k for k in keys if k.startswith("val_")]
        valid.sort(key=lambda k: (k != "val_loss", k))
        columns = [k for k in _FIRST if k in keys] + metrics + valid + [k for k in _LAST
                                                                        if k in keys]
        if not rows:
            columns = list(_FIRST)
        return pd.DataFrame(rows, columns=columns)

    @property
    def status(self) -> RunStatus:
        """How the run stands: ``RunStatus.RUNNING`` until it ends, then how it ended."""
        if self.running:
            return RunStatus.RUNNING
        return self._ended_as or RunStatus.COMPLETED

    def __len__(self):
        with self._lock:
            return len(self._rows)

    def stop(self) -> None:
        """Ask the run to stop after the current batch (what a Stop button does)."""
        self.stop_event.set()

    def wait(self, timeout=None):
        """Block until a background run ends and return this history.

        A KeyboardInterrupt (the notebook's interrupt) while waiting stops
        the run, waits for it to end and marks the history interrupted;
        the weights trained so far are kept. An error raised inside the
        run is raised here.

        Args:
            timeout: give up after this many seconds (the run keeps going).

        Example:
            >>> from dl_notebook.train.history import TrainingHistory
            >>> TrainingHistory().wait().running
            False
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            # Short waits, so that the main thread sees an interrupt at once: the signal
            # may reach another thread, and a blocked main thread notices it only on waking.
            while not self._done.wait(_POLL if deadline is None
                                      else max(0.0, min(_POLL, deadline - time.monotonic()))):
                if deadline is not None and time.monotonic() >= deadline:
                    break
        except KeyboardInterrupt:
            self.stop_event.set()
            self._done.wait()
            self.interrupted = True
            self._mark(RunStatus.INTERRUPTED, "interrupted", force=True)
        if self.error is not None and not self.running:
            error, self.error = self.error, None
            raise error
        return self

    def __await__(self):
        import asyncio

        return asyncio.to_thread(self.wait).__await__()

    # -- showing ---------------------------------------------------------------------
    def plot_training_history(self, *, ax=None, metrics=None):
        """Plot loss and metrics per epoch (train solid, validation dashed).

        Args:
            ax: a matplotlib axes to draw into (default: a new figure).
            metrics: columns to draw (default: every loss and metric column).

        Returns:
            a display with ``.figure_`` and ``.ax_`` that shows as PNG.

        Example:
            >>> from dl_notebook.train.history import TrainingHistory
            >>> hist = TrainingHistory([{"epoch": 1, "loss": 0.9}, {"epoch": 2, "loss": 0.5}])
            >>> hist.plot_training_history().ax_.get_xlabel()
            'epoch'
        """
        from .._display import FigureDisplay

        if ax is None:
            from matplotlib.figure import Figure

            fig = Figure(figsize=(6, 3.5))
            ax = fig.subplots()
        frame = self.frame
        skip = {"epoch", "learning_rate", "seconds"}
        names = metrics or [c for c in frame.columns if c not in skip and not c.startswith("val_")]
        for name in names:
            line, = ax.plot(frame["epoch"], frame[name], marker="o", label=name)
            if "val_" + name in frame:
                ax.plot(frame["epoch"], frame["val_" + name], linestyle="--",
                        color=line.get_color(), label="val_" + name)
        ax.set_xlabel("epoch")
        if names:
            ax.legend()
        return FigureDisplay(ax.figure, ax)

    def _repr_html_(self):
        note = ""
        if self.running:
            note = "<p><b>running</b></p>"
        elif self.stop_reason:
            note = f"<p>Stopped: {self.stop_reason}.</p>"
        return note + self.frame.to_html(index=False)

    def __repr__(self):
        state = "running" if self.running else (self.stop_reason or "finished")
        return f"<TrainingHistory: {len(self)} epochs, {state}>"
