"""One trial of ``dn.tune``, and the study bookkeeping around it (storage, stale trials, counts).

Each trial is asked of the study (Optuna's ask-and-tell), built by the user's
``build(params)``, trained with ``fit`` (silently, in the calling thread) and told
back as complete, pruned (``method="hyperband"``) or failed. A trial records who
runs it (``host``, ``pid``), so a later search fails the trials of processes that
died while running one; and it records its time, epochs and per-epoch metric.

Example:
    >>> from dl_notebook.tuning._trials import open_storage
    >>> storage, weights = open_storage("sqlite:///tune.db", "mlp")
    >>> storage, str(weights)
    ('sqlite:///tune.db', 'dl_tune/mlp.weights')
"""

from __future__ import annotations

import gc
import math
import os
import socket
import sys
import time
import warnings
from datetime import datetime
from pathlib import Path

import optuna
from optuna.trial import TrialState

from .._keras import keras
from ..errors import DLError, InvalidArgumentError

__all__ = ["Epochs", "claim_trial", "custom_gradients", "fail_stale", "open_storage",
           "release_traces", "row_of", "trial_optimizer"]

FOLDER = Path("dl_tune")
"""Where studies live by default: ``./dl_tune/<study>.journal``."""

_COUNTED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING)
_HOST = socket.gethostname()
_UNCLAIMED_GRACE_S = 60  # a RUNNING trial without an owner this old is a dead process's
ACTIVE: set[int] = set()
"""Trial ids this process is running now (so its own are never taken for stale ones)."""


def open_storage(storage, name: str):
    """The Optuna storage for *storage* and the folder for the trials' weights.

    Args:
        storage: None (``./dl_tune/<name>.journal``), a path to a journal file,
            an RDB URL (``sqlite:///…``, ``postgresql://…``) or an Optuna storage.
        name: the study's name.
    """
    if isinstance(storage, optuna.storages.BaseStorage) or (
            isinstance(storage, str) and "://" in storage):
        return storage, FOLDER / f"{name}.weights"
    if storage is None:
        path = FOLDER / f"{name}.journal"
    elif isinstance(storage, (str, os.PathLike)):
        path = Path(storage)
    else:
        raise InvalidArgumentError(
            f"storage must be None, a journal file path, an RDB URL or an Optuna storage; "
            f"got {type(storage).__name__}.")
    if path.is_dir():
        raise InvalidArgumentError(f"storage {str(path)!r} is a folder; give a file path.")
    path.parent.mkdir(parents=True, exist_ok=True)
    backend = optuna.storages.journal.JournalFileBackend(str(path))
    return optuna.storages.JournalStorage(backend), path.with_suffix(".weights")


def _alive(pid: int, since: datetime | None) -> bool:
    """Whether process *pid* runs and started before *since* (a reused pid is another one)."""
    try:
        import psutil
    except ImportError:  # without psutil: ask the system (POSIX only)
        if os.name != "posix":
            return True
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    try:
        started = psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.AccessDenied:
        return True
    return since is None or started <= since.timestamp() + 1


def fail_stale(study) -> list[int]:
    """Mark failed the RUNNING trials whose process on this machine is gone; their numbers.

    A trial of another machine is left alone (RDB storages with a heartbeat
    fail those through Optuna's ``fail_stale_trials``).
    """
    with warnings.catch_warnings():  # Optuna calls it experimental
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)
    failed = []
    now = time.time()
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        host, pid = trial.user_attrs.get("host"), trial.user_attrs.get("pid")
        start = trial.datetime_start
        if pid is None:
            stale = start is not None and now - start.timestamp() > _UNCLAIMED_GRACE_S
        elif host != _HOST:
            stale = False
        elif pid == os.getpid():
            stale = trial._trial_id not in ACTIVE
        else:
            stale = not _alive(pid, start)
        if stale:
            try:
                study._storage.set_trial_user_attr(trial._trial_id, "stale", True)
                study._storage.set_trial_state_values(trial._trial_id, state=TrialState.FAIL)
            except optuna.exceptions.UpdateFinishedTrialError:
                continue  # another process failed it first
            failed.append(trial.number)
    return failed


def _counted(study) -> list[int]:
    return sorted(t.number for t in study.get_trials(deepcopy=False, states=_COUNTED))


def claim_trial(study, target: int):
    """A new trial when the study has fewer than *target* finished or running ones, else None.

    Processes sharing the study may ask at the same moment: a trial found past
    *target* right after it was asked is told failed (``surplus``) and None returned.
    """
    if len(_counted(study)) >= target:
        return None
    trial = study.ask()
    ACTIVE.add(trial._trial_id)
    trial.set_user_attr("host", _HOST)
    trial.set_user_attr("pid", os.getpid())
    if trial.number in _counted(study)[target:]:
        trial.set_user_attr("surplus", True)
        study.tell(trial, state=TrialState.FAIL)
        ACTIVE.discard(trial._trial_id)
        return None
    return trial


def trial_optimizer(solver, params: dict):
    """A fresh Keras optimizer for a trial: *solver* (or ``params["solver"]``) with the
    trial's ``learning_rate`` and, where the optimizer has one, ``momentum``.

    Example:
        >>> from dl_notebook.tuning._trials import trial_optimizer
        >>> opt = trial_optimizer("momentum", {"learning_rate": 0.05, "momentum": 0.5})
        >>> type(opt).__name__, round(float(opt.learning_rate), 4), opt.momentum
        ('SGD', 0.05, 0.5)
    """
    from ..train.solvers import as_keras_optimizer

    opt = as_keras_optimizer(params.get("solver", solver))
    config = opt.get_config()
    if "learning_rate" in params:
        config["learning_rate"] = float(params["learning_rate"])
    if "momentum" in params and "momentum" in config:
        config["momentum"] = float(params["momentum"])
    return type(opt).from_config(config)


