"""A small convolutional classifier that trains in seconds on a CPU."""

from __future__ import annotations

from ..model import Sequential
from ..model import layers as L
from ._checks import check_filters, check_image_shape, check_n_classes
from ._zoo import application

__all__ = ["SmallCNN"]


@application("small_cnn", title="Small CNN", min_size=1, native_shape=(32, 32, 1))
def SmallCNN(n_classes=10, input_shape=(32, 32, 1), name="small_cnn", *, filters=(16, 32),
             dense=64, dropout=0.25, scale=1.0 / 255):
    """A compact CNN: 3×3 convolution blocks, global average pooling and a small dense head.

    Each entry of ``filters`` adds a 3×3 ReLU convolution (``conv1``,
    ``conv2``, …) and 2×2 max pooling (``pool1``, ``pool2``, …); global
    average pooling (``gap1``) keeps the head small whatever the image
    size, then a dense layer (``fc1``, with dropout) and a softmax output
    (``output1``). With the defaults it has a few thousand weights and
    learns the bundled digits in a couple of epochs on a CPU: the model for
    workshops and quick checks.

    Args:
        n_classes: number of classes (units of the output layer).
        input_shape: ``(height, width, channels)`` of the images.
        name: the network's name.
        filters: filters of each convolution block (one block per entry).
        dense: units of the dense layer; 0 for none.
        dropout: dropout rate after the dense layer.
        scale: factor the input layer applies to the pixels; None for none.

    Returns:
        A new ``dn.Sequential`` (untrained).

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.applications.SmallCNN(n_classes=3, input_shape=(16, 16, 3))
        >>> net.layer_names
        ['input1', 'conv1', 'pool1', 'conv2', 'pool2', 'gap1', 'fc1', 'output1']
        >>> net["output1"].output_shape
        (None, 3)
    """
    where = "SmallCNN"
    n_classes = check_n_classes(n_classes, where)
    input_shape = check_image_shape(input_shape, where)
    filters = check_filters(filters, where)
    layers = [L.InputLayer(shape=input_shape, scale=scale, name="input1")]
    for i, n in enumerate(filters, start=1):
        layers += [L.Conv2d(n, 3, act="relu", name=f"conv{i}"),
                   L.Pooling(2, pool="max", name=f"pool{i}")]
    layers.append(L.GlobalAveragePooling2D(name="gap1"))
    if dense:
        layers.append(L.Dense(dense, act="relu", dropout=dropout, name="fc1"))
    layers.append(L.OutputLayer(n_classes, act="softmax", name="output1"))
    return Sequential(name=name, layers=layers)
