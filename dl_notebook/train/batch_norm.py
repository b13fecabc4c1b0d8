"""Batch-normalisation statistics taken afresh from data (``dn.update_batch_norm``).

A batch-normalisation layer normalises with the statistics of each batch
while it trains, and with its moving averages when it scores. After a
short run (a few dozen steps of fine-tuning) those averages still lag far
behind the weights: with Keras' momentum 0.99 they have moved only about
13 % of the way after 14 steps, so a network that trained well can score
near chance. :func:`update_batch_norm` replaces them with the mean of the
batch statistics over the given data, the remedy of PyTorch's
``torch.optim.swa_utils.update_bn`` and of "precise BN" (Wu & Johnson,
*Rethinking "Batch" in BatchNorm*, 2021). The weights do not change.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._keras import keras, keras_model_of
from ..errors import InvalidArgumentError

__all__ = ["update_batch_norm"]


def _batch_norm_layers(model):
    """The trainable BatchNormalization layers of *model*, nested models included.

    A frozen one (``trainable=False``) always runs in inference mode in Keras
    and keeps its statistics, so it is left out.
    """
    bn = keras().layers.BatchNormalization
    return [layer for layer in model._flatten_layers(include_self=False)
            if isinstance(layer, bn) and layer.trainable]


def _input_batches(data, batch_size):
    """The input batches of *data*: a dl_notebook dataset, a tf.data.Dataset, (x, y) or x."""
    import tensorflow as tf

    if hasattr(data, "to_tf_dataset"):
        return (x for x, _ in data.to_tf_dataset(batch_size=batch_size))
    if isinstance(data, tf.data.Dataset):
        return (batch[0] if isinstance(batch, tuple) else batch for batch in data)
    x = data[0] if isinstance(data, tuple) and len(data) == 2 else data
    try:
        x = np.asarray(x, dtype="float32")
    except (TypeError, ValueError):
        raise InvalidArgumentError(
            "update_batch_norm: data must be a dl_notebook dataset, a tf.data.Dataset, "
            f"an (x, y) pair or an array of inputs; got {type(data).__name__}."
        ) from None
    return (x[i:i + batch_size] for i in range(0, len(x), batch_size))


def update_batch_norm(net, data, batch_size=32, max_batches=None):
    """Set every batch-normalisation layer's moving mean and variance from *data*.

    Runs the network in training mode over *data* (no weight changes: no
    loss, no gradients), and gives each trainable BatchNormalization layer
    the mean, over the batches, of the statistics it sees, weighted by the
    batch size. Use it after a short fine-tune, or after changing a
    network's first layers, when scoring is much worse than training.
    Frozen layers keep their statistics; dropout is active during the
    pass, as in training.

    Args:
        net: a dl_notebook ``Network`` (or anything with ``to_keras()``) or a Keras model.
        data: the training data: a dl_notebook dataset (read unshuffled, without
            augmentation), a ``tf.data.Dataset`` of ``(inputs, labels)`` or of inputs,
            an ``(x, y)`` pair of arrays, or an array of inputs.
        batch_size: batch size for datasets and arrays; use the training batch size
            (batch statistics depend on it).
        max_batches: stop after this many batches (None: the whole data).

    Returns:
        The number of layers updated.

    Example:
        >>> import numpy as np
        >>> import dl_notebook as dn
        >>> net = dn.Sequential("bn", layers=[dn.layers.InputLayer(shape=(3,)),
        ...                                   dn.layers.BN(), dn.layers.OutputLayer(2)])
        >>> x = np.random.default_rng(0).normal(5.0, 2.0, (64, 3)).astype("float32")
        >>> dn.update_batch_norm(net, x, batch_size=16)
        1
        >>> import keras
        >>> bn = [l for l in net.to_keras().layers if isinstance(l, keras.layers.BatchNormalization)]
        >>> bool(np.allclose(bn[0].moving_mean.numpy(), x.mean(axis=0), atol=1e-4))
        True
    """
    if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or batch_size < 1:
        raise InvalidArgumentError(
            f"update_batch_norm: batch_size must be a positive integer; got {batch_size!r}."
        )
    if max_batches is not None and (not isinstance(max_batches, numbers.Integral)
                                    or isinstance(max_batches, bool) or max_batches < 1):
        raise InvalidArgumentError(
            f"update_batch_norm: max_batches must be a positive integer or None; got {max_batches!r}."
        )
    model = keras_model_of(net, "update_batch_norm")
    layers = _batch_norm_layers(model)
    if not layers:
        return 0
    before = [(layer.moving_mean.numpy(), layer.moving_variance.numpy()) for layer in layers]
    momenta = [layer.momentum for layer in layers]
    sums = [[np.zeros(mean.shape, "float64"), np.zeros(var.shape, "float64")]
            for mean, var in before]
    seen = 0
    try:
        for layer in layers:
            layer.momentum = 0.0  # each call leaves that batch's statistics in the moving ones
        for count, x in enumerate(_input_batches(data, int(batch_size))):
            if max_batches is not None and count >= max_batches:
                break
            n = int(x.shape[0])
            if n == 0:
                continue
            model(x, training=True)
            for layer, (mean, var) in zip(layers, sums):
                mean += n * layer.moving_mean.numpy()
                var += n * layer.moving_variance.numpy()
            seen += n
        if seen == 0:
            raise InvalidArgumentError("update_batch_norm: the data has no examples.")
    except BaseException:  # an interrupted or empty pass leaves the statistics as they were
        _assign(layers, before)
        raise
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum
    _assign(layers, [(mean / seen, var / seen) for mean, var in sums])
    return len(layers)


def _assign(layers, statistics):
    for layer, (mean, var) in zip(layers, statistics):
        layer.moving_mean.assign(np.asarray(mean, "float32"))
        layer.moving_variance.assign(np.asarray(var, "float32"))
