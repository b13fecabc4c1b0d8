"""VGG, DenseNet and Darknet: shapes, forward passes, training, Keras parity and weight files.

The oracles are ``keras.applications`` (VGG16, VGG19, DenseNet121: the same
layer names in the same order, the same parameter count, and a Keras weight
file that loads into ours with the same outputs) and, for Darknet-19, a
plain ``keras.Sequential`` written from Table 6 of the YOLOv2 paper.
"""

from __future__ import annotations

import os
import re

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.applications.darknet import darknet19_body  # noqa: E402
from dl_notebook.errors import InvalidArgumentError  # noqa: E402
from dl_notebook.magics.commands import run_cell  # noqa: E402

A = dn.applications
SMALL = (32, 32, 3)
BUILDERS = [A.VGG11, A.VGG13, A.VGG16, A.VGG19, A.DenseNet121, A.Darknet19, A.DarknetReference]

# Layers Keras leaves unnamed get names with a session counter (input_layer_3); ours have
# names of their own where Keras has none.
AUTO = re.compile(r"^(input_layer|zero_padding2d)(_\d+)?$")
OURS_FOR_AUTO = {"conv1_pad": "zero_padding2d", "pool1_pad": "zero_padding2d"}


def keras_names(model):
    return [AUTO.match(layer.name).group(1) if AUTO.match(layer.name) else layer.name
            for layer in model.layers]


def images(n, shape=SMALL, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, size=(n, *shape)).astype("float32")


def randomize(model, seed=0):
    """Random weights everywhere, batch-norm statistics included (Keras starts them at 0 and 1)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 1.5, gamma.shape), rng.normal(0, 0.1, beta.shape),
                               rng.normal(0, 0.1, mean.shape), rng.uniform(0.5, 1.5, var.shape)])
        elif layer.weights:
            layer.set_weights([w + rng.normal(0, 0.01, w.shape) for w in layer.get_weights()])


def features(model, name, x):
    """The output of layer *name* and the model's output, for *x* (one eager call)."""
    both = keras.Model(model.input, [model.get_layer(name).output, model.output])
    return [np.asarray(t) for t in both(x)]


# -- every architecture ------------------------------------------------------------------
@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_builds_and_predicts_on_small_images(build):
    net = build(n_classes=2, input_shape=SMALL)
    assert isinstance(net, dn.Network) and net.name == build.__name__.lower()
    assert net.layer_names[0] == "input_layer" and net.layer_names[-1] == "predictions"
    model = net.to_keras()
    helpers = ("input_layer_bgr", "input_layer_scale")  # the preprocessing
    assert [layer.name for layer in model.layers if layer.name not in helpers][1:] == \
        net.layer_names[1:]
    assert net.count_params() == model.count_params()
    proba = np.asarray(model(images(2)))
    assert proba.shape == (2, 2) and np.allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert np.isfinite(proba).all()
    entry = build.application
    assert entry.key == build.__name__.lower() and entry.min_size == 32
    assert A.find(entry.key) is entry and entry.fits(SMALL) and not entry.fits((31, 64, 3))


@pytest.mark.parametrize("build, features_layer", [
    (A.VGG16, "block5_pool"), (A.DenseNet, "relu"), (A.Darknet19, "conv18_leaky"),
    (A.DarknetReference, "conv7_leaky"),
], ids=lambda v: getattr(v, "__name__", v))
def test_without_top_a_new_head_or_the_features(build, features_layer):
    small = dict(blocks=(1, 2)) if build is A.DenseNet else {}
    net = build(n_classes=2, input_shape=SMALL, include_top=False, **small)
    assert net.layer_names[-3:] == [features_layer, "avg_pool", "output"]
    assert net["output"].output_shape == (None, 2) and net["output"].act == "softmax"
    bare = build(input_shape=(64, 64, 3), include_top=False, **small)
    assert bare.layer_names[-1] == features_layer
    assert len(bare[features_layer].output_shape) == 4


@pytest.mark.parametrize("build", [A.VGG11, A.VGG16, A.DenseNet121, A.Darknet19],
                         ids=lambda b: b.__name__)
