"""Grad-CAM and Grad-CAM++: agreement with tf-keras-vis, localisation by a trained CNN,
nested models, layer names, class choices and the graph it leaves untouched.

The reference is tf-keras-vis (``Gradcam`` / ``GradcamPlusPlus`` with
``CategoricalScore``), run on the same Keras 3 model, layer, images and
classes; it upsamples with ``scipy.ndimage.zoom`` (corner-aligned) where
dn.explain uses ``tf.image.resize`` (pixel-centre aligned), so the maps are
compared by their per-image Pearson correlation, not element by element.
tf-keras-vis 0.8.7 runs under Keras 3 / TensorFlow 2.21 on flat models but
cannot reach a layer inside a nested model (its gradient model is "not
connected to inputs"), so nested models are checked against Grad-CAM
written out with a ``tf.GradientTape`` here.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

import dl_notebook as dn  # noqa: E402

L = dn.layers
CLASSES = ("circle", "square", "plus")
SIZE = 48
SEED = 11
N_TRAIN, N_TEST = 1125, 375


def _contrast(images):
    """How far each pixel's colour is from the image's background (its median colour).

    The shapes have random colours on random backgrounds; this one-channel
    view keeps the shapes and drops the colours, so a small CNN learns them
    in a few seconds.
    """
    x = images.astype("float32") / 255.0
    return np.linalg.norm(x - np.median(x, axis=(1, 2), keepdims=True), axis=-1, keepdims=True)


def _inside(heatmap, box, margin=2):
    """Whether the heatmap's maximum lies in *box* (class, x0, y0, x1, y1) widened by *margin*."""
    row, col = np.unravel_index(np.argmax(heatmap), heatmap.shape)
    _, x0, y0, x1, y1 = box
    return x0 - margin <= col < x1 + margin and y0 - margin <= row < y1 + margin


@pytest.fixture(scope="module")
def shapes_net():
    """A small CNN trained on one-shape images; its test images, boxes and correct predictions.

    Its convolutions have no bias, so an empty background gives no
    activations: the classifier cannot read the class off how much
    background surrounds a shape, a shortcut small CNNs otherwise take now
    and then (their Grad-CAM then rightly points at the background). Seeded
    weights and batches make the run repeatable.
    """
    data = dn.datasets.shapes(n=N_TRAIN + N_TEST, image_size=SIZE, kind="localize",
                              classes=CLASSES, seed=SEED)
    x = _contrast(data.images)
    keras.utils.set_random_seed(SEED)
    net = dn.Sequential(name="shapes_cnn", layers=[
        L.InputLayer(shape=(SIZE, SIZE, 1), name="image"),
        L.Conv2d(16, 3, include_bias=False, name="conv1"),
        L.Pooling(2, name="pool1"),
        L.Conv2d(32, 3, include_bias=False, name="conv2"),
        L.Pooling(2, name="pool2"),
        L.Conv2d(32, 3, include_bias=False, name="conv3"),
        L.GlobalAveragePooling2D(name="gap"),
        L.OutputLayer(len(CLASSES), name="out"),
    ])
    net.fit((x[:N_TRAIN], data.labels[:N_TRAIN]), epochs=8, batch_size=32, live=False,
            seed=SEED, solver=dn.solvers.Adam(learning_rate=3e-3))
    x_test, y_test = x[N_TRAIN:], data.labels[N_TRAIN:]
    predicted = net.to_keras().predict(x_test, verbose=0).argmax(axis=1)
    correct = np.flatnonzero(predicted == y_test)
    assert len(correct) >= 0.75 * N_TEST, "the CNN did not learn the shapes"
    boxes = [data.boxes[N_TRAIN + i][0] for i in correct]
    return net, x_test[correct], boxes


def test_pointing_game(shapes_net):
    """The Grad-CAM maximum lies on the object (its box, 2 px wider) for >= 90 % of the
    correctly classified test images; also with Grad-CAM++."""
    net, images, boxes = shapes_net
    assert dn.explain.target_layer(net) == "conv3"
    for method in (dn.explain.gradcam, dn.explain.gradcam_plus_plus):
        cams = method(net, images)
        assert cams.shape == (len(images), SIZE, SIZE) and cams.dtype == np.float32
        assert cams.min() >= 0.0 and np.allclose(cams.max(axis=(1, 2)), 1.0)
        rate = np.mean([_inside(cam, box) for cam, box in zip(cams, boxes)])
        print(f"{method.__name__}: pointing game {rate:.3f} on {len(images)} images")
        assert rate >= 0.9, f"{method.__name__} pointing game {rate:.3f}"


