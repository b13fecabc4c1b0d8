"""A Network and Keras: to_keras, weights across edits, from_keras, summary and FLOPs."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from _nets import L, assert_one_sentence, branching_net, dense_chain, digits, keras_edges

import dl_notebook as dn

# -- to_keras ------------------------------------------------------------------------------


def test_to_keras_is_cached_until_an_edit():
    net = dense_chain(4, 3)
    model = net.to_keras()
    assert isinstance(model, keras.Model) and model.name == net.name
    assert net.to_keras() is model
    net.add(L.Dense(2))
    edited = net.to_keras()
    assert edited is not model
    assert edited.outputs[0].shape[-1] == 2
    assert net.to_keras() is edited
    net.freeze("fc1")
    assert net.to_keras() is not edited


def test_to_keras_needs_an_input_layer():
    with pytest.raises(dn.NetworkEditError) as info:
        dn.Sequential().to_keras()
    assert_one_sentence(info.value, "InputLayer")


def test_to_keras_matches_hand_built_keras_model():
    net = dn.Sequential(name="small")
    net.add(L.InputLayer(shape=(8, 8, 1)))
    net.add(L.Conv2d(4, 3, act="relu"))
    net.add(L.Pooling(2))
    net.add(L.Dense(16, act="relu"))
    net.add(L.OutputLayer(10))
    model = net.to_keras()

    x = keras.Input((8, 8, 1))
    h = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(x)
    h = keras.layers.MaxPooling2D(2, strides=2, padding="same")(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(16, activation="relu")(h)
    y = keras.layers.Dense(10, activation="softmax")(h)
    ref = keras.Model(x, y)
    assert ref.count_params() == model.count_params() == net.count_params()
    ref.set_weights(model.get_weights())

    data = np.random.default_rng(0).normal(size=(5, 8, 8, 1)).astype("float32")
    np.testing.assert_allclose(model.predict(data, verbose=0), ref.predict(data, verbose=0),
                               rtol=1e-6, atol=1e-6)


def test_to_keras_of_a_dag_has_its_edges():
    net = branching_net()
    model = net.to_keras()
    assert sorted(keras_edges(model)) == sorted(net.edges)
    assert [layer.name for layer in model.layers] == net.layer_names


# -- weights survive edits -----------------------------------------------------------------


def _digit_net():
    net = dn.Sequential(name="digits")
    net.add(L.InputLayer(shape=(8, 8, 1), scale=1 / 16))
    net.add(L.Conv2d(8, 3, name="conv1"))
    net.add(L.Conv2d(8, 3, name="conv2"))
    net.add(L.Dense(32, name="fc1"))
    net.add(L.OutputLayer(10, name="out"))
    return net


@pytest.fixture
def trained():
    """A small conv net trained for two epochs on sklearn's digits, and its weights by layer."""
    keras.utils.set_random_seed(0)
    x, y = digits()
    net = _digit_net()
    model = net.to_keras()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    hist = model.fit(x, y, epochs=2, batch_size=64, verbose=0)
    weights = {spec.name: spec.get_weights() for spec in net}
    return net, weights, hist.history["accuracy"][-1], (x, y)


def _same(a, b):
    return len(a) == len(b) and all(np.array_equal(u, v) for u, v in zip(a, b))


def test_training_learns_digits(trained):
    net, weights, accuracy, (x, y) = trained
    assert accuracy > 0.5  # chance is 0.1
    pred = net.to_keras().predict(x[:300], verbose=0).argmax(axis=1)
    assert (pred == y[:300]).mean() > 0.5


def test_insert_bn_keeps_every_trained_weight(trained):
    net, weights, _, (x, _) = trained
    before = net.to_keras().predict(x[:50], verbose=0)
    keras_objects = {spec.name: list(spec.keras_layers) for spec in net}
    net.insert(L.BN(name="bn1"), after="conv1")
    assert net.layer_names == ["input1", "conv1", "bn1", "conv2", "fc1", "out"]
    for name, w in weights.items():
        assert _same(net[name].get_weights(), w), name
        assert net[name].keras_layers == keras_objects[name], name
    model = net.to_keras()
    assert model.get_layer("conv2").kernel is net["conv2"].keras_layer.kernel
    # A fresh BN at inference is close to the identity: predictions barely move.
    after = model.predict(x[:50], verbose=0)
    assert (after.argmax(axis=1) == before.argmax(axis=1)).mean() > 0.9
    # Training the edited model trains the network's own layers.
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x[:128], trained[3][1][:128], epochs=1, batch_size=64, verbose=0)
    assert not np.array_equal(net["conv1"].get_weights()[0], weights["conv1"][0])


