"""YOLOv2's loss, with its four parts, as a Keras loss and as metrics.

For raw outputs ``(B, rows, columns, A, 5 + C)`` and targets ``(B, rows,
columns, A, 6)`` (see :mod:`dl_notebook.detection._targets`), summed over the
cells and anchors of each image:

- ``coord_loss``: ``λ_coord`` × squared error of ``sigmoid(tx), sigmoid(ty),
  tw, th`` against the targets, for the anchors responsible for a box;
- ``obj_loss``: ``λ_obj`` × ``(sigmoid(objectness) − 1)²`` for the responsible
  anchors. The target is 1, not the IoU of the predicted box as in Darknet:
  on small data the IoU target starts near 0 and slows learning, and the
  score ranks boxes the same way;
- ``noobj_loss``: ``λ_noobj`` × ``sigmoid(objectness)²`` for the other anchors
  whose predicted box overlaps no ground-truth box of the image by IoU ≥
  ``ignore_iou`` (0.6): a good box from the wrong anchor is not punished;
- ``class_loss``: ``λ_class`` × softmax cross-entropy of the class for the
  responsible anchors.

The defaults are the scales of Darknet's ``yolov2-voc.cfg`` (coordinates 1,
object 5, no object 1, class 1).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

__all__ = ["YoloLoss", "PARTS", "loss_parts"]

PARTS = ("coord", "obj", "noobj", "class")


def _boxes(xy, wh, anchors, grid):
    """Centre offsets and log sizes → xyxy boxes in grid cells, ``(B, rows, cols, A, 4)``."""
    gh, gw = grid
    rows, cols = tf.meshgrid(tf.range(gh, dtype=tf.float32), tf.range(gw, dtype=tf.float32),
                             indexing="ij")
    offset = tf.stack([cols, rows], axis=-1)[None, :, :, None, :]  # (1, rows, cols, 1, 2)
    centre = xy + offset
    size = tf.exp(tf.minimum(wh, 10.0)) * tf.constant(np.asarray(anchors, "float32"))
    return keras.utils.bounding_boxes.convert_format(
        tf.concat([centre, size], axis=-1), "center_xywh", "xyxy")


def loss_parts(y_true, y_pred, anchors, *, lambda_coord=1.0, lambda_obj=5.0, lambda_noobj=1.0,
               lambda_class=1.0, ignore_iou=0.6):
    """The four parts of the YOLOv2 loss per image (see the module notes).

    Args:
        y_true: ``(B, rows, columns, A, 6)`` targets.
        y_pred: ``(B, rows, columns, A, 5 + C)`` raw outputs.
        anchors: ``(A, 2)`` in grid cells.
        lambda_coord, lambda_obj, lambda_noobj, lambda_class: the weights of the parts.
        ignore_iou: anchors whose box overlaps a ground-truth box this much
            get no no-object loss.

    Returns:
        A dict ``{"coord", "obj", "noobj", "class"}`` of ``(B,)`` tensors.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.detection._loss import loss_parts
        >>> from dl_notebook.detection._targets import encode_targets, ideal_output
        >>> y = encode_targets(np.array([[[8., 8., 40., 40.]]]), np.array([[0]]),
        ...                    np.array([[1.0, 1.0]]), (2, 2), (64, 64))
        >>> parts = loss_parts(y, ideal_output(y, 2), np.array([[1.0, 1.0]]))
        >>> [round(float(parts[p][0]), 4) for p in ("coord", "obj", "noobj", "class")]
        [0.0, 0.0, 0.0, 0.0]
    """
    y_true = tf.convert_to_tensor(y_true, tf.float32)
    y_pred = tf.convert_to_tensor(y_pred, tf.float32)
    grid = (y_pred.shape[1], y_pred.shape[2])
    responsible = y_true[..., 4]
    pred_xy, pred_wh = tf.sigmoid(y_pred[..., 0:2]), y_pred[..., 2:4]
    objectness = tf.sigmoid(y_pred[..., 4])
    image_axes = [1, 2, 3]

    coord = tf.reduce_sum(tf.square(pred_xy - y_true[..., 0:2]), -1) + \
        tf.reduce_sum(tf.square(pred_wh - y_true[..., 2:4]), -1)
    obj = tf.square(objectness - 1.0)

    # The best IoU of each predicted box with the image's ground-truth boxes (read back
    # from the targets; anchors without a box become -1 rows, which compute_iou masks).
    batch = tf.shape(y_pred)[0]
    predicted = tf.reshape(_boxes(pred_xy, pred_wh, anchors, grid), [batch, -1, 4])
    truth = _boxes(y_true[..., 0:2], y_true[..., 2:4], anchors, grid)
    truth = tf.where(responsible[..., None] > 0, truth, -1.0)
    iou = keras.utils.bounding_boxes.compute_iou(
        predicted, tf.reshape(truth, [batch, -1, 4]), "xyxy", use_masking=True)
    best_iou = tf.reshape(tf.reduce_max(iou, axis=-1), tf.shape(objectness))
    ignore = tf.cast(best_iou >= ignore_iou, tf.float32)
    noobj = (1.0 - responsible) * (1.0 - ignore) * tf.square(objectness)

    classes = tf.cast(y_true[..., 5], tf.int32)
    cross_entropy = tf.nn.sparse_softmax_cross_entropy_with_logits(classes, y_pred[..., 5:])

    def total(values, weight):
        return weight * tf.reduce_sum(values, axis=image_axes)

    return {"coord": total(responsible * coord, lambda_coord),
            "obj": total(responsible * obj, lambda_obj),
            "noobj": total(noobj, lambda_noobj),
            "class": total(responsible * cross_entropy, lambda_class)}


class YoloLoss(keras.losses.Loss):
    """The YOLOv2 loss (or one of its parts) for ``model.compile``.

    Args:
        anchors: ``(A, 2)`` anchors in grid cells.
        part: None for the whole loss, or one of ``"coord"``, ``"obj"``,
            ``"noobj"``, ``"class"``.
        lambda_coord, lambda_obj, lambda_noobj, lambda_class, ignore_iou:
            see :func:`loss_parts`.
        name: the loss's name.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.detection._loss import YoloLoss
        >>> loss = YoloLoss([[1.0, 1.0]])
        >>> y_true = np.zeros((1, 2, 2, 1, 6), "float32")
        >>> round(float(loss(y_true, np.zeros((1, 2, 2, 1, 7), "float32"))), 3)  # 4 × 0.5²
        1.0
    """

    def __init__(self, anchors, part=None, lambda_coord=1.0, lambda_obj=5.0, lambda_noobj=1.0,
                 lambda_class=1.0, ignore_iou=0.6, name=None, **kwargs):
        super().__init__(name=name or (f"{part}_loss" if part else "yolo_loss"), **kwargs)
        self.anchors = np.asarray(anchors, "float32").tolist()
        self.part = part
        self.weights = dict(lambda_coord=lambda_coord, lambda_obj=lambda_obj,
                            lambda_noobj=lambda_noobj, lambda_class=lambda_class,
                            ignore_iou=ignore_iou)

    def call(self, y_true, y_pred):
        parts = loss_parts(y_true, y_pred, self.anchors, **self.weights)
        if self.part is not None:
            return parts[self.part]
        return tf.add_n([parts[p] for p in PARTS])

    def get_config(self):
        return {**super().get_config(), "anchors": self.anchors, "part": self.part,
                **self.weights}
