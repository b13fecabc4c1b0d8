"""Occlusion heatmaps (DLPy ``heat_map_analysis``): what the prediction loses when a patch is
hidden.

A square mask slides over each image; under it the image is replaced by
its mean colour. Every masked image is scored by the model (in large
batches through one compiled function per model), and each pixel's heat is
one minus the mean probability of the class over the masks that cover it,
rescaled to [0, 1]: high where hiding the pixel hurts the class most. No
gradients and no ground truth are needed.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError
from ._compiled import cached, compiled, image_spec
from ._target import as_keras, check_images, class_indices, n_classes
from .registry import register

__all__ = ["occlusion"]


def _pair(value, what, limit):
    if isinstance(value, (tuple, list)) and len(value) == 2:
        pair = tuple(value)
    else:
        pair = (value, value)
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and
               1 <= v <= lim for v, lim in zip(pair, limit)):
        raise InvalidArgumentError(
            f"{what} must be a positive integer (or a (height, width) pair) of at most "
            f"{limit[0]}x{limit[1]} pixels, the image size; got {value!r}."
        )
    return int(pair[0]), int(pair[1])


def _starts(size, mask, step):
    """Mask positions along one axis: every *step* pixels, the last one flush with the edge."""
    starts = list(range(0, size - mask + 1, step))
    if starts[-1] != size - mask:
        starts.append(size - mask)
    return np.asarray(starts)


def _rectangles(image_size, mask_size=None, step=None):
    """``(top, left, height, width)`` of every mask position for an image of *image_size*."""
    h, w = image_size
    if mask_size is None:
        mask_size = (max(2, h // 4), max(2, w // 4)) if min(h, w) >= 2 else (1, 1)
    mh, mw = _pair(mask_size, "mask_size", (h, w))
    if step is None:
        step = (max(1, mh // 2), max(1, mw // 2))
    sh, sw = _pair(step, "step", (h, w))
    return [(int(y), int(x), mh, mw) for y in _starts(h, mh, sh) for x in _starts(w, mw, sw)]


def mask_grid(image_size, mask_size=None, step=None):
    """The boolean ``(P, H, W)`` masks used for an image of *image_size* ``(H, W)``.

    Defaults: a mask a quarter of the image side (at least 2 pixels) moved by
    half its size, so each pixel lies under about four masks.

    Example:
        >>> from dl_notebook.explain.occlusion import mask_grid
        >>> masks = mask_grid((8, 8), mask_size=4, step=2)
        >>> masks.shape, int(masks.sum(axis=0).min())
        ((9, 8, 8), 1)
    """
    rects = _rectangles(image_size, mask_size, step)
    masks = np.zeros((len(rects), *image_size), dtype=bool)
    for mask, (y, x, mh, mw) in zip(masks, rects):
        mask[y:y + mh, x:x + mw] = True
    return masks


@register("occlusion", title="Occlusion", needs_gradients=False,
          description="what the prediction loses when a patch is hidden (no gradients)")
def occlusion(model, images, class_index=None, mask_size=None, step=None, batch_size=256):
    """Occlusion heatmaps, one per image, at the input size, in [0, 1].

    Args:
        model: a ``dn.Network`` or a ``keras.Model`` (one image input, a
            ``(batch, classes)`` output).
        images: an ``(N, H, W, C)`` batch the model takes, or one image.
        class_index: None (each image's predicted class), an integer, or one
            integer per image.
        mask_size: side of the square mask in pixels, or ``(height, width)``;
            default a quarter of the image side.
        step: how far the mask moves, in pixels; default half the mask.
        batch_size: masked images per run of the model.

    Returns:
        float32 array ``(N, H, W)``; a map that no mask changes is all zeros.

    Example:
        >>> import numpy as np, dl_notebook as dn
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(8, 8, 1)),
        ...                             dn.layers.OutputLayer(2, name="out")])
        >>> dn.explain.occlusion(net, np.random.rand(3, 8, 8, 1), mask_size=4).shape
        (3, 8, 8)
    """
    from ..data._base import check_batch_size

    kmodel = as_keras(model)
    x = check_images(kmodel, images)
    n, h, w = x.shape[:3]
    classes = class_indices(class_index, n, n_classes(kmodel))
    batch_size = check_batch_size(batch_size)
    rects = _rectangles((h, w), mask_size, step)
    predict = cached(kmodel, ("predict",), lambda: _compile_predict(kmodel))
    if (classes < 0).any():
        probs = _predict(predict, x, batch_size)
        classes = np.where(classes < 0, probs.argmax(axis=1), classes).astype(np.int32)
    fill = x.mean(axis=(1, 2))  # (N, C): each image's mean colour
    kept = np.empty((n, len(rects)), dtype=np.float32)  # class probability per masked image
    per_chunk = max(1, batch_size // len(rects))  # images per chunk
    rect_step = min(len(rects), batch_size)  # masks per chunk (all of them, or a part)
    for start in range(0, n, per_chunk):
        part = slice(start, start + per_chunk)
        for first in range(0, len(rects), rect_step):
            some = rects[first:first + rect_step]
            hidden = np.repeat(x[part, None], len(some), axis=1)
            for j, (y, x0, mh, mw) in enumerate(some):
                hidden[:, j, y:y + mh, x0:x0 + mw] = fill[part, None, None]
            probs = _predict(predict, hidden.reshape(-1, *x.shape[1:]), batch_size)
            probs = probs.reshape(hidden.shape[0], len(some), -1)
            kept[part, first:first + len(some)] = np.take_along_axis(
                probs, classes[part, None, None], axis=2)[..., 0]
    total = np.zeros((n, h, w), dtype=np.float32)
    cover = np.zeros((h, w), dtype=np.float32)
    for p, (y, x0, mh, mw) in enumerate(rects):
        total[:, y:y + mh, x0:x0 + mw] += kept[:, p, None, None]
        cover[y:y + mh, x0:x0 + mw] += 1.0
    heat = 1.0 - total / cover
    return _rescale(heat)


def _rescale(maps):
    low = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - low
    safe = np.where(span > 0, span, 1.0)
    return np.where(span > 0, (maps - low) / safe, 0.0).astype(np.float32)


def _predict(fn, x, batch_size):
    import tensorflow as tf

    return np.concatenate([fn(tf.constant(x[i:i + batch_size])).numpy()
                           for i in range(0, len(x), batch_size)])


def _compile_predict(kmodel):
    """One ``tf.function`` ``images -> float32 class scores`` per model."""
    import weakref

    import tensorflow as tf

    ref = weakref.ref(kmodel)

    @compiled([image_spec(kmodel)])
    def predict(x):
        return tf.cast(ref()(x, training=False), tf.float32)

    return predict
