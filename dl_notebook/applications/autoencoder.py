"""Autoencoders (dense or convolutional) and a figure of inputs against their reconstructions.

An autoencoder squeezes each input through a small ``code`` layer and
rebuilds it; it trains on ``(x, x)``. Its last layer is an ``OutputLayer``
with ``error="mse"``, so ``net.fit((x, x))`` trains on the mean squared
reconstruction error without a ``loss=``, and
``net.get_features(data, "code")`` gives the codes.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .._display import FigureDisplay
from ..errors import InvalidArgumentError, ShapeError
from ..model import Sequential
from ..model import layers as L
from ._checks import check_filters
from ._zoo import application
from .text import check_choice, check_count

__all__ = ["Autoencoder", "show_reconstructions"]


def _input_shape(input_shape, where):
    if isinstance(input_shape, numbers.Integral) and not isinstance(input_shape, bool):
        input_shape = (input_shape,)
    if not isinstance(input_shape, (tuple, list)) or not input_shape or not all(
            isinstance(d, numbers.Integral) and not isinstance(d, bool) and d >= 1
            for d in input_shape):
        raise InvalidArgumentError(
            f"{where}: input_shape must be a tuple of positive integers, e.g. (8, 8, 1) for "
            f"images or (64,) for vectors; got {input_shape!r}."
        )
    return tuple(int(d) for d in input_shape)


def _dense_layers(shape, code_size, hidden, output_act):
    layers = [L.Flatten(name="flatten1")] if len(shape) > 1 else []
    layers += [L.Dense(n, name=f"encoder{i}") for i, n in enumerate(hidden, start=1)]
    layers.append(L.Dense(code_size, act=None, name="code"))
    layers += [L.Dense(n, name=f"decoder{i}") for i, n in enumerate(reversed(hidden), start=1)]
    if len(shape) > 1:  # back to the input's shape; the output layer then acts per position
        layers += [L.Dense(math.prod(shape), act=None, name=f"decoder{len(hidden) + 1}"),
                   L.Reshape(shape, name="reshape1")]
    layers.append(L.OutputLayer(shape[-1], act=output_act, error="mse", flatten=False,
                                name="output1"))
    return layers


def _conv_layers(shape, code_size, filters, output_act, where):
    if len(shape) != 3:
        raise InvalidArgumentError(
            f"{where}: kind='conv' needs images, input_shape (height, width, channels); got "
            f"{shape!r}."
        )
    factor = 2 ** len(filters)
    if shape[0] % factor or shape[1] % factor:
        raise ShapeError(
            f"{where}: with {len(filters)} pooling steps the image sides must be multiples of "
            f"{factor}; got {shape[0]}×{shape[1]} (resize the images or give fewer filters)."
        )
    layers = []
    for i, n in enumerate(filters, start=1):
        layers += [L.Conv2d(n, 3, name=f"conv{i}"), L.Pooling(2, name=f"pool{i}")]
    small = (shape[0] // factor, shape[1] // factor, filters[-1])
    layers += [L.Flatten(name="flatten1"), L.Dense(code_size, act=None, name="code"),
               L.Dense(math.prod(small), name="decoder1"), L.Reshape(small, name="reshape1")]
    layers += [L.Conv2DTranspose(n, 3, stride=2, name=f"deconv{i}")
               for i, n in enumerate(reversed(filters), start=1)]
    layers.append(L.OutputLayer(shape[-1], act=output_act, error="mse", flatten=False,
                                name="output1"))
    return layers


@application("autoencoder", title="Autoencoder", task="autoencoder")
def Autoencoder(input_shape, kind="dense", code_size=32, *, hidden=(128,), filters=(16, 32),
                output_act="sigmoid", name="autoencoder"):
    """An autoencoder: an encoder down to ``code_size`` values and a decoder back to the input.

    ``kind="dense"``: the input (flattened by ``flatten1`` when it has
    several axes) passes ReLU layers of ``hidden`` units (``encoder1``, …),
    the linear ``code`` layer, the same sizes in reverse (``decoder1``, …;
    for images a last linear layer and ``reshape1`` restore the shape) and
    ``output1``. ``kind="conv"``: for images, a 3×3 convolution and 2×2
    max pooling per entry of ``filters`` (``conv1``, ``pool1``, …), the
    linear ``code`` layer, a dense layer and ``reshape1`` back to the smallest
    feature map, one stride-2 transposed convolution per level
    (``deconv1``, …) and ``output1``. In both, ``output1`` is an
    ``OutputLayer`` with one unit per channel, the ``output_act``
    activation and ``error="mse"``. The default sigmoid suits inputs
    scaled to 0..1 (``normalize="unit"`` images); use ``"identity"`` for
    standardised values.

    Args:
        input_shape: shape of one input: ``(height, width, channels)`` or ``(n_values,)``.
        kind: ``"dense"`` or ``"conv"``.
        code_size: values in the code (units of the ``code`` layer).
        hidden: units of the dense encoder layers (``kind="dense"``); ``()`` for none.
        filters: filters of each convolution level (``kind="conv"``); image
            sides must be multiples of ``2 ** len(filters)``.
        output_act: activation of the output layer.
        name: the network's name.

    Returns:
        A new ``dn.Sequential`` (untrained) whose output has the input's shape.

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.applications.Autoencoder((8, 8, 1), kind="conv", code_size=10)
        >>> net.layer_names[:6], net["code"].output_shape, net["output1"].output_shape
        (['input1', 'conv1', 'pool1', 'conv2', 'pool2', 'flatten1'], (None, 10), (None, 8, 8, 1))
        >>> dn.applications.Autoencoder(64, code_size=8, hidden=(32,)).layer_names
        ['input1', 'encoder1', 'code', 'decoder1', 'output1']
    """
    where = "Autoencoder"
    shape = _input_shape(input_shape, where)
    kind = check_choice(kind, "kind", where, ("dense", "conv"))
    code_size = check_count(code_size, "code_size", where)
    layers = [L.InputLayer(shape=shape, name="input1")]
    if kind == "dense":
        if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool):
            hidden = (hidden,)
        if not isinstance(hidden, (tuple, list)) or not all(
                isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1
                for n in hidden):
            raise InvalidArgumentError(
                f"{where}: hidden must be a list of positive layer sizes such as (128,), or () "
                f"for none; got {hidden!r}."
            )
        layers += _dense_layers(shape, code_size, tuple(int(n) for n in hidden), output_act)
    else:
        layers += _conv_layers(shape, code_size, check_filters(filters, where), output_act,
                               where)
    return Sequential(name=name, layers=layers)


def _as_images(images, n, where):
    """The first *n* inputs of an array or a dl_notebook dataset, as a float array."""
    if hasattr(images, "to_numpy") and hasattr(images, "subset"):
        images = images.subset(np.arange(min(n, len(images)))).to_numpy()[0]
    images = np.asarray(images)
    if images.ndim < 2 or images.dtype.kind not in "biuf" or len(images) == 0:
        raise InvalidArgumentError(
            f"{where}: images must be a non-empty numeric array (N, H, W), (N, H, W, C) or "
            f"(N, values), or a dataset; got shape {images.shape} of {images.dtype}."
        )
    return images[:n].astype(np.float32)


def _drawable(batch, image_shape, where):
    """*batch* as ``(N, H, W)`` or ``(N, H, W, 3)`` for imshow."""
    if image_shape is not None:
        try:
            batch = batch.reshape((len(batch), *image_shape))
        except ValueError:
            raise InvalidArgumentError(
                f"{where}: image_shape {tuple(image_shape)} does not hold the "
                f"{math.prod(batch.shape[1:])} values of each input."
            ) from None
    if batch.ndim == 4 and batch.shape[-1] == 1:
        batch = batch[..., 0]
    if batch.ndim != 3 and not (batch.ndim == 4 and batch.shape[-1] == 3):
        raise InvalidArgumentError(
            f"{where}: cannot draw inputs of shape {batch.shape[1:]}; give image_shape=(height, "
            f"width) for flat vectors."
        )
    return batch


def show_reconstructions(net, images, n=8, *, image_shape=None):
    """Draw inputs (top row) above the network's reconstructions (bottom row).

    Each reconstruction is titled with its mean squared error. Both rows
    share one colour scale, taken from the inputs, so a faint
    reconstruction looks faint.

    Args:
        net: a trained autoencoder (any network whose output has its input's shape).
        images: inputs as an array ``(N, H, W)``, ``(N, H, W, C)`` or
            ``(N, values)``, or a dl_notebook dataset; the first *n* are shown.
        n: how many inputs to show.
        image_shape: ``(height, width)`` or ``(height, width, 3)`` to draw
            flat vectors as images.

    Returns:
        A ``FigureDisplay`` (shown as a PNG in a notebook; ``.figure_`` is the
        matplotlib figure, ``.ax_`` its ``2 × n`` axes).

    Example:
        >>> import numpy as np, dl_notebook as dn
        >>> from dl_notebook.applications.autoencoder import show_reconstructions
        >>> net = dn.applications.Autoencoder((8, 8, 1), code_size=4, hidden=())
        >>> x = np.random.default_rng(0).random((5, 8, 8, 1)).astype("float32")
        >>> show_reconstructions(net, x, n=3).ax_.shape
        (2, 3)
    """
    from matplotlib.figure import Figure

    where = "show_reconstructions"
    n = check_count(n, "n", where)
    x = _as_images(images, n, where)
    model = net.to_keras()
    want = tuple(model.input_shape[1:])
    if x.ndim == len(want) and want[-1] == 1:
        x = x[..., None]  # (N, H, W) images for an (H, W, 1) input
    if tuple(x.shape[1:]) != want:
        raise ShapeError(
            f"{where}: the images have shape {tuple(x.shape[1:])} but the network takes {want}."
        )
    y = np.asarray(model(x, training=False), dtype=np.float32).reshape(x.shape)
    errors = ((y - x) ** 2).reshape(len(x), -1).mean(axis=1)
    top, bottom = _drawable(x, image_shape, where), _drawable(y, image_shape, where)
    low, high = float(top.min()), float(top.max())
    if top.ndim == 4:  # RGB: imshow needs 0..1 floats
        scale = max(high, 1e-12) if high > 1 else 1.0
        top, bottom = np.clip(top / scale, 0, 1), np.clip(bottom / scale, 0, 1)
    fig = Figure(figsize=(1.2 * len(x), 2.8))
    axes = fig.subplots(2, len(x), squeeze=False)
    for i in range(len(x)):
        for row, batch in ((0, top), (1, bottom)):
            ax = axes[row, i]
            ax.imshow(batch[i], cmap="gray", vmin=low, vmax=high)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[1, i].set_title(f"mse {errors[i]:.3f}", fontsize=8)
    axes[0, 0].set_ylabel("input", fontsize=9)
    axes[1, 0].set_ylabel("output", fontsize=9)
    fig.tight_layout()
    return FigureDisplay(fig, axes)
