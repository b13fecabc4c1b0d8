"""dn.update_batch_norm: moving batch-norm statistics taken afresh from data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits

import dl_notebook as dn
from dl_notebook.errors import InvalidArgumentError

L = dn.layers


def _bn_layers(net):
    import keras

    return [layer for layer in net.to_keras().layers
            if isinstance(layer, keras.layers.BatchNormalization)]


def _conv_net():
    net = dn.Sequential("cbn", layers=[L.InputLayer(shape=(8, 8, 1)),
                                       L.Conv2d(4, 3, act=None, name="conv"),
                                       L.BN(name="bn1"), L.Activation("relu"),
                                       L.Pooling(2), L.Conv2d(6, 3, act=None),
                                       L.BN(name="bn2"), L.GlobalAveragePooling2D(),
                                       L.OutputLayer(3)])
    return net


def test_statistics_are_the_size_weighted_mean_of_each_batchs_moments():
    import keras

    net = _conv_net()
    x = np.random.default_rng(0).normal(3.0, 2.0, (50, 8, 8, 1)).astype("float32")
    model = net.to_keras()
    bn1 = model.get_layer("bn1")
    before_input = keras.Model(model.inputs[0], model.get_layer("conv").output)
    assert dn.update_batch_norm(net, x, batch_size=16) == 2
    # the oracle: the moments of each batch of 16, 16, 16 and 2, averaged by size
    means, variances, sizes = [], [], []
    for start in range(0, 50, 16):
        h = np.asarray(before_input(x[start:start + 16]), "float64")
        means.append(h.mean(axis=(0, 1, 2)))
        variances.append(h.var(axis=(0, 1, 2)))
        sizes.append(len(h))
    np.testing.assert_allclose(bn1.moving_mean.numpy(), np.average(means, axis=0, weights=sizes),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn1.moving_variance.numpy(),
                               np.average(variances, axis=0, weights=sizes), rtol=1e-4, atol=1e-5)
    assert [layer.momentum for layer in _bn_layers(net)] == [0.99, 0.99]  # put back


def test_a_network_whose_statistics_lag_scores_well_again_and_keeps_its_weights():
    digits = load_digits()
    x = (digits.images[..., None] * 16).astype("float32")
    y = digits.target
    net = dn.Sequential("digits_bn", layers=[
        L.InputLayer(shape=(8, 8, 1), scale=1 / 255), L.Conv2d(16, 3, act=None),
        L.BN(name="bn"), L.Activation("relu"), L.Pooling(2), L.Flatten(), L.OutputLayer(10)])
    import keras

    keras.utils.set_random_seed(0)
    net.fit((x[:1200], y[:1200]), epochs=3, batch_size=32, seed=0, live=False,
            background=False, solver=dn.solvers.Adam(0.01))
    trained = net.evaluate((x[1200:], y[1200:])).accuracy
    bn = net.to_keras().get_layer("bn")
    bn.moving_mean.assign(bn.moving_mean.numpy() + 50.0)  # statistics far from the weights
    bn.moving_variance.assign(bn.moving_variance.numpy() * 0.01)
    lagging = net.evaluate((x[1200:], y[1200:])).accuracy
    weights = [w.copy() for w in net.to_keras().get_weights()]
    dn.update_batch_norm(net, (x[:1200], y[:1200]), batch_size=32)
    fresh = net.evaluate((x[1200:], y[1200:])).accuracy
    assert trained > 0.85 and lagging < 0.5, (trained, lagging)
    assert fresh > 0.85, (trained, lagging, fresh)
    after = net.to_keras().get_weights()
    changed = [i for i, (a, b) in enumerate(zip(weights, after)) if not np.array_equal(a, b)]
    names = [w.path for w in net.to_keras().weights]
    assert all("moving" in names[i] for i in changed) and changed  # only the statistics moved


def test_dl_notebook_datasets_and_tf_datasets_give_the_same_statistics():
    import tensorflow as tf

    rng = np.random.default_rng(1)
    images = rng.integers(0, 255, (20, 8, 8, 1)).astype("float32")
    ds = dn.ImageDataset.from_arrays(images, [0, 1] * 10, normalize=None)
    results = []
    for data in (ds, tf.data.Dataset.from_tensor_slices((images, np.zeros(20))).batch(8)):
        net = _conv_net()
        net.to_keras().set_weights(_conv_net_weights())
        dn.update_batch_norm(net, data, batch_size=8)
        results.append([layer.moving_mean.numpy() for layer in _bn_layers(net)])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


_WEIGHTS = []


def _conv_net_weights():
    if not _WEIGHTS:
        import keras

        keras.utils.set_random_seed(3)
        _WEIGHTS.append(_conv_net().to_keras().get_weights())
    return _WEIGHTS[0]


def test_frozen_layers_keep_their_statistics():
    net = _conv_net()
    net.freeze(["bn1"])
    bn1, bn2 = _bn_layers(net)
    x = np.random.default_rng(2).normal(5.0, 1.0, (16, 8, 8, 1)).astype("float32")
    assert dn.update_batch_norm(net, x) == 1
    assert np.array_equal(bn1.moving_mean.numpy(), np.zeros(4))
    assert not np.array_equal(bn2.moving_mean.numpy(), np.zeros(6))


def test_an_interrupted_pass_leaves_the_statistics_as_they_were():
    net = _conv_net()
    x = np.random.default_rng(3).normal(5.0, 1.0, (16, 8, 8, 1)).astype("float32")

    class Interrupted:  # a dataset whose reading is stopped after one batch
        def to_tf_dataset(self, batch_size):
            yield x[:8], np.zeros(8)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        dn.update_batch_norm(net, Interrupted())
    for layer in _bn_layers(net):
        assert np.array_equal(layer.moving_mean.numpy(), np.zeros(layer.moving_mean.shape))
        assert np.array_equal(layer.moving_variance.numpy(), np.ones(layer.moving_mean.shape))
        assert layer.momentum == 0.99


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 0}, "batch_size must be a positive integer"),
    ({"max_batches": 0}, "max_batches must be a positive integer"),
    ({"data": np.zeros((0, 8, 8, 1), "float32")}, "the data has no examples"),
    ({"data": "images/"}, "update_batch_norm: data must be"),
    ({"net": object()}, "update_batch_norm needs a dn.Network or a keras.Model"),
])
def test_bad_arguments_get_one_sentence_errors(kwargs, message):
    args = {"net": _conv_net(), "data": np.zeros((4, 8, 8, 1), "float32"), **kwargs}
    with pytest.raises(InvalidArgumentError, match=message):
        dn.update_batch_norm(**args)
