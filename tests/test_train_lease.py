"""One run at a time: the training lease of a Network, fit's stop_event and RunStatus.

The rule under test (``Network`` and ``fit`` docstrings): while a fit runs, a
second fit and every change to the network from another thread wait until
the run ends, then go ahead. Real Keras training on 64 random rows.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.train import RunStatus  # noqa: E402

from conftest import REPO_ROOT  # noqa: E402

L = dn.layers
WAIT = 60  # seconds: generous, for a loaded machine


@pytest.fixture(scope="module")
def rows():
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    return x, (x[:, 0] + x[:, 1] > 0).astype(int)


def make_net():
    return dn.Sequential("tiny", [L.InputLayer(shape=(4,), name="x"), L.Dense(8, name="a"),
                                  L.OutputLayer(2, name="out")])


class Log(keras.callbacks.Callback):
    """Writes ``(tag, "begin"/"end", time)`` into a shared list."""

    def __init__(self, tag, log):
        super().__init__()
        self.tag, self.log = tag, log

    def on_train_begin(self, logs=None):
        self.log.append((self.tag, "begin", time.monotonic()))

    def on_train_end(self, logs=None):
        self.log.append((self.tag, "end", time.monotonic()))


class Gate(keras.callbacks.Callback):
    """Holds the first batch until the test opens the gate."""

    def __init__(self):
        super().__init__()
        self.entered, self.gate = threading.Event(), threading.Event()

    def on_train_batch_begin(self, batch, logs=None):
        self.entered.set()
        assert self.gate.wait(WAIT)


def gated_fit(net, data, log=None, **kwargs):
    gate = Gate()
    callbacks = [gate] + ([Log("first", log)] if log is not None else [])
    hist = net.fit(data, epochs=2, batch_size=16, callbacks=callbacks, live=False,
                   background=True, **kwargs)
    assert gate.entered.wait(WAIT)
    return hist, gate


def in_thread(target):
    done = []
    thread = threading.Thread(target=lambda: done.append((target(), time.monotonic())),
                              daemon=True)
    thread.start()
    return thread, done


def test_a_second_fit_from_another_thread_waits_for_the_first(rows):
    net, log = make_net(), []
    first, gate = gated_fit(net, rows, log)
    assert net.running is first and first.status is RunStatus.RUNNING
    second_thread, second = in_thread(lambda: net.fit(
        rows, epochs=1, batch_size=16, callbacks=[Log("second", log)], live=False,
        background=False))
    second_thread.join(0.5)
    assert second_thread.is_alive() and not second  # it waits ...
    assert [entry[:2] for entry in log] == [("first", "begin")]  # ... and has not begun
    gate.gate.set()
    assert first.wait() is first and first.status is RunStatus.COMPLETED
    second_thread.join(WAIT)
    assert second and second[0][0].status is RunStatus.COMPLETED
    assert [entry[:2] for entry in log] == [("first", "begin"), ("first", "end"),
                                             ("second", "begin"), ("second", "end")]
    assert net.running is None


def test_changes_from_another_thread_wait_for_the_run(rows):
    net, log = make_net(), []
    new_weights = [np.full(w.shape, 0.5, dtype=w.dtype) for w in net.get_weights()]
    hist, gate = gated_fit(net, rows, log)
    changes = [in_thread(lambda: net.freeze("a")),
               in_thread(lambda: net.insert(L.Dropout(0.1, name="drop"), after="a")),
               in_thread(lambda: net.set_weights(new_weights)),
               in_thread(lambda: net.to_keras())]
    time.sleep(0.5)
    assert all(thread.is_alive() and not done for thread, done in changes)
    assert net["a"].trainable and "drop" not in net.layer_names
    gate.gate.set()
    hist.wait()
    for thread, _ in changes:
        thread.join(WAIT)
    ended = next(t for tag, what, t in log if what == "end")
    assert all(done and done[0][1] >= ended for _, done in changes)
    assert not net["a"].trainable and net.layer_names == ["x", "a", "drop", "out"]
    for got, want in zip(net.get_weights(), new_weights):  # set after training, kept by insert
        np.testing.assert_array_equal(got, want)
    net.unfreeze()
    assert net["a"].trainable


def test_a_layers_own_weight_and_trainable_setters_wait_for_the_run(rows):
    net = make_net()
    zeros = [np.zeros_like(w) for w in net["a"].get_weights()]
    hist, gate = gated_fit(net, rows)
    changes = [in_thread(lambda: net["a"].set_weights(zeros)),
               in_thread(lambda: setattr(net["out"], "trainable", False))]
    time.sleep(0.5)
    assert all(thread.is_alive() and not done for thread, done in changes)
    gate.gate.set()
    hist.wait()
    for thread, _ in changes:
        thread.join(WAIT)
    assert all(done for _, done in changes)
    assert all(not w.any() for w in net["a"].get_weights()) and not net["out"].trainable


def test_the_training_thread_itself_is_not_made_to_wait(rows):
    net, seen = make_net(), {}

    class Inside(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen["model"] = net.to_keras()  # would deadlock if the holder waited for itself
            seen["running"] = net.running
            try:
                net.fit(rows, epochs=1, live=False, background=False)
            except dn.NetworkEditError as err:
                seen["nested"] = str(err)

    hist = net.fit(rows, epochs=1, callbacks=[Inside()], live=False, background=True).wait()
    assert seen["model"] is net.to_keras() and seen["running"] is hist
    assert "from inside its running fit" in seen["nested"]
    assert hist.status is RunStatus.COMPLETED


def test_stop_event_stops_the_run_and_keeps_weights_and_history(rows):
    net = make_net()
    start = net.get_weights()
    event, reached, go_on = threading.Event(), threading.Event(), threading.Event()

    class PauseAfterFirstEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                reached.set()
                assert go_on.wait(WAIT)

    hist = net.fit(rows, epochs=20, batch_size=16, callbacks=[PauseAfterFirstEpoch()],
                   live=False, background=True, stop_event=event)
    assert reached.wait(WAIT)
    setter = threading.Thread(target=event.set)
    setter.start()
    setter.join()
    go_on.set()
    hist.wait()
    assert hist.status is RunStatus.STOPPED and hist.stop_reason == "stopped"
    assert 1 <= len(hist.frame) <= 2 and hist.frame["epoch"].iloc[0] == 1
    assert not np.array_equal(net.get_weights()[0], start[0])  # trained weights are kept
    assert event.is_set() and net.running is None  # the caller's event is left as it is
    # an event set before the run starts stops it after its first batch
    hist = net.fit(rows, epochs=20, batch_size=16, live=False, background=False,
                   stop_event=event)
    assert hist.status is RunStatus.STOPPED and len(hist.frame) <= 1


def test_stop_event_must_be_an_event(rows):
    with pytest.raises(dn.InvalidArgumentError, match="stop_event must be a threading.Event"):
        make_net().fit(rows, epochs=1, live=False, stop_event=True)


class Boom(keras.callbacks.Callback):
    def __init__(self, error):
        super().__init__()
        self.error = error

    def on_epoch_end(self, epoch, logs=None):
        raise self.error


def test_the_lease_is_released_after_a_run_that_raises(rows):
    net = make_net()
    with pytest.raises(RuntimeError, match="boom"):
        net.fit(rows, epochs=3, callbacks=[Boom(RuntimeError("boom"))], live=False,
                background=False)
    assert net.running is None
    hist = net.fit(rows, epochs=3, callbacks=[Boom(RuntimeError("boom"))], live=False,
                   background=True)
    with pytest.raises(RuntimeError, match="boom"):
        hist.wait()
    assert hist.status is RunStatus.FAILED and net.running is None
    hist = net.fit(rows, epochs=3, callbacks=[Boom(KeyboardInterrupt())], live=False,
                   background=False)
    assert hist.status is RunStatus.INTERRUPTED and net.running is None
    with pytest.raises(dn.InvalidArgumentError):  # refused before training starts
        net.fit(rows, epochs=0, live=False)
    assert net.running is None
    net.add(L.Dense(2, name="more"), inputs="out")  # nothing holds the network any more
    assert net.fit(rows, epochs=1, live=False).status is RunStatus.COMPLETED


def test_sequential_takes_its_name_first():
    assert dn.Sequential("lenet").name == "lenet"
    assert dn.Sequential(name="lenet").name == "lenet"
    net = dn.Sequential("small", [L.InputLayer(shape=(4,)), L.Dense(2)])
    assert net.name == "small" and len(net) == 2
    assert dn.Sequential([L.InputLayer(shape=(4,))]).layer_names == ["input1"]  # older form
    with pytest.raises(dn.InvalidArgumentError, match="layers twice"):
        dn.Sequential([L.InputLayer(shape=(4,))], layers=[L.Dense(2)])


def test_keras_subclasses_live_at_module_scope():
    from dl_notebook import callbacks
    from dl_notebook.train import (
        checkpoint,
        checkpoint_callback,
        plateau,
        progress,
        schedules,
        text_progress,
    )

    assert schedules.CyclicLR.__module__ == "dl_notebook.train.schedules"
    assert issubclass(schedules.OneCycle, keras.optimizers.schedules.LearningRateSchedule)
    assert keras.saving.get_registered_object("dl_notebook>CyclicLR") is schedules.CyclicLR
    assert callbacks.ReduceLROnPlateau is schedules.ReduceLROnPlateau is plateau.ReduceLROnPlateau
    assert progress.TextProgress is text_progress.TextProgress
    assert checkpoint.CheckpointCallback is checkpoint_callback.CheckpointCallback
    for cls in (plateau.ReduceLROnPlateau, text_progress.TextProgress,
                checkpoint_callback.CheckpointCallback):
        assert issubclass(cls, keras.callbacks.Callback)
        assert "<locals>" not in cls.__qualname__


def test_the_train_package_and_run_status_stay_light():
    probe = (
        "import json, sys\n"
        "import dl_notebook as dn\n"
        "from dl_notebook.train import RunStatus, TrainingHistory, progress\n"
        "import dl_notebook.callbacks\n"
        "assert TrainingHistory().status is RunStatus.COMPLETED is dn.RunStatus.COMPLETED\n"
        "assert dn.Sequential('lenet').running is None\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('keras', 'tensorflow'))\n"
        "print(json.dumps(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True,
                         text=True, timeout=120, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