def test_too_small_images_and_bad_arguments_are_refused(build):
    with pytest.raises(InvalidArgumentError) as info:
        build(n_classes=2, input_shape=(31, 32, 3))
    message = str(info.value)
    assert build.__name__ in message and "32×32" in message and "\n" not in message
    with pytest.raises(InvalidArgumentError, match="n_classes"):
        build(n_classes=1, input_shape=SMALL)
    with pytest.raises(InvalidArgumentError, match="preprocessing"):
        build(n_classes=2, input_shape=SMALL, preprocessing="imagenet")


def test_default_preprocessing_matches_the_keras_weights_of_each_family():
    vgg = A.VGG11(n_classes=2, input_shape=SMALL)["input_layer"]
    dense = A.DenseNet(n_classes=2, input_shape=SMALL, blocks=(1, 1))["input_layer"]
    dark = A.DarknetReference(n_classes=2, input_shape=SMALL)["input_layer"]
    assert vgg.reverse_channels and np.allclose(vgg.offsets, (103.939, 116.779, 123.68))
    assert np.isclose(dense.scale, 1 / 255) and np.allclose(dense.std, (0.229, 0.224, 0.225))
    assert np.isclose(dark.scale, 1 / 255) and not dark.offsets


# -- VGG -----------------------------------------------------------------------------------
def test_vgg_configurations_a_b_d_e():
    convs = {A.VGG11: 8, A.VGG13: 10, A.VGG16: 13, A.VGG19: 16}
    for build, n in convs.items():
        net = build(input_shape=SMALL, include_top=False)
        names = [name for name in net.layer_names if re.fullmatch(r"block\d_conv\d", name)]
        assert len(names) == n, build.__name__
        assert net.layer_names[-1] == "block5_pool"
        assert [net[f"block{b}_conv1"].n_filters for b in range(1, 6)] == [64, 128, 256, 512, 512]
    net = A.VGG11(n_classes=2, input_shape=SMALL)
    assert net.layer_names[1:5] == ["block1_conv1", "block1_pool", "block2_conv1", "block2_pool"]
    assert net.layer_names[-4:] == ["flatten", "fc1", "fc2", "predictions"]
    # 3×3 convolutions with biases, 512 features into fc1 at 32×32, two 4096-unit layers
    widths = [3, 64, 128, 256, 256, 512, 512, 512, 512]
    expected = sum(9 * a * b + b for a, b in zip(widths, widths[1:]))
    expected += 512 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 2 + 2
    assert net.count_params() == expected


def test_vgg_loads_a_keras_notop_weight_file(tmp_path):
    """``pretrained_weights=`` with Keras' VGG16 without top, then a new head for 2 classes."""
    keras_model = keras.applications.VGG16(weights=None, include_top=False, input_shape=SMALL)
    randomize(keras_model)
    path = str(tmp_path / "vgg16_notop.weights.h5")
    keras_model.save_weights(path)
    net = A.VGG16(n_classes=2, input_shape=SMALL, include_top=False, pretrained_weights=path,
                  freeze=True, preprocessing=None)
    x = images(3)
    ours = features(net.to_keras(), "block5_pool", x)[0]
    np.testing.assert_allclose(ours, keras_model(x), rtol=1e-5, atol=1e-5)
    assert not net["block3_conv2"].trainable and net["output"].trainable


# -- DenseNet --------------------------------------------------------------------------------
def test_densenet_blocks_growth_rate_and_transitions():
    net = A.DenseNet(n_classes=3, input_shape=SMALL, blocks=(2, 3), growth_rate=8)
    assert net.name == "densenet"
    assert net.layer_names[1:7] == ["conv1_pad", "conv1_conv", "conv1_bn", "conv1_relu",
                                    "pool1_pad", "pool1"]
    assert net.layer_names[7:14] == ["conv2_block1_0_bn", "conv2_block1_0_relu",
                                     "conv2_block1_1_conv", "conv2_block1_1_bn",
                                     "conv2_block1_1_relu", "conv2_block1_2_conv",
                                     "conv2_block1_concat"]
    assert net["pool1"].output_shape == (None, 8, 8, 64)
    assert net["conv2_block1_1_conv"].output_shape == (None, 8, 8, 32)  # 4 × growth rate
    assert net["conv2_block2_concat"].output_shape == (None, 8, 8, 64 + 2 * 8)
    assert [net[f"pool2_{p}"].output_shape for p in ("conv", "pool")] == [(None, 8, 8, 40),
                                                                        (None, 4, 4, 40)]
    assert net["conv3_block3_concat"].output_shape == (None, 4, 4, 40 + 3 * 8)
    assert net.layer_names[-4:] == ["bn", "relu", "avg_pool", "predictions"]
    assert not any(net[n].include_bias for n in net.layer_names if n.endswith("_conv"))
    assert {net[n].epsilon for n in net.layer_names if n.endswith("bn")} == {1.001e-5}


