"""MobileNet v1 (Howard et al., 2017) and v2 (Sandler et al., 2018) with Keras' layer names.

``MobileNetV1`` is Keras' ``MobileNet`` layer for layer: a strided
convolution and thirteen depthwise-separable blocks (``conv_dw_N`` then
``conv_pw_N``, each with batch normalisation and ReLU6), and a top that
classifies with a 1×1 convolution (``conv_preds``). ``MobileNetV2`` is Keras'
``MobileNetV2``: seventeen inverted residual blocks (a 1×1 expansion, a 3×3
depthwise convolution and a linear 1×1 projection, with a shortcut where the
shape allows). *alpha* scales every layer's channels as in Keras, so Keras'
weight files of the same *alpha* load by name.

Keras' ``ReLU(6.)`` layers are ``Activation("relu6")`` layers here: the same
function and name, no weights.
"""

from __future__ import annotations

from numbers import Real

from ..errors import InvalidArgumentError
from ..model import layers as L
from ._classifier import classifier
from ._zoo import application

__all__ = ["MobileNetV1", "MobileNetV2"]

# (pointwise filters at alpha=1, stride) of MobileNet v1's depthwise-separable blocks 1..13
V1_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), *((512, 1),) * 5,
             (1024, 2), (1024, 1))
# (filters at alpha=1, stride, expansion) of MobileNet v2's inverted residual blocks 0..16
V2_BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6),
             (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6),
             (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6))


def _check_alpha(alpha, where, smallest=0.0):
    """*alpha* as a float above 0 (and at least *smallest*), or a one-sentence error."""
    if isinstance(alpha, bool) or not isinstance(alpha, Real) or not alpha > 0 \
            or alpha < smallest:
        least = f"at least {smallest:g}" if smallest else "above 0"
        raise InvalidArgumentError(
            f"{where}: alpha (the width multiplier) must be a number {least}, e.g. 0.5, 0.75, "
            f"1.0 or 1.4; got {alpha!r}."
        )
    return float(alpha)


def _chain(add, x, *layers):
    """Add *layers* one after another after *x* (a name or a placed layer); return the last.

    A placed layer knows its output shape, which MobileNet v2 reads for its
    padding and shortcuts.
    """
    for layer in layers:
        add(layer, x if isinstance(x, str) else x.name)
        x = layer
    return x


def _make_divisible(value, divisor=8):
    """*value* rounded to a multiple of *divisor*, never more than 10% below it (as in Keras)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


# -- MobileNet v1 --------------------------------------------------------------------------


def _v1_separable(add, x, filters, stride, i):
    """Block *i*: depthwise 3×3 (zero-padded on the bottom and right when strided), pointwise 1×1."""
    if stride == 2:
        x = _chain(add, x, L.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{i}"))
    return _chain(
        add, x,
        L.DepthwiseConv2d(3, stride=stride, padding="same" if stride == 1 else "valid", act=None,
                          include_bias=False, name=f"conv_dw_{i}"),
        L.BN(name=f"conv_dw_{i}_bn"),
        L.Activation("relu6", name=f"conv_dw_{i}_relu"),
        L.Conv2d(filters, 1, act=None, include_bias=False, name=f"conv_pw_{i}"),
        L.BN(name=f"conv_pw_{i}_bn"),
        L.Activation("relu6", name=f"conv_pw_{i}_relu"),
    )


def _v1_body(alpha):
    def body(add, x):
        x = _chain(add, x,
                   L.Conv2d(int(32 * alpha), 3, stride=2, act=None, include_bias=False,
                            name="conv1"),
                   L.BN(name="conv1_bn"),
                   L.Activation("relu6", name="conv1_relu"))
        for i, (filters, stride) in enumerate(V1_BLOCKS, start=1):
            x = _v1_separable(add, x, int(filters * alpha), stride, i)
        return x.name
    return body


def _v1_top(add, x, n_classes):
    x = add(L.GlobalAveragePooling2D(keepdims=True, name="global_average_pooling2d"), x)
    x = add(L.Dropout(1e-3, name="dropout"), x)
    x = add(L.Conv2d(n_classes, 1, act=None, name="conv_preds"), x)
    x = add(L.Reshape((n_classes,), name="reshape_2"), x)
    return add(L.Activation("softmax", name="predictions"), x)


# -- MobileNet v2 --------------------------------------------------------------------------


def _bn(name):
    return L.BN(momentum=0.999, epsilon=1e-3, name=name)


def _correct_pad(shape):
    """Keras' zero padding before a strided 3×3 depthwise convolution of a (h, w) map."""
    return tuple((1 - (d % 2 == 0), 1) for d in shape[1:3])


