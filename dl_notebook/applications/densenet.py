"""DenseNet (Huang et al., 2016) with the layer names of ``keras.applications``.

A DenseNet is a stem (7×7 convolution, 3×3 max pooling), four dense blocks
joined by transitions, and a final batch norm and ReLU. Each building block
of a dense block (``conv2_block1_…``) is BN, ReLU, a 1×1 convolution to
``4 * growth_rate`` channels, BN, ReLU and a 3×3 convolution to
``growth_rate`` channels, whose output is concatenated to its input, so the
channels grow by *growth_rate* per block. A transition (``pool2_…``) halves
the channels with a 1×1 convolution and the image with 2×2 average pooling.

DenseNet-121, -169 and -201 are Keras' ``DenseNet121`` / ``DenseNet169`` /
``DenseNet201`` layer for layer (no biases on the convolutions, batch-norm
epsilon 1.001e-5), so Keras' weight files load into them by name. The two
zero-padding layers that Keras leaves unnamed are ``conv1_pad`` and
``pool1_pad`` here; they hold no weights.
"""

from __future__ import annotations

from ..errors import InvalidArgumentError
from ..model import layers as L
from ._checks import _is_int
from ._classifier import avg_top, classifier
from ._zoo import application

__all__ = ["DenseNet", "DenseNet121", "DenseNet169", "DenseNet201"]

EPS = 1.001e-5
STEM = 64  # channels of the stem convolution


def _bn_relu(add, x, name):
    x = add(L.BN(epsilon=EPS, name=f"{name}_bn"), x)
    return add(L.Activation("relu", name=f"{name}_relu"), x)


def _conv(filters, kernel, name):
    return L.Conv2d(filters, kernel, padding="valid" if kernel == 1 else "same", act=None,
                    include_bias=False, name=name)


def _building_block(add, x, growth_rate, name):
    """BN-ReLU-1×1 conv, BN-ReLU-3×3 conv, and the new channels concatenated to *x*."""
    y = _bn_relu(add, x, f"{name}_0")
    y = add(_conv(4 * growth_rate, 1, f"{name}_1_conv"), y)
    y = _bn_relu(add, y, f"{name}_1")
    y = add(_conv(growth_rate, 3, f"{name}_2_conv"), y)
    return add(L.Concat(name=f"{name}_concat"), x, y)


def _transition(add, x, filters, name):
    """BN-ReLU, a 1×1 convolution to *filters* channels and 2×2 average pooling."""
    x = _bn_relu(add, x, name)
    x = add(_conv(filters, 1, f"{name}_conv"), x)
    return add(L.Pooling(2, pool="mean", padding="valid", name=f"{name}_pool"), x)


