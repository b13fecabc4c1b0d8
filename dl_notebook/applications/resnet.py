"""ResNet-18 to ResNet-152 (He et al., 2015) with the layer names of ``keras.applications``.

ResNet-50, -101 and -152 are Keras' ``ResNet50`` / ``ResNet101`` /
``ResNet152`` layer for layer (bottleneck blocks, biases on the
convolutions, batch-norm epsilon 1.001e-5), so Keras' weight files load
into them by name. ResNet-18 and -34 use the two-convolution basic block of
the paper under the same naming scheme (``conv3_block2_1_conv``).
"""

from __future__ import annotations

from ..model import layers as L
from ._classifier import avg_top, classifier
from ._zoo import application

__all__ = ["ResNet18", "ResNet34", "ResNet50", "ResNet101", "ResNet152"]

EPS = 1.001e-5


def _conv_bn(add, x, filters, kernel, name, *, stride=1, act=True):
    x = add(L.Conv2d(filters, kernel, stride=stride, padding="valid" if kernel == 1 else "same",
                     act=None, name=f"{name}_conv"), x)
    x = add(L.BN(epsilon=EPS, name=f"{name}_bn"), x)
    return add(L.Activation("relu", name=f"{name}_relu"), x) if act else x


def _bottleneck(add, x, filters, name, *, stride=1, shortcut=True):
    short = _conv_bn(add, x, 4 * filters, 1, f"{name}_0", stride=stride, act=False) \
        if shortcut else x
    y = _conv_bn(add, x, filters, 1, f"{name}_1", stride=stride)
    y = _conv_bn(add, y, filters, 3, f"{name}_2")
    y = _conv_bn(add, y, 4 * filters, 1, f"{name}_3", act=False)
    y = add(L.Res(name=f"{name}_add"), short, y)
    return add(L.Activation("relu", name=f"{name}_out"), y)


def _basic(add, x, filters, name, *, stride=1, shortcut=True):
    short = _conv_bn(add, x, filters, 1, f"{name}_0", stride=stride, act=False) \
        if shortcut else x
    y = _conv_bn(add, x, filters, 3, f"{name}_1", stride=stride)
    y = _conv_bn(add, y, filters, 3, f"{name}_2", act=False)
    y = add(L.Res(name=f"{name}_add"), short, y)
    return add(L.Activation("relu", name=f"{name}_out"), y)


def _body(blocks, bottleneck):
    def body(add, x):
        x = add(L.ZeroPadding2D(3, name="conv1_pad"), x)
        x = add(L.Conv2d(64, 7, stride=2, padding="valid", act=None, name="conv1_conv"), x)
        x = add(L.BN(epsilon=EPS, name="conv1_bn"), x)
        x = add(L.Activation("relu", name="conv1_relu"), x)
        x = add(L.ZeroPadding2D(1, name="pool1_pad"), x)
        x = add(L.Pooling(3, stride=2, padding="valid", name="pool1_pool"), x)
        block = _bottleneck if bottleneck else _basic
        for stage, (n, filters) in enumerate(zip(blocks, (64, 128, 256, 512)), start=2):
            for i in range(1, n + 1):
                first = i == 1
                x = block(add, x, filters, f"conv{stage}_block{i}",
                          stride=2 if first and stage > 2 else 1,
                          shortcut=first and (bottleneck or stage > 2))
        return x
    return body


def _resnet(where, blocks, bottleneck, kwargs):
    return classifier(where, _body(blocks, bottleneck), avg_top, **kwargs)


_DOC = """{title}: {what}.

    Args:
        n_classes: classes of the output layer (default 1000 with the top,
            none without: the network then ends in its last feature map).
        input_shape: ``(height, width, channels)``, at least 32×32.
        include_top: end in Keras' classifier (``avg_pool``, ``predictions``);
            False ends in the features, plus a new head (``avg_pool``,
            ``output``) when *n_classes* is given.
        pretrained_weights: a weight file to load (Keras 3 ``.weights.h5``,
            ``.keras``, or the legacy HDF5 of Keras' ImageNet weights, with or
            without top); every layer
            must be in it (the features alone with include_top=False).
        freeze: freeze every layer but the top or new head.
        name: the network's name.
        preprocessing: the input normalisation built into the network:
            ``"caffe"`` (Keras' ResNet weights: BGR, ImageNet means
            subtracted, from pixel values 0..255), ``"torch"``, ``"tf"``,
            ``"pixels"`` (×1/255), None, or a dict of InputLayer arguments.

    Returns:
        A new ``dn.Network``.

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.applications.{fn}(n_classes=2, input_shape=(64, 64, 3), include_top=False)
        >>> net.layer_names[-2:]
        ['avg_pool', 'output']
"""


def _builder(fn, title, blocks, bottleneck, what, keras_name=None):
    def build(n_classes=None, input_shape=(224, 224, 3), include_top=True,
              pretrained_weights=None, freeze=False, name=None, *, preprocessing="caffe"):
        return _resnet(fn, blocks, bottleneck, dict(
            n_classes=n_classes, input_shape=input_shape, include_top=include_top,
            pretrained_weights=pretrained_weights, freeze=freeze, name=name or fn.lower(),
            preprocessing=preprocessing))

    build.__name__ = build.__qualname__ = fn
    build.__doc__ = _DOC.format(title=title, what=what, fn=fn)
    return application(fn.lower(), title=title, min_size=32, native_shape=(224, 224, 3),
                       keras_name=keras_name)(build)


ResNet18 = _builder("ResNet18", "ResNet-18", (2, 2, 2, 2), False,
                    "four stages of two basic blocks (two 3×3 convolutions and a shortcut)")
ResNet34 = _builder("ResNet34", "ResNet-34", (3, 4, 6, 3), False,
                    "four stages of 3, 4, 6 and 3 basic blocks")
ResNet50 = _builder("ResNet50", "ResNet-50", (3, 4, 6, 3), True,
                    "four stages of 3, 4, 6 and 3 bottleneck blocks, as Keras' ResNet50",
                    "ResNet50")
ResNet101 = _builder("ResNet101", "ResNet-101", (3, 4, 23, 3), True,
                     "four stages of 3, 4, 23 and 3 bottleneck blocks, as Keras' ResNet101",
                     "ResNet101")
ResNet152 = _builder("ResNet152", "ResNet-152", (3, 8, 36, 3), True,
                     "four stages of 3, 8, 36 and 3 bottleneck blocks, as Keras' ResNet152",
                     "ResNet152")