def test_insert_pooling_refreshes_only_the_layer_whose_input_size_changed(trained):
    net, weights, _, _ = trained
    old_fc1 = net["fc1"].keras_layer
    old_conv2 = net["conv2"].keras_layer
    net.insert(L.Pooling(2, name="pool1"), after="conv1")
    assert net["conv2"].output_shape == (None, 4, 4, 8)
    assert net["conv2"].keras_layer is old_conv2  # a convolution takes any image size
    for name in ("conv1", "conv2", "out"):
        assert _same(net[name].get_weights(), weights[name]), name
    assert net["fc1"].keras_layer is not old_fc1
    assert net["fc1"].keras_layer.kernel.shape == (4 * 4 * 8, 32)
    assert weights["fc1"][0].shape == (8 * 8 * 8, 32)
    model = net.to_keras()
    assert model.count_params() == net.count_params()
    np.testing.assert_array_equal(model.get_layer("out").get_weights()[0], weights["out"][0])


def test_failed_edit_keeps_trained_weights(trained):
    net, weights, _, _ = trained
    with pytest.raises(dn.ShapeError):
        net.add(L.Reshape((7, 7)))
    for name, w in weights.items():
        assert _same(net[name].get_weights(), w), name


# -- from_keras ----------------------------------------------------------------------------


def _assert_same_model(net, model, inputs):
    rebuilt = net.to_keras()
    assert net.count_params() == model.count_params() == rebuilt.count_params()
    np.testing.assert_allclose(rebuilt.predict(inputs, verbose=0), model.predict(inputs, verbose=0),
                               rtol=1e-5, atol=1e-5)


def test_from_keras_functional_with_branch():
    x = keras.Input((6,), name="x")
    a = keras.layers.Dense(4, activation="relu", name="a")(x)
    b = keras.layers.Dense(3, name="b")(x)
    c = keras.layers.Concatenate(name="cat")([a, b])
    y = keras.layers.Dense(2, activation="softmax", name="y")(c)
    model = keras.Model(x, y, name="branchy")
    net = dn.Network.from_keras(model)
    assert net.name == "branchy"
    assert net.layer_names == [layer.name for layer in model.layers]
    assert net.edges == keras_edges(model)
    assert net.input_names == ["x"] and net.output_names == ["y"]
    assert net["a"].keras_layer is model.get_layer("a")  # shared, not copied
    assert net["cat"].output_shape == (None, 7)
    _assert_same_model(net, model, np.random.default_rng(0).normal(size=(4, 6)))
    net.insert(L.Dense(4, name="extra"), after="a")  # and it is editable
    assert net.consumers("extra") == ["cat"]
    assert net.to_keras().count_params() == model.count_params() + 4 * 4 + 4


def test_add_a_keras_model_layer_by_layer():
    block = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3, name="k1"),
                              keras.layers.Dense(2, name="k2")], name="block")
    net = dn.Sequential(layers=[L.InputLayer(shape=(7,))])
    net.add(block)
    assert net.layer_names == ["input1", "k1", "k2"]
    assert net.edges == [("input1", "k1"), ("k1", "k2")]
    assert net["k1"].keras_layer.kernel.shape == (7, 3)  # rebuilt for its new input
    assert net["k2"].keras_layer is block.get_layer("k2")  # still fits: kept
    assert net.count_params() == net.to_keras().count_params() == 7 * 3 + 3 + 3 * 2 + 2


def test_from_keras_sequential():
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3, name="s1"),
                              keras.layers.Dropout(0.1, name="sd"),
                              keras.layers.Dense(2, name="s2")], name="seq")
    net = dn.Network.from_keras(model)
    assert net.layer_names[1:] == ["s1", "sd", "s2"]
    assert net.edges == [(net.layer_names[0], "s1"), ("s1", "sd"), ("sd", "s2")]
    _assert_same_model(net, model, np.ones((2, 5), dtype="float32"))


def test_from_keras_unbuilt_sequential_raises_with_advice():
    model = keras.Sequential([keras.layers.Dense(3)])
    with pytest.raises(dn.InvalidArgumentError) as info:
        dn.Network.from_keras(model)
    assert_one_sentence(info.value, "not built", "keras.Input", "build")


