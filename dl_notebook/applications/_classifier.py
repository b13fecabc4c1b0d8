"""What every image classifier of the zoo shares: input, top or new head, weights, freezing.

An architecture module writes two functions and hands them to
:func:`classifier`:

- ``body(add, x)``: adds the feature layers after the input layer named
  *x* and returns the name of the last one;
- ``top(add, x, n_classes)``: adds the architecture's own classifier (the
  layers and names ``keras.applications`` uses) and returns its last name.

``add(layer, *inputs)`` adds *layer* fed by the named *inputs* and returns
its name. :func:`classifier` does the rest the same way for every network:
checks, the input layer with the preprocessing the weights expect, the top
(``include_top=True``) or a new head for ``n_classes`` (``include_top=False``),
pretrained weights and freezing.
"""

from __future__ import annotations

from ..errors import InvalidArgumentError
from ..model import Network
from ..model import layers as L
from ._checks import check_image_shape, check_n_classes

__all__ = ["PREPROCESSING", "avg_top", "classifier", "conv_bn_act"]

# The input normalisation each family's Keras weights were trained with, as InputLayer
# arguments; images reach the network as pixel values 0..255 (RGB).
PREPROCESSING = {
    "caffe": dict(reverse_channels=True, offsets=(103.939, 116.779, 123.68)),  # BGR means
    "torch": dict(scale=1 / 255, offsets=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)),
    "tf": dict(scale=1 / 127.5, offsets=1.0),  # -1..1
    "pixels": dict(scale=1 / 255),  # 0..1
}

HEAD = ("avg_pool", "output")  # layer names of the new head of include_top=False


def _adder(net):
    def add(layer, *inputs):
        net.add(layer, inputs=list(inputs) or None)
        return layer.name
    return add


def _input_layer(input_shape, preprocessing, where):
    if preprocessing is None:
        options = {}
    elif isinstance(preprocessing, dict):
        options = dict(preprocessing)
    elif preprocessing in PREPROCESSING:
        options = dict(PREPROCESSING[preprocessing])
    else:
        raise InvalidArgumentError(
            f"{where}: preprocessing must be one of {', '.join(PREPROCESSING)}, None, or a dict "
            f"of InputLayer arguments (offsets, scale, std); got {preprocessing!r}."
        )
    channels = input_shape[-1]
    if channels != 3:
        options.pop("reverse_channels", None)
        for key in ("offsets", "std"):  # per-channel values of RGB weights: use their mean
            if isinstance(options.get(key), tuple):
                options[key] = sum(options[key]) / len(options[key])
    return L.InputLayer(shape=input_shape, name="input_layer", **options)


def classifier(where, body, top, *, n_classes, input_shape, include_top, pretrained_weights,
               freeze, name, preprocessing, min_size=32):
    """Build an image classifier from *body* and *top* (see the module notes)."""
    input_shape = check_image_shape(input_shape, where)
    if min(input_shape[:2]) < min_size:
        raise InvalidArgumentError(
            f"{where} needs images of at least {min_size}×{min_size}; got "
            f"{input_shape[0]}×{input_shape[1]} (resize the images or pick a smaller network)."
        )
    if include_top and n_classes is None:
        n_classes = 1000
    if n_classes is not None:
        n_classes = check_n_classes(n_classes, where)
    net = Network(name=name)
    add = _adder(net)
    with net.atomic():  # one edit: the network is saved once for the undo, not at every layer
        x = add(_input_layer(input_shape, preprocessing, where))
        x = body(add, x)
        features = x
        if include_top:
            top(add, x, n_classes)
        elif n_classes is not None:
            if len(net[x].output_shape) > 2:
                x = add(L.GlobalAveragePooling2D(name=HEAD[0]), x)
            add(L.OutputLayer(n_classes, act="softmax", name=HEAD[1]), x)
    body_names = net.select(up_to=features)
    if pretrained_weights is not None:  # the top too, when the network keeps it
        net.load_weights(pretrained_weights,
                         required=net.layer_names if include_top else body_names)
    if freeze:
        net.freeze(body_names)
    return net


def avg_top(add, x, n_classes):
    """Keras' usual classifier: global average pooling (``avg_pool``) and a softmax (``predictions``)."""
    x = add(L.GlobalAveragePooling2D(name="avg_pool"), x)
    return add(L.OutputLayer(n_classes, act="softmax", name="predictions"), x)


def conv_bn_act(add, x, filters, kernel, *, name, stride=1, padding="same", act="relu",
                epsilon=1e-3, bias=False, conv="conv", bn="bn", relu="relu", scale=True):
    """Convolution, batch normalisation and activation as three layers named ``{name}_{conv}`` …"""
    x = add(L.Conv2d(filters, kernel, stride=stride, padding=padding, act=None, include_bias=bias,
                     name=f"{name}_{conv}" if conv else name), x)
    x = add(L.BN(epsilon=epsilon, scale=scale, name=f"{name}_{bn}"), x)
    if act:
        x = add(L.Activation(act, name=f"{name}_{relu}"), x)
    return x
