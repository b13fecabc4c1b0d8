"""net.export: ONNX files checked in onnxruntime by export itself and again here, round trips of
.keras, SavedModel and .weights.h5, raw-image models, atomic writes and the errors."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.errors import DLError, InvalidArgumentError  # noqa: E402
from dl_notebook.io.export import ExportCheckError  # noqa: E402

L = dn.layers


def onnx_outputs(path, x):
    """The file's first output for *x*, run in onnxruntime directly."""
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: x})[0]


def keras_outputs(net, x):
    return np.asarray(net.to_keras()(x, training=False))


@pytest.fixture(scope="module")
def digits():
    """scikit-learn's 8x8 digits as 0..255 images and their labels."""
    d = load_digits()
    return (d.images[..., None] * 16).astype("float32"), d.target


@pytest.fixture(scope="module")
def cnn(digits):
    """A small CNN of our layers (convolution, batch norm, pooling, dropout), trained one epoch."""
    net = dn.Sequential(name="cnn", layers=[
        L.InputLayer(shape=(8, 8, 1), scale=1 / 255), L.Conv2d(8, 3), L.BN(momentum=0.9),
        L.Pooling(2), L.Dense(16, dropout=0.2), L.OutputLayer(10)])
    x, y = digits
    net.fit((x[:1200], y[:1200]), epochs=2, batch_size=64, solver=dn.solvers.Adam(0.01),
            live=False, background=False)
    return net


def test_onnx_cnn_checked_by_export_and_by_onnxruntime(cnn, digits, tmp_path):
    res = cnn.export(tmp_path / "cnn.onnx")
    assert (res.format, res.input_name, res.input_shape, res.input_dtype) == (
        "onnx", "input1", (None, 8, 8, 1), "float32")
    assert res.max_abs_diff < 1e-4 and res.bytes == os.path.getsize(res.path) > 0
    x, y = digits[0][1200:], digits[1][1200:]
    got, want = onnx_outputs(res.path, x), keras_outputs(cnn, x)
    assert np.abs(got - want).max() < 1e-4
    assert (got.argmax(1) == y).mean() > 0.6  # the trained weights went into the file
    assert "onnx 'cnn.onnx'" in repr(res) and "max |onnxruntime - keras|" in repr(res)
    assert res._repr_html_().startswith("<code>")


def test_onnx_resnet_block_with_branches(tmp_path):
    net = dn.Network(name="resblock")
    net.add(L.InputLayer(shape=(12, 12, 3), scale=1 / 255, name="x"))
    net.add(L.Conv2d(8, 3, name="stem"), inputs="x")
    net.add(L.Conv2d(8, 3, name="a"), inputs="stem")
    net.add(L.BN(name="bn"), inputs="a")
    net.add(L.Conv2d(8, 3, act=None, name="b"), inputs="bn")
    net.add(L.Res(act="relu", name="sum"), inputs=["b", "stem"])
    net.add(L.GlobalAveragePooling2D(name="gap"), inputs="sum")
    net.add(L.OutputLayer(4, name="out"), inputs="gap")
    res = net.export(tmp_path / "res.onnx")
    assert res.max_abs_diff < 1e-4
    x = np.random.default_rng(1).uniform(0, 255, (5, 12, 12, 3)).astype("float32")
    assert np.abs(onnx_outputs(res.path, x) - keras_outputs(net, x)).max() < 1e-4


def test_onnx_lstm_forecaster(tmp_path):
    net = dn.applications.TimeSeriesForecaster(n_features=3, window=10, rnn_type="lstm",
                                               neurons=8, horizon=2)
    res = net.export(tmp_path / "lstm.onnx")
    assert res.max_abs_diff < 1e-4 and res.input_shape == (None, 10, 3)
    x = np.random.default_rng(2).standard_normal((6, 10, 3)).astype("float32")
    got = onnx_outputs(res.path, x)
    assert got.shape == (6, 2) and np.abs(got - keras_outputs(net, x)).max() < 1e-4


