"""InceptionV3, Xception, MobileNetV1 and MobileNetV2 against keras.applications.

Each network is compared with the Keras function of the same architecture
(``weights=None``): the layer names in Keras' order, the parameter count, and a
Keras weight file that loads by name and gives the same outputs. Keras numbers
its unnamed layers per session (``conv2d_12``), so every Keras model here is
built right after ``keras.backend.clear_session()``, as in a fresh process.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.errors import InvalidArgumentError  # noqa: E402
from dl_notebook.magics.codegen import dl_cell  # noqa: E402
from dl_notebook.magics.grammar import tokenize  # noqa: E402
from dl_notebook.magics.layer_line import parse_layer  # noqa: E402

# our builder -> (Keras' function, the smallest image side, the native input shape)
ZOO = {
    "InceptionV3": ("InceptionV3", 75, (299, 299, 3)),
    "Xception": ("Xception", 71, (299, 299, 3)),
    "MobileNetV1": ("MobileNet", 32, (224, 224, 3)),
    "MobileNetV2": ("MobileNetV2", 32, (224, 224, 3)),
}


def build_pair(fn, input_shape, n_classes=1000, **options):
    """Our network (without preprocessing) and Keras' model of the same architecture."""
    net = getattr(dn.applications, fn)(n_classes=n_classes, input_shape=input_shape,
                                       preprocessing=None, **options)
    keras.backend.clear_session()  # Keras' automatic names as a fresh process gives them
    reference = getattr(keras.applications, ZOO[fn][0])(
        weights=None, input_shape=input_shape, classes=n_classes, **options)
    return net, reference


def layer_names(model):
    return [layer.name for layer in model.layers]


def randomize_batch_norm(model, seed=0):
    """Give every batch normalisation non-trivial statistics, so that a lost one shows."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.set_weights([
                rng.uniform(0.5, 1.5, w.shape).astype("float32") if v.path.endswith(
                    ("gamma", "variance")) else rng.normal(0, 0.1, w.shape).astype("float32")
                for v, w in zip(layer.weights, layer.get_weights())])


def outputs(model, x, *layers):
    """*model*'s output on *x* in inference mode; with *layers*, theirs and then the output."""
    if layers:
        model = keras.Model(model.input, [*(model.get_layer(n).output for n in layers),
                                          model.output])
        return [np.asarray(y) for y in model(x, training=False)]
    return np.asarray(model(x, training=False))


def assert_loads_keras_weights(net, reference, tmp_path, features, seed=0):
    """A .weights.h5 written by *reference* loads into *net*; both compute the same."""
    randomize_batch_norm(reference, seed)
    path = str(tmp_path / "reference.weights.h5")
    reference.save_weights(path)
    report = net.load_weights(path)
    assert not report.missing and not report.unused and not report.skipped
    assert len(report.loaded) == sum(1 for layer in reference.layers if layer.weights)
    model = net.to_keras()
    x = np.random.default_rng(seed).uniform(-1, 1, (2, *model.input_shape[1:])).astype("float32")
    ours, ours_proba = outputs(model, x, features)
    theirs, proba = outputs(reference, x, features)
    assert np.abs(theirs).max() > 1e-3  # features that could tell two networks apart
    np.testing.assert_allclose(ours, theirs, atol=1e-5)
    np.testing.assert_allclose(ours_proba, proba, atol=1e-5)


@pytest.fixture(scope="module", params=list(ZOO))
def smallest(request):
    """Ours and Keras' network of one architecture at its smallest input, with 2 classes."""
    fn = request.param
    side = ZOO[fn][1]
    net, reference = build_pair(fn, (side, side, 3), n_classes=2)
    return fn, net, reference


def test_each_classifies_images_of_its_smallest_size(smallest):
    fn, net, _ = smallest
    entry = getattr(dn.applications, fn).application
    side = ZOO[fn][1]
    assert (entry.min_size, entry.native_shape, entry.keras_name) == (side, ZOO[fn][2],
                                                                      ZOO[fn][0])
    assert dn.applications.find(entry.key) is entry
    pixels = np.random.default_rng(1).uniform(0, 255, (3, side, side, 3)).astype("float32")
    proba = outputs(net.to_keras(), pixels / 127.5 - 1)
    assert proba.shape == (3, 2) and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)


def test_each_has_keras_layer_names_in_order_and_parameter_count(smallest):
    _, net, reference = smallest
    model = net.to_keras()
    assert layer_names(model) == layer_names(reference)
    assert set(net.layer_names) == set(layer_names(reference))
    assert net.count_params() == model.count_params() == reference.count_params()


def test_each_loads_a_keras_weight_file_by_name(smallest, tmp_path):
    fn, net, reference = smallest
    features = {"InceptionV3": "mixed10", "Xception": "block14_sepconv2_act",
                "MobileNetV1": "conv_pw_13_relu", "MobileNetV2": "out_relu"}[fn]
    assert_loads_keras_weights(net, reference, tmp_path, features)


def test_mobilenet_v2_weights_with_both_kinds_of_padding(tmp_path):
    # 72 -> 36 -> 18 -> 9 -> 5 -> 3: the strided blocks see even (pad bottom and right)
    # and odd sizes (pad all sides), as Keras' correct_pad decides
    net, reference = build_pair("MobileNetV2", (72, 72, 3), n_classes=3, alpha=0.5)
    assert layer_names(net.to_keras()) == layer_names(reference)
    assert net.count_params() == reference.count_params()
    assert net["block_3_pad"].padding == ((0, 1), (0, 1))
    assert net["block_6_pad"].padding == ((1, 1), (1, 1))
    assert net["block_13_pad"].output_shape == (None, 7, 7, 288)
    assert_loads_keras_weights(net, reference, tmp_path, "out_relu", seed=2)


