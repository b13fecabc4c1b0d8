"""Xception (Chollet, 2017) with the layer names of ``keras.applications``.

The network is Keras' ``Xception`` layer for layer: an entry flow of two
plain convolutions and three blocks that halve the image (``block2`` -
``block4``), a middle flow of eight residual blocks of three separable
convolutions at 728 channels (``block5`` - ``block12``), and an exit flow
(``block13``, ``block14``). No convolution has a bias; each is followed by
batch normalisation.

The strided 1×1 convolutions on the shortcuts, their batch normalisations and
the sums are unnamed in Keras, so they carry the automatic names a fresh
Keras session gives them (``conv2d`` … ``conv2d_3``, ``batch_normalization_3``,
``add`` … ``add_11``); a weight file written by ``keras.applications.Xception``
in a fresh session loads by name.
"""

from __future__ import annotations

from ..model import layers as L
from ._classifier import avg_top, classifier
from ._zoo import application

__all__ = ["Xception"]


def _auto(stem, n):
    """The *n*-th automatic Keras name of a fresh session: ``add``, ``add_1`` …"""
    return f"{stem}_{n}" if n else stem


def _sepconv_bn(add, x, filters, name):
    x = add(L.SeparableConv2d(filters, 3, act=None, include_bias=False, name=name), x)
    return add(L.BN(name=f"{name}_bn"), x)


def _residual_sum(add, x, short, block):
    """The sum that ends *block*: Keras' ``add`` for ``block2``, then ``add_1`` …"""
    return add(L.Res(name=_auto("add", block - 2)), x, short)


def _downsampling_block(add, x, block, filters, n):
    """Two separable convolutions and a strided max pool, plus the *n*-th strided 1×1 shortcut."""
    short = add(L.Conv2d(filters[1], 1, stride=2, act=None, include_bias=False,
                         name=_auto("conv2d", n)), x)
    short = add(L.BN(name=_auto("batch_normalization", n)), short)
    for i, f in enumerate(filters, start=1):
        if i > 1 or block > 2:  # block2 follows block1's own activation
            x = add(L.Activation("relu", name=f"block{block}_sepconv{i}_act"), x)
        x = _sepconv_bn(add, x, f, f"block{block}_sepconv{i}")
    x = add(L.Pooling(3, stride=2, padding="same", name=f"block{block}_pool"), x)
    return _residual_sum(add, x, short, block)


def _middle_block(add, x, block):
    """Three ReLU + separable convolution + batch normalisation steps and an identity shortcut."""
    short = x
    for i in range(1, 4):
        x = add(L.Activation("relu", name=f"block{block}_sepconv{i}_act"), x)
        x = _sepconv_bn(add, x, 728, f"block{block}_sepconv{i}")
    return _residual_sum(add, x, short, block)


def _body(add, x):
    for i, (filters, stride) in enumerate(((32, 2), (64, 1)), start=1):
        name = f"block1_conv{i}"
        x = add(L.Conv2d(filters, 3, stride=stride, padding="valid", act=None,
                         include_bias=False, name=name), x)
        x = add(L.BN(name=f"{name}_bn"), x)
        x = add(L.Activation("relu", name=f"{name}_act"), x)
    for n, (block, filters) in enumerate(((2, 128), (3, 256), (4, 728))):
        x = _downsampling_block(add, x, block, (filters, filters), n)
    for block in range(5, 13):
        x = _middle_block(add, x, block)
    x = _downsampling_block(add, x, 13, (728, 1024), 3)
    for i, filters in enumerate((1536, 2048), start=1):
        x = _sepconv_bn(add, x, filters, f"block14_sepconv{i}")
        x = add(L.Activation("relu", name=f"block14_sepconv{i}_act"), x)
    return x


@application("xception", title="Xception", min_size=71, native_shape=(299, 299, 3),
             keras_name="Xception")
def Xception(n_classes=None, input_shape=(299, 299, 3), include_top=True,
             pretrained_weights=None, freeze=False, name=None, *, preprocessing="tf"):
    """Xception: residual blocks of depthwise-separable convolutions, as Keras' Xception.

    Args:
        n_classes: classes of the output layer (default 1000 with the top,
            none without: the network then ends in its last feature map).
        input_shape: ``(height, width, channels)``, at least 71×71.
        include_top: end in Keras' classifier (``avg_pool``, ``predictions``);
            False ends in the features (``block14_sepconv2_act``), plus a new
            head (``avg_pool``, ``output``) when *n_classes* is given.
        pretrained_weights: a weight file to load by layer name (a Keras 3
            ``.weights.h5`` or ``.keras`` of ``keras.applications.Xception``
            built in a fresh session); every layer
            must be in it (the features alone with include_top=False).
            Files saved by older Keras versions may number the unnamed
            layers differently (``conv2d_1`` for ``conv2d``).
        freeze: freeze every layer but the top or new head.
        name: the network's name.
        preprocessing: the input normalisation built into the network:
            ``"tf"`` (Keras' Xception weights: pixel values 0..255 to -1..1),
            ``"caffe"``, ``"torch"``, ``"pixels"`` (×1/255), None, or a dict
            of InputLayer arguments.

    Returns:
        A new ``dn.Network``.

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.applications.Xception(n_classes=2, input_shape=(71, 71, 3),
        ...                                include_top=False)
        >>> net.layer_names[-3:], net["block14_sepconv2_act"].output_shape
        (['block14_sepconv2_act', 'avg_pool', 'output'], (None, 3, 3, 2048))
    """
    return classifier("Xception", _body, avg_top, n_classes=n_classes, input_shape=input_shape,
                      include_top=include_top, pretrained_weights=pretrained_weights,
                      freeze=freeze, name=name or "xception", preprocessing=preprocessing,
                      min_size=71)
