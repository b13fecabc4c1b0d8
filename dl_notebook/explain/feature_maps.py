"""What a layer computes: its feature maps for one image (DLPy ``feature_maps``) and its
activations for a whole dataset as a feature table (DLPy ``get_features``).

Both run one compiled function per model and layer; layers are named as
for :func:`~dl_notebook.explain.gradcam` (network name, Keras name, or a
``"nested/inner"`` path).
"""

from __future__ import annotations

import math

import numpy as np

from .._display import FigureDisplay
from ..errors import InvalidArgumentError, ShapeError
from ._compiled import cached, compiled
from ._target import as_keras, check_images, fits, fmt_shape, input_shape, resolve

__all__ = ["FeatureMaps", "feature_maps", "features"]


class FeatureMaps:
    """The output of one layer for one image; shows itself as a grid of its channels.

    Args:
        maps: the activations without the batch axis: ``H×W×C`` for a
            convolutional layer, ``(C,)`` for a dense one.
        layer: the layer's name.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.explain import FeatureMaps
        >>> fm = FeatureMaps(np.random.rand(6, 6, 10), "conv1")
        >>> fm.n_maps, fm.display(n=4, ncol=2).ax_.shape
        (10, (2, 2))
    """

    def __init__(self, maps, layer):
        self.maps = np.asarray(maps)
        self.layer = layer

    @property
    def n_maps(self) -> int:
        """Number of channels (maps)."""
        return int(self.maps.shape[-1]) if self.maps.ndim else 1

    def display(self, n=None, ncol=8, cmap="viridis"):
        """A grid of the first *n* maps (all by default), *ncol* per row, as a FigureDisplay.

        A layer without height and width (dense, sequence) is drawn as one strip.
        """
        from matplotlib.figure import Figure

        for value, what in ((n, "n"), (ncol, "ncol")):
            if value is not None and (isinstance(value, bool) or
                                      not isinstance(value, (int, np.integer)) or value < 1):
                raise InvalidArgumentError(f"{what} must be a positive integer; got {value!r}.")
        if self.maps.ndim != 3:
            strip = self.maps.reshape(1, -1) if self.maps.ndim < 2 else self.maps.T
            fig = Figure(figsize=(8, 1.2 + 0.05 * strip.shape[0]))
            ax = fig.subplots()
            ax.imshow(strip, cmap=cmap, aspect="auto", interpolation="nearest")
            ax.set_yticks([])
            ax.set_title(f"{self.layer}: {self.n_maps} features", fontsize=9)
            return FigureDisplay(fig, ax)
        count = self.n_maps if n is None else min(int(n), self.n_maps)
        cols = min(int(ncol), count)
        rows = math.ceil(count / cols)
        fig = Figure(figsize=(1.3 * cols, 1.3 * rows + 0.4))
        axes = fig.subplots(rows, cols, squeeze=False)
        for i, ax in enumerate(axes.flat):
            ax.axis("off")
            if i < count:
                ax.imshow(self.maps[..., i], cmap=cmap, interpolation="nearest")
                ax.set_title(str(i), fontsize=7)
        fig.suptitle(f"{self.layer}: {count} of {self.n_maps} maps", fontsize=9)
        return FigureDisplay(fig, axes)

    def _repr_png_(self) -> bytes:
        return self.display()._repr_png_()

    def __repr__(self):
        return f"FeatureMaps(layer={self.layer!r}, shape={self.maps.shape})"


def _compiled(net, layer):
    """``(keras model, target, fn, input dtype)``; *fn* gives the layer's activations."""
    import tensorflow as tf

    kmodel = as_keras(net, one_output=False)
    target = resolve(net, kmodel, layer, spatial=False)
    dtype = kmodel.inputs[0].dtype
    spec = tf.TensorSpec((None, *input_shape(kmodel)), dtype)

    def make():
        forward = target.forward

        @compiled([spec])
        def activations(x):
            found, _ = forward(x)
            return tf.cast(found, tf.float32)

        return activations

    return kmodel, target, cached(kmodel, ("activations", target.key), make), dtype


