"""The live view of ``dn.tune``: trials table, best so far, learning curves and a Stop button.

:class:`TuneDashboard` is the progress report a search talks to (registered as the
``"tune"`` view in ``dl_notebook/__init__.py``): ``trial_started``, ``epoch_end``,
``trial_finished`` and ``search_finished`` may be called from the search's thread.
The browser part (``_tune.js``) draws the table and two canvases; points and rows
go as messages, and a view that renders later asks for the whole history.
"""

from __future__ import annotations

import math
import threading

import anywidget
import ipywidgets
import traitlets

from dl_notebook.errors import InvalidArgumentError
from dl_notebook.widgets._assets import widget_assets
from dl_notebook.widgets._dashboard import DashboardView

__all__ = ["TuneDashboard"]



class TuneChart(anywidget.AnyWidget):
    """Trials table, best-so-far chart, learning curves, status line and Stop button."""

    # the live dashboard's head, status line and Stop button, drawn the same way here
    _esm, _css = widget_assets("tune", "live")
    title = traitlets.Unicode("Tuning", help="Heading of the dashboard.").tag(sync=True)
    status = traitlets.Unicode("Waiting for the first trial", help="Status line.").tag(sync=True)
    status_kind = traitlets.Unicode(
        "idle", help="idle, running, stopping, stopped, finished or error.").tag(sync=True)
    metric = traitlets.Unicode("val_accuracy", help="The metric trials are scored by.").tag(
        sync=True)
    direction = traitlets.Unicode("maximize", help="maximize or minimize.").tag(sync=True)
    params = traitlets.List(traitlets.Unicode(), help="The parameter names (table columns).").tag(
        sync=True)
    target = traitlets.Int(0, help="The number of finished trials asked for.").tag(sync=True)


class TuneDashboard(DashboardView):
    """The live view of a hyperparameter search (see :func:`dl_notebook.tune`).

    Args:
        metric: the metric trials are scored by.
        direction: ``"maximize"`` or ``"minimize"`` (which value is best).
        params: the parameter names, one table column each.
        trials: the number of finished trials the search asks for.
        title: heading of the dashboard.
        stop_event: the ``threading.Event`` Stop sets; a new one when None.
        auto_show: display the view at :meth:`show` (False when an app places
            ``widget`` in its own layout).

    Attributes:
        widget: the ipywidgets container to display.
        chart: the anywidget inside it.
        stop_event: the event that Stop sets.

    Example:
        >>> dash = TuneDashboard(params=["units"], trials=2, auto_show=False)
        >>> dash.trial_started(0, {"units": 8})
        >>> dash.epoch_end(0, 1, 0.5)
        >>> dash.trial_finished({"number": 0, "params": {"units": 8}, "value": 0.5,
        ...     "state": "complete", "seconds": 1.0, "epochs": 1, "curve": [0.5]})
        >>> dash.state["finished"], dash.state["best"], dash.chart.status
        (1, 0.5, 'Trial 0 complete: 1 of 2 finished')
    """

    def __init__(self, *, metric="val_accuracy", direction="maximize", params=(), trials=0,
                 title=None, stop_event=None, auto_show=True):
        if direction not in ("maximize", "minimize"):
            raise InvalidArgumentError(
                f"direction must be 'maximize' or 'minimize', not {direction!r}.")
        if stop_event is not None and not callable(getattr(stop_event, "set", None)):
            raise InvalidArgumentError(
                f"stop_event must be a threading.Event or None, not {type(stop_event).__name__}.")
        self.stop_event = threading.Event() if stop_event is None else stop_event
        self.direction = direction
        self.chart = TuneChart(title="Tuning" if title is None else str(title), metric=metric,
                               direction=direction, params=list(params), target=int(trials or 0))
        self.chart.on_msg(self._on_message)
        self.widget = ipywidgets.VBox([self.chart], layout=ipywidgets.Layout(width="100%"))
        self._lock = threading.RLock()
        self._rows: list[dict] = []
        self._running = None  # {"number", "params", "curve"} of the trial running now
        self._shown = not auto_show

    # ----------------------------------------------------------------- public API
    def click_stop(self) -> None:
        """Do what the Stop button does: set ``stop_event`` and show "Stopping…"."""
        self.stop_event.set()
        with self._lock:
            if self.chart.status_kind == "running":
                self._set_status("Stopping after the current batch…", "stopping")

    def trial_started(self, number, params) -> None:
        """A trial begins with these parameters."""
        with self._lock:
            self._running = {"number": int(number), "params": _plain(params), "curve": []}
            self.chart.send({"type": "start", "trial": self._running})
            if not self.stop_event.is_set():
                self._set_status(f"Running trial {number} ({self._finished()} of "
                                 f"{self.chart.target} finished)", "running")

    def epoch_end(self, number, epoch, value) -> None:
        """Trial *number* scored *value* at the end of *epoch* (1-based)."""
        value = _finite(value)
        with self._lock:
            if self._running is not None and self._running["number"] == number:
                self._running["curve"].append(value)
            self.chart.send({"type": "point", "number": int(number), "epoch": int(epoch),
                             "value": value})

    def trial_finished(self, row) -> None:
        """A trial ended: *row* has number, params, value, state, seconds, epochs, curve."""
        row = _plain(dict(row, value=_finite(row.get("value"))))
        with self._lock:
            self._rows = [r for r in self._rows if r["number"] != row["number"]] + [row]
            if self._running is not None and self._running["number"] == row["number"]:
                self._running = None
            self.chart.send({"type": "trial", "row": row})
            if self.chart.status_kind in ("idle", "running"):
                self._set_status(f"Trial {row['number']} {row['state']}: {self._finished()} of "
                                 f"{self.chart.target} finished", self.chart.status_kind)

    def history(self, rows) -> None:
        """The trials a resumed study had finished before."""
        for row in rows:
            self.trial_finished(row)

    def search_finished(self, text, stopped=False, error=False) -> None:
        """The search ended: show *text* in the status line."""
        with self._lock:
            self._running = None
            self._set_status(str(text), "error" if error else "stopped" if stopped
                             else "finished")

    @property
    def state(self) -> dict:
        """What the view shows: status, trials finished, best value, the running trial."""
        with self._lock:
            values = [r["value"] for r in self._rows
                      if r["state"] == "complete" and r["value"] is not None]
            better = max if self.direction == "maximize" else min
            return {
                "status": self.chart.status,
                "status_kind": self.chart.status_kind,
                "trials": len(self._rows),
                "finished": self._finished(),
                "best": better(values) if values else None,
                "running": None if self._running is None else self._running["number"],
                "stop_requested": self.stop_event.is_set(),
            }

    # ------------------------------------------------------------------ internals
    def _finished(self) -> int:
        return sum(r["state"] in ("complete", "pruned") for r in self._rows)

    def _on_message(self, _widget, content, _buffers) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "stop":
            self.click_stop()
        elif kind == "sync":
            with self._lock:
                self.chart.send({"type": "history", "rows": list(self._rows),
                                 "running": self._running})


def _finite(value):
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _plain(value):
    """*value* with NumPy numbers as Python ones (JSON-safe)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
