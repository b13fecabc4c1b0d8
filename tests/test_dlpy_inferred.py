"""DLPy's inferred sizes: InputLayer(std='STD') and OutputLayer() without n, made at the first fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits

from dl_notebook import dlpy
from dl_notebook.dlpy.layers import Dense, InputLayer, OutputLayer
from dl_notebook.dlpy.model import AdamSolver, Optimizer
from dl_notebook.errors import InvalidArgumentError


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    return x.astype("float32"), y


def _optimizer(epochs=3):
    return Optimizer(algorithm=AdamSolver(learning_rate=0.01), mini_batch_size=64,
                     max_epochs=epochs, log_level=0)


def test_std_input_and_output_size_come_from_the_digits(digits):
    import keras

    keras.utils.set_random_seed(0)
    x, y = digits
    model = dlpy.Sequential(dlpy.connect(), model_table="inferred")
    model.add(InputLayer(std="STD", name="x"))
    model.add(Dense(32))
    model.add(OutputLayer(act="softmax"))
    assert len(model) == 0 and len(model.pending_layers) == 3
    model.fit((x[:1400], y[:1400]), optimizer=_optimizer())
    assert model.pending_layers == [] and model.to_keras().output_shape == (None, 10)
    assert model["x"].shape == (64,)
    np.testing.assert_allclose(model["x"].offsets, x[:1400].mean(axis=0), atol=1e-4)
    stds = x[:1400].std(axis=0)
    np.testing.assert_allclose(model["x"].std, np.where(stds > 0, stds, 1), rtol=1e-4)
    # The standardising layer makes the inputs of the training rows mean 0, std 1.
    scaled = np.asarray(model.to_keras().get_layer("x_scale")(x[:1400]))
    kept = stds > 0
    np.testing.assert_allclose(scaled.mean(axis=0)[kept], 0, atol=1e-4)
    np.testing.assert_allclose(scaled.std(axis=0)[kept], 1, atol=1e-3)
    model.evaluate((x[1400:], y[1400:]))
    assert model.valid_res.accuracy > 0.85


def test_midrange_input_on_images_spans_minus_one_to_one(digits):
    x, y = digits
    images = x[:200].reshape(-1, 8, 8, 1)
    model = dlpy.Sequential(None, [InputLayer(1, 8, 8, std="MIDRANGE", name="img"),
                                   Dense(8), OutputLayer(act="softmax")])
    model.fit((images, y[:200]), optimizer=_optimizer(1))
    assert model["img"].shape == (8, 8, 1)
    assert model["img"].offsets == [8.0] and model["img"].std == [8.0]  # pixels 0..16
    scaled = np.asarray(model.to_keras().get_layer("img_scale")(images))
    assert scaled.min() == -1 and scaled.max() == 1


def test_identity_output_on_a_numeric_target_predicts_one_value():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    frame["y"] = 2 * frame["a"] - frame["b"]
    model = dlpy.Sequential(None, [InputLayer(std="STD"), Dense(8),
                                   OutputLayer(act="IDENTITY", error="NORMAL")])
    model.fit(frame, inputs=["a", "b", "c"], target="y", optimizer=_optimizer(2))
    assert model.to_keras().output_shape == (None, 1)


def test_a_shape_that_differs_from_the_data_is_refused(digits):
    x, y = digits
    model = dlpy.Sequential(None, [InputLayer(1, 4, 4, std="STD"), OutputLayer()])
    with pytest.raises(InvalidArgumentError, match="differs from the data"):
        model.fit((x[:50].reshape(-1, 8, 8, 1), y[:50]), optimizer=_optimizer(1))