def feature_maps(net, image, layer):
    """The feature maps of *layer* for one *image* (DLPy ``feature_maps``).

    Args:
        net: a ``dn.Network`` or a ``keras.Model``.
        image: one ``H×W×C`` image as the model takes it (or a batch of one).
        layer: the layer's name (network name, Keras name or ``"nested/inner"``).

    Returns:
        :class:`FeatureMaps`; ``.maps`` is ``H×W×C`` for a convolutional layer.

    Example:
        >>> import numpy as np, dl_notebook as dn
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(8, 8, 1)),
        ...                             dn.layers.Conv2d(3, 3, name="conv1"),
        ...                             dn.layers.OutputLayer(2, name="out")])
        >>> net.get_feature_maps(np.random.rand(8, 8, 1), "conv1").maps.shape
        (8, 8, 3)
    """
    import tensorflow as tf

    kmodel, target, fn, _ = _compiled(net, layer)
    x = check_images(kmodel, image)
    if len(x) != 1:
        raise InvalidArgumentError(
            f"feature_maps shows one image; got {len(x)}; pass one of them (e.g. images[0])."
        )
    return FeatureMaps(fn(tf.constant(x)).numpy()[0], target.name)


def _batches(data, batch_size, want):
    """``(x, y)`` batches of *data*; y is None when the data has no labels."""
    import tensorflow as tf

    if hasattr(data, "to_tf_dataset") and hasattr(data, "labels"):
        yield from data.to_tf_dataset(batch_size=batch_size)
        return
    if isinstance(data, tf.data.Dataset):
        spec = data.element_spec
        first = spec[0] if isinstance(spec, tuple) else spec
        if hasattr(first, "shape") and len(first.shape) == len(want):
            data = data.batch(batch_size)  # unbatched samples
        for item in data:
            if isinstance(item, tuple):
                yield item[0], (item[1] if len(item) > 1 else None)
            else:
                yield item, None
        return
    if isinstance(data, (tuple, list)) and len(data) == 2:
        x, y = np.asarray(data[0]), None if data[1] is None else np.asarray(data[1])
        if y is not None and len(y) != len(x):
            raise InvalidArgumentError(
                f"The data has {len(x)} inputs but {len(y)} labels; give one label each."
            )
    elif isinstance(data, np.ndarray):
        x, y = data, None
    else:
        raise InvalidArgumentError(
            f"data must be a dl_notebook dataset, a tf.data.Dataset, an (x, y) pair or an "
            f"array; got {type(data).__name__}."
        )
    for start in range(0, len(x), batch_size):
        yield x[start:start + batch_size], None if y is None else y[start:start + batch_size]


def features(net, data, layer, batch_size=256):
    """The activations of *layer* for every example of *data*, flattened: ``(X, y)``.

    Args:
        net: a ``dn.Network`` or a ``keras.Model``.
        data: a dl_notebook dataset, a ``tf.data.Dataset`` of ``(x, y)`` (or
            ``x``) batches, an ``(x, y)`` pair of arrays or an ``x`` array.
        layer: the layer's name (network name, Keras name or ``"nested/inner"``).
        batch_size: examples per run of the compiled function.

    Returns:
        ``X`` float32 ``(N, features)`` and ``y`` (the labels, or None without them).

    Example:
        >>> import numpy as np, dl_notebook as dn
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(8, 8, 1)),
        ...                             dn.layers.Conv2d(3, 3, name="conv1"),
        ...                             dn.layers.OutputLayer(2, name="out")])
        >>> X, y = net.get_features((np.random.rand(5, 8, 8, 1), [0, 1, 0, 1, 1]), "conv1")
        >>> X.shape, y.tolist()
        ((5, 192), [0, 1, 0, 1, 1])
    """
    import tensorflow as tf

    from ..data._base import check_batch_size

    batch_size = check_batch_size(batch_size)
    kmodel, target, fn, dtype = _compiled(net, layer)
    want = input_shape(kmodel)
    parts, labels = [], []
    for x, y in _batches(data, batch_size, want):
        if not fits(tuple(x.shape[1:]), want):
            raise ShapeError(
                f"Model {kmodel.name!r} takes inputs of shape {fmt_shape(want)} but the data has "
                f"samples of shape {fmt_shape(tuple(x.shape[1:]))}; reshape the data to fit."
            )
        out = fn(tf.cast(x, dtype)).numpy()
        parts.append(out.reshape(len(out), -1))
        labels.append(None if y is None else np.asarray(y))
    if not parts:
        width = int(np.prod([d or 0 for d in target.shape[1:]]))
        return np.zeros((0, width), dtype=np.float32), None
    X = np.concatenate(parts).astype(np.float32, copy=False)
    y = None if any(part is None for part in labels) else np.concatenate(labels)
    return X, y