def test_from_keras_subclassed_model_raises():
    class Sub(keras.Model):
        def __init__(self):
            super().__init__(name="sub")
            self.dense = keras.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Sub()
    model(np.zeros((1, 3), dtype="float32"))
    with pytest.raises(dn.InvalidArgumentError) as info:
        dn.Network.from_keras(model)
    assert_one_sentence(info.value, "'sub'", "subclassed", "functional")


def test_from_keras_shared_layer():
    x1, x2 = keras.Input((4,), name="x1"), keras.Input((4,), name="x2")
    shared = keras.layers.Dense(3, name="shared")
    s = keras.layers.Add(name="add")([shared(x1), shared(x2)])
    model = keras.Model([x1, x2], s)
    net = dn.Network.from_keras(model)
    assert net.layer_names == ["x1", "x2", "shared", "shared_1", "add"]
    assert net.edges == [("x1", "shared"), ("x2", "shared_1"), ("shared", "add"),
                         ("shared_1", "add")]
    assert net["shared"].keras_layer is net["shared_1"].keras_layer is shared
    assert net.count_params() == model.count_params() == 4 * 3 + 3
    rng = np.random.default_rng(1)
    data = [rng.normal(size=(3, 4)), rng.normal(size=(3, 4))]
    _assert_same_model(net, model, data)
    assert sum(layer is shared for layer in net.to_keras().layers) == 1


def test_from_keras_nested_small_model():
    ix = keras.Input((6,), name="inner_in")
    h = keras.layers.Dense(5, activation="relu", name="d1")(ix)
    h = keras.layers.Dense(5, name="d2")(h)
    inner = keras.Model(ix, h, name="inner")
    ox = keras.Input((6,), name="outer_in")
    y = keras.layers.Dense(2, name="head")(inner(ox))
    outer = keras.Model(ox, y, name="outer")
    net = dn.Network.from_keras(outer)
    assert net.layer_names == ["outer_in", "d1", "d2", "head"]  # the nested input is gone
    assert net.edges == [("outer_in", "d1"), ("d1", "d2"), ("d2", "head")]
    assert [spec.scope for spec in net] == ["", "inner", "inner", ""]
    assert net["d1"].keras_layer is inner.get_layer("d1")
    _assert_same_model(net, outer, np.random.default_rng(2).normal(size=(3, 6)))


@pytest.fixture(scope="module")
def mobilenet_transfer():
    base = keras.applications.MobileNetV2(weights=None, include_top=False,
                                          input_shape=(64, 64, 3))
    x = keras.Input((64, 64, 3), name="image")
    h = base(x)
    h = keras.layers.GlobalAveragePooling2D(name="gap")(h)
    h = keras.layers.Dropout(0.2, name="drop")(h)
    y = keras.layers.Dense(5, activation="softmax", name="head")(h)
    return base, keras.Model(x, y, name="transfer")


@pytest.mark.slow
def test_from_keras_nested_mobilenet(mobilenet_transfer):
    base, model = mobilenet_transfer
    net = dn.Network.from_keras(model)
    inner = [layer.name for layer in base.layers[1:]]
    assert net.layer_names == ["image", *inner, "gap", "drop", "head"]
    base_in, base_out = base.layers[0].name, base.layers[-1].name
    rename = {base_in: "image"}
    want = [(rename.get(s, s), d) for s, d in keras_edges(base)]
    want += [(base_out, "gap"), ("gap", "drop"), ("drop", "head")]
    assert sorted(net.edges) == sorted(want)
    assert net.count_params() == model.count_params()
    assert all(net[name].keras_layer is base.get_layer(name) for name in inner)
    data = np.random.default_rng(3).uniform(-1, 1, size=(2, 64, 64, 3)).astype("float32")
    _assert_same_model(net, model, data)


_APPLICATIONS = {
    "ResNet50": lambda: keras.applications.ResNet50(weights=None),
    "InceptionV3": lambda: keras.applications.InceptionV3(weights=None),
    "DenseNet121": lambda: keras.applications.DenseNet121(weights=None),
}


@pytest.fixture(scope="module", params=list(_APPLICATIONS))
def application(request):
    return _APPLICATIONS[request.param]()


@pytest.mark.slow
def test_from_keras_applications(application):
    model = application
    net = dn.Network.from_keras(model)
    assert net.layer_names == [layer.name for layer in model.layers]
    assert net.edges == keras_edges(model)
    assert net.count_params() == model.count_params()
    assert net.summary()["Number of Parameters"].iloc[-1] == model.count_params()


