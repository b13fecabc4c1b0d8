"""ONNX files read back into editable networks: Network.from_onnx and onnx_to_keras.

Every ONNX file is made in the test, either by Keras' own exporter or by hand with
``onnx.helper``; onnxruntime is the oracle for the hand-built graphs.
"""

from __future__ import annotations

import logging
import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import pytest  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook._keras import keras as load_keras  # noqa: E402
from dl_notebook.io.onnx_import import onnx_to_keras  # noqa: E402

keras = load_keras()
RNG = np.random.default_rng(0)


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    x = (data.images / 16.0).astype("float32")[..., None]
    return x, data.target.astype("int64")


def _export(model, path):
    """Keras' own ONNX export, without its numpy warning and tf2onnx's log lines."""
    logging.getLogger("tf2onnx").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.export(str(path), format="onnx", verbose=False)
    return str(path)


def _onnxruntime(path, x):
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x})


def _randomise(model):
    """Random weights everywhere (biases and BatchNormalization statistics too)."""
    model.set_weights([
        RNG.uniform(0.5, 1.5, w.shape).astype("float32") if "variance" in v.path
        else RNG.normal(0, 0.3, w.shape).astype("float32")
        for w, v in zip(model.get_weights(), model.weights)])


def test_keras_cnn_comes_back_as_an_editable_network(tmp_path, digits):
    x, y = digits
    keras.utils.set_random_seed(0)  # the same trained network every run
    inputs = keras.Input((8, 8, 1))
    h = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1")(inputs)
    h = keras.layers.BatchNormalization(name="bn1")(h)
    h = keras.layers.MaxPooling2D(name="pool1")(h)
    h = keras.layers.Conv2D(8, 3, name="conv2")(h)
    h = keras.layers.Dropout(0.2, name="drop")(h)
    h = keras.layers.Flatten(name="flat")(h)
    outputs = keras.layers.Dense(10, activation="softmax", name="fc")(h)
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    model.fit(x[:1200], y[:1200], epochs=3, batch_size=64, verbose=0)
    path = _export(model, tmp_path / "cnn.onnx")

    net = dn.Network.from_onnx(path, name="cnn")
    sample = x[1200:1300]
    expected = model.predict(sample, verbose=0)
    got = net.to_keras()(sample).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-4)
    np.testing.assert_allclose(got, _onnxruntime(path, sample)[0], atol=1e-4)
    assert (got.argmax(1) == y[1200:1300]).mean() > 0.5  # the trained weights came along

    names = net.layer_names
    assert any("conv1" in n for n in names) and any("fc" in n for n in names)
    assert set(names) <= set(net.summary()["Layer"])
    assert not any(n.endswith(("_nhwc", "_nchw", "_reshape")) for n in names)  # no layout layers
    scale = next(n for n in names if n.startswith("bn1"))
    net.remove(scale)
    assert scale not in net.layer_names
    assert net.to_keras()(sample).shape == (100, 10)


def test_branchy_keras_network_with_add_concat_and_depthwise(tmp_path):
    inputs = keras.Input((12, 12, 3))
    a = keras.layers.Conv2D(4, 3, strides=2, padding="same", name="a")(inputs)
    b = keras.layers.Conv2D(4, 1, strides=2, name="b")(inputs)
    s = keras.layers.Add(name="sum")([a, b])
    c = keras.layers.Concatenate(name="cat")([s, a])
    d = keras.layers.DepthwiseConv2D(3, padding="same", activation="relu", name="dw")(c)
    d = keras.layers.AveragePooling2D(2, name="avg")(d)
    g = keras.layers.GlobalAveragePooling2D(name="gap")(d)
    outputs = keras.layers.Dense(3, name="fc")(g)
    model = keras.Model(inputs, outputs)
    _randomise(model)
    sample = RNG.normal(size=(4, 12, 12, 3)).astype("float32")
    expected = model(sample).numpy()
    path = _export(model, tmp_path / "branchy.onnx")

    net = dn.Network.from_onnx(path)
    np.testing.assert_allclose(net.to_keras()(sample).numpy(), expected, atol=1e-4)
    kinds = {type(layer).__name__ for layer in net.to_keras().layers}
    assert {"Add", "Concatenate", "DepthwiseConv2D", "GlobalAveragePooling2D"} <= kinds
    merge = next(n for n in net.layer_names if n.startswith("sum"))
    assert len(set(net[merge]._inputs)) == 2


