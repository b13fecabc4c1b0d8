"""YOLO decoding: raw outputs → boxes in pixels, scores, classes, after non-max suppression.

This is post-processing: a network exported to ONNX or ``.keras`` gives the
raw ``(B, rows, columns, A, 5 + C)`` output, and :func:`decode` turns it
(a numpy array as well as a tensor) into the list of per-image dicts that
``net.predict_boxes`` returns.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError, ShapeError

__all__ = ["check_thresholds", "decode", "decode_boxes", "suppressed"]


def decode_boxes(raw, anchors, input_size):
    """Raw outputs → ``(boxes, scores)``: xyxy pixels ``(B, N, 4)`` and per-class scores ``(B, N, C)``.

    A box's centre is its cell plus ``sigmoid(tx, ty)``, its size the
    anchor times ``exp(tw, th)``; a class's score is ``sigmoid(objectness)``
    times the class's softmax probability. Boxes are clipped to the image.

    Args:
        raw: ``(B, rows, columns, A, 5 + C)`` raw network output.
        anchors: ``(A, 2)`` anchors in grid cells.
        input_size: ``(height, width)`` of the network's input, in pixels.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.detection._decode import decode_boxes
        >>> raw = np.zeros((1, 2, 2, 1, 6), "float32")
        >>> boxes, scores = decode_boxes(raw, [[1.0, 1.0]], (64, 64))
        >>> boxes.numpy()[0, 0].tolist(), scores.numpy()[0, 0].tolist()
        ([0.0, 0.0, 32.0, 32.0], [0.5])
    """
    import keras
    import tensorflow as tf

    raw = tf.convert_to_tensor(raw, tf.float32)
    gh, gw = raw.shape[1], raw.shape[2]
    h, w = input_size
    rows, cols = tf.meshgrid(tf.range(gh, dtype=tf.float32), tf.range(gw, dtype=tf.float32),
                             indexing="ij")
    offset = tf.stack([cols, rows], axis=-1)[None, :, :, None, :]
    centre = tf.sigmoid(raw[..., 0:2]) + offset
    size = tf.exp(tf.minimum(raw[..., 2:4], 10.0)) * tf.constant(np.asarray(anchors, "float32"))
    pixels = tf.constant([w / gw, h / gh], tf.float32)
    boxes = keras.utils.bounding_boxes.convert_format(
        tf.concat([centre * pixels, size * pixels], axis=-1), "center_xywh", "xyxy")
    boxes = tf.clip_by_value(boxes, 0.0, tf.constant([w, h, w, h], tf.float32))
    scores = tf.sigmoid(raw[..., 4:5]) * tf.nn.softmax(raw[..., 5:], axis=-1)
    batch = tf.shape(raw)[0]
    return tf.reshape(boxes, [batch, -1, 4]), tf.reshape(scores, [batch, -1, raw.shape[-1] - 5])


def decode(raw_output, head, score_threshold=0.3, iou_threshold=0.45, max_boxes=100):
    """Decode raw YOLO outputs into one dict of boxes per image, after non-max suppression.

    Non-max suppression is TensorFlow's ``combined_non_max_suppression``,
    class by class.

    Args:
        raw_output: ``(B, rows, columns, A, 5 + C)`` raw output (numpy or tensor),
            as the network, its ONNX file or its ``.keras`` file give it.
        head: the network's :class:`~dl_notebook.detection.YoloHead` (anchors,
            input size).
        score_threshold: boxes scoring less are dropped.
        iou_threshold: of two boxes of a class overlapping more, the lower-scoring one goes.
        max_boxes: most boxes kept per image.

    Returns:
        A list with one dict per image: ``boxes`` ``(N, 4)`` float32 xyxy pixels,
        ``labels`` ``(N,)`` int64, ``scores`` ``(N,)`` float32, best score first.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.detection import YoloHead, decode
        >>> head = YoloHead(n_classes=2, anchors=[[1.0, 1.0]], grid=2, input_size=64)
        >>> raw = np.full((1, 2, 2, 1, 7), -9.0, "float32"); raw[0, 1, 0, 0, :6] = [0, 0, 0, 0, 9, 9]
        >>> found = decode(raw, head)
        >>> found[0]["boxes"].tolist(), found[0]["labels"].tolist()
        ([[0.0, 32.0, 32.0, 64.0]], [0])
    """

    check_thresholds(score_threshold, iou_threshold, max_boxes)
    expected = (*head.grid, len(head.anchors), 5 + head.n_classes)
    shape = tuple(np.shape(raw_output))
    if len(shape) != 5 or shape[1:] != expected:
        raise ShapeError(
            f"The raw output has shape {shape} but the head decodes (batch, {', '.join(map(str, expected))}); "
            f"give the output of the network this head belongs to.")
    if shape[0] == 0:
        return []
    boxes, scores = decode_boxes(raw_output, head.anchors, head.input_size)
    return suppressed(boxes[:, :, None, :], scores, score_threshold, iou_threshold, max_boxes)


def check_thresholds(score_threshold, iou_threshold, max_boxes) -> None:
    """Refuse thresholds outside 0..1 and a *max_boxes* that is not a positive integer."""
    if not 0 <= score_threshold <= 1 or not 0 <= iou_threshold <= 1:
        raise InvalidArgumentError(
            f"score_threshold and iou_threshold must be within 0..1; got {score_threshold!r} "
            f"and {iou_threshold!r}.")
    if isinstance(max_boxes, bool) or not isinstance(max_boxes, (int, np.integer)) or max_boxes < 1:
        raise InvalidArgumentError(f"max_boxes must be a positive integer; got {max_boxes!r}.")


def suppressed(boxes, scores, score_threshold, iou_threshold, max_boxes) -> list[dict]:
    """Per image the boxes that survive per-class non-max suppression, best score first.

    *boxes* are ``(batch, n, classes or 1, 4)`` xyxy pixels and *scores*
    ``(batch, n, classes)``; TensorFlow's ``combined_non_max_suppression`` keeps
    at most *max_boxes* per class and per image.
    """
    import tensorflow as tf

    found = tf.image.combined_non_max_suppression(
        boxes, scores, max_output_size_per_class=int(max_boxes), max_total_size=int(max_boxes),
        iou_threshold=float(iou_threshold), score_threshold=float(score_threshold),
        clip_boxes=False)
    kept = found.valid_detections.numpy()
    return [{"boxes": found.nmsed_boxes.numpy()[i, :n].astype("float32"),
             "labels": found.nmsed_classes.numpy()[i, :n].astype("int64"),
             "scores": found.nmsed_scores.numpy()[i, :n].astype("float32")}
            for i, n in enumerate(kept)]