def test_class_discriminative_on_two_shapes(shapes_net):
    """On images with two shapes of different classes, each class's map points at its own
    shape far more often than at the other one (a map that ignores the class cannot)."""
    net, _, _ = shapes_net
    data = dn.datasets.shapes(n=300, image_size=SIZE, kind="detect", classes=CLASSES,
                              seed=SEED + 100, max_objects=2)
    keep = [i for i, b in enumerate(data.boxes) if len(b) == 2 and b[0][0] != b[1][0]]
    x = _contrast(data.images[keep])
    own, other = [], []
    for k in range(2):
        classes = [data.boxes[i][k][0] for i in keep]
        cams = dn.explain.gradcam(net, x, class_index=classes)
        own += [_inside(c, data.boxes[i][k]) for c, i in zip(cams, keep)]
        other += [_inside(c, data.boxes[i][1 - k]) for c, i in zip(cams, keep)]
    print(f"two shapes: own {np.mean(own):.3f}, other {np.mean(other):.3f}, {len(keep)} images")
    assert np.mean(own) >= 0.5 and np.mean(other) <= 0.25


def _pearson(a, b):
    return np.array([np.corrcoef(u.ravel(), v.ravel())[0, 1] for u, v in zip(a, b)])


@pytest.mark.parametrize("method", ["gradcam", "gradcam++"])
def test_agrees_with_tf_keras_vis(shapes_net, method):
    vis = pytest.importorskip("tf_keras_vis.gradcam", reason="tf-keras-vis is a test extra")
    from tf_keras_vis.utils.scores import CategoricalScore

    net, images, _ = shapes_net
    kmodel = net.to_keras()
    images = images[:96]
    classes = kmodel.predict(images, verbose=0).argmax(axis=1)
    reference_cls = vis.Gradcam if method == "gradcam" else vis.GradcamPlusPlus
    reference = reference_cls(kmodel, clone=False)(
        CategoricalScore(classes.tolist()), images, penultimate_layer="conv3",
        seek_penultimate_conv_layer=False)
    ours = dn.explain.heatmaps(kmodel, images, method, class_index=classes, layer="conv3")
    assert ours.shape == reference.shape
    r = _pearson(ours, reference)
    print(f"{method} vs tf-keras-vis: median r {np.median(r):.4f}, min {r.min():.4f}")
    assert np.median(r) >= 0.98


# -- nested models, layer names, classes ------------------------------------------------------

@pytest.fixture(scope="module")
def nested():
    """A functional backbone (two convolutions) under a new head, as transfer learning makes."""
    keras.utils.set_random_seed(1)
    inner_in = keras.Input((16, 16, 3), name="inner_in")
    a = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="inner_conv")(inner_in)
    b = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="inner_last")(a)
    backbone = keras.Model(inner_in, b, name="backbone")
    x = keras.Input((16, 16, 3), name="image")
    h = keras.layers.GlobalAveragePooling2D(name="gap")(backbone(x))
    model = keras.Model(x, keras.layers.Dense(3, activation="softmax", name="head")(h),
                        name="transfer")
    images = np.random.default_rng(0).random((6, 16, 16, 3)).astype("float32")
    return model, backbone, images


def _node_counts(model):
    counts = {}
    for layer in model.layers:
        counts[layer.name] = len(layer._inbound_nodes)
        if isinstance(layer, keras.Model):
            counts.update({f"{layer.name}/{k}": v for k, v in _node_counts(layer).items()})
    return counts


def _reference_cam(fmap_model, head, images, classes):
    """Grad-CAM written out with a GradientTape, for a feature model and a head."""
    x = tf.constant(images)
    with tf.GradientTape() as tape:
        fmap = fmap_model(x)
        tape.watch(fmap)
        out = head(fmap)
        score = tf.gather(out, classes, axis=1, batch_dims=1)
    weights = tf.reduce_mean(tape.gradient(score, fmap), axis=(1, 2))
    cam = tf.nn.relu(tf.einsum("nhwc,nc->nhw", fmap, weights))
    cam = tf.image.resize(cam[..., None], images.shape[1:3])[..., 0].numpy()
    low, high = cam.min(axis=(1, 2), keepdims=True), cam.max(axis=(1, 2), keepdims=True)
    return np.where(high > low, (cam - low) / np.where(high > low, high - low, 1), 0)


