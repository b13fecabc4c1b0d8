"""Solvers become the Keras optimizers they describe, with DLPy's names and checks."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from _nets import assert_one_sentence

import dl_notebook as dn
from dl_notebook.train.schedules import CyclicLR, StepLR
from dl_notebook.train.solvers import (
    Adam,
    AdamW,
    Momentum,
    Nadam,
    RMSProp,
    Solver,
    Vanilla,
    as_keras_optimizer,
)

# (solver, Keras class, attributes the Keras optimizer must have)
MAPPINGS = [
    (Vanilla(learning_rate=0.05), keras.optimizers.SGD, dict(momentum=0.0, nesterov=False)),
    (Momentum(0.02, momentum=0.8, nesterov=True), keras.optimizers.SGD,
     dict(momentum=0.8, nesterov=True)),
    (Adam(0.003, beta1=0.8, beta2=0.99, epsilon=1e-6), keras.optimizers.Adam,
     dict(beta_1=0.8, beta_2=0.99, epsilon=1e-6)),
    (AdamW(0.003, weight_decay=0.01), keras.optimizers.AdamW,
     dict(weight_decay=0.01, beta_1=0.9)),
    (RMSProp(0.004, rho=0.95, momentum=0.1, centered=True), keras.optimizers.RMSprop,
     dict(rho=0.95, momentum=0.1, centered=True)),
    (Nadam(0.002, beta2=0.98), keras.optimizers.Nadam, dict(beta_2=0.98)),
]
IDS = [type(s).__name__ for s, _, _ in MAPPINGS]


@pytest.mark.parametrize(("solver", "cls", "attrs"), MAPPINGS, ids=IDS)
def test_to_keras_maps_every_setting(solver, cls, attrs):
    opt = solver.to_keras()
    assert type(opt) is cls
    assert float(opt.learning_rate) == pytest.approx(solver.learning_rate)
    for name, value in attrs.items():
        assert getattr(opt, name) == pytest.approx(value), name
    assert opt.clipvalue is None
    assert solver.to_keras() is not opt  # a fresh optimizer every time


@pytest.mark.parametrize(("solver", "cls", "attrs"), MAPPINGS, ids=IDS)
def test_each_solver_trains_a_tiny_model(solver, cls, attrs):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = x @ np.array([1.0, -2.0, 0.5], "float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=solver.to_keras(), loss="mse")
    losses = model.fit(x, y, batch_size=16, epochs=5, verbose=0).history["loss"]
    assert losses[-1] < losses[0]


def test_repr_names_the_settings():
    assert repr(Momentum(0.1, clip_grad_max=5)) == (
        "Momentum(learning_rate=0.1, momentum=0.9, nesterov=False, clip_grad_max=5)")
    assert repr(Vanilla()) == "Vanilla(learning_rate=0.01)"
    assert Adam(0.01) == Adam(learning_rate=0.01) and Adam(0.01) != Nadam(0.01)


@pytest.mark.parametrize(("kwargs", "clipvalue"), [
    (dict(clip_grad_max=2.0), 2.0),
    (dict(clip_grad_min=-3.0), 3.0),
    (dict(clip_grad_max=1.5, clip_grad_min=-1.5), 1.5),
])
def test_gradient_value_clipping(kwargs, clipvalue):
    opt = Vanilla(1.0, **kwargs).to_keras()
    assert opt.clipvalue == clipvalue
    var = keras.Variable(np.zeros(3, "float32"))
    opt.apply_gradients([(np.array([-10.0, 0.5, 10.0], "float32"), var)])
    np.testing.assert_allclose(var.numpy(), [clipvalue, -0.5, -clipvalue])


def test_asymmetric_clipping_is_refused():
    with pytest.raises(dn.InvalidArgumentError) as err:
        Adam(clip_grad_max=1.0, clip_grad_min=-0.5)
    assert_one_sentence(err.value, "clip_grad_min", "-clip_grad_max")


@pytest.mark.parametrize(("make", "words"), [
    (lambda: Vanilla(learning_rate=0), ["learning_rate"]),
    (lambda: Vanilla(learning_rate="fast"), ["learning_rate", "schedule"]),
    (lambda: Momentum(0.1, momentum=1.0), ["momentum"]),
    (lambda: Adam(beta1=1.2), ["beta1"]),
    (lambda: Adam(beta2=-0.1), ["beta2"]),
    (lambda: Nadam(epsilon=0), ["epsilon"]),
    (lambda: AdamW(weight_decay=-1), ["weight_decay"]),
    (lambda: RMSProp(rho=1), ["rho"]),
    (lambda: Vanilla(clip_grad_max=-1), ["clip_grad_max"]),
    (lambda: Vanilla(clip_grad_min=1), ["clip_grad_min"]),
    (lambda: as_keras_optimizer("lbfgs"), ["lbfgs", "adam"]),
    (lambda: as_keras_optimizer(42), ["solver"]),
    (lambda: as_keras_optimizer(None, lr_scheduler=-1), ["lr_scheduler"]),
])
def test_bad_arguments_say_what_to_fix(make, words):
    with pytest.raises(dn.InvalidArgumentError) as err:
        make()
    assert_one_sentence(err.value, *words)


def test_learning_rate_may_be_a_schedule():
    schedule = StepLR(0.1, 0.5, 2)
    solver = Momentum(learning_rate=schedule)
    opt = solver.to_keras()
    assert opt._learning_rate == schedule and opt._learning_rate is not schedule
    assert float(opt.learning_rate) == pytest.approx(0.1)


def test_as_keras_optimizer_defaults_names_and_keras_objects():
    default = as_keras_optimizer(None)
    assert type(default) is keras.optimizers.Adam
    assert float(default.learning_rate) == pytest.approx(1e-3)
    assert type(as_keras_optimizer("SGD")) is keras.optimizers.SGD
    assert as_keras_optimizer("momentum").momentum == pytest.approx(0.9)
    given = keras.optimizers.RMSprop(0.01)
    assert as_keras_optimizer(given) is given


def test_lr_scheduler_replaces_the_solver_learning_rate():
    cyclic = CyclicLR(1e-4, 1e-2, step_size=200)
    opt = as_keras_optimizer(Vanilla(learning_rate=0.01), lr_scheduler=cyclic)
    assert type(opt) is keras.optimizers.SGD and opt._learning_rate == cyclic
    given = keras.optimizers.Adam(0.5, beta_1=0.7)
    copy = as_keras_optimizer(given, lr_scheduler=cyclic)
    assert copy is not given and copy.beta_1 == pytest.approx(0.7)
    assert copy._learning_rate == cyclic
    assert float(as_keras_optimizer(Adam(), lr_scheduler=0.2).learning_rate) == pytest.approx(0.2)


def test_solvers_are_plain_python_until_to_keras():
    assert issubclass(Vanilla, Solver) and not issubclass(Vanilla, keras.optimizers.Optimizer)
