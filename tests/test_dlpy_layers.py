"""dl_notebook.dlpy.layers: DLPy's constructors map onto the core layers, and refusals are clear."""

from __future__ import annotations

import numpy as np
import pytest

from dl_notebook import dlpy
from dl_notebook.dlpy import layers as L
from dl_notebook.dlpy.lr_scheduler import FCMPLR, ReduceLROnPlateau
from dl_notebook.dlpy.model import LBFGSolver
from dl_notebook.errors import InvalidArgumentError


def test_dlpy_positional_order_and_names():
    assert L.InputLayer(3, 224, 224).shape == (224, 224, 3)
    assert L.InputLayer(3, 32, 16).shape == (16, 32, 3)
    assert L.InputLayer(5).shape == (5,)  # tabular: a vector
    conv = L.Conv2d(8, 5, act="IDENTITY", padding=0, stride=2)
    assert (conv.n_filters, conv.act, conv.padding) == (8, None, "valid")
    assert L.Conv2d(4, 3, padding=1).padding == "same"
    assert L.Pooling(2, pool="average").pool == "mean"
    assert L.Dense(16, act="AUTO").act == "relu" and L.Fc is L.Dense
    assert L.OutputLayer(n=3, act="AUTO").act == "softmax"
    assert L.BN().act == "relu" and L.Res(act="identity").act is None
    assert L.Recurrent(8, rnn_type="LSTM", output_type="SAMELENGTH").rnn_type == "lstm"


def test_a_dlpy_model_builds_the_same_keras_model_as_keras():
    import keras

    model = dlpy.Sequential(None, layers=[L.InputLayer(1, 8, 8), L.Conv2d(4, 3),
                                          L.Pooling(2), L.Dense(6), L.OutputLayer(n=3)])
    reference = keras.Sequential([keras.Input((8, 8, 1)),
                                  keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
                                  keras.layers.MaxPooling2D(2, padding="same"),
                                  keras.layers.Flatten(), keras.layers.Dense(6, "relu"),
                                  keras.layers.Dense(3, "softmax")])
    assert model.count_params() == reference.count_params()
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 1)).astype("float32")
    reference.set_weights(model.to_keras().get_weights())
    np.testing.assert_allclose(model.to_keras()(x), reference(x), rtol=1e-5, atol=1e-6)


def test_src_layers_make_a_residual_block():
    model = dlpy.Model(dlpy.connect(), model_table="resblock")
    x = L.InputLayer(4, 6, 6, name="x")
    a = L.Conv2d(4, 3, name="a", src_layers=[x])
    b = L.Conv2d(4, 3, name="b", act="identity", src_layers=[a])
    for layer in (x, a, b, L.Res(name="sum", src_layers=[x, b])):
        model.add(layer)
    assert ("x", "sum") in model.edges and ("b", "sum") in model.edges
    assert model.to_keras().output_shape == (None, 6, 6, 4)


def test_unsupported_parts_are_refused_in_one_sentence(tmp_path):
    for make, words in [(lambda: L.Keypoints(), "Keypoints"), (lambda: L.Detection(), "Detection"),
                        (lambda: L.InputLayer(3, 8, 8, std="RANGE"), "MIDRANGE"),
                        (lambda: L.InputLayer(std="STD", offsets=[1.0]), "not both"),
                        (lambda: L.Conv2d(4, 5, padding=1), "ZeroPadding2D"),
                        (lambda: LBFGSolver(), "first-order"),
                        (lambda: FCMPLR(None, "f"), "FCMP")]:
        with pytest.raises(InvalidArgumentError, match=words):
            make()
    model = dlpy.Sequential(None, layers=[L.InputLayer(2), L.OutputLayer(n=2)])
    with pytest.raises(InvalidArgumentError, match="SAS-only"):
        model.deploy(str(tmp_path), output_format="astore")
    with pytest.raises(InvalidArgumentError, match="save_weights"):
        model.save_weights_csv("w.csv")
    with pytest.warns(UserWarning, match="random_flip"):
        L.InputLayer(3, 8, 8, random_flip="HV")


def test_reduce_lr_on_plateau_has_dlpys_patience():
    callback, = ReduceLROnPlateau(dlpy.connect(), 0.01, gamma=0.5, cool_down_iters=2,
                                  patience=3).callbacks()
    assert (callback.monitor, callback.factor, callback.patience, callback.cooldown) == \
        ("loss", 0.5, 4, 2)