@pytest.mark.slow
def test_densenet_defaults_are_densenet121():
    a = A.DenseNet(n_classes=2, input_shape=SMALL)
    b = A.DenseNet121(n_classes=2, input_shape=SMALL)
    assert a.layer_names == b.layer_names and a.count_params() == b.count_params()
    assert "conv4_block24_concat" in a.layer_names and "conv5_block16_concat" in a.layer_names


@pytest.mark.parametrize("kwargs, words", [
    (dict(blocks=()), "blocks"),
    (dict(blocks=(2, 0)), "blocks"),
    (dict(growth_rate=0), "growth_rate"),
    (dict(blocks=(1, 1, 1, 1, 1)), "64×64"),  # four transitions halve 32 px to nothing
])
def test_densenet_refuses_bad_configurations(kwargs, words):
    with pytest.raises(InvalidArgumentError, match=words) as info:
        A.DenseNet(n_classes=2, input_shape=SMALL, **kwargs)
    assert "DenseNet" in str(info.value) and "\n" not in str(info.value)
    assert A.DenseNet(n_classes=2, input_shape=(64, 64, 3), blocks=(1, 1, 1, 1, 1))


# -- Darknet ---------------------------------------------------------------------------------
def paper_darknet19(n_classes, input_shape):
    """Darknet-19 written from Table 6 of the YOLOv2 paper, with plain Keras layers."""
    table = [(32, 3), "M", (64, 3), "M", (128, 3), (64, 1), (128, 3), "M", (256, 3), (128, 1),
             (256, 3), "M", (512, 3), (256, 1), (512, 3), (256, 1), (512, 3), "M", (1024, 3),
             (512, 1), (1024, 3), (512, 1), (1024, 3)]
    layers = [keras.Input(input_shape)]
    for row in table:
        if row == "M":
            layers.append(keras.layers.MaxPooling2D(2, padding="same"))
        else:
            layers += [keras.layers.Conv2D(row[0], row[1], padding="same", use_bias=False),
                       keras.layers.BatchNormalization(), keras.layers.LeakyReLU(0.1)]
    layers += [keras.layers.Conv2D(n_classes, 1), keras.layers.GlobalAveragePooling2D(),
               keras.layers.Softmax()]
    return keras.Sequential(layers)


def test_darknet19_equals_the_paper_table():
    net = A.Darknet19(n_classes=10, input_shape=(64, 64, 3), preprocessing=None)
    oracle = paper_darknet19(10, (64, 64, 3))
    convs = [n for n in net.layer_names if re.fullmatch(r"conv\d+", n)]
    assert convs == [f"conv{i}" for i in range(1, 20)]
    assert net.count_params() == oracle.count_params()
    assert net.layer_names[1:5] == ["conv1", "conv1_bn", "conv1_leaky", "pool1"]
    assert net.layer_names[-3:] == ["conv19", "avg_pool", "predictions"]
    randomize(oracle)
    model = net.to_keras()
    ours = [layer for layer in model.layers if layer.weights]
    theirs = [layer for layer in oracle.layers if layer.weights]
    assert len(ours) == len(theirs) == 19 + 18
    for a, b in zip(ours, theirs):
        a.set_weights(b.get_weights())
    x = images(2, (64, 64, 3)) / 255
    np.testing.assert_allclose(model(x), oracle(x), rtol=1e-5, atol=1e-6)


def test_darknet19_body_gives_the_yolov2_feature_maps():
    net = dn.Network(name="yolo_backbone")

    def add(layer, *inputs):
        net.add(layer, inputs=list(inputs) or None)
        return layer.name

    last, passthrough = darknet19_body(add, add(dn.layers.InputLayer(shape=(416, 416, 3))))
    assert (last, passthrough) == ("conv18_leaky", "conv13_leaky")
    assert net[last].output_shape == (None, 13, 13, 1024)
    assert net[passthrough].output_shape == (None, 26, 26, 512)
    assert net.layer_names[-1] == last and "pool5" in net.layer_names
    assert net.count_params() == A.Darknet19(include_top=False).count_params()