def _inverted_residual(add, x, filters, stride, expansion, i):
    """Block *i*: 1×1 expansion (none in block 0), 3×3 depthwise, linear 1×1 projection."""
    in_channels = x.output_shape[-1]
    prefix = f"block_{i}_" if i else "expanded_conv_"
    y = x
    if i:
        y = _chain(add, y,
                   L.Conv2d(expansion * in_channels, 1, act=None, include_bias=False,
                            name=f"{prefix}expand"),
                   _bn(f"{prefix}expand_BN"),
                   L.Activation("relu6", name=f"{prefix}expand_relu"))
    if stride == 2:
        y = _chain(add, y, L.ZeroPadding2D(_correct_pad(y.output_shape), name=f"{prefix}pad"))
    y = _chain(add, y,
               L.DepthwiseConv2d(3, stride=stride, padding="same" if stride == 1 else "valid",
                                 act=None, include_bias=False, name=f"{prefix}depthwise"),
               _bn(f"{prefix}depthwise_BN"),
               L.Activation("relu6", name=f"{prefix}depthwise_relu"),
               L.Conv2d(filters, 1, act=None, include_bias=False, name=f"{prefix}project"),
               _bn(f"{prefix}project_BN"))
    if in_channels == filters and stride == 1:
        total = L.Res(name=f"{prefix}add")
        add(total, x.name, y.name)
        return total
    return y


def _v2_body(alpha):
    def body(add, x):
        x = _chain(add, x,
                   L.Conv2d(_make_divisible(32 * alpha), 3, stride=2, act=None,
                            include_bias=False, name="Conv1"),
                   _bn("bn_Conv1"),
                   L.Activation("relu6", name="Conv1_relu"))
        for i, (filters, stride, expansion) in enumerate(V2_BLOCKS):
            x = _inverted_residual(add, x, _make_divisible(int(filters * alpha)), stride,
                                   expansion, i)
        last = _make_divisible(1280 * alpha) if alpha > 1.0 else 1280
        x = _chain(add, x,
                   L.Conv2d(last, 1, act=None, include_bias=False, name="Conv_1"),
                   _bn("Conv_1_bn"),
                   L.Activation("relu6", name="out_relu"))
        return x.name
    return body


def _v2_top(add, x, n_classes):
    x = add(L.GlobalAveragePooling2D(name="global_average_pooling2d"), x)
    return add(L.OutputLayer(n_classes, act="softmax", name="predictions"), x)


@application("mobilenet_v1", title="MobileNet v1", min_size=32, native_shape=(224, 224, 3),
             keras_name="MobileNet")