def _nchw_graph(path):
    """A hand-built NCHW graph: padded convolutions, a depthwise one, BatchNormalization,
    Sum, a padded MaxPool, GlobalAveragePool, two Flatten + Gemm heads and Softmax."""
    def init(name, *shape, scale=0.3):
        return numpy_helper.from_array(RNG.normal(0, scale, shape).astype("float32"), name)

    inits = [init("w1", 4, 3, 3, 3), init("b1", 4), init("w2", 4, 3, 1, 1),
             init("wd", 4, 1, 3, 3), init("w3", 6, 4, 3, 3), init("b3", 6),
             init("g", 4), init("beta", 4), init("mean", 4),
             numpy_helper.from_array(RNG.uniform(0.5, 1.5, 4).astype("float32"), "var"),
             init("fa", 5, 54), init("fb", 6, 5), init("cb", 5)]
    node = helper.make_node
    nodes = [
        node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        node("Relu", ["c1"], ["r1"], name="relu1"),
        node("BatchNormalization", ["r1", "g", "beta", "mean", "var"], ["n1"], name="bn1",
             epsilon=1e-3),
        node("Conv", ["n1", "wd"], ["d1"], name="depthwise", group=4, pads=[1, 1, 1, 1]),
        node("Conv", ["x", "w2"], ["c2"], name="shortcut"),
        node("Sum", ["d1", "c2"], ["s1"], name="sum"),
        node("Conv", ["s1", "w3", "b3"], ["c3"], name="conv3", strides=[2, 2],
             pads=[1, 1, 0, 0]),
        node("Relu", ["c3"], ["r3"], name="relu3"),
        node("MaxPool", ["r3"], ["p3"], name="pool", kernel_shape=[2, 2], strides=[2, 2],
             pads=[1, 1, 1, 1]),
        node("Flatten", ["p3"], ["flat"], name="flatten"),
        node("Gemm", ["flat", "fa"], ["za"], name="fc_a", transB=1, alpha=0.5),
        node("GlobalAveragePool", ["p3"], ["gp"], name="gap"),
        node("Flatten", ["gp"], ["gflat"], name="gap_flatten"),
        node("Gemm", ["gflat", "fb", "cb"], ["zb"], name="fc_b", beta=2.0),
        node("Add", ["za", "zb"], ["logits"], name="add"),
        node("Softmax", ["logits"], ["probs"], name="softmax", axis=1),
    ]
    graph = helper.make_graph(
        nodes, "nchw",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 8, 8])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 5]),
         helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 5])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return str(path)


def test_hand_built_nchw_graph_matches_onnxruntime_on_nhwc_images(tmp_path):
    path = _nchw_graph(tmp_path / "nchw.onnx")
    x = RNG.normal(size=(5, 3, 8, 8)).astype("float32")
    probs, logits = _onnxruntime(path, x)

    model = onnx_to_keras(path)
    assert tuple(model.inputs[0].shape) == (None, 8, 8, 3)  # NHWC images
    got_probs, got_logits = (t.numpy() for t in model(x.transpose(0, 2, 3, 1)))
    np.testing.assert_allclose(got_logits, logits, atol=1e-4)
    np.testing.assert_allclose(got_probs, probs, atol=1e-5)
    names = [layer.name for layer in model.layers]
    for expected in ("conv1", "bn1", "depthwise", "sum", "conv3_pad", "pool_pad",
                     "fc_a", "fc_b", "softmax"):
        assert expected in names, expected
    assert isinstance(model.get_layer("depthwise"), keras.layers.DepthwiseConv2D)
    assert model.get_layer("conv1").padding == "same"  # pads equal to TensorFlow's same

    net = dn.Network.from_onnx(path, name="nchw")
    assert net.name == "nchw" and "fc_a" in net.layer_names


