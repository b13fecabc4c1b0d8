"""Inception-v3 (Szegedy et al., 2015) with the layer names of ``keras.applications``.

The network is Keras' ``InceptionV3`` layer for layer: a stem of plain
convolutions, three 35×35 blocks (``mixed0``-``mixed2``), a reduction
(``mixed3``), four 17×17 blocks with factorised 7×7 convolutions
(``mixed4``-``mixed7``), a reduction (``mixed8``) and two 8×8 blocks
(``mixed9``, ``mixed10``). Every convolution has no bias and is followed by
batch normalisation without a scale (a positive scale would pass through the
ReLU into the next convolution's weights).

Keras leaves the convolutions, batch normalisations, activations, pools and
two inner concatenations unnamed, so they carry the automatic names a fresh
Keras session gives them in the order Keras makes them (``conv2d``,
``conv2d_1`` … ``conv2d_93``, ``batch_normalization_12``, ``activation_12``,
``average_pooling2d_3``, ``concatenate_1``); a weight file written by
``keras.applications.InceptionV3`` in a fresh session loads by name.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

from ..model import layers as L
from ._classifier import avg_top, classifier
from ._zoo import application

__all__ = ["InceptionV3"]


class _Adder:
    """Adds Inception's layers, named as Keras names them in a fresh session.

    Keras numbers automatic names per layer class in the order it makes the
    layers (``conv2d``, ``conv2d_1`` …), so the layers are added in that order.
    """

    def __init__(self, add):
        self._add = add
        self._counts = defaultdict(itertools.count)

    def _suffix(self, stem):
        n = next(self._counts[stem])
        return f"_{n}" if n else ""

    def _auto(self, stem):
        return stem + self._suffix(stem)

    def conv(self, x, filters, kernel, *, stride=1, padding="same"):
        """Convolution (no bias), batch normalisation (no scale) and ReLU: Keras' ``conv2d_bn``."""
        n = self._suffix("conv2d")  # made together, the three layers share a number
        x = self._add(L.Conv2d(filters, kernel, stride=stride, padding=padding, act=None,
                               include_bias=False, name=f"conv2d{n}"), x)
        x = self._add(L.BN(scale=False, name=f"batch_normalization{n}"), x)
        return self._add(L.Activation("relu", name=f"activation{n}"), x)

    def avg_pool(self, x):
        return self._add(L.Pooling(3, stride=1, pool="mean", padding="same",
                                   name=self._auto("average_pooling2d")), x)

    def max_pool(self, x):
        return self._add(L.Pooling(3, stride=2, padding="valid",
                                   name=self._auto("max_pooling2d")), x)

    def concat(self, *branches, name=None):
        return self._add(L.Concat(name=name or self._auto("concatenate")), *branches)


def _block_35(adder, x, pool_filters, name):
    """``mixed0``-``mixed2``: 1×1, 5×5, double 3×3 and pooled branches."""
    b1 = adder.conv(x, 64, 1)
    b5 = adder.conv(adder.conv(x, 48, 1), 64, 5)
    b3 = adder.conv(adder.conv(adder.conv(x, 64, 1), 96, 3), 96, 3)
    pool = adder.conv(adder.avg_pool(x), pool_filters, 1)
    return adder.concat(b1, b5, b3, pool, name=name)


def _reduction_35(adder, x):
    """``mixed3``: 35×35 to 17×17 by strided 3×3 branches and max pooling."""
    b3 = adder.conv(x, 384, 3, stride=2, padding="valid")
    b3d = adder.conv(adder.conv(adder.conv(x, 64, 1), 96, 3), 96, 3, stride=2, padding="valid")
    return adder.concat(b3, b3d, adder.max_pool(x), name="mixed3")


def _block_17(adder, x, c7, name):
    """``mixed4``-``mixed7``: 7×7 convolutions factorised into 1×7 and 7×1, *c7* channels inside."""
    b1 = adder.conv(x, 192, 1)
    b7 = adder.conv(adder.conv(adder.conv(x, c7, 1), c7, (1, 7)), 192, (7, 1))
    b7d = adder.conv(x, c7, 1)
    for filters, kernel in ((c7, (7, 1)), (c7, (1, 7)), (c7, (7, 1)), (192, (1, 7))):
        b7d = adder.conv(b7d, filters, kernel)
    pool = adder.conv(adder.avg_pool(x), 192, 1)
    return adder.concat(b1, b7, b7d, pool, name=name)