def test_darknet_reference_model():
    net = A.DarknetReference(n_classes=2, input_shape=(64, 64, 3))
    convs = [net[f"conv{i}"].n_filters for i in range(1, 8)]
    assert convs == [16, 32, 64, 128, 256, 512, 1024]
    assert [n for n in net.layer_names if n.startswith("pool")] == [f"pool{i}" for i in range(1, 7)]
    assert net["conv7_leaky"].output_shape == (None, 1, 1, 1024)  # 64 px / 2**6, rounded up
    assert net.layer_names[-4:] == ["conv8", "conv8_leaky", "avg_pool", "predictions"]
    widths = [3, 16, 32, 64, 128, 256, 512, 1024]
    expected = sum(9 * a * b + 4 * b for a, b in zip(widths, widths[1:])) + 1024 * 2 + 2
    assert net.count_params() == expected


def test_darknet_reference_trains_on_shapes():
    data = dn.datasets.shapes(n=32, image_size=32, classes=("circle", "square"), seed=0)
    net = A.DarknetReference(n_classes=2, input_shape=(32, 32, 3))
    kernel = net["conv1"].get_weights()[0].copy()
    mean = net["conv1_bn"].get_weights()[2].copy()
    hist = net.fit((data.images.astype("float32"), data.labels), epochs=1, batch_size=16,
                   live=False, seed=0, background=False)
    assert np.isfinite(hist.frame["loss"].iloc[0])
    assert not np.allclose(kernel, net["conv1"].get_weights()[0])
    assert not np.allclose(mean, net["conv1_bn"].get_weights()[2])


def test_leaky_relu_layer_type():
    ns = {}
    run_cell(ns, "model m --input 4", "leakyrelu 0.25\nleaky\noutput 2")
    net = ns["m"]
    assert [net[n].slope for n in ("leaky1", "leaky2")] == [0.25, 0.1]
    layer = dn.layers.LeakyReLU(0.1, name="leaky")
    small = dn.Sequential(layers=[dn.layers.InputLayer(shape=(4,)), layer])
    x = np.array([[-3.0, -0.5, 0.0, 2.0]], dtype="float32")
    np.testing.assert_allclose(small.to_keras().predict(x, verbose=0), np.where(x < 0, 0.1 * x, x),
                               rtol=1e-6)
    with pytest.raises(InvalidArgumentError, match="slope"):
        dn.layers.LeakyReLU(-0.1)


# -- parity with keras.applications at 224×224 ----------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("fn", ["VGG16", "VGG19", "DenseNet121"])
def test_same_layers_and_parameters_as_keras_applications(fn):
    net = getattr(A, fn)(preprocessing=None)
    model = getattr(keras.applications, fn)(weights=None)
    assert [OURS_FOR_AUTO.get(n, n) for n in net.layer_names] == keras_names(model)
    assert net.count_params() == model.count_params()
    assert getattr(A, fn).application.keras_name == fn


@pytest.mark.slow
def test_a_keras_densenet121_weight_file_gives_the_same_outputs(tmp_path):
    model = keras.applications.DenseNet121(weights=None)
    randomize(model)
    path = str(tmp_path / "densenet121.weights.h5")
    model.save_weights(path)
    net = A.DenseNet121(preprocessing=None)
    report = net.load_weights(path)
    assert not report.missing and not report.unused
    assert len(report.loaded) == len([layer for layer in model.layers if layer.weights]) == 242
    x = keras.applications.densenet.preprocess_input(images(2, (224, 224, 3)))
    ours, theirs = features(net.to_keras(), "relu", x), features(model, "relu", x)
    np.testing.assert_allclose(ours[1], theirs[1], atol=1e-5)  # the class probabilities
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-4, atol=1e-4)  # the features
    # With its own preprocessing the network takes pixel values as they are.
    pixels = A.DenseNet121(pretrained_weights=path).to_keras()
    np.testing.assert_allclose(pixels(images(2, (224, 224, 3))), theirs[1], atol=1e-5)
