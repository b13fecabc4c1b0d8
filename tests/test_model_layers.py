"""Layer specs of ``dn.layers``: shapes in a network, the Keras layers underneath, bad arguments."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from _nets import L, assert_one_sentence

import dl_notebook as dn


def place(layer, shape, dtype="float32"):
    """A Sequential of an InputLayer of *shape* and *layer*; returns (net, placed spec)."""
    net = dn.Sequential()
    net.add(L.InputLayer(shape=shape, dtype=dtype))
    net.add(layer)
    return net, net[-1]


def keras_classes(spec):
    return [type(k).__name__ for k in spec.keras_layers]


def out_shape(net):
    return tuple(net.to_keras().outputs[0].shape[1:])


# -- InputLayer ---------------------------------------------------------------------------

def test_input_layer_shape_and_model_input():
    net = dn.Sequential()
    net.add(L.InputLayer(shape=(6, 5, 2)))
    assert net.layer_names == ["input1"]
    assert net["input1"].output_shape == (None, 6, 5, 2)
    model = net.to_keras()
    assert tuple(model.inputs[0].shape) == (None, 6, 5, 2)
    assert [layer.name for layer in model.layers] == ["input1"]


def test_input_layer_dlpy_width_height_channels():
    layer = L.InputLayer(n_channels=1, width=10, height=4)
    assert layer.shape == (4, 10, 1)
    assert L.InputLayer(width=10, height=4).shape == (4, 10, 3)  # DLPy default: 3 channels
    net2 = dn.Sequential(layers=[layer])
    assert net2["input1"].output_shape == (None, 4, 10, 1)


def test_input_layer_normalisation_computes_scale_offsets_std():
    offsets, scale, std = [1.0, 2.0, 3.0], 0.5, [2.0, 4.0, 8.0]
    net = dn.Sequential()
    net.add(L.InputLayer(shape=(2, 3, 3), offsets=offsets, scale=scale, std=std))
    spec = net["input1"]
    assert spec.normalizes
    assert [k.name for k in spec.keras_layers] == ["input1_scale"]
    x = np.random.default_rng(0).uniform(0, 255, size=(4, 2, 3, 3)).astype("float32")
    got = net.to_keras().predict(x, verbose=0)
    want = (x * scale - np.array(offsets)) / np.array(std)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


def test_input_layer_offsets_of_wrong_length_are_rejected():
    with pytest.raises(dn.DLError):
        net = dn.Sequential()
        net.add(L.InputLayer(shape=(4, 4, 3), offsets=[1.0, 2.0]))
        net.to_keras().predict(np.ones((1, 4, 4, 3), dtype="float32"), verbose=0)


def test_input_layer_normalisation_scalars_and_none():
    net = dn.Sequential(layers=[L.InputLayer(shape=(4,), scale=1 / 255, offsets=0.5)])
    x = np.array([[0.0, 51.0, 127.5, 255.0]], dtype="float32")
    np.testing.assert_allclose(net.to_keras().predict(x, verbose=0), x / 255 - 0.5, atol=1e-6)
    plain = dn.Sequential(layers=[L.InputLayer(shape=(4,))])
    assert not plain["input1"].normalizes
    assert plain["input1"].keras_layers == []
    np.testing.assert_array_equal(plain.to_keras().predict(x, verbose=0), x)


# -- convolutions -------------------------------------------------------------------------

def test_conv2d_defaults_fuse_relu_and_keep_size():
    net, spec = place(L.Conv2d(6, 3), (8, 8, 1))
    assert spec.name == "conv1"
    assert spec.output_shape == (None, 8, 8, 6)  # padding "same" by default
    assert keras_classes(spec) == ["Conv2D"]  # activation fused, no helper layer
    cfg = spec.keras_layer.get_config()
    assert cfg["kernel_size"] == (3, 3) and cfg["strides"] == (1, 1)
    assert cfg["activation"] == "relu" and cfg["padding"] == "same"
    assert spec.count_params() == 3 * 3 * 1 * 6 + 6


def test_conv2d_stride_valid_padding_identity_and_dropout():
    net, spec = place(L.Conv2d(4, 3, stride=2, padding="valid", act="identity", dropout=0.3,
                               include_bias=False, name="c"), (9, 9, 2))
    assert spec.output_shape == (None, 4, 4, 4)
    assert [k.name for k in spec.keras_layers] == ["c", "c_dropout"]
    assert keras_classes(spec) == ["Conv2D", "Dropout"]
    assert spec.keras_layers[1].rate == pytest.approx(0.3)
    cfg = spec.keras_layer.get_config()
    assert cfg["activation"] == "linear" and cfg["use_bias"] is False
    assert out_shape(net) == (4, 4, 4)


def test_conv2d_height_default_and_tuple_kernel():
    assert L.Conv2d(4, 5).kernel_size == (5, 5)
    assert L.Conv2d(4, 5, height=3).kernel_size == (3, 5)
    assert L.Conv2d(4, (3, 5)).kernel_size == (3, 5)  # (height, width)
    net, spec = place(L.Conv2d(4, (3, 5), padding="valid"), (10, 10, 1))
    assert spec.output_shape == (None, 8, 6, 4)
    assert spec.keras_layer.get_config()["kernel_size"] == (3, 5)


def test_conv1d_on_a_sequence():
    net, spec = place(L.Conv1d(8, 3, stride=2), (10, 3))
    assert keras_classes(spec) == ["Conv1D"]
    assert spec.output_shape == (None, 5, 8)
    assert spec.kernel_size == (3,)


def test_conv1d_rejects_an_image_input():
    net = dn.Sequential(layers=[L.InputLayer(shape=(8, 8, 1))])
    with pytest.raises(dn.ShapeError) as info:
        net.add(L.Conv1d(4, 3))
    assert_one_sentence(info.value, "sequence")
    assert net.layer_names == ["input1"]


def test_conv2d_transpose_stride_two_doubles_size():
    net, spec = place(L.Conv2DTranspose(5, 3, stride=2), (4, 6, 2))
    assert spec.name == "deconv1"
    assert keras_classes(spec) == ["Conv2DTranspose"]
    assert spec.output_shape == (None, 8, 12, 5)
    assert out_shape(net) == (8, 12, 5)


# -- pooling and resizing -----------------------------------------------------------------

def test_pooling_max_default_stride_is_window():
    net, spec = place(L.Pooling(2), (8, 8, 3))
    assert keras_classes(spec) == ["MaxPooling2D"]
    assert spec.output_shape == (None, 4, 4, 3)
    cfg = spec.keras_layer.get_config()
    assert cfg["pool_size"] == (2, 2) and cfg["strides"] == (2, 2)
    _, spec3 = place(L.Pooling(3), (9, 9, 1))
    assert spec3.output_shape == (None, 3, 3, 1)


def test_pooling_explicit_stride():
    _, spec = place(L.Pooling(3, stride=1, padding="valid"), (8, 8, 1))
    assert spec.output_shape == (None, 6, 6, 1)


@pytest.mark.parametrize("pool", ["mean", "average", "avg"])
def test_pooling_mean_averages(pool):
    net, spec = place(L.Pooling(2, pool=pool), (2, 2, 1))
    assert keras_classes(spec) == ["AveragePooling2D"]
    x = np.arange(4, dtype="float32").reshape(1, 2, 2, 1)
    np.testing.assert_allclose(net.to_keras().predict(x, verbose=0).ravel(), [1.5])


def test_pooling_max_takes_maximum():
    net, _ = place(L.Pooling(2), (2, 2, 1))
    x = np.array([3.0, -1.0, 7.0, 2.0], dtype="float32").reshape(1, 2, 2, 1)
    assert net.to_keras().predict(x, verbose=0).ravel().tolist() == [7.0]


def test_pooling_one_dimensional_on_sequences():
    _, spec = place(L.Pooling(2), (10, 4))
    assert keras_classes(spec) == ["MaxPooling1D"]
    assert spec.output_shape == (None, 5, 4)
    _, mean = place(L.Pooling(5, pool="mean"), (10, 4))
    assert keras_classes(mean) == ["AveragePooling1D"]
    assert mean.output_shape == (None, 2, 4)


def test_global_average_pooling():
    net, spec = place(L.GlobalAveragePooling2D(), (4, 4, 3))
    assert keras_classes(spec) == ["GlobalAveragePooling2D"]
    assert spec.output_shape == (None, 3)
    x = np.random.default_rng(1).normal(size=(2, 4, 4, 3)).astype("float32")
    np.testing.assert_allclose(net.to_keras().predict(x, verbose=0), x.mean(axis=(1, 2)),
                               atol=1e-6)
    _, seq = place(L.GlobalAveragePooling2D(), (7, 5))
    assert seq.output_shape == (None, 5)


def test_upsampling():
    _, spec = place(L.UpSampling2D(2), (4, 4, 3))
    assert keras_classes(spec) == ["UpSampling2D"]
    assert spec.output_shape == (None, 8, 8, 3)
    _, spec = place(L.UpSampling2D((2, 3), interpolation="bilinear"), (4, 4, 3))
    assert spec.output_shape == (None, 8, 12, 3)
    assert spec.keras_layer.interpolation == "bilinear"


# -- normalisation and merges -------------------------------------------------------------

def test_bn_with_activation():
    net, spec = place(L.BN(act="relu"), (4, 4, 6))
    assert [k.name for k in spec.keras_layers] == ["bn1", "bn1_act"]
    assert keras_classes(spec) == ["BatchNormalization", "Activation"]
    assert spec.output_shape == (None, 4, 4, 6)
    assert spec.count_params() == 4 * 6
    x = -np.ones((1, 4, 4, 6), dtype="float32")
    assert net.to_keras().predict(x, verbose=0).max() == 0.0  # relu after the norm


def test_bn_without_activation_is_one_layer():
    _, spec = place(L.BN(), (5,))
    assert keras_classes(spec) == ["BatchNormalization"]


def _two_branches(shape=(4, 4, 3)):
    net = dn.Network()
    net.add(L.InputLayer(shape=shape, name="x"))
    net.add(L.Conv2d(3, 3, name="a", act="identity"), inputs="x")
    net.add(L.Conv2d(5, 1, name="b"), inputs="x")
    return net


def test_res_sums_inputs_with_activation():
    net = _two_branches()
    net.add(L.Res(act="relu", name="sum"), inputs=["a", "x"])
    spec = net["sum"]
    assert keras_classes(spec) == ["Add", "Activation"]
    assert [k.name for k in spec.keras_layers] == ["sum", "sum_act"]
    assert spec.output_shape == (None, 4, 4, 3)
    model = net.to_keras()
    x = np.random.default_rng(2).normal(size=(1, 4, 4, 3)).astype("float32")
    assert net.output_names == ["b", "sum"]  # b is still an open end
    _, got = model.predict(x, verbose=0)
    a = keras.Model(model.inputs, model.get_layer("a").output).predict(x, verbose=0)
    np.testing.assert_allclose(got, np.maximum(a + x, 0), atol=1e-5)


def test_res_needs_two_inputs_and_equal_shapes():
    net = _two_branches()
    with pytest.raises(dn.NetworkEditError) as info:
        net.add(L.Res(), inputs="a")
    assert_one_sentence(info.value, "inputs=")
    with pytest.raises(dn.ShapeError) as info:
        net.add(L.Res(name="bad"), inputs=["a", "b"])
    assert_one_sentence(info.value, "'bad'", "(4, 4, 3)", "(4, 4, 5)")


def test_concat_joins_channels():
    net = _two_branches()
    net.add(L.Concat(name="cat"), inputs=["a", "b", "x"])
    spec = net["cat"]
    assert keras_classes(spec) == ["Concatenate"]
    assert spec.output_shape == (None, 4, 4, 3 + 5 + 3)
    assert spec.inputs == ["a", "b", "x"]


def test_concat_other_axis():
    net = dn.Network()
    net.add(L.InputLayer(shape=(3, 4), name="x"))
    net.add(L.InputLayer(shape=(2, 4), name="y"))
    net.add(L.Concat(axis=1, name="cat"), inputs=["x", "y"])
    assert net["cat"].output_shape == (None, 5, 4)


# -- core layers -------------------------------------------------------------------------

def test_dropout_flatten_reshape():
    net = dn.Sequential()
    net.add(L.InputLayer(shape=(4, 4, 3)))
    net.add(L.Dropout(0.25))
    net.add(L.Flatten())
    net.add(L.Reshape((8, 6)))
    net.add(L.Reshape((-1, 3)))
    assert net.layer_names == ["input1", "dropout1", "flatten1", "reshape1", "reshape2"]
    assert [type(k).__name__ for s in net for k in s.keras_layers] == [
        "Dropout", "Flatten", "Reshape", "Reshape"]
    assert net["dropout1"].keras_layer.rate == pytest.approx(0.25)
    assert net["flatten1"].output_shape == (None, 48)
    assert net["reshape1"].output_shape == (None, 8, 6)
    assert net["reshape2"].output_shape == (None, 16, 3)


def test_reshape_dlpy_width_height_depth():
    assert L.Reshape(width=4, height=2, depth=3).target_shape == (2, 4, 3)
    _, spec = place(L.Reshape(width=4, height=2, depth=3), (24,))
    assert spec.output_shape == (None, 2, 4, 3)


def test_reshape_wrong_size_is_a_shape_error():
    net = dn.Sequential(layers=[L.InputLayer(shape=(48,))])
    with pytest.raises(dn.ShapeError) as info:
        net.add(L.Reshape((5, 5)))
    assert_one_sentence(info.value, "48", "(5, 5)")
    with pytest.raises(dn.ShapeError):
        net.add(L.Reshape((-1, 5)))
    assert net.layer_names == ["input1"]


# -- recurrent and embedding ---------------------------------------------------------------

@pytest.mark.parametrize("rnn_type, cls", [("lstm", "LSTM"), ("gru", "GRU"), ("rnn", "SimpleRNN")])
def test_recurrent_encoding_and_samelength(rnn_type, cls):
    _, enc = place(L.Recurrent(6, rnn_type=rnn_type), (7, 5))
    assert keras_classes(enc) == [cls]
    assert enc.type_name == cls
    assert enc.output_shape == (None, 6)
    _, same = place(L.Recurrent(6, rnn_type=rnn_type, output_type="samelength"), (7, 5))
    assert same.output_shape == (None, 7, 6)
    assert same.keras_layer.return_sequences is True


def test_recurrent_bidirectional_doubles_units():
    _, spec = place(L.Recurrent(6, rnn_type="gru", bidirectional=True), (7, 5))
    assert keras_classes(spec) == ["Bidirectional"]
    assert spec.type_name == "BiGRU"
    assert spec.output_shape == (None, 12)
    assert type(spec.keras_layer.forward_layer).__name__ == "GRU"
    _, seq = place(L.Recurrent(4, bidirectional=True, output_type="samelength"), (7, 5))
    assert seq.output_shape == (None, 7, 8)


def test_recurrent_needs_a_sequence():
    net = dn.Sequential(layers=[L.InputLayer(shape=(5,))])
    with pytest.raises(dn.ShapeError) as info:
        net.add(L.Recurrent(4))
    assert_one_sentence(info.value, "sequence", "Reshape")


def test_embedding_on_int_tokens():
    net = dn.Sequential()
    net.add(L.InputLayer(shape=(7,), dtype="int32"))
    net.add(L.Embedding(50, 8))
    net.add(L.Recurrent(4))
    assert net["embedding1"].output_shape == (None, 7, 8)
    model = net.to_keras()
    assert model.inputs[0].dtype == "int32"
    tokens = np.random.default_rng(3).integers(0, 50, size=(3, 7)).astype("int32")
    assert model.predict(tokens, verbose=0).shape == (3, 4)
    assert type(net["embedding1"].keras_layer).__name__ == "Embedding"


# -- dense and output ---------------------------------------------------------------------

def test_output_layer_error_mapping():
    assert L.OutputLayer(10).error == "entropy"
    assert L.OutputLayer(10, act="sigmoid").error == "entropy"
    assert L.OutputLayer(1, act="identity").error == "mse"
    assert L.OutputLayer(1, act="identity", error="normal").error == "mse"
    assert L.OutputLayer(1, act="identity", error="mae").error == "mae"
    assert L.OutputLayer(3, error="crossentropy").error == "entropy"
    with pytest.raises(dn.InvalidArgumentError) as info:
        L.OutputLayer(3, error="hinge")
    assert_one_sentence(info.value, "error", "hinge")


def test_output_layer_default_softmax():
    net, spec = place(L.OutputLayer(4), (6,))
    assert spec.name == "output1"
    assert spec.keras_layer.get_config()["activation"] == "softmax"
    p = net.to_keras().predict(np.ones((2, 6), dtype="float32"), verbose=0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)


def test_dense_flattens_spatial_input_but_raw_keras_dense_does_not():
    net = dn.Network()
    net.add(L.InputLayer(shape=(4, 4, 3), name="x"))
    net.add(L.Dense(5, name="fc"), inputs="x")
    net.add(L.OutputLayer(2, name="out"), inputs="x")
    net.add(keras.layers.Dense(5, name="raw"), inputs="x")
    fc, out, raw = net["fc"], net["out"], net["raw"]
    assert [k.name for k in fc.keras_layers] == ["fc_flatten", "fc"]
    assert keras_classes(fc) == ["Flatten", "Dense"]
    assert fc.keras_layer.name == "fc" and fc.output_shape == (None, 5)
    assert fc.count_params() == 48 * 5 + 5
    assert [k.name for k in out.keras_layers] == ["out_flatten", "out"]
    assert out.output_shape == (None, 2)
    assert raw.output_shape == (None, 4, 4, 5)  # Keras semantics: last axis only
    assert raw.count_params() == 3 * 5 + 5
    model = net.to_keras()
    assert {"fc_flatten", "out_flatten"} <= {layer.name for layer in model.layers}


def test_dense_on_a_sequence_acts_on_last_axis():
    _, spec = place(L.Dense(4), (7, 5))
    assert keras_classes(spec) == ["Dense"]
    assert spec.output_shape == (None, 7, 4)
    _, flat = place(L.Dense(4, flatten=True), (7, 5))
    assert flat.output_shape == (None, 4)


def test_dense_dropout_helper_and_fullyconnected_alias():
    assert L.FullyConnected is L.Dense
    _, spec = place(L.Dense(4, act="tanh", dropout=0.5), (6,))
    assert [k.name for k in spec.keras_layers] == ["fc1", "fc1_dropout"]
    assert spec.keras_layer.get_config()["activation"] == "tanh"


# -- bad arguments -------------------------------------------------------------------------

BAD_ARGUMENTS = [
    (lambda: L.Conv2d(0, 3), "n_filters"),
    (lambda: L.Conv2d(8), "width"),
    (lambda: L.Conv2d(8, (3, 3, 3)), "width"),
    (lambda: L.Conv2d(8, 3, padding="full"), "padding"),
    (lambda: L.Conv2d(8, 3, act="bogus"), "activation"),
    (lambda: L.Conv2d(8, 3, dropout=1.5), "dropout"),
    (lambda: L.Conv2d(8, 3, stride=0), "stride"),
    (lambda: L.Conv2d(8, 3, frobnicate=1), "frobnicate"),
    (lambda: L.Conv1d(8, 3, height=-1), "height"),
    (lambda: L.Pooling(2, pool="min"), "pool"),
    (lambda: L.Pooling(0), "width"),
    (lambda: L.Pooling(2, height=0), "height"),
    (lambda: L.UpSampling2D(2, interpolation="cubic"), "interpolation"),
    (lambda: L.BN(act="nope"), "activation"),
    (lambda: L.Res(act="nope"), "activation"),
    (lambda: L.Concat(axis=0), "axis"),
    (lambda: L.Dense(0), "n must"),
    (lambda: L.Dense(4, flatten="yes"), "flatten"),
    (lambda: L.OutputLayer(3, error="hinge"), "error"),
    (lambda: L.Dropout(1.0), "dropout"),
    (lambda: L.Reshape(), "target_shape"),
    (lambda: L.Reshape((0, 3)), "target_shape"),
    (lambda: L.Reshape((-1, -1)), "target_shape"),
    (lambda: L.Recurrent(4, rnn_type="transformer"), "rnn_type"),
    (lambda: L.Recurrent(4, output_type="all"), "output_type"),
    (lambda: L.Recurrent(0), "n must"),
    (lambda: L.Embedding(0, 4), "input_dim"),
    (lambda: L.Embedding(10, -4), "output_dim"),
    (lambda: L.InputLayer(), "shape"),
    (lambda: L.InputLayer(shape=(0, 3)), "shape"),
    (lambda: L.InputLayer(shape=(8, 8, 1), width=8), "shape"),
    (lambda: L.InputLayer(shape=(3,), std=[1.0, 0.0, 2.0]), "std"),
    (lambda: L.Dense(4, name="a/b"), "name"),
    (lambda: L.Dense(4, name=""), "name"),
]


@pytest.mark.parametrize("make, word", BAD_ARGUMENTS)
def test_invalid_arguments_raise_one_sentence(make, word):
    with pytest.raises(dn.InvalidArgumentError) as info:
        make()
    assert isinstance(info.value, dn.DLError)
    assert isinstance(info.value, ValueError)
    assert_one_sentence(info.value, word)


def test_valid_activation_aliases():
    assert L.Conv2d(4, 3, act="logistic").act == "sigmoid"
    assert L.Dense(4, act="identity").act is None
    assert L.Dense(4, act="LEAKY").act == "leaky_relu"