class Epochs(keras().callbacks.Callback):
    """Reports a trial's metric at each epoch end: to Optuna (for pruning) and to the view.

    Args:
        trial: the Optuna trial.
        metric: the name of the logged value (``"val_accuracy"``).
        prune: ask Optuna's pruner after each epoch; a trial it prunes stops there.
        report: the progress report (its ``epoch_end(number, epoch, value)``).
    """

    def __init__(self, trial, metric, prune, report):
        super().__init__()
        self.trial, self.metric, self.prune, self.report = trial, metric, prune, report
        self.values: list[float] = []
        self.pruned = False

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.metric not in logs:
            raise InvalidArgumentError(
                f"metric {self.metric!r} is not among what training logs "
                f"({', '.join(sorted(logs))}); pass one of those as metric=.")
        value = float(logs[self.metric])
        self.values.append(value)
        self.report.epoch_end(self.trial.number, epoch + 1, value)
        if not math.isfinite(value):
            return
        self.trial.report(value, epoch)
        if self.prune and self.trial.should_prune():
            self.pruned = True
            self.model.stop_training = True


def row_of(trial, params) -> dict:
    """A finished trial as the progress report shows it."""
    value = trial.value if trial.values is not None else None
    return {
        "number": trial.number,
        "params": {name: trial.params.get(name) for name in params},
        "value": None if value is None or not math.isfinite(value) else float(value),
        "state": trial.state.name.lower(),
        "seconds": trial.user_attrs.get("seconds"),
        "epochs": trial.user_attrs.get("epochs", 0),
        "curve": trial.user_attrs.get("curve", []),
    }


def _gradient_registry() -> dict:
    """TensorFlow's table of gradient functions by name (empty if TensorFlow changed it)."""
    from tensorflow.python.framework import ops

    registry = getattr(getattr(ops, "_gradient_registry", None), "_registry", None)
    return registry if isinstance(registry, dict) else {}


def custom_gradients() -> set:
    """The names of the custom gradients TensorFlow holds now (taken before a trial).

    Example:
        >>> from dl_notebook.tuning._trials import custom_gradients
        >>> isinstance(custom_gradients(), set)
        True
    """
    return {name for name in _gradient_registry() if name.startswith("CustomGradient-")}


def _graph_of(function):
    """The graph whose tensors a registered custom gradient closes over, or None."""
    cells = list(getattr(function, "__closure__", None) or ())
    for _ in range(200):  # a few levels of closures and lists of tensors
        if not cells:
            return None
        value = cells.pop(0)
        value = getattr(value, "cell_contents", value)
        graph = getattr(value, "graph", None)
        if graph is not None and hasattr(graph, "get_operations"):
            return graph
        if isinstance(value, (list, tuple)):
            cells.extend(value[:4])
        elif callable(value):
            cells.extend(getattr(value, "__closure__", None) or ())
    return None


def release_traces(before: set) -> int:
    """Let go of the traced training steps of networks that are gone; how many were let go.

    Each trace of a Keras training step on TensorFlow registers a custom
    gradient for its gradient all-reduce (``ReplicaContext.all_reduce``) in
    TensorFlow's global gradient table, and that entry holds the whole traced
    graph, so every trial left a few megabytes behind that
    ``keras.backend.clear_session()`` does not free. This drops the entries
    registered since *before* whose graph only its own operations and tensors
    still refer to; a traced function still alive, or a trace in progress in
    another thread, keeps its entry. Call it once the trial's network is
    collected (``clear_session()`` collects); the graphs go at the next collection.

    Args:
        before: :func:`custom_gradients` taken before the trial.

    Example:
        >>> from dl_notebook.tuning._trials import custom_gradients, release_traces
        >>> release_traces(custom_gradients())  # nothing traced since
        0
    """
    import tensorflow as tf

    registry = _gradient_registry()
    graphs = graph = {}  # id(graph) -> (graph, the names of its entries)
    for name in custom_gradients() - set(before):
        graph = _graph_of(registry[name].get("type"))
        if graph is not None:
            graphs.setdefault(id(graph), (graph, []))[1].append(name)
    del graph
    if not graphs:
        return 0
    here = {id(graphs), id(sys._getframe())} | {id(entry) for entry in graphs.values()}
    for holder in gc.get_referrers(*(graph for graph, _ in graphs.values())):
        if isinstance(holder, (tf.Operation, tf.Tensor)) or id(holder) in here:
            continue
        for held in gc.get_referents(holder):
            graphs.pop(id(held), None)  # in use elsewhere: keep its gradient
    freed = 0
    for _, names in graphs.values():
        for name in names:
            registry.pop(name, None)
        freed += len(names)
    return freed


def check_build(build):
    if not callable(build):
        raise InvalidArgumentError(
            f"build must be a function params -> dn.Network; got {type(build).__name__}.")


def built_network(build, params):
    """``build(params)``, checked to be a network."""
    from ..model import Network

    net = build(dict(params))
    if not isinstance(net, Network):
        raise DLError(f"build(params) must return a dn.Network; it returned "
                      f"{type(net).__name__}.")
    return net