def _reduction_17(adder, x):
    """``mixed8``: 17×17 to 8×8."""
    b3 = adder.conv(adder.conv(x, 192, 1), 320, 3, stride=2, padding="valid")
    b7 = adder.conv(adder.conv(adder.conv(x, 192, 1), 192, (1, 7)), 192, (7, 1))
    b7 = adder.conv(b7, 192, 3, stride=2, padding="valid")
    return adder.concat(b3, b7, adder.max_pool(x), name="mixed8")


def _block_8(adder, x, i):
    """``mixed9``, ``mixed10``: 3×3 convolutions split into parallel 1×3 and 3×1 halves."""
    b1 = adder.conv(x, 320, 1)
    b3 = adder.conv(x, 384, 1)
    b3 = adder.concat(adder.conv(b3, 384, (1, 3)), adder.conv(b3, 384, (3, 1)), name=f"mixed9_{i}")
    b3d = adder.conv(adder.conv(x, 448, 1), 384, 3)
    b3d = adder.concat(adder.conv(b3d, 384, (1, 3)), adder.conv(b3d, 384, (3, 1)))
    pool = adder.conv(adder.avg_pool(x), 192, 1)
    return adder.concat(b1, b3, b3d, pool, name=f"mixed{9 + i}")


def _body(add, x):
    adder = _Adder(add)
    x = adder.conv(x, 32, 3, stride=2, padding="valid")
    x = adder.conv(x, 32, 3, padding="valid")
    x = adder.max_pool(adder.conv(x, 64, 3))
    x = adder.conv(x, 80, 1, padding="valid")
    x = adder.max_pool(adder.conv(x, 192, 3, padding="valid"))
    for i, pool_filters in enumerate((32, 64, 64)):
        x = _block_35(adder, x, pool_filters, f"mixed{i}")
    x = _reduction_35(adder, x)
    for i, c7 in enumerate((128, 160, 160, 192)):
        x = _block_17(adder, x, c7, f"mixed{4 + i}")
    x = _reduction_17(adder, x)
    for i in range(2):
        x = _block_8(adder, x, i)
    return x


@application("inception_v3", title="Inception-v3", min_size=75, native_shape=(299, 299, 3),
             keras_name="InceptionV3")
def InceptionV3(n_classes=None, input_shape=(299, 299, 3), include_top=True,
                pretrained_weights=None, freeze=False, name=None, *, preprocessing="tf"):
    """Inception-v3: eleven inception blocks of parallel factorised convolutions, as Keras' InceptionV3.

    Args:
        n_classes: classes of the output layer (default 1000 with the top,
            none without: the network then ends in its last feature map).
        input_shape: ``(height, width, channels)``, at least 75×75.
        include_top: end in Keras' classifier (``avg_pool``, ``predictions``);
            False ends in the features (``mixed10``), plus a new head
            (``avg_pool``, ``output``) when *n_classes* is given.
        pretrained_weights: a weight file to load by layer name (a Keras 3
            ``.weights.h5`` or ``.keras`` of ``keras.applications.InceptionV3``
            built in a fresh session); every layer
            must be in it (the features alone with include_top=False).
            Files saved by older Keras versions may number the unnamed
            layers differently (``conv2d_1`` for ``conv2d``).
        freeze: freeze every layer but the top or new head.
        name: the network's name.
        preprocessing: the input normalisation built into the network:
            ``"tf"`` (Keras' Inception weights: pixel values 0..255 to
            -1..1), ``"caffe"``, ``"torch"``, ``"pixels"`` (×1/255), None,
            or a dict of InputLayer arguments.

    Returns:
        A new ``dn.Network``.

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.applications.InceptionV3(n_classes=2, input_shape=(75, 75, 3),
        ...                                   include_top=False)
        >>> net.layer_names[-3:], net["mixed10"].output_shape
        (['mixed10', 'avg_pool', 'output'], (None, 1, 1, 2048))
    """
    return classifier("InceptionV3", _body, avg_top, n_classes=n_classes, input_shape=input_shape,
                      include_top=include_top, pretrained_weights=pretrained_weights,
                      freeze=freeze, name=name or "inception_v3", preprocessing=preprocessing,
                      min_size=75)