def test_nested_model_default_layer_and_names(nested):
    model, backbone, images = nested
    before = _node_counts(model)
    assert dn.explain.target_layer(model) == "backbone/inner_last"
    cams = dn.explain.gradcam(model, images)
    for name in ("inner_last", "backbone/inner_last", "backbone"):
        np.testing.assert_allclose(dn.explain.gradcam(model, images, layer=name), cams,
                                   atol=1e-6)
    inner = dn.explain.gradcam_plus_plus(model, images, layer="inner_conv")
    assert inner.shape == cams.shape and not np.allclose(inner, cams)
    assert _node_counts(model) == before  # explaining left the Keras graph as it was
    classes = model.predict(images, verbose=0).argmax(axis=1)
    head = keras.Sequential([model.get_layer("gap"), model.get_layer("head")])
    np.testing.assert_allclose(cams, _reference_cam(backbone, head, images, classes), atol=1e-5)
    seq = keras.Sequential([keras.Input((16, 16, 3)), backbone, model.get_layer("gap"),
                            model.get_layer("head")])
    np.testing.assert_allclose(dn.explain.gradcam(seq, images), cams, atol=1e-6)
    x = keras.Input((16, 16, 3))
    twice = keras.Model(x, model(x), name="outer")  # a model nested two deep
    assert dn.explain.target_layer(twice) == "transfer/backbone/inner_last"
    np.testing.assert_allclose(dn.explain.gradcam(twice, images), cams, atol=1e-6)
    with pytest.raises(dn.LayerNotFoundError) as err:
        dn.explain.gradcam(model, images, layer="inner_lst")
    assert "'inner_last'" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.slow
def test_mobilenet_backbone_under_a_new_head():
    keras.utils.set_random_seed(2)
    base = keras.applications.MobileNetV2(weights=None, include_top=False, alpha=0.35,
                                          input_shape=(64, 64, 3))
    x = keras.Input((64, 64, 3), name="image")
    h = keras.layers.GlobalAveragePooling2D(name="gap")(base(x, training=False))
    model = keras.Model(x, keras.layers.Dense(4, name="logits")(h), name="transfer")
    assert dn.explain.target_layer(model) == f"{base.name}/out_relu"
    images = np.random.default_rng(0).normal(0, 1, (4, 64, 64, 3)).astype("float32")
    classes = np.arange(4)
    cams = dn.explain.gradcam(model, images, class_index=classes)
    fmap_model = keras.Model(base.inputs, base.get_layer("out_relu").output)
    head = keras.Sequential([model.get_layer("gap"), model.get_layer("logits")])
    np.testing.assert_allclose(cams, _reference_cam(fmap_model, head, images, classes),
                               atol=1e-4)
    block = dn.explain.gradcam(model, images, layer="block_13_expand_relu")
    assert block.shape == (4, 64, 64) and np.isfinite(block).all()


def test_network_layer_names_and_class_choices(shapes_net):
    net, images, _ = shapes_net
    images = images[:8]
    kmodel = net.to_keras()
    default = dn.explain.gradcam(net, images)
    np.testing.assert_allclose(dn.explain.gradcam(net, images, layer="conv3"), default, atol=1e-6)
    np.testing.assert_allclose(dn.explain.gradcam(kmodel, images), default, atol=1e-6)
    predicted = kmodel.predict(images, verbose=0).argmax(axis=1)
    np.testing.assert_allclose(dn.explain.gradcam(net, images, class_index=predicted), default,
                               atol=1e-6)
    per_class = [dn.explain.gradcam(net, images, class_index=c) for c in range(len(CLASSES))]
    mixed = dn.explain.gradcam(net, images, class_index=np.arange(8) % 3, batch_size=3)
    np.testing.assert_allclose(mixed, [per_class[i % 3][i] for i in range(8)], atol=1e-6)
    single = dn.explain.gradcam(net, images[3])  # one H×W×C image: a batch of one
    np.testing.assert_allclose(single, default[3:4], atol=1e-6)
    gray = dn.explain.gradcam(net, images[..., 0])  # (N, H, W) for a one-channel input
    np.testing.assert_allclose(gray, default, atol=1e-6)
    earlier = dn.explain.gradcam(net, images, layer="pool1")
    assert earlier.shape == default.shape and not np.allclose(earlier, default)
