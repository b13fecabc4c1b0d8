"""What ``dn.tune`` returns: the trials table, the best parameters and the best network.

A :class:`TuneResult` reads its study (in its storage) each time it is asked, so
while a search runs in the background its table grows, and a result made by a
resumed or shared study shows every process's trials.

The best trial's trained weights are kept in memory by the process that ran it
and written next to the study (``<study>.weights/trial-<n>.npz``), so a resumed
study, or another process sharing its file, rebuilds the best network with
``build(best_params)`` and sets them.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np

from ..errors import DLError
from ..train._background import BackgroundRun

__all__ = ["TuneResult", "weights_path"]

_FINISHED = ("complete", "pruned")


def weights_path(folder, number: int) -> Path:
    """The file holding the trained weights of trial *number* in *folder*.

    Example:
        >>> from dl_notebook.tuning.result import weights_path
        >>> weights_path("dl_tune/mlp.weights", 3).name
        'trial-3.npz'
    """
    return Path(folder) / f"trial-{number}.npz"


class TuneResult(BackgroundRun):
    """The outcome of :func:`dl_notebook.tune`: a table of trials and the best network.

    Attributes:
        study: the ``optuna.Study`` (its storage holds every trial).
        metric: the metric the search optimises (e.g. ``"val_accuracy"``).
        direction: ``"maximize"`` or ``"minimize"``.
        target: the number of finished (complete or pruned) trials asked for.
        stopped: True when a Stop (``stop_event``, the view's button) ended the search.
        error: the exception that ended the search, or None.
        stop_event: the ``threading.Event`` that stops the search.

    Example:
        >>> import numpy as np, tempfile, dl_notebook as dn
        >>> x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
        >>> y = (x[:, 0] > 0).astype(int)
        >>> def mlp(p):
        ...     return dn.Sequential(layers=[dn.layers.InputLayer(shape=(4,)),
        ...         dn.layers.Dense(p["units"]), dn.layers.OutputLayer(2)])
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     res = dn.tune(mlp, (x, y), (x, y), space={"units": (4, 8, "int")}, trials=2,
        ...                   max_epochs=1, seed=0, storage=f"{tmp}/mlp.journal", live=False)
        ...     table, best, params = res.trials, res.best_network, res.best_params
        >>> len(table), list(table.columns)
        (2, ['number', 'units', 'val_accuracy', 'state', 'seconds', 'epochs'])
        >>> best.count_params() == mlp(params).count_params()
        True
    """

    def __init__(self, study, *, build, metric, direction, params, target, weights_dir,
                 stop_event):
        super().__init__()
        self.study = study
        self.metric = metric
        self.direction = direction
        self.target = target
        self.stopped = False
        self.error = None
        self.stop_event = stop_event
        self._build = build
        self._params = list(params)
        self._weights_dir = Path(weights_dir)
        self._best = None  # (trial number, weights) of the best trial this process ran
        self._cached = None  # (trial number, network) given out by best_network

    # ------------------------------------------------------------------ running
    def stop(self) -> None:
        """End the search after the running trial's current batch (finished trials are kept)."""
        self.stop_event.set()

    def wait(self, timeout=None) -> TuneResult:
        """Wait for a background search to end; re-raise its error, if any; return self."""
        self._done.wait(timeout)
        if self.error is not None and self._done.is_set():
            raise self.error
        return self

    def _keep(self, number: int, weights: list) -> None:
        """Remember *weights* as trial *number*'s, in memory and in the weights folder."""
        self._weights_dir.mkdir(parents=True, exist_ok=True)
        path = weights_path(self._weights_dir, number)
        partial = path.with_suffix(".partial.npz")
        np.savez(partial, *weights)
        partial.replace(path)  # other processes never read a half-written file
        old, self._best = self._best, (number, weights)
        if old is not None and old[0] != number:
            weights_path(self._weights_dir, old[0]).unlink(missing_ok=True)

    # ------------------------------------------------------------------ results
    def _rows(self) -> list[dict]:
        rows = []
        for trial in self.study.get_trials(deepcopy=False):
            state = trial.state.name.lower()
            row = {"number": trial.number}
            row.update({name: trial.params.get(name) for name in self._params})
            value = trial.value if trial.values is not None else None
            row[self.metric] = math.nan if value is None else float(value)
            row["state"] = state
            row["seconds"] = trial.user_attrs.get("seconds", math.nan)
            row["epochs"] = trial.user_attrs.get("epochs", 0)
            rows.append(row)
        return rows

    @property
    def trials(self):
        """A DataFrame, one row per trial: number, each parameter, the metric, state,
        seconds, epochs. States: complete, pruned, fail, running."""
        import pandas as pd

        columns = ["number", *self._params, self.metric, "state", "seconds", "epochs"]
        return pd.DataFrame(self._rows(), columns=columns)

    @property
    def finished(self) -> int:
        """How many trials finished (complete or pruned)."""
        return sum(row["state"] in _FINISHED for row in self._rows())

    def _best_trial(self):
        try:
            return self.study.best_trial
        except ValueError:
            raise DLError(
                f"No trial of study {self.study.study_name!r} has completed yet.") from None

    @property
    def best_params(self) -> dict:
        """The parameters of the best completed trial."""
        return dict(self._best_trial().params)

    @property
    def best_value(self) -> float:
        """The metric of the best completed trial (at its last epoch)."""
        return float(self._best_trial().value)

    @property
    def best_trial(self) -> int:
        """The number of the best completed trial."""
        return self._best_trial().number

    @property
    def best_network(self):
        """The best trial's network with its trained weights: ``build(best_params)`` and the
        weights kept by the process that ran it (in memory or next to the study)."""
        trial = self._best_trial()
        if self._cached is not None and self._cached[0] == trial.number:
            return self._cached[1]
        if self._best is not None and self._best[0] == trial.number:
            weights = self._best[1]
        else:
            path = weights_path(self._weights_dir, trial.number)
            if not path.exists():
                raise DLError(
                    f"The weights of the best trial ({trial.number}) are not in "
                    f"{self._weights_dir}; it ran where that folder is not shared.")
            with np.load(path) as saved:
                weights = [saved[f"arr_{i}"] for i in range(len(saved.files))]
        net = self._build(dict(trial.params))
        net.set_weights(weights)
        self._cached = (trial.number, net)
        return net

    def plot(self, ax=None):
        """The metric of each finished trial (dots) and the best so far (a line).

        Args:
            ax: a matplotlib Axes to draw on; a new figure when None.

        Returns:
            a figure display (``.figure_``, ``.ax_``) the notebook shows.
        """
        from .._display import FigureDisplay

        if ax is None:
            from matplotlib.figure import Figure

            ax = Figure(figsize=(6, 3.5)).subplots()
        rows = [r for r in self._rows() if r["state"] in _FINISHED]
        better = max if self.direction == "maximize" else min
        best, xs, ys = None, [], []
        for row in rows:
            value = row[self.metric]
            if row["state"] == "complete" and not math.isnan(value):
                best = value if best is None else better(best, value)
            if best is not None:
                xs.append(row["number"])
                ys.append(best)
        for state, marker in (("complete", "o"), ("pruned", "x")):
            part = [r for r in rows if r["state"] == state]
            if part:
                ax.scatter([r["number"] for r in part], [r[self.metric] for r in part],
                           marker=marker, label=state, alpha=0.7)
        if xs:
            ax.step(xs, ys, where="post", color="black", label="best so far")
        ax.set_xlabel("trial")
        ax.set_ylabel(self.metric)
        if rows:
            ax.legend()
        return FigureDisplay(ax.figure, ax)

    def _summary(self, state=None) -> str:
        rows = self._rows()
        done = sum(r["state"] in _FINISHED for r in rows)
        if state is None:
            state = "running" if self.running else ("stopped" if self.stopped else "finished")
        text = f"{done}/{self.target} trials {state}"
        complete = [r for r in rows if r["state"] == "complete"]
        if complete:
            trial = self._best_trial()
            params = ", ".join(f"{k}={_short(v)}" for k, v in trial.params.items())
            text += f", best {self.metric} {trial.value:.4g} (trial {trial.number}: {params})"
        return text

    def __repr__(self):
        return f"<TuneResult {self.study.study_name!r}: {self._summary()}>"

    def _repr_html_(self):
        head = html.escape(f"Study {self.study.study_name!r}: {self._summary()}.")
        return f"<p>{head}</p>" + self.trials.to_html(index=False, float_format="%.4g")


def _short(value):
    return f"{value:.4g}" if isinstance(value, float) else value