def test_onnx_zoo_lenet_takes_raw_uint8_images_of_another_size(tmp_path):
    import tensorflow as tf

    net = dn.applications.LeNet5(n_classes=10, input_shape=(16, 16, 1))
    res = net.export(tmp_path / "lenet_raw.onnx", include_preprocessing=True)
    assert res.max_abs_diff < 1e-4
    assert (res.input_name, res.input_shape, res.input_dtype) == (
        "image", (None, None, None, 1), "uint8")
    sess = ort.InferenceSession(res.path, providers=["CPUExecutionProvider"])
    assert sess.get_inputs()[0].type == "tensor(uint8)"
    raw = np.random.default_rng(3).integers(0, 256, (4, 24, 20, 1)).astype("uint8")
    resized = tf.image.resize(raw.astype("float32"), (16, 16)).numpy()  # bilinear
    want = keras_outputs(net, resized)  # the network's own scale=1/255 inside
    assert np.abs(onnx_outputs(res.path, raw) - want).max() < 1e-4
    plain = net.export(tmp_path / "lenet.onnx", sample=resized)
    assert plain.max_abs_diff < 1e-4
    assert np.abs(onnx_outputs(plain.path, resized) - want).max() < 1e-4


def test_keras_savedmodel_and_weights_round_trips_are_identical(cnn, digits, tmp_path):
    import keras
    import tensorflow as tf

    x = digits[0][:32]
    want = keras_outputs(cnn, x)
    res = cnn.export(tmp_path / "cnn.keras")
    assert res.format == "keras" and res.max_abs_diff is None
    loaded = keras.saving.load_model(res.path)
    np.testing.assert_array_equal(np.asarray(loaded(x, training=False)), want)
    res = cnn.export(tmp_path / "served")
    assert res.format == "savedmodel" and os.path.isdir(res.path)
    served = tf.saved_model.load(res.path)  # kept: serve() needs the object's variables
    np.testing.assert_array_equal(served.serve(x).numpy(), want)
    res = cnn.export(tmp_path / "again", format="savedmodel")  # replaces a folder atomically
    assert res.bytes > 0
    res = cnn.export(tmp_path / "cnn.weights.h5")
    fresh = dn.Sequential(name="cnn", layers=[
        L.InputLayer(shape=(8, 8, 1), scale=1 / 255), L.Conv2d(8, 3), L.BN(momentum=0.9),
        L.Pooling(2), L.Dense(16, dropout=0.2), L.OutputLayer(10)])
    report = fresh.load_weights(res.path)
    assert len(report.loaded) == 4  # conv, bn, dense, output: by layer name
    np.testing.assert_array_equal(keras_outputs(fresh, x), want)
    assert sorted(os.listdir(tmp_path)) == ["again", "cnn.keras", "cnn.weights.h5", "served"]


def test_a_failed_check_writes_nothing_and_keeps_the_old_file(tmp_path):
    net = dn.Sequential(layers=[L.InputLayer(shape=(8, 8, 1)), L.Conv2d(16, 3),
                                L.Dense(32), L.OutputLayer(5, act=None)])
    path = tmp_path / "m.onnx"
    path.write_bytes(b"old")
    big = np.random.default_rng(4).uniform(0, 1e4, (4, 8, 8, 1)).astype("float32")
    with pytest.raises(ExportCheckError, match="was not written") as err:
        net.export(path, sample=big, atol=0.0)
    assert isinstance(err.value, DLError) and len(str(err.value).splitlines()) == 1
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["m.onnx"]


@pytest.mark.parametrize("path, format, words", [
    ("m.pt", None, "Cannot tell the export format"),
    ("m.onnx", "tflite", "Unknown export format 'tflite'"),
    ("missing/m.onnx", None, "does not exist"),
    ("m.weights.h5", None, "a weight file holds no layers"),
])
def test_bad_paths_and_formats_say_so_in_one_sentence(tmp_path, path, format, words):
    net = dn.Sequential(layers=[L.InputLayer(shape=(4, 4, 1)), L.OutputLayer(2)])
    with pytest.raises(InvalidArgumentError, match=words) as err:
        net.export(tmp_path / path, format=format, include_preprocessing=path.endswith(".h5"))
    assert "onnx (.onnx)" in str(err.value) or "format" not in words
    assert os.listdir(tmp_path) == []


def test_raw_images_need_an_image_network(tmp_path):
    net = dn.Sequential(layers=[L.InputLayer(shape=(4,)), L.OutputLayer(2)])
    with pytest.raises(InvalidArgumentError, match="one image input"):
        net.export(tmp_path / "m.onnx", include_preprocessing=True)
