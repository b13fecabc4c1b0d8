"""Darknet-19 (Redmon & Farhadi, 2016) and Darknet's reference model, as in Darknet's configurations.

Every convolution of the feature layers is a unit of three layers: the
convolution without bias (``conv3``), batch normalisation (``conv3_bn``)
and a leaky ReLU of slope 0.1 (``conv3_leaky``); 2×2 max pooling
(``pool1`` …) halves the image, rounding up as Darknet does. The
classifier is a 1×1 convolution to one channel per class, global average
pooling (``avg_pool``) and a softmax (``predictions``).

Darknet-19 is the backbone of YOLOv2: :func:`darknet19_body` adds its
feature layers to any network and names the two a detector reads.
"""

from __future__ import annotations

from ..model import layers as L
from ._classifier import classifier
from ._zoo import application

__all__ = ["Darknet19", "DarknetReference", "darknet19_body"]

SLOPE = 0.1  # Darknet's leaky ReLU

# Filters of the convolutions, stage by stage; a 2×2 max pooling closes every stage but the
# last. Within a stage the kernels alternate 3×3, 1×1, 3×3, ...
DARKNET19 = ((32,), (64,), (128, 64, 128), (256, 128, 256), (512, 256, 512, 256, 512),
             (1024, 512, 1024, 512, 1024))
REFERENCE = ((16,), (32,), (64,), (128,), (256,), (512,), (1024,))


def _conv_bn_leaky(add, x, filters, kernel, name):
    x = add(L.Conv2d(filters, kernel, act=None, include_bias=False, name=name), x)
    x = add(L.BN(name=f"{name}_bn"), x)
    return add(L.LeakyReLU(SLOPE, name=f"{name}_leaky"), x)


def _stages(add, x, stages):
    """Add the stages; return the last layer and the last layer of each stage."""
    n, ends = 0, []
    for stage, filters in enumerate(stages, start=1):
        if stage > 1:
            x = add(L.Pooling(2, pool="max", name=f"pool{stage - 1}"), x)
        for i, f in enumerate(filters):
            n += 1
            x = _conv_bn_leaky(add, x, f, 1 if i % 2 else 3, f"conv{n}")
        ends.append(x)
    return x, ends


def darknet19_body(add, x):
    """Add Darknet-19's feature layers: 18 convolutions (``conv1`` … ``conv18``) and 5 poolings.

    This is YOLOv2's backbone; the classifier adds a 19th convolution on
    top. For an input of 416×416 the last layer (``conv18_leaky``) is
    13×13×1024 and ``conv13_leaky``, the last layer before the fifth
    pooling, is 26×26×512: YOLOv2's passthrough layer.

    Args:
        add: ``add(layer, *inputs)`` adds *layer* to the network, fed by the
            named *inputs*, and returns its name (as the bodies of
            ``dn.applications`` use it).
        x: the name of the layer the body starts from (the input layer).

    Returns:
        ``(features, passthrough)``: the names of the last feature layer
        (stride 32) and of the passthrough layer (stride 16).

    Example:
        >>> import dl_notebook as dn
        >>> from dl_notebook.applications.darknet import darknet19_body
        >>> net = dn.Network(name="backbone")
        >>> def add(layer, *inputs):
        ...     net.add(layer, inputs=list(inputs) or None)
        ...     return layer.name
        >>> x = add(dn.layers.InputLayer(shape=(64, 64, 3)))
        >>> features, passthrough = darknet19_body(add, x)
        >>> net[features].output_shape, net[passthrough].output_shape
        ((None, 2, 2, 1024), (None, 4, 4, 512))
    """
    x, ends = _stages(add, x, DARKNET19)
    return x, ends[-2]


def _body19(add, x):
    return darknet19_body(add, x)[0]


def _reference_body(add, x):
    return _stages(add, x, REFERENCE)[0]


def _top(conv, act=None):
    """The classifier: a 1×1 convolution named *conv* (then *act*), pooling and softmax."""
    def top(add, x, n_classes):
        x = add(L.Conv2d(n_classes, 1, act=None, name=conv), x)
        if act:
            x = add(L.LeakyReLU(SLOPE, name=f"{conv}_leaky"), x)
        x = add(L.GlobalAveragePooling2D(name="avg_pool"), x)
        return add(L.Activation("softmax", name="predictions"), x)
    return top


_DOC = """{title}: {what}.

    Args:
        n_classes: classes of the classifier (default 1000 with the top,
            none without: the network then ends in its last feature map).
        input_shape: ``(height, width, channels)``, at least 32×32.
        include_top: end in the classifier ({top}); False ends in the
            features, plus a new head (``avg_pool``, ``output``) when
            *n_classes* is given.
        pretrained_weights: a weight file to load (Keras 3 ``.weights.h5``,
            ``.keras`` or legacy HDF5) with layers of the same names; every
            layer must be in it (the features alone with include_top=False).
        freeze: freeze every layer but the top or new head.
        name: the network's name.
        preprocessing: the input normalisation built into the network:
            ``"pixels"`` (×1/255: Darknet reads images as 0..1 RGB),
            ``"caffe"``, ``"torch"``, ``"tf"``, None, or a dict of
            InputLayer arguments.

    Returns:
        A new ``dn.Network``.

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.applications.{fn}(n_classes=2, input_shape=(32, 32, 3))
        >>> net.layer_names[-{n_top}:]
        {names}
"""


def _builder(fn, title, body, top, top_names, what):
    def build(n_classes=None, input_shape=(224, 224, 3), include_top=True,
              pretrained_weights=None, freeze=False, name=None, *, preprocessing="pixels"):
        return classifier(fn, body, top, n_classes=n_classes, input_shape=input_shape,
                          include_top=include_top, pretrained_weights=pretrained_weights,
                          freeze=freeze, name=name or fn.lower(), preprocessing=preprocessing)

    build.__name__ = build.__qualname__ = fn
    build.__doc__ = _DOC.format(title=title, what=what, fn=fn, n_top=len(top_names),
                                names=list(top_names),
                                top=", ".join(f"``{n}``" for n in top_names))
    return application(fn.lower(), title=title, min_size=32, native_shape=(224, 224, 3))(build)


Darknet19 = _builder(
    "Darknet19", "Darknet-19", _body19, _top("conv19"), ("conv19", "avg_pool", "predictions"),
    "YOLOv2's classifier: 18 convolutions of 3×3 and 1×1 with batch norm and leaky ReLU, "
    "5 max poolings, and a 1×1 convolution to the classes",
)
DarknetReference = _builder(
    "DarknetReference", "Darknet Reference", _reference_body, _top("conv8", act="leaky"),
    ("conv8", "conv8_leaky", "avg_pool", "predictions"),
    "Darknet's reference model: 7 convolutions of 3×3 (16 to 1024 filters) with batch norm "
    "and leaky ReLU, 6 max poolings, and a 1×1 convolution with leaky ReLU to the classes "
    "(as Darknet's darknet.cfg)",
)
