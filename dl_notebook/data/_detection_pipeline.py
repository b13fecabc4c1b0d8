"""A :class:`~dl_notebook.data.DetectionDataset` into ``tf.data`` and into a figure.

Images are decoded and resized in the pipeline; boxes are scaled in NumPy
before it (the size of every file is known from its header) and padded to
``M`` per image with ``-1``. Flips are Keras' ``RandomFlip`` with its
bounding-box support; the padded rows are put back to ``-1`` after it.
"""

from __future__ import annotations

import threading

import numpy as np

from ..errors import InvalidArgumentError
from . import _decode
from ._base import check_batch_size, ready
from ._files import tf_decode, tf_resize
from ._unreadable import diagnose

__all__ = ["load_image", "make_dataset", "show"]

_FLIPS = ("horizontal", "vertical", "horizontal_and_vertical")


def padded_targets(ds, max_boxes):
    """``(N, M, 4)`` float32 boxes at ``image_size`` and ``(N, M)`` int32 labels, ``-1`` padded."""
    truth = ds.ground_truth()
    m = max_boxes or max([1, *(len(t["labels"]) for t in truth)])
    boxes = np.full((len(truth), m, 4), -1, np.float32)
    labels = np.full((len(truth), m), -1, np.int32)
    for i, t in enumerate(truth):
        k = min(m, len(t["labels"]))
        boxes[i, :k], labels[i, :k] = t["boxes"][:k], t["labels"][:k]
    return boxes, labels


def _source(ds):
    """``(inputs, decode)``: what the slices hold for the images and how one becomes pixels."""
    import tensorflow as tf

    size, channels = ds.image_size, ds.channels
    if ds._paths is None:
        return tf.constant(ds._arrays), lambda x: tf_resize(x, size, "stretch")
    use_pil = [not info.tf_decodable for info in ds._infos]
    formats = {info.format for info in ds._infos}
    fmt = next(iter(formats)) if len(formats) == 1 else None
    paths = tf.constant(ds._paths)
    if any(use_pil) and not all(use_pil):
        return ((paths, tf.constant(use_pil)),
                lambda f: tf_resize(tf_decode(f[0], f[1], channels, fmt), size, "stretch"))
    everyone = any(use_pil)
    return paths, lambda p: tf_resize(tf_decode(p, everyone, channels, fmt), size, "stretch")


def _flipper(flip, seed):
    """Batch function flipping images with their boxes (Keras ``RandomFlip``), padding kept."""
    import tensorflow as tf

    from .._keras import keras

    layer = keras().layers.RandomFlip(flip, bounding_box_format="xyxy", seed=seed)

    def apply(images, boxes, labels):
        out = layer({"images": images,
                     "bounding_boxes": {"boxes": boxes, "labels": labels}}, training=True)
        real = (labels >= 0)[..., None]
        flipped = tf.where(real, tf.cast(out["bounding_boxes"]["boxes"], tf.float32), -1.0)
        return tf.cast(out["images"], tf.float32), flipped, labels

    return apply


class _PassReport:
    """Sees each batch's positions; at the end of a pass, records the files that never came."""

    def __init__(self, ds):
        self.ds, self.paths, self.n = ds, list(ds._paths or []), len(ds)
        self.seen, self.lock = set(), threading.Lock()

    def __call__(self, positions):
        positions = positions.tolist()
        with self.lock:
            if positions != [-1]:
                self.seen.update(positions)
                return np.bool_(True)
            missing = sorted(set(range(self.n)) - self.seen)
            self.seen = set()
        if missing:
            found = [(self.paths[i], diagnose(self.paths[i], (self.ds._infos[i].height,
                                                              self.ds._infos[i].width)))
                     for i in missing]
            self.ds._unreadable.add(found)
        return np.bool_(False)


def make_dataset(ds, batch_size, shuffle, seed, augment, max_boxes):
    """The ``tf.data`` pipeline of :meth:`DetectionDataset.to_tf_dataset`, arguments checked."""
    import tensorflow as tf

    batch_size = check_batch_size(batch_size)
    if augment is not None and (not isinstance(augment, dict) or set(augment) != {"flip"}
                                or augment["flip"] not in _FLIPS):
        raise InvalidArgumentError(
            "augment must be None or {'flip': 'horizontal'}, 'vertical' or "
            f"'horizontal_and_vertical'; got {augment!r}.")
    if max_boxes is not None and (not isinstance(max_boxes, (int, np.integer))
                                  or isinstance(max_boxes, bool) or max_boxes < 1):
        raise InvalidArgumentError(f"max_boxes must be a positive integer; got {max_boxes!r}.")
    flip = None if augment is None else augment["flip"]

    boxes, labels = padded_targets(ds, max_boxes)
    inputs, decode = _source(ds)
    data = tf.data.Dataset.from_tensor_slices(
        (tf.range(len(ds), dtype=tf.int64), inputs, boxes, labels))
    if shuffle:
        data = data.shuffle(len(ds), seed=seed, reshuffle_each_iteration=True)
    data = data.map(lambda i, x, b, c: (decode(x), b, c, i), num_parallel_calls=tf.data.AUTOTUNE,
                    deterministic=True)
    if ds._paths is not None:
        data = data.ignore_errors()  # a file that fails is named at the end of the pass
    data = data.batch(batch_size)
    if flip is not None:
        apply = _flipper(flip, seed)
        data = data.map(lambda x, b, c, i: (*apply(x, b, c), i))
    if ds._paths is not None:
        report = _PassReport(ds)
        spec = data.element_spec
        end = tf.data.Dataset.from_tensors(tuple(
            tf.zeros([0, *s.shape[1:]], s.dtype) for s in spec[:3]) + (tf.constant([-1], tf.int64),))
        data = (data.concatenate(end)
                .map(lambda x, b, c, i: (x, b, c, tf.numpy_function(report, [i], tf.bool,
                                                                    stateful=True)))
                .filter(lambda x, b, c, real: real))
    return ready(data.map(lambda x, b, c, _: (x, {"boxes": b, "labels": c})))


def load_image(ds, i):
    """Image *i* of *ds* as float32 ``(H, W, C)`` 0..255 at ``image_size``."""
    import tensorflow as tf

    if ds._paths is None:
        image = ds._arrays[i]
    else:
        image = _decode.pil_decode(ds._paths[i], ds.channels)
    return tf_resize(tf.constant(image), ds.image_size, "stretch").numpy()


def show(ds, n, columns):
    """A figure of the first *n* images of *ds* with boxes and class names."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    from .._display import FigureDisplay

    n = max(1, min(int(n), len(ds)))
    columns = max(1, min(int(columns), n))
    rows = -(-n // columns)
    fig = Figure(figsize=(2 * columns, 2 * rows))
    axes = fig.subplots(rows, columns, squeeze=False)
    colours = [f"C{k % 10}" for k in range(len(ds.class_names))]
    truth = ds.ground_truth()
    for k, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if k >= n:
            continue
        image = load_image(ds, k)
        ax.imshow(image[..., 0] if image.shape[-1] == 1 else image / 255.0,
                  cmap="gray", vmin=0, vmax=255 if image.shape[-1] == 1 else 1)
        for (x0, y0, x1, y1), c in zip(truth[k]["boxes"], truth[k]["labels"]):
            ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False,
                                   edgecolor=colours[c], linewidth=1.5))
            ax.text(x0 - 0.5, y0 - 0.5, ds.class_names[c], color="white", fontsize=7,
                    va="bottom", bbox={"facecolor": colours[c], "pad": 1, "linewidth": 0})
    fig.tight_layout()
    return FigureDisplay(fig, axes)
