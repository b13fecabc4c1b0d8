"""dn.tune: a search on digits, its table and best network, no trial left in memory, Stop and
resume, two processes (this one and a worker) sharing one study file, the Hyperband method,
and bad spaces.

Kept cheap: 256 training and 128 validation digits (64 features), batch sizes that divide
both (no second trace for a short last batch), one epoch, one small hidden layer."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import threading
import time
import weakref
from pathlib import Path

import numpy as np
import optuna
import pytest
from sklearn.datasets import load_digits

import dl_notebook as dn
from dl_notebook.errors import InvalidArgumentError
from dl_notebook.tuning._trials import custom_gradients, release_traces

SPACE = {"learning_rate": (1e-3, 1e-1, "log"), "units": (8, 32, "int"), "batch_size": [32, 64]}


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    x = (x / 16).astype("float32")
    return (x[:256], y[:256]), (x[256:384], y[256:384])


def mlp(params):
    return dn.Sequential(layers=[
        dn.layers.InputLayer(shape=(64,)),
        dn.layers.Dense(params.get("units", 16)),
        dn.layers.Dropout(params.get("dropout", 0.0)),
        dn.layers.OutputLayer(10),
    ])


def test_four_trials_give_a_complete_table_and_the_best_network(digits, tmp_path):
    train, valid = digits
    traced = custom_gradients()
    before = mlp({"units": 8})
    before.fit(train, epochs=1, batch_size=64, live=False, seed=0)
    expected = before.to_keras().predict(valid[0], verbose=0)
    kept = custom_gradients()
    assert release_traces(traced) == 0 and custom_gradients() == kept  # a live network's

    built = []

    def tracked(params):
        net = mlp(params)
        built.append(weakref.ref(net))
        return net

    res = dn.tune(tracked, train, valid, space=SPACE, trials=4, max_epochs=1, seed=0,
                  method="random", storage=tmp_path / "mlp.journal", live=False, study="mlp")

    # no trial's network, nor its traced training step, outlives its trial
    gc.collect()
    assert len(built) == 4 and all(ref() is None for ref in built)
    assert custom_gradients() == kept

    table = res.trials
    assert list(table.columns) == ["number", "learning_rate", "units", "batch_size",
                                   "val_accuracy", "state", "seconds", "epochs"]
    assert table["number"].tolist() == [0, 1, 2, 3]
    assert (table["state"] == "complete").all() and (table["epochs"] == 1).all()
    assert table["val_accuracy"].notna().all() and (table["seconds"] > 0).all()
    best_row = table.loc[table["val_accuracy"].idxmax()]
    assert res.best_value == pytest.approx(best_row["val_accuracy"], abs=1e-6)
    assert res.best_params["units"] == best_row["units"]

    # the best network carries the trained weights: it scores what its trial scored
    model = res.best_network.to_keras()
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    _, accuracy = model.evaluate(*valid, batch_size=int(best_row["batch_size"]), verbose=0)
    assert accuracy == pytest.approx(best_row["val_accuracy"], abs=1e-6)
    assert "4/4 trials finished" in repr(res) and "<table" in res._repr_html_()
    assert res.plot().ax_.get_xlabel() == "trial"

    # a network made before tune (which clears Keras' session after each trial) still works
    np.testing.assert_allclose(before.to_keras().predict(valid[0], verbose=0), expected,
                               atol=1e-6)


def test_a_stopped_search_keeps_its_trials_and_resumes_to_the_asked_number(digits, tmp_path):
    train, valid = digits
    storage = tmp_path / "stopped.journal"
    stop = threading.Event()
    built = []

    def counting(params):  # Stop is pressed while the second trial starts
        built.append(params)
        if len(built) == 2:
            stop.set()
        return mlp(params)

    res = dn.tune(counting, train, valid, space=SPACE, trials=2, max_epochs=1, seed=1,
                  storage=storage, stop_event=stop, live=False, study="s")
    assert res.stopped and res.study.trials[1].user_attrs["stopped"] is True
    assert res.trials["state"].tolist() == ["complete", "fail"]

    # a trial left running by a process that died is failed on resume, and run again
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    orphan = res.study.ask()
    orphan.set_user_attr("host", __import__("socket").gethostname())
    orphan.set_user_attr("pid", int(dead.stdout))

    again = dn.tune(mlp, train, valid, space=SPACE, trials=2, max_epochs=1, seed=1,
                    storage=storage, live=False, study="s")
    states = again.trials["state"].tolist()
    assert not again.stopped and again.finished == 2
    assert states == ["complete", "fail", "fail", "complete"]
    assert again.study.trials[2].user_attrs.get("stale") is True


WORKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import numpy as np
    import dl_notebook as dn

    def mlp(p):
        if not Path("built-worker").exists():  # wait at the first trial for the test's
            Path("built-worker").touch()
            deadline = time.monotonic() + 120
            while len(list(Path().glob("built-*"))) < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
        return dn.Sequential(layers=[dn.layers.InputLayer(shape=(64,)),
                                     dn.layers.Dense(p["units"]), dn.layers.OutputLayer(10)])

    data = np.load("digits.npz")
    x, y = data["x"], data["y"]
    dn.tune  # imports Keras before it says it is ready
    Path("ready-worker").touch()
    dn.tune(mlp, (x[:256], y[:256]), (x[256:], y[256:]), space={"units": (8, 32, "int")},
            trials=4, max_epochs=1, batch_size=64, seed=1, storage=sys.argv[1], live=False,
            study="mlp")
""")


