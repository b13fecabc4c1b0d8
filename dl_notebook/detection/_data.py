"""Detection data in its shared form: batches of ``(images, {"boxes", "labels"})``.

Images are float32 pixel values 0..255; boxes ``(B, M, 4)`` float32 xyxy in
pixels, labels ``(B, M)`` int32, both padded with ``-1`` (Keras' dense
bounding-box convention). A ``DetectionDataset`` yields this already; here
the other forms a detection network takes are brought to it.
"""

from __future__ import annotations

import numpy as np

from ..data._base import ready
from ..errors import InvalidArgumentError, ShapeError

__all__ = ["batches", "padded", "as_arrays"]


def padded(per_image, max_boxes=None):
    """Boxes per image as lists of ``(class_id, x_min, y_min, x_max, y_max)`` → padded arrays.

    Args:
        per_image: one list of boxes per image (as ``dn.datasets.shapes`` gives them).
        max_boxes: boxes per image in the result (default: the most of any image).

    Returns:
        ``(boxes (N, M, 4) float32, labels (N, M) int32)``, padded with ``-1``.

    Example:
        >>> from dl_notebook.detection._data import padded
        >>> boxes, labels = padded([[(1, 0, 0, 4, 4)], []])
        >>> boxes.tolist(), labels.tolist()
        ([[[0.0, 0.0, 4.0, 4.0]], [[-1.0, -1.0, -1.0, -1.0]]], [[1], [-1]])
    """
    most = max([len(b) for b in per_image] + [1]) if max_boxes is None else int(max_boxes)
    boxes = np.full((len(per_image), most, 4), -1, dtype="float32")
    labels = np.full((len(per_image), most), -1, dtype="int32")
    for i, image_boxes in enumerate(per_image):
        for j, (class_id, *box) in enumerate(list(image_boxes)[:most]):
            boxes[i, j], labels[i, j] = box, class_id
    return boxes, labels


def as_arrays(data):
    """``(images, boxes, labels)`` arrays of shapes data or an ``(images, truth)`` pair, else None.

    Example:
        >>> from dl_notebook.data.datasets import shapes
        >>> from dl_notebook.detection._data import as_arrays
        >>> images, boxes, labels = as_arrays(shapes(n=2, image_size=32, kind="detect"))
        >>> images.dtype, boxes.shape[-1], labels.dtype
        (dtype('float32'), 4, dtype('int32'))
    """
    if hasattr(data, "images") and hasattr(data, "boxes") and not hasattr(data, "to_tf_dataset"):
        boxes, labels = padded(data.boxes)
        return np.asarray(data.images, "float32"), boxes, labels
    if isinstance(data, (tuple, list)) and len(data) == 2 and isinstance(data[1], dict):
        images = np.asarray(data[0], "float32")
        boxes = np.asarray(data[1].get("boxes"), "float32")
        labels = np.asarray(data[1].get("labels"), "int32")
        if boxes.ndim != 3 or boxes.shape[-1] != 4 or labels.shape != boxes.shape[:2] \
                or len(images) != len(boxes):
            raise ShapeError(
                f"Detection arrays must be images (N, H, W, C) with boxes (N, M, 4) and labels "
                f"(N, M); got {images.shape}, {boxes.shape} and {labels.shape}.")
        return images, boxes, labels
    return None


def _check_size(images_shape, input_size, what):
    if tuple(images_shape[1:3]) != tuple(input_size):
        raise ShapeError(
            f"The {what} has images of {images_shape[1]}×{images_shape[2]} but the network takes "
            f"{input_size[0]}×{input_size[1]}; make the data at the network's size "
            f"(image_size=) or build the network for the data.")


def batches(data, batch_size, shuffle, seed, input_size):
    """A batched ``tf.data.Dataset`` of ``(images, {"boxes", "labels"})`` from detection data.

    Args:
        data: a ``DetectionDataset``, shapes data, an ``(images, {"boxes", "labels"})``
            pair of padded arrays, or a ``tf.data.Dataset`` of such batches.
        batch_size: images per batch (not for a tf.data.Dataset, which comes batched).
        shuffle: shuffle the images, each epoch anew.
        seed: the shuffle's seed.
        input_size: ``(height, width)`` the images must have.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.detection._data import batches
        >>> data = (np.zeros((3, 32, 32, 3)), {"boxes": np.zeros((3, 1, 4)), "labels": np.zeros((3, 1))})
        >>> [int(images.shape[0]) for images, _ in batches(data, 2, False, None, (32, 32))]
        [2, 1]
    """
    import tensorflow as tf

    if isinstance(data, tf.data.Dataset):
        spec = data.element_spec
        if not (isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[1], dict)
                and {"boxes", "labels"} <= set(spec[1])):
            raise InvalidArgumentError(
                f"A detection tf.data.Dataset must yield (images, {{'boxes', 'labels'}}) "
                f"batches; it yields {spec}.")
        _check_size((None, *spec[0].shape[1:3]), input_size, "tf.data.Dataset")
        return data
    if hasattr(data, "to_tf_dataset") and hasattr(data, "ground_truth"):
        size = getattr(data, "image_size", None)
        if size is not None:
            _check_size((None, *tuple(size)[:2]), input_size, "detection dataset")
        return data.to_tf_dataset(batch_size=batch_size, shuffle=shuffle, seed=seed)
    arrays = as_arrays(data)
    if arrays is None:
        raise InvalidArgumentError(
            f"A detection network trains on a DetectionDataset, dn.datasets.shapes(kind="
            f"'detect') or (images, {{'boxes', 'labels'}}) arrays; got {type(data).__name__}.")
    images, boxes, labels = arrays
    _check_size(images.shape, input_size, "data")
    stream = tf.data.Dataset.from_tensor_slices((images, {"boxes": boxes, "labels": labels}))
    if shuffle:
        stream = stream.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    return ready(stream.batch(batch_size))