def MobileNetV1(n_classes=None, input_shape=(224, 224, 3), include_top=True,
                pretrained_weights=None, freeze=False, name=None, *, preprocessing="tf",
                alpha=1.0):
    """MobileNet v1: thirteen depthwise-separable convolution blocks, as Keras' MobileNet.

    Args:
        n_classes: classes of the output layer (default 1000 with the top,
            none without: the network then ends in its last feature map).
        input_shape: ``(height, width, channels)``, at least 32×32.
        include_top: end in Keras' classifier (``global_average_pooling2d``,
            ``dropout``, ``conv_preds``, ``reshape_2``, ``predictions``);
            False ends in the features (``conv_pw_13_relu``), plus a new head
            (``avg_pool``, ``output``) when *n_classes* is given.
        pretrained_weights: a weight file to load (Keras 3 ``.weights.h5``,
            ``.keras`` or legacy HDF5) made for the same *alpha*; every
            layer must be in it (the features alone with include_top=False).
        freeze: freeze every layer but the top or new head.
        name: the network's name.
        preprocessing: the input normalisation built into the network:
            ``"tf"`` (Keras' MobileNet weights: pixel values 0..255 to
            -1..1), ``"caffe"``, ``"torch"``, ``"pixels"`` (×1/255), None, or
            a dict of InputLayer arguments.
        alpha: the width multiplier: every layer's channels times *alpha*
            (Keras has ImageNet weights for 0.25, 0.5, 0.75 and 1.0).

    Returns:
        A new ``dn.Network``.

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.applications.MobileNetV1(n_classes=2, input_shape=(32, 32, 3),
        ...                                   include_top=False, alpha=0.5)
        >>> net["conv1"].n_filters, net["conv_pw_13_relu"].output_shape
        (16, (None, 1, 1, 512))
        >>> net.layer_names[-2:]
        ['avg_pool', 'output']
    """
    alpha = _check_alpha(alpha, "MobileNetV1", 1 / 32)  # conv1 keeps a filter
    return classifier("MobileNetV1", _v1_body(alpha), _v1_top, n_classes=n_classes,
                      input_shape=input_shape, include_top=include_top,
                      pretrained_weights=pretrained_weights, freeze=freeze,
                      name=name or "mobilenet_v1", preprocessing=preprocessing, min_size=32)


@application("mobilenet_v2", title="MobileNet v2", min_size=32, native_shape=(224, 224, 3),
             keras_name="MobileNetV2")
def MobileNetV2(n_classes=None, input_shape=(224, 224, 3), include_top=True,
                pretrained_weights=None, freeze=False, name=None, *, preprocessing="tf",
                alpha=1.0):
    """MobileNet v2: seventeen inverted residual blocks with linear bottlenecks, as Keras' MobileNetV2.

    Args:
        n_classes: classes of the output layer (default 1000 with the top,
            none without: the network then ends in its last feature map).
        input_shape: ``(height, width, channels)``, at least 32×32.
        include_top: end in Keras' classifier (``global_average_pooling2d``,
            ``predictions``); False ends in the features (``out_relu``), plus
            a new head (``avg_pool``, ``output``) when *n_classes* is given.
        pretrained_weights: a weight file to load (Keras 3 ``.weights.h5``,
            ``.keras`` or legacy HDF5) made for the same *alpha*; every
            layer must be in it (the features alone with include_top=False).
        freeze: freeze every layer but the top or new head.
        name: the network's name.
        preprocessing: the input normalisation built into the network:
            ``"tf"`` (Keras' MobileNet weights: pixel values 0..255 to
            -1..1), ``"caffe"``, ``"torch"``, ``"pixels"`` (×1/255), None, or
            a dict of InputLayer arguments.
        alpha: the width multiplier: every layer's channels times *alpha*
            (Keras has ImageNet weights for 0.35, 0.5, 0.75, 1.0, 1.3 and 1.4).

    Returns:
        A new ``dn.Network``.

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.applications.MobileNetV2(n_classes=2, input_shape=(32, 32, 3),
        ...                                   include_top=False, alpha=0.5)
        >>> net["Conv1"].n_filters, net["out_relu"].output_shape
        (16, (None, 1, 1, 1280))
        >>> net.layer_names[-2:]
        ['avg_pool', 'output']
    """
    alpha = _check_alpha(alpha, "MobileNetV2")
    return classifier("MobileNetV2", _v2_body(alpha), _v2_top, n_classes=n_classes,
                      input_shape=input_shape, include_top=include_top,
                      pretrained_weights=pretrained_weights, freeze=freeze,
                      name=name or "mobilenet_v2", preprocessing=preprocessing, min_size=32)