def test_mobilenet_v1_follows_keras_alpha():
    net, reference = build_pair("MobileNetV1", (32, 32, 3), n_classes=2, alpha=0.5)
    assert layer_names(net.to_keras()) == layer_names(reference)
    assert net.count_params() == reference.count_params()


@pytest.mark.parametrize("fn", list(ZOO))
def test_without_top_a_new_head_follows_the_features(fn):
    side = ZOO[fn][1]
    net = getattr(dn.applications, fn)(n_classes=2, input_shape=(side, side, 3),
                                       include_top=False, freeze=True)
    assert net.layer_names[-2:] == ["avg_pool", "output"]
    features = net["avg_pool"].inputs[0]
    assert len(net[features].output_shape) == 4
    assert net["output"].output_shape == (None, 2) and net["output"].act == "softmax"
    assert not any(name in net.layer_names for name in ("predictions", "conv_preds"))
    model = net.to_keras()
    assert model.get_layer("output").trainable and not model.get_layer(features).trainable


def test_transfer_learning_from_a_keras_file_without_top(tmp_path):
    keras.backend.clear_session()
    reference = keras.applications.MobileNetV2(weights=None, include_top=False,
                                               input_shape=(32, 32, 3), alpha=0.35)
    randomize_batch_norm(reference, seed=5)
    path = str(tmp_path / "mobilenet_v2_no_top.weights.h5")
    reference.save_weights(path)
    net = dn.applications.MobileNetV2(n_classes=2, input_shape=(32, 32, 3), include_top=False,
                                      pretrained_weights=path, freeze=True, alpha=0.35)
    block = reference.get_layer("block_16_project")
    np.testing.assert_array_equal(net["block_16_project"].get_weights()[0],
                                  block.get_weights()[0])
    data = dn.datasets.shapes(n=32, image_size=32, classes=("circle", "square"), seed=0)
    head, body = net["output"].get_weights()[0].copy(), net["Conv_1"].get_weights()[0].copy()
    hist = net.fit((data.images.astype("float32"), data.labels), epochs=1, batch_size=8,
                   live=False, seed=0, background=False)
    assert np.isfinite(hist.frame["loss"].iloc[0])
    assert not np.allclose(net["output"].get_weights()[0], head), "the new head did not learn"
    np.testing.assert_array_equal(net["Conv_1"].get_weights()[0], body)  # frozen


def test_tf_preprocessing_maps_pixels_to_minus_one_one():
    plain = dn.applications.MobileNetV1(n_classes=2, input_shape=(32, 32, 3), preprocessing=None)
    built_in = dn.applications.MobileNetV1(n_classes=2, input_shape=(32, 32, 3))
    assert built_in.layer_names[1:] == plain.layer_names[1:]
    built_in.set_weights(plain.get_weights())
    pixels = np.random.default_rng(3).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(outputs(built_in.to_keras(), pixels),
                               outputs(plain.to_keras(), pixels / 127.5 - 1), atol=1e-5)


@pytest.mark.parametrize("fn", list(ZOO))
def test_too_small_images_are_refused_in_one_sentence(fn):
    side = ZOO[fn][1]
    with pytest.raises(InvalidArgumentError) as info:
        getattr(dn.applications, fn)(n_classes=2, input_shape=(side - 1, side, 3))
    message = str(info.value)
    assert fn in message and f"{side}×{side}" in message and "\n" not in message


@pytest.mark.parametrize("fn, alpha", [
    *((fn, alpha) for fn in ("MobileNetV1", "MobileNetV2") for alpha in (0, -1.0, "1", True)),
    ("MobileNetV1", 0.03),  # conv1 would have int(32 * 0.03) = 0 filters
])
def test_bad_alpha_is_refused_in_one_sentence(fn, alpha):
    with pytest.raises(InvalidArgumentError, match="alpha") as info:
        getattr(dn.applications, fn)(n_classes=2, input_shape=(32, 32, 3), alpha=alpha)
    assert fn in str(info.value) and "\n" not in str(info.value)


@pytest.mark.slow
@pytest.mark.parametrize("fn, options", [
    *((fn, {}) for fn in ZOO), ("MobileNetV1", {"alpha": 0.75}), ("MobileNetV2", {"alpha": 0.5}),
    ("MobileNetV2", {"alpha": 1.4}),  # above 1, the last convolution widens too
], ids=["InceptionV3", "Xception", "MobileNetV1", "MobileNetV2", "MobileNetV1-alpha0.75",
        "MobileNetV2-alpha0.5", "MobileNetV2-alpha1.4"])
def test_native_size_equals_keras_applications(fn, options):
    net, reference = build_pair(fn, ZOO[fn][2], **options)
    assert layer_names(net.to_keras()) == layer_names(reference)
    assert net.count_params() == reference.count_params()
    assert net.to_keras().output_shape == reference.output_shape == (None, 1000)


def test_global_average_pooling_can_keep_the_spatial_axes():
    net = dn.Network(name="gap_net")
    net.add(dn.layers.InputLayer(shape=(4, 5, 3)))
    net.add(dn.layers.GlobalAveragePooling2D(keepdims=True, name="gap"))
    assert net["gap"].output_shape == (None, 1, 1, 3)
    x = np.random.default_rng(4).normal(size=(2, 4, 5, 3)).astype("float32")
    np.testing.assert_allclose(outputs(net.to_keras(), x), x.mean(axis=(1, 2), keepdims=True),
                               atol=1e-6)
    assert dl_cell(net).splitlines()[-1] == "gap: gap keepdims"
    assert parse_layer(tokenize("gap keepdims", line=1)).spec.keepdims is True
    assert parse_layer(tokenize("gap", line=1)).spec.keepdims is False
