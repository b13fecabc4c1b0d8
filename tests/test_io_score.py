"""net.predict and dn.score: one row per example from a trained network, an exported .keras file
and an ONNX file run in onnxruntime (float or raw uint8 input), for every data form."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.errors import InvalidArgumentError  # noqa: E402

L = dn.layers
CLASSES = [str(i) for i in range(10)]


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    """The bundled digits as 8x8 PNG files (0..255, not normalised), split 80/20."""
    folder = dn.datasets.digits(tmp_path_factory.mktemp("digits") / "digits")
    ds = dn.ImageDataset.from_folder(folder, color_mode="grayscale", normalize=None,
                                     verbose=False)
    train, test = dn.two_way_split(ds, test_rate=20, seed=0)
    return folder, train, test


@pytest.fixture(scope="module")
def net(digits):
    net = dn.Sequential(name="mlp", layers=[
        L.InputLayer(shape=(8, 8, 1), scale=1 / 255), L.Dense(32), L.OutputLayer(10)])
    net.fit(digits[1], epochs=2, batch_size=64, solver=dn.solvers.Adam(0.01), seed=0,
            live=False, background=False)
    return net


@pytest.fixture(scope="module")
def table(net, digits):
    return net.predict(digits[2], batch_size=100)


def test_predict_an_image_dataset(net, digits, table):
    folder, _, test = digits
    assert list(table.columns) == ["file", "predicted"] + [f"P_{c}" for c in CLASSES]
    assert len(table) == len(test)
    for file, path, label in zip(table["file"][:20], test.paths, test.labels):
        assert os.path.join(folder, file) == path and file.split(os.sep)[0] == CLASSES[label]
    proba = table.filter(like="P_").to_numpy()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert (table["predicted"] == [CLASSES[i] for i in proba.argmax(axis=1)]).all()
    assert (table["predicted"].astype(int) == test.labels).mean() > 0.7  # trained (untrained: 0.1)
    x = np.concatenate([b[0] for b in test.to_tf_dataset(batch_size=256)])
    np.testing.assert_allclose(proba, net.to_keras().predict_on_batch(x), atol=1e-6)


def test_predict_arrays_and_tf_data(net, digits, table):
    import tensorflow as tf

    test = digits[2]
    x = np.concatenate([b[0] for b in test.to_tf_dataset(batch_size=256)])
    want = table.drop(columns="file")
    by_ids = net.predict(x[..., 0], batch_size=64)  # (N, 8, 8): the channel axis is added
    assert list(by_ids.columns) == ["predicted"] + [f"P_{i}" for i in range(10)]
    assert (by_ids["predicted"].astype(str) == want["predicted"]).all()
    named = net.predict((x, test.labels), class_names=CLASSES)
    np.testing.assert_allclose(named.filter(like="P_"), want.filter(like="P_"), atol=1e-6)
    for ds in (tf.data.Dataset.from_tensor_slices(x).batch(50),
               tf.data.Dataset.from_tensor_slices((x, test.labels)).batch(50)):
        got = net.predict(ds, class_names=CLASSES)
        assert (got["predicted"] == named["predicted"]).all()
        np.testing.assert_allclose(got.filter(like="P_"), named.filter(like="P_"), atol=1e-6)


def test_predict_a_regressor_gives_its_values():
    x = np.random.default_rng(0).standard_normal((7, 6, 2)).astype("float32")
    for horizon, columns in ((1, ["predicted"]), (3, ["predicted_0", "predicted_1",
                                                      "predicted_2"])):
        net = dn.applications.TimeSeriesForecaster(n_features=2, window=6, horizon=horizon,
                                                   neurons=4)
        got = net.predict(x)
        assert list(got.columns) == columns
        np.testing.assert_allclose(got.to_numpy(), net.to_keras().predict_on_batch(x),
                                   atol=1e-6)


def test_score_onnx_and_keras_files_give_the_predict_table(net, digits, table, tmp_path):
    test = digits[2]
    for path in (net.export(tmp_path / "mlp.onnx").path, net.export(tmp_path / "mlp.keras").path):
        got = dn.score(path, test)
        assert list(got.columns) == list(table.columns) and len(got) == len(table)
        assert (got["file"] == table["file"]).all() and (got["predicted"] == table["predicted"]).all()
        np.testing.assert_allclose(got.filter(like="P_"), table.filter(like="P_"), atol=1e-5)


def test_score_a_raw_image_onnx_file_feeds_uint8(net, digits, table, tmp_path):
    res = net.export(tmp_path / "raw.onnx", include_preprocessing=True)
    assert res.input_dtype == "uint8"
    got = dn.score(res.path, digits[2], batch_size=128)
    assert (got["predicted"] == table["predicted"]).all()
    np.testing.assert_allclose(got.filter(like="P_"), table.filter(like="P_"), atol=1e-4)


@pytest.mark.parametrize("name, words", [("absent.onnx", "There is no file"),
                                         ("model.pt", "reads .keras and .onnx files")])
def test_score_refuses_a_missing_file_or_another_suffix(tmp_path, name, words):
    (tmp_path / "model.pt").write_bytes(b"x")
    with pytest.raises(InvalidArgumentError, match=words) as err:
        dn.score(tmp_path / name, np.zeros((2, 3)))
    assert len(str(err.value).splitlines()) == 1


def test_wrong_number_of_class_names(net):
    with pytest.raises(InvalidArgumentError, match="3 class names but the network scores 10"):
        net.predict(np.zeros((2, 8, 8, 1)), class_names=["a", "b", "c"])
