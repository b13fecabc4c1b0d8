"""LiveDashboard driven in Python: real Keras fits on digits, messages captured from ``send``."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

from dl_notebook._keras import keras
from dl_notebook.errors import InvalidArgumentError
from dl_notebook.train import RunStatus
from dl_notebook.widgets import LiveDashboard
from dl_notebook.widgets._series import Series

EPOCH_SERIES = ("loss", "val_loss", "accuracy", "val_accuracy")


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = (bunch.data / 16.0).astype("float32")
    y = bunch.target.astype("int32")
    return x[:1400], y[:1400], x[1400:], y[1400:]


def tiny_model(learning_rate=0.01):
    k = keras()
    k.utils.set_random_seed(0)
    model = k.Sequential([k.Input((64,)), k.layers.Dense(16, activation="relu"),
                          k.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=k.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


class FakeClock:
    """Time that moves only when a batch ends (``step`` seconds per batch)."""

    def __init__(self, step):
        self.now = 0.0
        self.step = step

    def __call__(self):
        return self.now


def capture(dash, clock=None):
    """Record every message the dashboard sends, with the (fake) time it was sent."""
    sent = []
    original = dash.chart.send

    def send(content, buffers=None):
        sent.append((clock() if clock else None, content))
        return original(content, buffers)

    dash.chart.send = send
    return sent


def replay(messages):
    """What a browser view holds after applying *messages* the way ``_live.js`` does."""
    series = {}
    for content in messages:
        if content["type"] == "history":
            series = {name: list(points) for name, points in content["replace"].items()}
        elif content["type"] == "points":
            for name, points in content["replace"].items():
                series[name] = list(points)
            for name, points in content["append"].items():
                series.setdefault(name, []).extend(points)
    return series


def python_history(dash):
    return {name: series.points() for name, series in dash._series.items()}


def test_real_fit_sends_throttled_batch_points_epoch_points_and_learning_rate(digits):
    x, y, vx, vy = digits
    clock = FakeClock(step=0.1)
    dash = LiveDashboard(update_interval=0.25, title="digits")
    dash._clock = clock
    sent = capture(dash, clock)

    class Tick(keras().callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            clock.now += clock.step

    schedule = keras().optimizers.schedules.ExponentialDecay(0.01, decay_steps=10, decay_rate=0.5)
    model = tiny_model(learning_rate=schedule)
    epochs, batch_size = 3, 100
    steps = math.ceil(len(x) / batch_size)
    history = model.fit(x, y, validation_data=(vx, vy), epochs=epochs, batch_size=batch_size,
                        verbose=0, callbacks=[Tick(), dash])

    points = [(t, c) for t, c in sent if c["type"] == "points"]
    epoch_msgs = [(t, c) for t, c in points if "loss" in c["append"]]
    batch_msgs = [(t, c) for t, c in points if "loss" not in c["append"]]
    assert len(epoch_msgs) == epochs
    assert batch_msgs, "no update was sent between epoch ends"
    # Throttled: an update that is not an epoch end comes >= update_interval after the previous one.
    previous = -math.inf
    for t, content in points:
        if "loss" not in content["append"]:
            assert t - previous >= 0.25 - 1e-9
        previous = t
    assert len(batch_msgs) <= epochs * steps * 0.1 / 0.25 + 1
    # Every batch is recorded and sent once; each epoch's series has one point per epoch.
    browser = replay(c for _, c in sent)
    assert len(browser["batch_loss"]) == epochs * steps
    assert browser == python_history(dash)
    for name in EPOCH_SERIES:
        assert [p[0] for p in browser[name]] == [1.0, 2.0, 3.0]
        np.testing.assert_allclose([p[1] for p in browser[name]], history.history[name], rtol=1e-5)
    batch_x = [p[0] for p in browser["batch_loss"]]
    assert batch_x == sorted(batch_x) and batch_x[-1] == pytest.approx(epochs)
    # The learning rate follows the schedule and is sent with the points.
    lr = browser["lr"]
    assert len(lr) >= epochs and all(a[1] >= b[1] for a, b in zip(lr, lr[1:]))
    assert lr[-1][1] == pytest.approx(float(schedule(epochs * steps)), rel=1e-5)
    # The smoothed batch loss is near the epoch losses.
    assert browser["batch_loss"][-1][1] == pytest.approx(history.history["loss"][-1], rel=0.5)

    state = dash.state
    assert state["status"] == "Finished" and state["status_kind"] == "finished"
    assert (state["epoch"], state["epochs"], state["batch"], state["steps"]) == (3, 3, steps, steps)
    assert state["eta_s"] == 0.0 and state["title"] == "digits"
    assert state["latest"]["val_accuracy"] == pytest.approx(history.history["val_accuracy"][-1])
    assert dash.chart.progress["batch"] == steps


def test_progress_shows_eta_and_samples_per_second_while_running(digits):
    x, y, _, _ = digits
    dash = LiveDashboard(update_interval=0.0)
    seen = []

    class Look(keras().callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 5:
                seen.append(dict(dash.chart.progress))

    tiny_model().fit(x, y, epochs=2, batch_size=50, verbose=0, callbacks=[dash, Look()])
    progress = seen[0]
    assert (progress["epoch"], progress["epochs"], progress["batch"], progress["steps"]) == (1, 2, 6, 28)
    assert progress["eta_s"] is not None and progress["eta_s"] >= 0
    assert progress["samples_per_s"] is not None and progress["samples_per_s"] > 0


def test_series_halving_keeps_exact_block_means():
    series = Series(max_points=100)
    raw = [(float(i), float(i) ** 2) for i in range(20_000)]
    for x, y in raw:
        series.append(x, y)
    assert len(series.xs) <= 100
    assert sum(series.ws) == 20_000
    start = 0
    for x, y, w in zip(series.xs, series.ys, series.ws):
        block = raw[start:start + w]
        assert x == pytest.approx(np.mean([p[0] for p in block]))
        assert y == pytest.approx(np.mean([p[1] for p in block]))
        start += w


def test_history_stays_bounded_after_20000_batches_and_the_browser_copy_matches():
    model = tiny_model()
    dash = LiveDashboard(update_interval=0.25, max_points=200)
    clock = FakeClock(step=0.01)
    dash._clock = clock
    sent = capture(dash, clock)
    dash.set_model(model)
    epochs, steps = 4, 5_000
    dash.set_params({"epochs": epochs, "steps": steps, "verbose": 0})
    dash.on_train_begin()
    for epoch in range(epochs):
        dash.on_epoch_begin(epoch)
        for batch in range(steps):
            clock.now += clock.step
            dash.on_train_batch_end(batch, {"loss": 1.0 + epoch, "accuracy": 0.5})
        dash.on_epoch_end(epoch, {"loss": 1.0 + epoch, "accuracy": 0.5})
    dash.on_train_end()

    stored = dash._series["batch_loss"]
    assert len(stored.xs) <= 200 and sum(stored.ws) == epochs * steps
    # Each stored point is the mean of the batches it covers: x the mean position, y the loss
    # (constant within an epoch, once the smoothing has caught up after the epoch's start).
    start = 0
    for x, y, w in zip(stored.xs, stored.ys, stored.ws):
        block = range(start, start + w)
        assert x == pytest.approx(np.mean([i // steps + (i % steps + 1) / steps for i in block]))
        if block[0] // steps == block[-1] // steps and block[0] % steps >= 300:
            assert y == pytest.approx(1.0 + block[0] // steps, rel=1e-6)
        start += w
    assert all(len(s.xs) <= 200 for s in dash._series.values())
    assert replay(c for _, c in sent) == python_history(dash)
    assert max(len(c["replace"].get("batch_loss", [])) for _, c in sent if c["type"] == "points") <= 200


def test_click_stop_stops_a_fit_running_in_a_thread_within_two_batches(digits):
    x, y, vx, vy = digits
    dash = LiveDashboard()
    model = tiny_model()
    reached, clicked = threading.Event(), threading.Event()
    batches_after_click = []
    errors = []

    class Probe(keras().callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if clicked.is_set():
                batches_after_click.append(batch)
            elif self.params and batch == 5 and not reached.is_set():
                reached.set()
                clicked.wait(timeout=30)

    def train():
        try:
            model.fit(x, y, validation_data=(vx, vy), epochs=200, batch_size=32, verbose=0,
                      callbacks=[Probe(), dash])
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    thread = threading.Thread(target=train, daemon=True)
    thread.start()
    assert reached.wait(timeout=60), "training did not reach batch 5"
    dash.click_stop()
    shown_while_stopping = dash.state
    clicked.set()
    thread.join(timeout=60)

    assert not thread.is_alive() and errors == []
    assert shown_while_stopping["status"] == "Stopping…" and shown_while_stopping["running"]
    assert len(batches_after_click) <= 2
    state = dash.state
    assert state["status"] == "Stopped" and state["status_kind"] == "stopped"
    assert state["stop_requested"] and not state["running"]
    assert state["epoch"] == 1 and state["batch"] <= 8
    assert "loss" not in dash._series  # the cut-short epoch is no per-epoch point
    assert len(dash._series["batch_loss"].xs) == state["batch"]


def test_stop_message_from_the_browser_sets_the_event_and_sync_sends_everything(digits):
    x, y, _, _ = digits
    event = threading.Event()
    dash = LiveDashboard(stop_event=event)
    sent = capture(dash)
    tiny_model().fit(x[:200], y[:200], epochs=2, batch_size=50, verbose=0, callbacks=[dash])

    dash.chart._handle_custom_msg({"type": "sync"}, [])
    reply = sent[-1][1]
    assert reply["type"] == "history"
    assert reply["replace"] == python_history(dash)
    assert {"loss", "accuracy", "batch_loss", "lr"} <= set(reply["replace"])

    assert not event.is_set()
    dash.chart._handle_custom_msg({"type": "stop"}, [])
    assert dash.stop_event is event and event.is_set()
    dash.chart._handle_custom_msg({"type": "unknown"}, [])  # ignored


def test_a_passed_event_that_is_set_stops_plain_keras_fit_after_one_batch(digits):
    x, y, _, _ = digits
    event = threading.Event()
    event.set()
    dash = LiveDashboard(stop_event=event)
    history = tiny_model().fit(x, y, epochs=50, batch_size=32, verbose=0, callbacks=[dash])
    assert len(history.history["loss"]) == 1
    assert dash.state["batch"] == 1 and dash.state["status"] == "Stopped"


def test_set_status_shows_a_message_that_outlives_the_run(digits):
    x, y, _, _ = digits
    dash = LiveDashboard()

    class NaNAt3(keras().callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 3:
                self.model.stop_training = True
                dash.set_status("non-finite loss at epoch 1, batch 4", RunStatus.DIVERGED)

    tiny_model().fit(x, y, epochs=5, batch_size=32, verbose=0, callbacks=[dash, NaNAt3()])
    assert dash.state["status"] == "non-finite loss at epoch 1, batch 4"
    assert dash.state["status_kind"] == "error"
    dash.set_status("interrupted", RunStatus.INTERRUPTED)
    assert dash.state["status_kind"] == "stopped"
    dash.set_status("a note")
    assert dash.state["status_kind"] == "idle"
    with pytest.raises(InvalidArgumentError):
        dash.set_status("stopped", "stopped")


def test_non_finite_losses_are_sent_as_gaps():
    dash = LiveDashboard(update_interval=0.0)
    sent = capture(dash)
    dash.set_model(tiny_model())
    dash.set_params({"epochs": 1, "steps": 3, "verbose": 0})
    dash.on_train_begin()
    dash.on_epoch_begin(0)
    dash.on_train_batch_end(0, {"loss": 1.0})
    dash.on_train_batch_end(1, {"loss": float("nan")})
    dash.on_epoch_end(0, {"loss": float("nan")})
    dash.on_train_end()
    browser = replay(c for _, c in sent)
    assert browser["loss"] == [[1.0, None]]
    assert browser["batch_loss"][1][1] is None
    assert dash.state["latest"]["loss"] is None


def test_show_is_idempotent_and_the_widget_is_a_container():
    import ipywidgets

    dash = LiveDashboard()
    assert dash.show() is dash and dash.show() is dash
    assert isinstance(dash.widget, ipywidgets.Box) and dash.chart in dash.widget.children
    assert "export default" in dash.chart._esm
    assert ".dln-live" in dash.chart._css
    assert dash.state["status"] == "Waiting for training" and dash.state["epoch"] == 0


@pytest.mark.parametrize(
    "kwargs",
    [{"update_interval": -1}, {"update_interval": "fast"}, {"max_points": 5},
     {"max_points": 100.0}, {"stop_event": "stop"}],
)
def test_invalid_arguments_raise_a_clear_error(kwargs):
    with pytest.raises(InvalidArgumentError):
        LiveDashboard(**kwargs)
