"""U-Net (Ronneberger, Fischer and Brox, 2015): per-pixel classes from an encoder–decoder.

The encoder halves the image ``depth`` times (two 3×3 convolutions, then
2×2 max pooling); the decoder doubles it back with 2×2 transposed
convolutions, each joined with the encoder's features of the same size
(the skip connections) before two more convolutions. A 1×1 convolution with
a softmax gives every pixel a probability per class, the background
included. Trained with ``net.fit(seg_dataset)`` on ``(images, masks)``, it
learns with per-pixel sparse categorical cross-entropy.
"""

from __future__ import annotations

from ..errors import InvalidArgumentError, ShapeError
from ..model import Network
from ..model import layers as L
from ._checks import check_image_shape, check_n_classes
from ._zoo import application

__all__ = ["UNet"]


def _positive_int(value, name, where):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError(f"{where}: {name} must be a positive integer; got {value!r}.")
    return value


def _double_conv(add, x, filters, prefix, batch_norm):
    """Two 3×3 convolutions (``{prefix}_conv1``, ``{prefix}_conv2``), each with BN and ReLU."""
    for i in (1, 2):
        if batch_norm:
            x = add(L.Conv2d(filters, 3, act=None, include_bias=False,
                             name=f"{prefix}_conv{i}"), x)
            x = add(L.BN(act="relu", momentum=0.9, name=f"{prefix}_bn{i}"), x)
        else:
            x = add(L.Conv2d(filters, 3, act="relu", name=f"{prefix}_conv{i}"), x)
    return x


@application("unet", title="U-Net", task="segmentation", min_size=16,
             native_shape=(128, 128, 3))
def UNet(n_classes, input_shape=(128, 128, 3), depth=4, filters=64, batch_norm=True,
         dropout=0.0, name=None):
    """U-Net for semantic segmentation: an ``(H, W, n_classes)`` softmax for each image.

    Layer names: ``down{i}_conv1`` … ``down{i}_pool`` for encoder level
    *i* (``filters * 2**(i-1)`` filters), ``bottom_conv1`` / ``bottom_conv2``
    (``filters * 2**depth``), ``up{i}_deconv`` (2×2, stride 2),
    ``up{i}_concat`` (with ``down{i}``'s features), ``up{i}_conv1`` /
    ``up{i}_conv2``, and ``output`` (1×1, softmax). With ``batch_norm``
    each convolution is followed by ``…_bn{k}`` (batch normalisation and
    ReLU). The input layer scales pixel values 0..255 to 0..1.
    ``depth=4, filters=64`` is the paper's network (with same padding, so
    the output has the input's size).

    Args:
        n_classes: classes per pixel, the background included (2 or more).
        input_shape: ``(height, width, channels)``; height and width must
            be multiples of ``2**depth``.
        depth: how many times the encoder halves the image.
        filters: filters of the first level; each level down doubles them.
        batch_norm: batch normalisation after every 3×3 convolution.
        dropout: dropout rate at the bottom of the network (0 for none).
        name: the network's name (default ``"unet"``).

    Returns:
        A new, untrained ``dn.Network``.

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.applications.UNet(3, input_shape=(16, 16, 3), depth=2, filters=4)
        >>> net["output"].output_shape, net["up1_concat"].inputs
        ((None, 16, 16, 3), ['up1_deconv', 'down1_bn2'])
    """
    where = "UNet"
    n_classes = check_n_classes(n_classes, where)
    input_shape = check_image_shape(input_shape, where)
    depth = _positive_int(depth, "depth", where)
    filters = _positive_int(filters, "filters", where)
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise InvalidArgumentError(f"{where}: dropout must lie in [0, 1); got {dropout!r}.")
    step = 2 ** depth
    if input_shape[0] % step or input_shape[1] % step:
        raise ShapeError(
            f"{where}: with depth={depth} the image height and width must be multiples of "
            f"{step}; got {input_shape[0]}×{input_shape[1]} (resize the images, e.g. to "
            f"{max(step, input_shape[0] // step * step)}×{max(step, input_shape[1] // step * step)}, "
            f"or lower depth)."
        )
    net = Network(name=name or "unet")

    def add(layer, *inputs):
        net.add(layer, inputs=list(inputs) or None)
        return layer.name

    with net.atomic():  # one edit: saved once for the undo
        x = add(L.InputLayer(shape=input_shape, scale=1 / 255, name="input_layer"))
        skips = []
        for level in range(1, depth + 1):
            x = _double_conv(add, x, filters * 2 ** (level - 1), f"down{level}", batch_norm)
            skips.append(x)
            x = add(L.Pooling(2, pool="max", name=f"down{level}_pool"), x)
        x = _double_conv(add, x, filters * 2 ** depth, "bottom", batch_norm)
        if dropout:
            x = add(L.Dropout(dropout, name="bottom_dropout"), x)
        for level in range(depth, 0, -1):
            n = filters * 2 ** (level - 1)
            x = add(L.Conv2DTranspose(n, 2, stride=2, act=None, name=f"up{level}_deconv"), x)
            x = add(L.Concat(name=f"up{level}_concat"), x, skips[level - 1])
            x = _double_conv(add, x, n, f"up{level}", batch_norm)
        add(L.Conv2d(n_classes, 1, act="softmax", name="output"), x)
    return net
