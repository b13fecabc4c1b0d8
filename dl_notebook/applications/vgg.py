"""VGG-11, -13, -16 and -19 (Simonyan & Zisserman, 2014) with the layer names of ``keras.applications``.

VGG-16 and VGG-19 (configurations D and E of the paper) are Keras' ``VGG16``
and ``VGG19`` layer for layer: five blocks of 3×3 ReLU convolutions
(``block1_conv1`` …), each closed by 2×2 max pooling (``block1_pool``), then
``flatten``, two dense layers of 4096 units (``fc1``, ``fc2``) and a softmax
(``predictions``), so Keras' weight files load into them by name.
VGG-11 and -13 (configurations A and B) follow the same naming scheme.
"""

from __future__ import annotations

from ..model import layers as L
from ._classifier import classifier
from ._zoo import application

__all__ = ["VGG11", "VGG13", "VGG16", "VGG19"]

FILTERS = (64, 128, 256, 512, 512)  # per block


def _body(convs):
    """The feature layers: ``convs[i]`` 3×3 convolutions in block ``i + 1``, then pooling."""
    def body(add, x):
        for block, (n, filters) in enumerate(zip(convs, FILTERS), start=1):
            for i in range(1, n + 1):
                x = add(L.Conv2d(filters, 3, act="relu", name=f"block{block}_conv{i}"), x)
            x = add(L.Pooling(2, pool="max", padding="valid", name=f"block{block}_pool"), x)
        return x
    return body


def _top(add, x, n_classes):
    x = add(L.Flatten(name="flatten"), x)
    x = add(L.Dense(4096, act="relu", name="fc1"), x)
    x = add(L.Dense(4096, act="relu", name="fc2"), x)
    return add(L.OutputLayer(n_classes, act="softmax", name="predictions"), x)


_DOC = """{title}: {what}.

    Args:
        n_classes: classes of the output layer (default 1000 with the top,
            none without: the network then ends in its last feature map).
        input_shape: ``(height, width, channels)``, at least 32×32 (five
            2×2 poolings).
        include_top: end in Keras' classifier (``flatten``, ``fc1``,
            ``fc2``, ``predictions``); False ends in the features, plus a
            new head (``avg_pool``, ``output``) when *n_classes* is given.
        pretrained_weights: a weight file to load (Keras 3 ``.weights.h5``,
            ``.keras``, or the legacy HDF5 of Keras' ImageNet weights, with or
            without top); every layer
            must be in it (the features alone with include_top=False).
        freeze: freeze every layer but the top or new head.
        name: the network's name.
        preprocessing: the input normalisation built into the network:
            ``"caffe"`` (Keras' VGG weights: BGR, ImageNet means subtracted,
            from pixel values 0..255), ``"torch"``, ``"tf"``, ``"pixels"``
            (×1/255), None, or a dict of InputLayer arguments.

    Returns:
        A new ``dn.Network``.

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.applications.{fn}(n_classes=2, input_shape=(32, 32, 3), include_top=False)
        >>> net["block5_pool"].output_shape, net.layer_names[-2:]
        ((None, 1, 1, 512), ['avg_pool', 'output'])
"""


def _builder(fn, title, convs, what, keras_name=None):
    def build(n_classes=None, input_shape=(224, 224, 3), include_top=True,
              pretrained_weights=None, freeze=False, name=None, *, preprocessing="caffe"):
        return classifier(fn, _body(convs), _top, n_classes=n_classes, input_shape=input_shape,
                          include_top=include_top, pretrained_weights=pretrained_weights,
                          freeze=freeze, name=name or fn.lower(), preprocessing=preprocessing)

    build.__name__ = build.__qualname__ = fn
    build.__doc__ = _DOC.format(title=title, what=what, fn=fn)
    return application(fn.lower(), title=title, min_size=32, native_shape=(224, 224, 3),
                       keras_name=keras_name)(build)


VGG11 = _builder("VGG11", "VGG-11", (1, 1, 2, 2, 2),
                 "eight 3×3 convolutions in five blocks (configuration A) and three dense layers")
VGG13 = _builder("VGG13", "VGG-13", (2, 2, 2, 2, 2),
                 "ten 3×3 convolutions in five blocks (configuration B) and three dense layers")
VGG16 = _builder("VGG16", "VGG-16", (2, 2, 3, 3, 3),
                 "thirteen 3×3 convolutions in five blocks (configuration D) and three dense "
                 "layers, as Keras' VGG16", "VGG16")
VGG19 = _builder("VGG19", "VGG-19", (2, 2, 4, 4, 4),
                 "sixteen 3×3 convolutions in five blocks (configuration E) and three dense "
                 "layers, as Keras' VGG19", "VGG19")
