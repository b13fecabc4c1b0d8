"""Learning-rate schedules, ReduceLROnPlateau and the LR range test, on real Keras training."""

from __future__ import annotations

import math
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from _nets import assert_one_sentence

import dl_notebook as dn
from dl_notebook.train.lr_find import LRFinderResult, lr_find
from dl_notebook.train.schedules import (
    CosineDecay,
    CyclicLR,
    FixedLR,
    MultiStepLR,
    OneCycle,
    PolynomialLR,
    ReduceLROnPlateau,
    StepLR,
)
from dl_notebook.train.solvers import Vanilla

from conftest import REPO_ROOT

# (schedule, {step: hand-computed learning rate})
CASES = [
    (FixedLR(0.05), {0: 0.05, 7: 0.05, 10_000: 0.05}),
    (StepLR(0.1, 0.5, 3), {0: 0.1, 2: 0.1, 3: 0.05, 5: 0.05, 6: 0.025}),
    (StepLR(0.1, 0.5, 2, steps_per_epoch=4), {7: 0.1, 8: 0.05, 15: 0.05, 16: 0.025}),
    (MultiStepLR(1.0, 0.1, [3, 7]), {0: 1.0, 2: 1.0, 3: 0.1, 6: 0.1, 7: 0.01, 100: 0.01}),
    (MultiStepLR(1.0, 0.1, [1, 2], steps_per_epoch=10), {9: 1.0, 10: 0.1, 19: 0.1, 20: 0.01}),
    (PolynomialLR(0.1, 2, 10, end_lr=0.01), {0: 0.1, 5: 0.0325, 10: 0.01, 15: 0.01}),
    (PolynomialLR(0.1, 1, 10), {0: 0.1, 4: 0.06, 10: 0.0}),
    (CyclicLR(0.1, 0.5, 4), {0: 0.1, 2: 0.3, 4: 0.5, 6: 0.3, 8: 0.1, 10: 0.3, 12: 0.5}),
    # triangular2: the amplitude (0.4) halves every cycle of 8 steps
    (CyclicLR(0.1, 0.5, 4, mode="triangular2"),
     {0: 0.1, 4: 0.5, 8: 0.1, 10: 0.2, 12: 0.3, 16: 0.1, 20: 0.2}),
    # exp_range: the amplitude is scaled by gamma ** step
    (CyclicLR(0.1, 0.5, 4, mode="exp_range", gamma=0.9),
     {0: 0.1, 2: 0.1 + 0.2 * 0.9**2, 4: 0.1 + 0.4 * 0.9**4, 12: 0.1 + 0.4 * 0.9**12}),
    (CosineDecay(2.0, 4), {0: 2.0, 1: 1.0 + math.cos(math.pi / 4), 2: 1.0, 4: 0.0, 9: 0.0}),
    (CosineDecay(1.0, decay_steps=10, alpha=0.1, warmup_steps=5),
     {0: 0.0, 1: 0.2, 5: 1.0, 10: 0.55, 15: 0.1, 100: 0.1}),
    # initial 1/25 = 0.04, peak at step 29, final 0.04 / 1e4 at step 99
    (OneCycle(1.0, total_steps=100),
     {0: 0.04, 29: 1.0, 64: (1.0 + 4e-6) / 2, 99: 4e-6, 150: 4e-6}),
]
IDS = [f"{type(s).__name__}-{getattr(s, 'mode', '')}-{i}" for i, (s, _) in enumerate(CASES)]


@pytest.mark.parametrize(("schedule", "expected"), CASES, ids=IDS)
def test_values_at_known_steps(schedule, expected):
    for step, value in expected.items():
        assert float(schedule(step)) == pytest.approx(value, rel=1e-5, abs=1e-7), step


@pytest.mark.parametrize(("schedule", "expected"), CASES, ids=IDS)
def test_values_in_graph_mode(schedule, expected):
    step = tf.Variable(0, dtype=tf.int64)
    compute = tf.function(lambda: schedule(step))
    for at, value in expected.items():
        step.assign(at)
        assert float(compute()) == pytest.approx(value, rel=1e-5, abs=1e-7), at


def test_onecycle_rises_then_falls():
    lr = OneCycle(0.1, total_steps=50, pct_start=0.25)
    values = [float(lr(s)) for s in range(50)]
    assert float(lr(11.5)) == pytest.approx(0.1)  # the peak: 0.25 * 50 - 1
    assert all(np.diff(values[:12]) > 0) and all(np.diff(values[12:]) < 0)


@pytest.mark.parametrize(("schedule", "expected"), CASES, ids=IDS)
def test_serialisation_round_trip(schedule, expected):
    again = type(schedule).from_config(schedule.get_config())
    assert again == schedule and again is not schedule
    restored = keras.optimizers.schedules.deserialize(
        keras.optimizers.schedules.serialize(schedule))
    assert type(restored) is type(schedule) and restored.get_config() == schedule.get_config()
    optimizer = keras.optimizers.SGD(learning_rate=schedule)
    copy = keras.optimizers.SGD.from_config(optimizer.get_config())
    assert copy._learning_rate == schedule
    step = max(expected)
    assert float(restored(step)) == pytest.approx(float(schedule(step)))


