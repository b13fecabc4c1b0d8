"""dl_notebook.dlpy's functional API: Input, layers called on tensors, Model(inputs, outputs)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits

from dl_notebook import dlpy
from dl_notebook.dlpy.layers import (
    BN,
    Concat,
    Conv2d,
    Dense,
    Input,
    InputLayer,
    OutputLayer,
    Pooling,
    Res,
)
from dl_notebook.dlpy.model import AdamSolver, Optimizer
from dl_notebook.errors import InvalidArgumentError


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    x = x.reshape(-1, 8, 8, 1).astype("float32")
    return (x[:1400], y[:1400]), (x[1400:], y[1400:])


def test_a_functional_residual_model_learns_digits(digits):
    import keras

    keras.utils.set_random_seed(0)
    s = dlpy.connect()
    x = Input(n_channels=1, width=8, height=8, scale=1 / 16, name="data")
    c1 = Conv2d(8, 3, name="c1")(x)
    c2 = Conv2d(8, 3, act="identity", name="c2")(c1)
    bn = BN(name="bn")(c2)
    r = Res(name="res")([c1, bn])
    side = Conv2d(4, 1, name="side")(x)
    cat = Concat(name="cat")([r, side])
    p = Pooling(2, name="pool")(cat)
    out = OutputLayer(n=10, name="out")(Dense(16, name="fc")(p))
    model = dlpy.Model(s, inputs=x, outputs=out, model_table="func_res")
    model.compile()
    assert model.name == "func_res"
    assert sorted(model.edges) == sorted([
        ("data", "c1"), ("c1", "c2"), ("c2", "bn"), ("c1", "res"), ("bn", "res"),
        ("data", "side"), ("res", "cat"), ("side", "cat"), ("cat", "pool"), ("pool", "fc"),
        ("fc", "out")])
    assert model["res"].inputs == ["c1", "bn"] and model["cat"].inputs == ["res", "side"]
    assert model.to_keras().output_shape == (None, 10)
    optimizer = Optimizer(algorithm=AdamSolver(learning_rate=0.01), mini_batch_size=32,
                          max_epochs=3, log_level=0)
    model.fit(digits[0], optimizer=optimizer)
    model.evaluate(digits[1])
    assert model.valid_res.accuracy > 0.8  # held-out digits


def test_to_functional_model_copies_layers_edges_and_weights():
    seq = dlpy.Sequential(None, model_table="seq")
    seq.add(InputLayer(1, 8, 8, scale=1 / 16))
    seq.add(Conv2d(4, 3))
    seq.add(BN())
    seq.add(Pooling(2))
    seq.add(Dense(8))
    seq.add(OutputLayer(n=3))
    x = np.random.default_rng(0).uniform(0, 16, (4, 8, 8, 1)).astype("float32")
    seq["bn1"].set_weights([w + 0.5 for w in seq["bn1"].get_weights()])  # not Keras' defaults
    func = seq.to_functional_model()
    assert isinstance(func, dlpy.Model) and not isinstance(func, dlpy.Sequential)
    assert func.layer_names == seq.layer_names and func.edges == seq.edges
    np.testing.assert_allclose(np.asarray(func.to_keras()(x)), np.asarray(seq.to_keras()(x)),
                               rtol=1e-5, atol=1e-6)
    assert func["conv1"].keras_layer is not seq["conv1"].keras_layer  # a copy, not shared
    features = seq.to_functional_model(stop_layers=seq["fc1"])
    assert features.layer_names == ["input1", "conv1", "bn1", "pool1"]


def test_from_keras_model_keeps_layers_and_normalises_the_input():
    import keras

    inp = keras.Input((6, 6, 3), name="img")
    hidden = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(inp)
    out = keras.layers.Dense(2, activation="softmax", name="pred")(
        keras.layers.GlobalAveragePooling2D(name="gap")(hidden))
    km = keras.Model(inp, out, name="small")
    model, use_gpu = dlpy.Model.from_keras_model(dlpy.connect(), km, output_model_table="imported",
                                                 scale=1 / 255)
    assert (model.name, use_gpu) == ("imported", False)
    assert model.layer_names == ["img", "conv", "gap", "pred"]
    x = np.random.default_rng(1).uniform(0, 255, (2, 6, 6, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(model.to_keras()(x)), np.asarray(km(x / 255)),
                               rtol=1e-5, atol=1e-6)
    plain, _ = dlpy.Model.from_keras_model(None, km)
    assert plain.name == "small" and plain.count_params() == km.count_params()


def test_functional_mistakes_are_one_sentence():
    x = Input(4, name="a")
    other = Input(4, name="b")
    dense = Dense(3)
    y = dense(x)
    with pytest.raises(InvalidArgumentError, match="already called"):
        dense(other)
    with pytest.raises(InvalidArgumentError, match="called on tensors"):
        Dense(3)(np.zeros(4))
    with pytest.raises(InvalidArgumentError, match="not in inputs"):
        dlpy.Model(None, inputs=x, outputs=Res()([y, Dense(3)(other)]))
    with pytest.raises(InvalidArgumentError, match="both inputs= and outputs="):
        dlpy.Model(None, inputs=x)