def _wait_for(folder, pattern, process, count=2, timeout=120):
    """Until *count* files match *pattern* in *folder* (or *process* ended, or *timeout*)."""
    deadline = time.monotonic() + timeout
    while (len(list(Path(folder).glob(pattern))) < count and time.monotonic() < deadline
           and process.poll() is None):
        time.sleep(0.02)


def test_two_processes_share_one_study(digits, tmp_path):
    """This process and a worker process run one study's trials together."""
    storage = tmp_path / "shared.journal"
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    (train_x, train_y), (valid_x, valid_y) = digits
    data = {"x": np.concatenate([train_x, valid_x]), "y": np.concatenate([train_y, valid_y])}
    np.savez(tmp_path / "digits.npz", **data)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="-1")
    worker = subprocess.Popen([sys.executable, str(script), str(storage)], cwd=tmp_path,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def mlp_here(p):  # this process's first trial waits for the worker's, as the worker's does
        if not (tmp_path / "built-test").exists():
            (tmp_path / "built-test").touch()
            _wait_for(tmp_path, "built-*", worker)
        return mlp({"units": p["units"]})

    try:
        _wait_for(tmp_path, "ready-worker", worker, count=1)
        x, y = data["x"], data["y"]
        dn.tune(mlp_here, (x[:256], y[:256]), (x[256:], y[256:]),
                space={"units": (8, 32, "int")}, trials=4, max_epochs=1, batch_size=64, seed=2,
                storage=storage, live=False, study="mlp")
        _, err = worker.communicate(timeout=240)
    finally:
        worker.kill()
    assert worker.returncode == 0, err[-2000:]

    study = optuna.load_study(study_name="mlp", storage=optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(storage))))
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(complete) == 4
    assert len({t.number for t in study.trials}) == len(study.trials)
    pids = {t.user_attrs["pid"] for t in complete}
    assert pids == {worker.pid, os.getpid()}  # both processes ran trials
    best = study.best_trial.number
    assert (tmp_path / "shared.weights" / f"trial-{best}.npz").exists()


def test_hyperband_runs_and_scores_by_a_minimized_metric(digits, tmp_path):
    train, valid = digits
    res = dn.tune(mlp, train, valid, space={"dropout": (0.0, 0.5), "units": [8, 16]},
                  trials=2, max_epochs=2, method="hyperband", seed=3, metric="val_loss",
                  batch_size=64, storage=tmp_path / "hyperband.journal", live=False)
    table = res.trials
    assert res.direction == "minimize" and res.finished == 2
    assert set(table["state"]) <= {"complete", "pruned"}
    assert table.loc[table["state"] == "complete", "epochs"].eq(2).all()
    assert res.best_value == table.loc[table["state"] == "complete", "val_loss"].min()


@pytest.mark.parametrize("space, words", [
    ({"dropout": 0.5}, "'dropout'"),
    ({"units": (8, 32, "integer")}, "'units'"),
    ({"learning_rate": (0.0, 0.1, "log")}, "'learning_rate'"),
    ({"units": []}, "'units'"),
    ({"units": (32, 8, "int")}, "low < high"),
])
def test_a_bad_space_is_refused_in_one_sentence(digits, tmp_path, space, words):
    train, valid = digits
    with pytest.raises(InvalidArgumentError, match=words) as info:
        dn.tune(mlp, train, valid, space=space, storage=tmp_path / "bad.journal", live=False)
    assert str(info.value).count(". ") == 0
    assert not (tmp_path / "bad.journal").exists()


def test_bad_arguments_are_refused_before_the_study_opens(digits, tmp_path):
    train, valid = digits
    with pytest.raises(InvalidArgumentError, match="method"):
        dn.tune(mlp, train, valid, space=SPACE, method="grid", storage=tmp_path / "b.journal")
    with pytest.raises(InvalidArgumentError, match="direction"):
        dn.tune(mlp, train, valid, space=SPACE, metric="score", storage=tmp_path / "b.journal")
    with pytest.raises(InvalidArgumentError, match="solver"):
        dn.tune(mlp, train, valid, space=SPACE, solver="newton", storage=tmp_path / "b.journal")
    assert not (tmp_path / "b.journal").exists()