def test_summary_totals_with_a_shared_layer():
    x1, x2 = keras.Input((4,), name="x1"), keras.Input((4,), name="x2")
    shared = keras.layers.Dense(3, name="shared")
    model = keras.Model([x1, x2], keras.layers.Add(name="add")([shared(x1), shared(x2)]))
    net = dn.Network.from_keras(model)
    df = net.summary()
    assert df.attrs["non_trainable_params"] == 0
    assert df.attrs["total_params"] == net.count_params() == 15
    assert df["Number of Parameters"].iloc[-1] == net.count_params()


# -- summary and FLOPs ----------------------------------------------------------------------

COLUMNS = ["Layer Id", "Layer", "Type", "Kernel Size", "Stride", "Activation", "Output Size",
           "Number of Parameters", "FLOPs", "Trainable"]


def _lenet():
    net = dn.Sequential(name="lenet")
    net.add(L.InputLayer(shape=(12, 12, 2)))
    net.add(L.Conv2d(4, 3, act="relu"))
    net.add(L.Pooling(2))
    net.add(L.BN())
    net.add(L.Dense(8, act="relu"))
    net.add(L.OutputLayer(3))
    return net


def test_summary_table():
    net = _lenet()
    df = net.summary()
    assert list(df.columns) == COLUMNS
    assert df["Layer"].tolist() == [*net.layer_names, "Total"]
    assert df["Layer"].iloc[-1] == "Total"
    assert df["Number of Parameters"].iloc[-1] == net.count_params()
    assert df["Number of Parameters"].iloc[:-1].sum() == net.count_params()
    assert df["FLOPs"].iloc[-1] == df["FLOPs"].iloc[:-1].sum() == df.attrs["flops"]
    conv = df.set_index("Layer").loc["conv1"]
    assert conv["Type"] == "Conv2d" and conv["Kernel Size"] == (3, 3)
    assert conv["Stride"] == (1, 1) and conv["Activation"] == "relu"
    assert conv["Output Size"] == (12, 12, 4)
    assert conv["Number of Parameters"] == 3 * 3 * 2 * 4 + 4
    pool = df.set_index("Layer").loc["pool1"]
    assert pool["Kernel Size"] == (2, 2) and pool["Stride"] == (2, 2)
    assert df.attrs["total_params"] == net.count_params()
    assert df.attrs["trainable_params"] == net.count_params() - 2 * 4  # BN moving stats
    assert df.attrs["non_trainable_params"] == 2 * 4
    assert net.print_summary().equals(df)


def test_summary_after_freeze():
    net = _lenet()
    net.freeze(up_to="conv1")
    df = net.summary()
    frozen = 3 * 3 * 2 * 4 + 4
    assert df.attrs["non_trainable_params"] == frozen + 2 * 4
    assert df.attrs["trainable_params"] == net.count_params() - frozen - 2 * 4
    assert df.set_index("Layer").loc["conv1", "Trainable"] == False  # noqa: E712
    assert df.set_index("Layer").loc["fc1", "Trainable"] == True  # noqa: E712
    assert len(net.to_keras().trainable_weights) == 6  # bn gamma/beta, fc1, output1


def test_dense_flops():
    net = dn.Sequential(layers=[L.InputLayer(shape=(784,)), L.OutputLayer(10, name="out")])
    df = net.summary().set_index("Layer")
    assert df.loc["out", "FLOPs"] == 2 * 784 * 10 + 10  # multiply-adds, then softmax
    plain = dn.Sequential(layers=[L.InputLayer(shape=(784,)), L.Dense(10, act="identity")])
    assert plain.summary().attrs["flops"] == 2 * 784 * 10


def test_dense_flops_after_implicit_flatten():
    net = dn.Sequential(layers=[L.InputLayer(shape=(4, 4, 2)), L.Dense(5, act="identity")])
    assert net.summary().set_index("Layer").loc["fc1", "FLOPs"] == 2 * 32 * 5


@pytest.mark.parametrize("stride, act", [(1, "relu"), (2, "relu"), (1, "identity")])
def test_conv2d_flops(stride, act):
    net = dn.Sequential(layers=[L.InputLayer(shape=(8, 8, 2)),
                                L.Conv2d(4, 3, stride=stride, act=act)])
    side = 8 // stride
    outputs = side * side * 4
    want = 2 * 3 * 3 * 2 * outputs + (outputs if act == "relu" else 0)
    assert net.summary().set_index("Layer").loc["conv1", "FLOPs"] == want
