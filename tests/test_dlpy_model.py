"""dl_notebook.dlpy models trained DLPy's way on scikit-learn's digits (8×8, real Keras training)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.metrics import confusion_matrix

import dl_notebook as dn
from dl_notebook import dlpy
from dl_notebook.dlpy.layers import Conv2d, Dense, InputLayer, OutputLayer, Pooling
from dl_notebook.dlpy.lr_scheduler import CyclicLR
from dl_notebook.dlpy.model import Gpu, Optimizer, VanillaSolver


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    x = x.reshape(-1, 8, 8, 1).astype("float32")
    return (x[:1400], y[:1400]), (x[1400:], y[1400:])


@pytest.fixture(scope="module")
def trained(digits):
    import keras

    keras.utils.set_random_seed(0)
    s = dlpy.connect()
    model = dlpy.Sequential(s, model_table="simple_cnn")
    model.add(InputLayer(1, 8, 8, scale=1 / 16))
    model.add(Conv2d(8, 3))
    model.add(Pooling(2))
    model.add(Dense(16))
    model.add(OutputLayer(act="softmax", n=10))
    solver = VanillaSolver(learning_rate=0.3, learning_rate_policy="step", gamma=0.5,
                           step_size=2)
    optimizer = Optimizer(algorithm=solver, mini_batch_size=32, max_epochs=3, log_level=0)
    result = model.fit(digits[0], optimizer=optimizer, valid_table=digits[1])
    return model, result


def test_sequential_learns_digits_and_keeps_the_history(trained, digits):
    model, result = trained
    history = model.training_history
    assert list(history.columns) == ["Epoch", "LearningRate", "Loss", "FitError", "ValidLoss",
                                     "ValidError"]
    assert result["OptIterHistory"] is history and history["Epoch"].tolist() == [0, 1, 2]
    # learning_rate_policy='step' counts epochs: lr * gamma ** (epoch // step_size).
    np.testing.assert_allclose(history["LearningRate"], [0.3 * 0.5 ** (e // 2) for e in range(3)],
                               rtol=1e-6)
    assert history["Loss"].iloc[-1] < history["Loss"].iloc[0]
    model.evaluate(digits[1])
    assert model.valid_res.accuracy > 0.8  # held-out digits


def test_evaluate_keeps_dlpy_tables(trained, digits):
    model, _ = trained
    x, y = digits[1]
    model.evaluate((x, y))
    predicted = np.asarray(model.to_keras()(x)).argmax(axis=1)
    expected = confusion_matrix(y, predicted, labels=range(10))
    np.testing.assert_array_equal(model.valid_conf_mat.to_numpy(), expected)
    table = model.valid_res_tbl
    assert list(table.columns[:2]) == ["_label_", "I__label_"] and len(table) == len(y)
    assert [f"P__label_{k}" for k in range(10)] == list(table.columns[2:])
    np.testing.assert_allclose(table.filter(like="P__label_").sum(axis=1), 1.0, rtol=1e-4)
    assert (table["I__label_"] == [str(p) for p in predicted]).all()
    score = model.valid_score.set_index("Descr")["Value"]
    assert score["Misclassification Error (%)"] == pytest.approx(100 * (predicted != y).mean())


def test_cyclic_lr_follows_dlpys_per_batch_cycle_and_server_settings_are_ignored(digits):
    x, y = digits[0][0][:40], digits[0][1][:40]
    model = dlpy.Sequential(None, layers=[InputLayer(1, 8, 8, scale=1 / 16),
                                          OutputLayer(n=10)])
    # DLPy's cycle: batch_size 10 -> 4 batches per epoch, half a cycle of 4 batches; the
    # run itself has mini_batch_size 8 -> 5 batches per epoch.
    sched = CyclicLR(dlpy.connect(), (x, y), 10, 1.0, 0.01, 0.05)
    optimizer = Optimizer(algorithm=VanillaSolver(lr_scheduler=sched), mini_batch_size=8,
                          max_epochs=2, log_level=0)
    with pytest.warns(UserWarning, match="gpu, n_threads, record_seed"):
        model.fit((x, y), optimizer=optimizer, n_threads=4, gpu=Gpu(devices=[0]),
                  record_seed=7, log_level=0)

    def dlpy_rate(epoch, batch, nb=4, step=4, low=0.01, high=0.05):
        t = nb * epoch + batch
        cycle = math.floor(t / (2 * step) + 1)
        return low + (high - low) * max(0.0, 1 - abs(t / step - 2 * cycle + 1))

    expected = [dlpy_rate(e, b) for e in range(2) for b in range(5)]
    np.testing.assert_allclose(model.batch_learning_rates, expected, rtol=1e-5)


def test_from_network_keeps_layers_and_weights():
    net = dn.Sequential("tiny", [dn.layers.InputLayer(shape=(4,)), dn.layers.Dense(3),
                                 dn.layers.OutputLayer(2)])
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    before = np.asarray(net.to_keras()(x))
    model = dlpy.Model.from_network(net, model_table="moved")
    assert isinstance(model, dn.Network) and model.name == "moved"
    assert model.layer_names == ["input1", "fc1", "output1"] and len(net) == 0
    np.testing.assert_allclose(np.asarray(model.to_keras()(x)), before, rtol=1e-6)
