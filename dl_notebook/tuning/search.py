"""``dn.tune``: hyperparameter search over networks, on Optuna, with a study file that resumes.

Each trial builds a fresh network with ``build(params)``, trains it with
``fit`` for at most ``max_epochs`` epochs and scores it by ``metric`` at its
last epoch. Optuna's samplers pick the parameters (``method="random"``,
``"tpe"``; ``"hyperband"`` is TPE with Optuna's Hyperband pruner, which stops
bad trials after an epoch or a few).

Storage: a study lives in an Optuna journal file, ``./dl_tune/<study>.journal``
by default, which several processes on one machine may share (Optuna warns
against SQLite for parallel trials); an RDB URL lets several machines share one.
Running ``tune`` again with the same study resumes it: it runs only the trials
missing to reach ``trials`` finished (complete or pruned) ones, counting those of
every process, and first fails the trials left running by a process that died.

Memory: after each trial the network is dropped, Keras' session is cleared, the
trial's traced training steps are let go from TensorFlow's gradient table (which
otherwise keeps each one; see ``_trials.release_traces``) and Python's garbage
collected, so memory stays flat over many trials. Networks the caller holds keep
working (they rebuild their Keras model when needed).

Threads: inside a notebook kernel (or with ``background=True``) the search runs
in a daemon thread and ``tune`` returns its :class:`TuneResult` at once; the
table grows as trials finish and ``result.wait()`` waits for the end.

Stop: ``stop_event.set()``, ``result.stop()`` or the view's Stop button end the
running trial after its current batch and end the search. Finished trials are
kept; the stopped one is marked failed (it did not finish), so resuming runs it
again; ``result.stopped`` is True.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import math
import threading
import time

import numpy as np
import optuna
from optuna.trial import TrialState

from .. import _views
from .._keras import keras
from ..errors import InvalidArgumentError
from . import _trials
from ._space import check_space, suggest
from .result import TuneResult

__all__ = ["tune"]

METHODS = ("random", "tpe", "hyperband")
_MAXIMIZED = ("acc", "auc", "precision", "recall", "f1", "iou")
_MINIMIZED = ("loss", "error", "mae", "mse", "rmse")


def _check_count(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InvalidArgumentError(f"{name} must be a positive integer; got {value!r}.")
    return int(value)


def _direction(metric, direction):
    if not isinstance(metric, str) or not metric:
        raise InvalidArgumentError(f"metric must be a logged name such as 'val_accuracy'; "
                                   f"got {metric!r}.")
    if direction is not None:
        if direction not in ("maximize", "minimize"):
            raise InvalidArgumentError(
                f"direction must be 'maximize', 'minimize' or None; got {direction!r}.")
        return direction
    word = metric.lower()
    if any(part in word for part in _MINIMIZED):
        return "minimize"
    if any(part in word for part in _MAXIMIZED):
        return "maximize"
    raise InvalidArgumentError(
        f"Give direction='maximize' or 'minimize' for metric {metric!r}.")


def _sampler_and_pruner(method, seed, max_epochs):
    if method not in METHODS:
        raise InvalidArgumentError(
            f"method must be one of {', '.join(METHODS)}; got {method!r}.")
    if method == "random":
        return optuna.samplers.RandomSampler(seed=seed), optuna.pruners.NopPruner()
    sampler = optuna.samplers.TPESampler(seed=seed)
    if method == "tpe":
        return sampler, optuna.pruners.NopPruner()
    return sampler, optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max_epochs,
                                                   reduction_factor=3)


@contextlib.contextmanager
def _quiet_optuna():
    """Held back while we run: Optuna's INFO lines (a study created, each trial told) and
    TensorFlow's note that each trial's new model traced its functions again."""
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    tf_logger = logging.getLogger("tensorflow")
    tf_level = tf_logger.level
    tf_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(level)
        tf_logger.setLevel(tf_level)


class _Report:
    """The progress report a search talks to; this one says nothing (``live=False``)."""

    def show(self):
        return self

    def trial_started(self, number, params):
        pass

    def epoch_end(self, number, epoch, value):
        pass

    def trial_finished(self, row):
        pass

    def search_finished(self, text, stopped=False, error=False):
        pass

    def history(self, rows):
        """The trials the study had finished before this search (a resumed study)."""
        for row in rows:
            self.trial_finished(row)


class _TextReport(_Report):
    """One line per finished trial, and one at the end (scripts, plain consoles)."""

    def __init__(self, metric, direction):
        self.metric, self.direction, self.best = metric, direction, None

    def _note(self, row):
        value = row["value"]
        if row["state"] == "complete" and value is not None:
            better = max if self.direction == "maximize" else min
            self.best = (value, row["number"]) if self.best is None else better(
                self.best, (value, row["number"]), key=lambda pair: pair[0])

    def trial_finished(self, row):
        self._note(row)
        value = row["value"]
        params = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in row["params"].items())
        shown = "–" if value is None else f"{value:.4f}"
        seconds = row["seconds"] or 0.0
        line = (f"trial {row['number']}: {self.metric} {shown} ({row['state']}, "
                f"{row['epochs']} epochs, {seconds:.1f} s) {params}")
        if self.best is not None:
            line += f"; best {self.best[0]:.4f} (trial {self.best[1]})"
        print(line, flush=True)

    def search_finished(self, text, stopped=False, error=False):
        print(text, flush=True)

    def history(self, rows):
        for row in rows:
            self._note(row)
        if rows:
            print(f"Resuming: {sum(r['state'] in ('complete', 'pruned') for r in rows)} trials "
                  f"finished before.", flush=True)


def _make_report(live, *, metric, direction, params, target, title, stop_event):
    if live is False:
        return _Report()
    if live is not None and live is not True:
        raise InvalidArgumentError(f"live must be None, True or False; got {live!r}.")
    if live is True or _views.in_kernel():
        view = _views.view_class("tune")
        if view is not None:
            return view(metric=metric, direction=direction, params=list(params),
                        trials=target, title=title, stop_event=stop_event)
    return _TextReport(metric, direction)


class _Search:
    """The loop of trials of one ``tune`` call (run in the caller's thread or a daemon one)."""

    def __init__(self, result, report, *, build, train, valid, dims, max_epochs, batch_size,
                 solver, seed, prune):
        self.result, self.report, self.dims = result, report, dims
        self.build, self.train, self.valid = build, train, valid
        self.max_epochs, self.batch_size, self.solver = max_epochs, batch_size, solver
        self.seed, self.prune = seed, prune

    def run(self):
        result = self.result
        try:
            with _quiet_optuna():
                while not result.stop_event.is_set():
                    trial = _trials.claim_trial(result.study, result.target)
                    if trial is None:
                        break
                    self._run_trial(trial)
        except BaseException as err:  # noqa: BLE001 (reported by wait() / raised when blocking)
            result.error = err
        finally:
            gc.collect()  # the last trial's traced graphs
            result.stopped = result.stop_event.is_set()
            self._announce_end()
            result._finish()

    def _announce_end(self):
        result = self.result
        if result.error is not None:
            text = f"Search ended by an error: {result.error}"
        else:
            state = "stopped" if result.stopped else "finished"
            text = f"Search {state}: {result._summary(state)}."
        self.report.search_finished(text, stopped=result.stopped, error=result.error is not None)

    def _run_trial(self, trial):
        study, result = self.result.study, self.result
        started = time.monotonic()
        epochs = net = None
        told = False
        traces = _trials.custom_gradients()
        try:
            try:
                params = suggest(trial, self.dims)
            except ValueError as err:  # the stored study was made with another space
                raise InvalidArgumentError(
                    f"Study {study.study_name!r} was made with another search space "
                    f"({err}); give another study name.") from None
            self.report.trial_started(trial.number, params)
            net = _trials.built_network(self.build, params)
            epochs = _trials.Epochs(trial, result.metric, self.prune, self.report)
            hist = net.fit(
                self.train, self.valid, epochs=self.max_epochs,
                batch_size=params.get("batch_size", self.batch_size),
                solver=_trials.trial_optimizer(self.solver, params), callbacks=[epochs],
                live=False, background=False, stop_event=result.stop_event,
                seed=None if self.seed is None else self.seed + trial.number)
            stopped = hist.status.name in ("STOPPED", "INTERRUPTED")
            if hist.status.name == "INTERRUPTED":  # Ctrl+C (the kernel's interrupt)
                result.stop_event.set()
            trial.set_user_attr("seconds", round(time.monotonic() - started, 3))
            trial.set_user_attr("epochs", len(epochs.values))
            trial.set_user_attr("curve", [v if math.isfinite(v) else None
                                          for v in epochs.values])
            value = epochs.values[-1] if epochs.values else math.nan
            if stopped and not epochs.pruned:
                trial.set_user_attr("stopped", True)
                study.tell(trial, state=TrialState.FAIL)
            elif epochs.pruned:
                study.tell(trial, state=TrialState.PRUNED)
            elif not math.isfinite(value):
                study.tell(trial, state=TrialState.FAIL)
            else:
                study.tell(trial, value)
                if result.best_trial == trial.number:
                    result._keep(trial.number, net.get_weights())
            told = True
        finally:
            if not told:
                trial.set_user_attr("seconds", round(time.monotonic() - started, 3))
                study.tell(trial, state=TrialState.FAIL)
            _trials.ACTIVE.discard(trial._trial_id)
            del net, epochs
            keras().backend.clear_session()  # collects the trial's network
            _trials.release_traces(traces)  # its graphs go at the next collection
        self.report.trial_finished(
            _trials.row_of(study.get_trials(deepcopy=False)[trial.number], list(self.dims)))


def _open_study(name, storage, method, seed, max_epochs, direction):
    storage, weights = _trials.open_storage(storage, name)
    with _quiet_optuna():
        study = optuna.create_study(storage=storage, study_name=name, direction=direction,
                                    load_if_exists=True)
    # A resumed study's sampler starts from another seed, so it does not propose again
    # what the first run's did.
    if seed is not None:
        seed += len(study.get_trials(deepcopy=False))
    study.sampler, study.pruner = _sampler_and_pruner(method, seed, max_epochs)
    if study.direction.name.lower() != direction:
        raise InvalidArgumentError(
            f"Study {name!r} already exists to {study.direction.name.lower()} its metric, not "
            f"to {direction}; give another study name.")
    return study, weights


def tune(build, train, valid=None, *, space, trials=20, method="tpe", max_epochs=5,
         metric="val_accuracy", direction=None, seed=None, storage=None, study=None, live=None,
         stop_event=None, batch_size=32, solver="adam", background=None) -> TuneResult:
    """Search the parameters of ``build`` that score best on *valid* (DLPy ``dlTune``).

    Training parameters: these keys of the space also set how each trial's
    ``fit`` runs: ``learning_rate`` (the solver's rate), ``momentum`` (where the
    solver has one: ``"momentum"``, ``"sgd"``, ``"rmsprop"``), ``batch_size`` and
    ``solver`` (a solver name). ``build`` may ignore keys it does not use.

    Args:
        build: ``build(params) -> dn.Network``: a fresh network for a trial's parameters.
        train: the training data, in any form ``fit`` takes.
        valid: the validation data that *metric* is measured on.
        space: ``{name: (low, high), (low, high, "log"), (low, high, "int") or [choices]}``.
        trials: how many finished (complete or pruned) trials the study should
            have; a resumed or shared study runs only the missing ones.
        method: ``"random"``, ``"tpe"`` or ``"hyperband"`` (TPE with pruning).
        max_epochs: the epochs of a trial that is not pruned.
        metric: the logged value a trial is scored by, at its last epoch.
        direction: ``"maximize"`` or ``"minimize"``; None guesses from *metric*.
        seed: seeds the sampler, and trial *n*'s training with ``seed + n``.
        storage: None (``./dl_tune/<study>.journal``), a journal file path or an
            RDB URL (``sqlite:///…``, ``postgresql://…``).
        study: the study's name (default ``build.__name__``).
        live: None (the live view in a notebook, text lines elsewhere), True or False.
        stop_event: a ``threading.Event`` that ends the search (see the module notes).
        batch_size: the batch size when the space has none.
        solver: a solver name, a ``dn.solvers`` solver or a Keras optimizer.
        background: run in a thread and return at once (default: in a notebook kernel).

    Returns:
        a :class:`~dl_notebook.tuning.result.TuneResult` (running when in the background).

    Example:
        >>> import numpy as np, tempfile, dl_notebook as dn
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(size=(64, 4)).astype("float32"); y = (x[:, 0] > 0).astype(int)
        >>> def mlp(p):
        ...     return dn.Sequential(layers=[dn.layers.InputLayer(shape=(4,)),
        ...                                  dn.layers.OutputLayer(2)])
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     res = dn.tune(mlp, (x, y), (x, y), space={"learning_rate": (1e-3, 1e-1, "log")},
        ...                   trials=2, max_epochs=1, seed=0, storage=f"{tmp}/s.journal",
        ...                   live=False)
        ...     states = res.trials["state"].tolist()
        >>> states
        ['complete', 'complete']
    """
    _trials.check_build(build)
    dims = check_space(space)
    target = _check_count(trials, "trials")
    max_epochs = _check_count(max_epochs, "max_epochs")
    batch_size = _check_count(batch_size, "batch_size")
    direction = _direction(metric, direction)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                             or seed < 0):
        raise InvalidArgumentError(f"seed must be a non-negative integer; got {seed!r}.")
    if stop_event is not None and not callable(getattr(stop_event, "is_set", None)):
        raise InvalidArgumentError(
            f"stop_event must be a threading.Event or None; got {type(stop_event).__name__}.")
    _trials.trial_optimizer(solver, {})  # a bad solver fails now
    name = study if study is not None else getattr(build, "__name__", "")
    if not isinstance(name, str) or not name.isidentifier():
        name = "study" if study is None else name
        if not isinstance(name, str) or not name or "/" in name:
            raise InvalidArgumentError(f"study must be a name such as 'mlp'; got {study!r}.")
    _sampler_and_pruner(method, seed, max_epochs)  # a bad method fails before the study opens
    optuna_study, weights = _open_study(name, storage, method, seed, max_epochs, direction)
    with _quiet_optuna():
        _trials.fail_stale(optuna_study)
    stop_event = threading.Event() if stop_event is None else stop_event
    result = TuneResult(optuna_study, build=build, metric=metric, direction=direction,
                        params=dims, target=target, weights_dir=weights, stop_event=stop_event)
    report = _make_report(live, metric=metric, direction=direction, params=dims,
                          target=target, title=f"Tuning {name}", stop_event=stop_event)
    report.show()
    report.history([_trials.row_of(trial, list(dims))
                    for trial in optuna_study.get_trials(deepcopy=False)
                    if trial.state.is_finished()])
    search = _Search(result, report, build=build, train=train, valid=valid, dims=dims,
                     max_epochs=max_epochs, batch_size=batch_size, solver=solver, seed=seed,
                     prune=method == "hyperband")
    if background is None:
        background = _views.in_kernel()
    if background:
        result._start(threading.Thread(target=search.run, name=f"tune-{name}", daemon=True))
        return result
    result._done.clear()
    search.run()
    return result.wait()