def _channels(blocks, growth_rate):
    """The channels after each dense block (a transition halves them before the next)."""
    channels, out = STEM, []
    for stage, n in enumerate(blocks):
        channels = (channels // 2 if stage else channels) + n * growth_rate
        out.append(channels)
    return out


def _body(blocks, growth_rate):
    def body(add, x):
        x = add(L.ZeroPadding2D(3, name="conv1_pad"), x)
        x = add(L.Conv2d(STEM, 7, stride=2, padding="valid", act=None, include_bias=False,
                         name="conv1_conv"), x)
        x = _bn_relu(add, x, "conv1")
        x = add(L.ZeroPadding2D(1, name="pool1_pad"), x)
        x = add(L.Pooling(3, stride=2, padding="valid", name="pool1"), x)
        widths = _channels(blocks, growth_rate)
        for stage, n in enumerate(blocks, start=2):
            if stage > 2:
                x = _transition(add, x, widths[stage - 3] // 2, f"pool{stage - 1}")
            for i in range(1, n + 1):
                x = _building_block(add, x, growth_rate, f"conv{stage}_block{i}")
        x = add(L.BN(epsilon=EPS, name="bn"), x)
        return add(L.Activation("relu", name="relu"), x)
    return body


def _check_config(blocks, growth_rate, where):
    if (not isinstance(blocks, (tuple, list)) or not blocks
            or not all(_is_int(n) and n >= 1 for n in blocks)):
        raise InvalidArgumentError(
            f"{where}: blocks must be a non-empty list of positive block counts, one per dense "
            f"block, e.g. (6, 12, 24, 16); got {blocks!r}."
        )
    if not _is_int(growth_rate) or growth_rate < 1:
        raise InvalidArgumentError(
            f"{where}: growth_rate must be a positive integer; got {growth_rate!r}."
        )
    return tuple(int(n) for n in blocks), int(growth_rate)


_ARGS = """n_classes: classes of the output layer (default 1000 with the top,
            none without: the network then ends in its last feature map).
        input_shape: ``(height, width, channels)``, at least 32×32.
        include_top: end in Keras' classifier (``avg_pool``, ``predictions``);
            False ends in the features (``relu``), plus a new head
            (``avg_pool``, ``output``) when *n_classes* is given.
        pretrained_weights: a weight file to load (Keras 3 ``.weights.h5``,
            ``.keras``, or the legacy HDF5 of Keras' ImageNet weights, with or
            without top); every layer
            must be in it (the features alone with include_top=False).
        freeze: freeze every layer but the top or new head.
        name: the network's name.
        preprocessing: the input normalisation built into the network:
            ``"torch"`` (Keras' DenseNet weights: pixel values 0..255 scaled
            to 0..1, then standardised with the ImageNet means and standard
            deviations), ``"caffe"``, ``"tf"``, ``"pixels"`` (×1/255), None,
            or a dict of InputLayer arguments."""


def _densenet(where, blocks, growth_rate, kwargs):
    return classifier(where, _body(blocks, growth_rate), avg_top,
                      min_size=max(32, 2 ** (len(blocks) + 1)), **kwargs)


@application("densenet", title="DenseNet", min_size=32, native_shape=(224, 224, 3))
def DenseNet(n_classes=None, input_shape=(224, 224, 3), include_top=True, pretrained_weights=None,
             freeze=False, name=None, *, blocks=(6, 12, 24, 16), growth_rate=32,
             preprocessing="torch"):
    """DenseNet with any number of dense blocks and any growth rate (DenseNet-121 by default).

    Args:
        {args}
        blocks: building blocks per dense block; a transition (``pool2`` …)
            sits between two dense blocks (``conv2`` …). Each transition
            halves the image, so more than four dense blocks need images of
            at least ``2 ** (len(blocks) + 1)`` pixels a side.
        growth_rate: channels each building block adds.

    Returns:
        A new ``dn.Network``.

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.applications.DenseNet(2, (32, 32, 3), blocks=(1, 2), growth_rate=8)
        >>> net["conv3_block2_concat"].output_shape, net.layer_names[-2:]
        ((None, 4, 4, 52), ['avg_pool', 'predictions'])
    """
    where = "DenseNet"
    blocks, growth_rate = _check_config(blocks, growth_rate, where)
    return _densenet(where, blocks, growth_rate, dict(
        n_classes=n_classes, input_shape=input_shape, include_top=include_top,
        pretrained_weights=pretrained_weights, freeze=freeze, name=name or "densenet",
        preprocessing=preprocessing))


DenseNet.__doc__ = DenseNet.__doc__.replace("{args}", _ARGS)

_DOC = """{title}: four dense blocks of {blocks} building blocks, as Keras' {fn}.

    ``DenseNet(blocks={config})`` with growth rate 32.

    Args:
        {args}

    Returns:
        A new ``dn.Network``.

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.applications.{fn}(n_classes=2, input_shape=(32, 32, 3), include_top=False)
        >>> net["relu"].output_shape, net.layer_names[-2:]
        ((None, 1, 1, {channels}), ['avg_pool', 'output'])
"""


def _builder(fn, title, blocks):
    def build(n_classes=None, input_shape=(224, 224, 3), include_top=True,
              pretrained_weights=None, freeze=False, name=None, *, preprocessing="torch"):
        return _densenet(fn, blocks, 32, dict(
            n_classes=n_classes, input_shape=input_shape, include_top=include_top,
            pretrained_weights=pretrained_weights, freeze=freeze, name=name or fn.lower(),
            preprocessing=preprocessing))

    build.__name__ = build.__qualname__ = fn
    build.__doc__ = _DOC.format(title=title, fn=fn, args=_ARGS, config=blocks,
                                channels=_channels(blocks, 32)[-1],
                                blocks=", ".join(map(str, blocks[:-1])) + f" and {blocks[-1]}")
    return application(fn.lower(), title=title, min_size=32, native_shape=(224, 224, 3),
                       keras_name=fn)(build)


DenseNet121 = _builder("DenseNet121", "DenseNet-121", (6, 12, 24, 16))
DenseNet169 = _builder("DenseNet169", "DenseNet-169", (6, 12, 32, 32))
DenseNet201 = _builder("DenseNet201", "DenseNet-201", (6, 12, 48, 32))