def _tiny_regression(n=8):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype("float32")
    return x, x @ np.array([1.0, -2.0, 0.5], dtype="float32")


def _dense_model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])


class _RecordLR(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.rates = []

    def on_train_batch_begin(self, batch, logs=None):
        self.rates.append(float(self.model.optimizer.learning_rate))


@pytest.mark.parametrize("via_solver", [False, True])
def test_keras_optimizer_follows_the_schedule_while_training(via_solver):
    schedule = CyclicLR(0.01, 0.05, step_size=2)
    optimizer = (Vanilla(learning_rate=schedule).to_keras() if via_solver
                 else keras.optimizers.SGD(learning_rate=schedule))
    model = _dense_model()
    model.compile(optimizer=optimizer, loss="mse")
    record = _RecordLR()
    x, y = _tiny_regression(8)
    model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0, callbacks=[record])
    assert int(model.optimizer.iterations) == 8
    assert record.rates == pytest.approx([0.01, 0.03, 0.05, 0.03, 0.01, 0.03, 0.05, 0.03])


def test_saved_model_keeps_its_schedule(tmp_path):
    model = _dense_model()
    model.compile(optimizer=keras.optimizers.SGD(StepLR(0.1, 0.5, 2)), loss="mse")
    model.fit(*_tiny_regression(8), batch_size=4, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.optimizer._learning_rate == StepLR(0.1, 0.5, 2)
    assert float(loaded.optimizer.learning_rate) == pytest.approx(0.05)
    probe = ("import keras, sys\n"
             "from dl_notebook.train.schedules import custom_objects\n"
             "custom_objects()\n"
             "print(keras.models.load_model(sys.argv[1]).optimizer._learning_rate)\n")
    out = subprocess.run([sys.executable, "-c", probe, str(path)], cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip().splitlines()[-1] == repr(StepLR(0.1, 0.5, 2))


@pytest.mark.parametrize(("make", "words"), [
    (lambda: StepLR(0.1, gamma=1.5, step_size=2), ["gamma"]),
    (lambda: StepLR(-0.1, 0.5, 2), ["learning_rate"]),
    (lambda: StepLR(0.1, 0.5, 0), ["step_size"]),
    (lambda: StepLR(0.1, 0.5, 2, steps_per_epoch=0), ["steps_per_epoch"]),
    (lambda: MultiStepLR(0.1, 0.5, [5, 3]), ["steps", "increasing"]),
    (lambda: MultiStepLR(0.1, 0.5, "abc"), ["steps"]),
    (lambda: PolynomialLR(0.1, 1, 10, end_lr=0.2), ["end_lr"]),
    (lambda: CyclicLR(0.1, 0.05, 10), ["max_lr"]),
    (lambda: CyclicLR(0.01, 0.05, 10, mode="sine"), ["mode", "triangular2"]),
    (lambda: CosineDecay(0.1, 0), ["decay_steps"]),
    (lambda: CosineDecay(0.1, 10, alpha=2), ["alpha"]),
    (lambda: OneCycle(0.1, total_steps=3, pct_start=0.1), ["pct_start"]),
    (lambda: ReduceLROnPlateau(factor=1.5), ["factor"]),
    (lambda: ReduceLROnPlateau(mode="up"), ["mode"]),
])
def test_bad_arguments_say_what_to_fix(make, words):
    with pytest.raises(dn.InvalidArgumentError) as err:
        make()
    assert_one_sentence(err.value, *words)


# -- ReduceLROnPlateau ----------------------------------------------------------------------
def _flat_fit(optimizer, callback, epochs=4):
    """A fit whose loss cannot improve: zero inputs, a tiny learning rate."""
    model = keras.Sequential([keras.Input((3,)),
                              keras.layers.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer=optimizer, loss="mse")
    x, y = np.zeros((16, 3), "float32"), np.ones((16,), "float32")
    history = model.fit(x, y, batch_size=8, epochs=epochs, verbose=0, callbacks=[callback])
    return model, history


def test_reduce_lr_on_plateau_lowers_the_rate_of_a_flat_fit():
    callback = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=1e-3,
                                 min_lr=2e-7)
    model, history = _flat_fit(keras.optimizers.SGD(learning_rate=1e-6), callback)
    # each epoch logs the rate it trained with; the reduction applies from the next one
    assert history.history["learning_rate"] == pytest.approx([1e-6, 1e-6, 5e-7, 2.5e-7], rel=1e-5)
    assert float(model.optimizer.learning_rate) == pytest.approx(2e-7, rel=1e-5)  # min_lr


def test_reduce_lr_on_plateau_waits_out_its_cooldown():
    callback = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, cooldown=2,
                                 min_delta=1e-3)
    model, history = _flat_fit(keras.optimizers.SGD(learning_rate=1e-6), callback, epochs=6)
    assert history.history["learning_rate"] == pytest.approx(
        [1e-6, 1e-6, 5e-7, 5e-7, 2.5e-7, 2.5e-7], rel=1e-5)
    assert float(model.optimizer.learning_rate) == pytest.approx(1.25e-7, rel=1e-5)


def test_reduce_lr_on_plateau_refuses_a_schedule():
    callback = ReduceLROnPlateau(monitor="loss", patience=1)
    with pytest.raises(dn.InvalidArgumentError) as err:
        _flat_fit(keras.optimizers.SGD(learning_rate=StepLR(0.1, 0.5, 2)), callback)
    assert_one_sentence(err.value, "ReduceLROnPlateau", "schedule")


# -- lr_find ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = (bunch.images / 16.0).astype("float32")[..., None]
    return dn.ImageDataset.from_arrays(x, bunch.target), x, bunch.target.astype("int32")


def _digits_net():
    keras.utils.set_random_seed(0)
    net = dn.Sequential(name="tiny")
    net.add(dn.layers.InputLayer(shape=(8, 8, 1)))
    net.add(dn.layers.Conv2d(4, 3, act="relu"))
    net.add(dn.layers.Dense(16, act="relu"))
    net.add(dn.layers.OutputLayer(10, act="softmax"))
    return net


def test_lr_find_on_digits_restores_weights_and_suggests_a_falling_rate(digits):
    dataset, _, _ = digits
    net = _digits_net()
    before = [w.copy() for w in net.to_keras().get_weights()]
    result = lr_find(net, dataset, start_lr=1e-5, end_lr=10, num_steps=60, batch_size=32)
    after = net.to_keras().get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
    assert isinstance(result, LRFinderResult)
    assert 10 <= len(result.lrs) <= 60 and len(result.losses) == len(result.lrs)
    assert result.lrs[0] == pytest.approx(1e-5)
    assert np.all(np.diff(result.lrs) > 0)
    assert np.all(np.isfinite(result.raw_losses[:-1]))
    assert 1e-5 <= result.suggestion <= 10
    at = int(np.flatnonzero(result.lrs == result.suggestion)[0])
    slope = np.gradient(result.losses, np.log(result.lrs))
    assert slope[at] < 0  # the loss is falling there
    assert result.losses.min() < result.losses[0]


def test_lr_find_stops_when_the_loss_explodes(digits):
    _, x, y = digits
    result = lr_find(_digits_net(), (x, y), start_lr=1e-3, end_lr=1e4, num_steps=80,
                     solver=Vanilla())
    assert len(result.lrs) < 80
    last = result.losses[-1]
    assert not np.isfinite(last) or last > 4 * np.nanmin(result.losses)


def test_lr_find_on_a_keras_model_and_tf_dataset_with_given_loss(digits):
    _, x, y = digits
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10)])
    weights = [w.copy() for w in model.get_weights()]
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(64)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    result = lr_find(model, data, num_steps=30, loss=loss, solver="momentum")
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))
    assert len(result.lrs) >= 5
    assert getattr(model, "optimizer", None) is None  # the model was not compiled


