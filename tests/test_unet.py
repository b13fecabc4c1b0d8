"""U-Net: the encoder-decoder with skip connections, checked against the same network in
plain Keras, and trained through net.fit on shapes with their masks."""

from __future__ import annotations

import numpy as np
import pytest

import dl_notebook as dn
from dl_notebook._keras import keras
from dl_notebook.applications import catalog


def _keras_unet(n_classes, input_shape, depth, filters):
    """The same U-Net written directly with Keras layers, with the same layer names."""
    k = keras()
    inputs = k.Input(input_shape)
    x = k.layers.Rescaling(1 / 255)(inputs)

    def double(x, n, prefix):
        for i in (1, 2):
            x = k.layers.Conv2D(n, 3, padding="same", use_bias=False, name=f"{prefix}_conv{i}")(x)
            x = k.layers.BatchNormalization(momentum=0.9, epsilon=1e-3, name=f"{prefix}_bn{i}")(x)
            x = k.layers.ReLU()(x)
        return x

    skips = []
    for level in range(1, depth + 1):
        x = double(x, filters * 2 ** (level - 1), f"down{level}")
        skips.append(x)
        x = k.layers.MaxPooling2D(2)(x)
    x = double(x, filters * 2 ** depth, "bottom")
    for level in range(depth, 0, -1):
        n = filters * 2 ** (level - 1)
        x = k.layers.Conv2DTranspose(n, 2, strides=2, name=f"up{level}_deconv")(x)
        x = k.layers.Concatenate()([x, skips[level - 1]])
        x = double(x, n, f"up{level}")
    outputs = k.layers.Conv2D(n_classes, 1, activation="softmax", name="output")(x)
    return k.Model(inputs, outputs)


@pytest.mark.parametrize("depth, shape", [(2, (32, 32, 3)), (3, (24, 40, 1))])
def test_unet_matches_the_same_network_in_keras(depth, shape):
    net = dn.applications.UNet(4, input_shape=shape, depth=depth, filters=4)
    reference = _keras_unet(4, shape, depth, 4)
    assert net["output"].output_shape == (None, *shape[:2], 4)
    assert net.count_params() == reference.count_params()
    assert net[f"down{depth}_pool"].output_shape == (None, shape[0] >> depth, shape[1] >> depth,
                                                     4 * 2 ** (depth - 1))
    model = net.to_keras()
    for layer in reference.layers:  # copy the weights by name: the wiring must then agree
        if layer.weights:
            layer.set_weights(model.get_layer(layer.name).get_weights())
    x = np.random.default_rng(0).uniform(0, 255, (2, *shape)).astype("float32")
    np.testing.assert_allclose(model(x), reference(x), atol=1e-5)


def test_unet_is_registered_and_refuses_bad_arguments():
    entry = catalog()["unet"]
    assert entry.function is dn.applications.UNet and entry.task == "segmentation"
    assert dn.applications.UNet(3, (16, 16, 3), depth=1, filters=2, batch_norm=False,
                                dropout=0.2).layer_names == [
        "input_layer", "down1_conv1", "down1_conv2", "down1_pool", "bottom_conv1",
        "bottom_conv2", "bottom_dropout", "up1_deconv", "up1_concat", "up1_conv1", "up1_conv2",
        "output"]
    with pytest.raises(dn.ShapeError, match="multiples of 8; got 30×32"):
        dn.applications.UNet(3, input_shape=(30, 32, 3), depth=3)
    with pytest.raises(dn.InvalidArgumentError, match="n_classes must be an integer of at least 2"):
        dn.applications.UNet(1)
    with pytest.raises(dn.InvalidArgumentError, match="depth must be a positive integer"):
        dn.applications.UNet(2, depth=0)


def _ious(net, data):
    """Intersection over union of each class (background first) on *data*."""
    x, truth = data.to_numpy()
    predicted = np.asarray(net.to_keras().predict(x, verbose=0)).argmax(-1)
    return np.array([((predicted == c) & (truth == c)).sum()
                     / max(((predicted == c) | (truth == c)).sum(), 1)
                     for c in range(data.n_classes)])


def test_a_small_unet_learns_to_segment_held_out_shapes():
    shapes = dn.datasets.shapes(n=160, image_size=32, kind="segment", classes=("circle",), seed=0)
    data = dn.SegmentationDataset.from_arrays(shapes.images, shapes.masks,
                                              class_names=("background", "circle"))
    train, test = dn.two_way_split(data, test_rate=25, seed=0)
    keras().utils.set_random_seed(0)  # the initial weights
    net = dn.applications.UNet(2, input_shape=(32, 32, 3), depth=2, filters=8)
    before = _ious(net, test)
    history = net.fit(train, valid_data=test, epochs=8, batch_size=8,
                      solver=dn.solvers.Adam(0.01), seed=0).wait()
    frame = history.frame
    assert {"loss", "accuracy", "val_accuracy"} <= set(frame.columns)  # per-pixel accuracy
    assert frame["loss"].iloc[-1] < 0.3 * frame["loss"].iloc[0]
    after = _ious(net, test)
    # untrained, the circles are found by chance (IoU at most their share of the pixels);
    # predicting background everywhere would give a mean IoU under 0.5
    assert before[1] < 0.3 and after[1] > 0.6 and after.mean() > 0.75, (before, after)
