"""YOLO target encoding: ground-truth boxes → one target per grid cell and anchor.

Boxes come as the shared detection convention has them: xyxy in pixels of
the network's input image, padded with ``-1`` (boxes and labels) to the same
number per image. Each real box is given to the grid cell that holds its
centre and, in that cell, to the anchor whose shape fits it best (IoU of the
two shapes placed at the origin). Its target holds ``tx, ty`` (the centre's
place within the cell, 0..1), ``tw, th`` (``log(box / anchor)``), an
objectness of 1 and the class id. Two boxes that fall on the same cell and
anchor share one target: the later one is kept.

Everything here is TensorFlow, so the encoding runs inside ``tf.data``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["encode_targets", "ideal_output", "N_TARGET"]

N_TARGET = 6  # tx, ty, tw, th, objectness, class id


def _cells(boxes, grid, input_size):
    """Boxes xyxy in pixels → centre x, centre y, width, height in grid cells."""
    import tensorflow as tf

    (gh, gw), (h, w) = grid, input_size
    scale = tf.constant([gw / w, gh / h, gw / w, gh / h], tf.float32)
    cells = boxes * scale
    return ((cells[..., 0] + cells[..., 2]) / 2, (cells[..., 1] + cells[..., 3]) / 2,
            cells[..., 2] - cells[..., 0], cells[..., 3] - cells[..., 1])


def best_anchors(widths, heights, anchors):
    """The index of the anchor of best IoU with each box shape (both placed at the origin).

    Args:
        widths, heights: ``(B, M)`` box sizes in grid cells.
        anchors: ``(A, 2)`` anchor widths and heights in grid cells.

    Returns:
        ``(B, M)`` int32 anchor indices.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.detection._targets import best_anchors
        >>> best_anchors(np.array([[1.0, 3.0]]), np.array([[1.0, 2.5]]),
        ...              np.array([[1.0, 1.0], [3.0, 3.0]])).numpy().tolist()
        [[0, 1]]
    """
    import keras
    import tensorflow as tf

    widths = tf.convert_to_tensor(widths, tf.float32)
    heights = tf.convert_to_tensor(heights, tf.float32)
    zeros = tf.zeros_like(widths)
    shapes = tf.stack([zeros, zeros, widths, heights], axis=-1)  # (B, M, 4)
    anchors = tf.constant(np.asarray(anchors, "float32"))
    anchor_boxes = tf.concat([tf.zeros_like(anchors), anchors], axis=-1)  # (A, 4)
    anchor_boxes = tf.tile(anchor_boxes[None], [tf.shape(shapes)[0], 1, 1])  # (B, A, 4)
    iou = keras.utils.bounding_boxes.compute_iou(shapes, anchor_boxes, "xyxy")
    return tf.argmax(iou, axis=-1, output_type=tf.int32)


def encode_targets(boxes, labels, anchors, grid, input_size):
    """Encode a batch of padded ground truth as YOLO targets.

    Args:
        boxes: ``(B, M, 4)`` float xyxy boxes in pixels, ``-1`` rows for padding.
        labels: ``(B, M)`` int class ids, ``-1`` for padding.
        anchors: ``(A, 2)`` anchor widths and heights in grid cells.
        grid: ``(rows, columns)`` of the output grid.
        input_size: ``(height, width)`` of the network's input, in pixels.

    Returns:
        ``(B, rows, columns, A, 6)`` float32: ``tx, ty, tw, th, objectness,
        class id`` (all zero where no box is).

    Example:
        >>> import numpy as np
        >>> from dl_notebook.detection._targets import encode_targets
        >>> y = encode_targets(np.array([[[8., 40., 24., 56.], [-1, -1, -1, -1]]]),
        ...                    np.array([[1, -1]]), np.array([[0.5, 0.5], [1.5, 1.5]]),
        ...                    grid=(2, 2), input_size=(64, 64)).numpy()
        >>> y.shape, np.argwhere(y[..., 4] == 1).tolist(), y[0, 1, 0, 0].round(3).tolist()
        ((1, 2, 2, 2, 6), [[0, 1, 0, 0]], [0.5, 0.5, 0.0, 0.0, 1.0, 1.0])
    """
    import tensorflow as tf

    boxes = tf.convert_to_tensor(boxes, tf.float32)
    labels = tf.cast(labels, tf.int32)
    anchors = np.asarray(anchors, "float32")
    gh, gw = int(grid[0]), int(grid[1])
    cx, cy, bw, bh = _cells(boxes, (gh, gw), input_size)
    valid = (labels >= 0) & (bw > 0) & (bh > 0)
    col = tf.clip_by_value(tf.cast(tf.floor(cx), tf.int32), 0, gw - 1)
    row = tf.clip_by_value(tf.cast(tf.floor(cy), tf.int32), 0, gh - 1)
    safe_w, safe_h = tf.where(valid, bw, 1.0), tf.where(valid, bh, 1.0)
    best = best_anchors(safe_w, safe_h, anchors)
    anchor_w = tf.gather(tf.constant(anchors[:, 0]), best)
    anchor_h = tf.gather(tf.constant(anchors[:, 1]), best)
    values = tf.stack([cx - tf.cast(col, tf.float32), cy - tf.cast(row, tf.float32),
                       tf.math.log(safe_w / anchor_w), tf.math.log(safe_h / anchor_h),
                       tf.ones_like(cx), tf.cast(labels, tf.float32)], axis=-1)
    batch = tf.shape(boxes)[0]
    image = tf.broadcast_to(tf.range(batch)[:, None], tf.shape(labels))
    index = tf.stack([image, row, col, best], axis=-1)
    shape = tf.stack([batch, gh, gw, len(anchors), N_TARGET])
    return tf.tensor_scatter_nd_update(tf.zeros(shape, tf.float32),
                                       tf.boolean_mask(index, valid),
                                       tf.boolean_mask(values, valid))


def ideal_output(y_true, n_classes, confidence=20.0):
    """The raw network output that encodes *y_true* exactly: what a perfect network would give.

    The centre offsets go through the inverse sigmoid, objectness and class
    logits are ``±confidence``. Decoding it gives back the encoded boxes, and
    the loss of it is near zero.

    Args:
        y_true: ``(..., 6)`` targets from :func:`encode_targets`.
        n_classes: number of classes.
        confidence: the size of the objectness and class logits.

    Returns:
        float32 numpy array ``(..., 5 + n_classes)``.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.detection._targets import ideal_output
        >>> raw = ideal_output(np.array([[0.5, 0.25, 0.1, 0.0, 1.0, 1.0]]), n_classes=2)
        >>> [round(float(v), 3) for v in raw[0]]
        [0.0, -1.099, 0.1, 0.0, 20.0, -20.0, 20.0]
    """
    y = np.asarray(y_true, "float32")
    xy = np.clip(y[..., :2], 1e-6, 1 - 1e-6)
    obj = y[..., 4:5]
    one_hot = np.eye(n_classes, dtype="float32")[y[..., 5].astype(int).clip(0, n_classes - 1)]
    classes = np.where(obj > 0, (2 * one_hot - 1) * confidence, 0.0)
    return np.concatenate([np.log(xy / (1 - xy)), y[..., 2:4], (2 * obj - 1) * confidence,
                           classes], axis=-1).astype("float32")