def _single_node(path, node, inputs, outputs, opset=13):
    graph = helper.make_graph([node], "one", inputs, outputs)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]), path)
    return str(path)


def test_unsupported_operator_names_the_node_and_the_operator(tmp_path):
    info = helper.make_tensor_value_info
    lstm = helper.make_node("LSTM", ["x", "W", "R"], ["y"], name="lstm_1", hidden_size=4)
    path = _single_node(tmp_path / "lstm.onnx", lstm,
                        [info("x", TensorProto.FLOAT, [5, 1, 3]),
                         info("W", TensorProto.FLOAT, [1, 16, 3]),
                         info("R", TensorProto.FLOAT, [1, 16, 4])],
                        [info("y", TensorProto.FLOAT, [5, 1, 1, 4])])
    with pytest.raises(dn.errors.InvalidArgumentError,
                       match=r"ONNX node 'lstm_1' is an LSTM, which dl_notebook cannot import; "
                             r"it imports Conv, MaxPool"):
        dn.Network.from_onnx(path)
    einsum = helper.make_node("Einsum", ["x", "x"], ["y"], name="mix", equation="ij,ij->i")
    path = _single_node(tmp_path / "einsum.onnx", einsum,
                        [info("x", TensorProto.FLOAT, [None, 3])],
                        [info("y", TensorProto.FLOAT, [None])])
    with pytest.raises(dn.DLError, match="'mix' is an Einsum"):
        onnx_to_keras(path)


def test_padded_maxpool_of_a_signed_tensor_is_refused(tmp_path):
    info = helper.make_tensor_value_info
    pool = helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[3, 3],
                            strides=[2, 2], pads=[1, 1, 1, 1])
    path = _single_node(tmp_path / "pool.onnx", pool,
                        [info("x", TensorProto.FLOAT, [None, 2, 8, 8])],
                        [info("y", TensorProto.FLOAT, [None, 2, 4, 4])])
    with pytest.raises(dn.DLError, match="'pool'.*may be negative"):
        onnx_to_keras(path)


def test_missing_or_corrupt_files_give_one_sentence(tmp_path):
    with pytest.raises(dn.DLError, match="There is no ONNX file"):
        dn.Network.from_onnx(tmp_path / "nowhere.onnx")
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x12 not a model" * 8)
    with pytest.raises(dn.DLError, match="is not an ONNX model file"):
        dn.Network.from_onnx(garbage)
    text = tmp_path / "notes.onnx"
    text.write_text("these are notes, not a model\n")
    with pytest.raises(dn.DLError, match="is not an ONNX model file"):
        onnx_to_keras(text)


def test_network_export_with_bgr_flip_and_normalisation_comes_back(tmp_path):
    net = dn.Sequential(layers=[
        dn.layers.InputLayer(shape=(10, 10, 3), reverse_channels=True,
                             offsets=[103.9, 116.8, 123.7], std=[57.4, 57.1, 58.4]),
        dn.layers.Conv2d(4, 3),
        dn.layers.Pooling(2),
        dn.layers.OutputLayer(3),
    ])
    path = str(tmp_path / "bgr.onnx")
    assert net.export(path).max_abs_diff < 1e-4
    sample = RNG.uniform(0, 255, (4, 10, 10, 3)).astype("float32")
    expected = net.to_keras()(sample).numpy()

    model = dn.Network.from_onnx(path).to_keras()
    np.testing.assert_allclose(model(sample).numpy(), expected, atol=1e-5)
    flips = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)
             and layer.kernel.shape == (3, 3)]
    assert len(flips) == 1  # the channel flip, an anti-diagonal kernel
    np.testing.assert_array_equal(flips[0].get_weights()[0], np.eye(3)[::-1])