def test_lr_finder_result_plots_and_shows_as_png():
    lrs = np.logspace(-5, 0, 6)
    result = LRFinderResult(lrs, [2.3, 2.2, 1.5, 0.9, 0.8, 5.0])
    assert result.suggestion == pytest.approx(1e-3)
    shown = result.plot()
    assert shown is result and result.ax_.get_xscale() == "log"
    assert result.figure_ is result.ax_.figure
    assert result._repr_png_()[:4] == b"\x89PNG"
    assert "suggestion 0.001" in repr(result)
    assert LRFinderResult(lrs, [1, 2, 3, 4, 5, 6]).suggestion is None


@pytest.mark.parametrize(("kwargs", "words"), [
    (dict(start_lr=0), ["start_lr"]),
    (dict(start_lr=1.0, end_lr=0.1), ["end_lr", "start_lr"]),
    (dict(num_steps=2), ["num_steps"]),
    (dict(batch_size=0), ["batch_size"]),
])
def test_lr_find_bad_arguments(kwargs, words, digits):
    _, x, y = digits
    with pytest.raises(dn.InvalidArgumentError) as err:
        lr_find(_digits_net(), (x, y), **kwargs)
    assert_one_sentence(err.value, *words)


def test_lr_find_rejects_other_objects():
    with pytest.raises(dn.InvalidArgumentError) as err:
        lr_find("net", (np.zeros((4, 2)), np.zeros(4)))
    assert_one_sentence(err.value, "Network")
