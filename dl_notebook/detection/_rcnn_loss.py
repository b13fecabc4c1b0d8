"""Faster R-CNN's targets and its two-stage loss, with four parts, as a Keras loss and metrics.

The loss reads the ground truth (``y_true``: ``(B, M × 5)``, per box
``x_min, y_min, x_max, y_max, class``, padded with ``-1``) and the network's
packed output (``y_pred``, see :class:`~dl_notebook.detection.faster_rcnn.FasterRCNNHead`)
and makes the targets of both stages in the graph, each step:

- **RPN** (Ren et al. 2015): an anchor is positive when its IoU with a box is
  ≥ 0.7 or it is a box's best anchor, negative below 0.3, ignored between;
  256 anchors per image are sampled, at most half positive.
  ``rpn_obj_loss`` is the sigmoid cross-entropy of the sampled anchors,
  ``rpn_box_loss`` the smooth L1 (β = 1/9) of the positive anchors' deltas
  (``keras.utils.bounding_boxes.encode_box_to_deltas``), per positive anchor
  (per sampled anchor, few positives on small images leave it too weak).
- **Second stage**: the network's own proposals (``R`` per image) are matched
  to the boxes; IoU ≥ 0.5 is foreground with the box's class, below is
  background; 64 are sampled, at most 25 % foreground. ``cls_loss`` is the
  softmax cross-entropy over ``n_classes + 1`` (0 = background), ``box_loss``
  the smooth L1 (β = 1/9) of the foreground's class-specific deltas (variances 0.1, 0.1,
  0.2, 0.2 as in Faster R-CNN), per sampled RoI.
"""

from __future__ import annotations

import keras
import tensorflow as tf

__all__ = ["PARTS", "FasterRCNNLoss", "rpn_targets", "sample", "loss_parts"]

PARTS = ("rpn_obj", "rpn_box", "cls", "box")
BOX_VARIANCE = (0.1, 0.1, 0.2, 0.2)


def _iou(boxes, truth):
    """IoU ``(B, N, M)`` of boxes ``(B or 1, N, 4)`` with ground truth ``(B, M, 4)``; -1 for padding."""
    return keras.utils.bounding_boxes.compute_iou(boxes, truth, "xyxy", use_masking=True)


def sample(candidates, wanted, seed=None):
    """Choose up to *wanted* ``(B, 1)`` of the True entries of ``(B, N)`` *candidates*, at random.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.detection._rcnn_loss import sample
        >>> picked = sample(np.array([[True, True, False, True]]), np.array([[2]]))
        >>> int(picked.numpy().sum()), bool(picked.numpy()[0, 2])
        (2, False)
    """
    candidates = tf.convert_to_tensor(candidates, tf.bool)
    noise = tf.random.uniform(tf.shape(candidates), seed=seed)
    order = tf.where(candidates, noise, 2.0)
    rank = tf.argsort(tf.argsort(order, axis=-1), axis=-1)
    return candidates & (rank < tf.cast(wanted, rank.dtype))


def rpn_targets(anchors, truth, positive_iou=0.7, negative_iou=0.3):
    """Labels ``(B, N)`` (1 object, 0 background, -1 ignored) and the matched boxes ``(B, N, 4)``.

    Args:
        anchors: ``(N, 4)`` xyxy pixels.
        truth: ``(B, M, 4)`` ground-truth boxes, padded with -1.
        positive_iou, negative_iou: the IoU limits.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.detection._rcnn_loss import rpn_targets
        >>> anchors = np.array([[0, 0, 8, 8], [4, 0, 12, 8], [20, 20, 28, 28]], "float32")
        >>> labels, matched = rpn_targets(anchors, np.array([[[1, 0, 9, 8], [-1] * 4]], "float32"))
        >>> labels.numpy().tolist()
        [[1, -1, 0]]
    """
    anchors = tf.convert_to_tensor(anchors, tf.float32)
    truth = tf.convert_to_tensor(truth, tf.float32)
    iou = _iou(anchors[None], truth)  # (B, N, M)
    best = tf.reduce_max(iou, axis=-1)
    matched = tf.gather(truth, tf.argmax(iou, axis=-1, output_type=tf.int32), batch_dims=1)
    # each box's best anchors (ties included) are positive, whatever their IoU
    best_per_box = tf.reduce_max(iou, axis=1, keepdims=True)  # (B, 1, M)
    is_best = tf.reduce_any((iou >= best_per_box - 1e-6) & (best_per_box > 0), axis=-1)
    labels = tf.where(best < negative_iou, 0, -1)
    labels = tf.where((best >= positive_iou) | is_best, 1, labels)
    return labels, matched


def _smooth_l1(a, b, beta=1.0 / 9.0):
    diff = tf.abs(a - b)
    return tf.reduce_sum(tf.where(diff < beta, 0.5 * diff * diff / beta, diff - 0.5 * beta),
                         axis=-1)


def loss_parts(y_true, y_pred, head):
    """The four loss parts per image: ``{"rpn_obj", "rpn_box", "cls", "box"}`` of ``(B,)`` tensors.

    Args:
        y_true: ``(B, M × 5)`` ground truth (see the module notes).
        y_pred: the network's packed output.
        head: the :class:`~dl_notebook.detection.faster_rcnn.FasterRCNNHead`.
    """
    truth = tf.reshape(tf.cast(y_true, tf.float32), [tf.shape(y_true)[0], -1, 5])
    boxes, classes = truth[..., :4], tf.cast(truth[..., 4], tf.int32)
    rpn, rois, logits, deltas = head.unpack(y_pred)
    anchors = tf.constant(head.anchors)

    # -- region proposal network
    labels, matched = rpn_targets(anchors, boxes, head.rpn_positive_iou, head.rpn_negative_iou)
    positive = sample(labels == 1, head.rpn_batch // 2)
    n_positive = tf.reduce_sum(tf.cast(positive, tf.int32), axis=-1, keepdims=True)
    negative = sample(labels == 0, head.rpn_batch - n_positive)
    chosen = tf.cast(positive | negative, tf.float32)
    count = tf.maximum(tf.reduce_sum(chosen, axis=-1), 1.0)
    entropy = tf.nn.sigmoid_cross_entropy_with_logits(tf.cast(positive, tf.float32), rpn[..., 0])
    rpn_obj = tf.reduce_sum(chosen * entropy, axis=-1) / count
    target = keras.utils.bounding_boxes.encode_box_to_deltas(
        anchors, matched, "xyxy", "xyxy", encoding_format="center_xywh")
    rpn_box = tf.reduce_sum(tf.cast(positive, tf.float32) * _smooth_l1(rpn[..., 1:5], target),
                            axis=-1) / tf.maximum(tf.cast(n_positive[:, 0], tf.float32), 1.0)

    # -- second stage, on the network's own proposals
    valid = (rois[..., 2] > rois[..., 0]) & (rois[..., 3] > rois[..., 1])
    iou = _iou(rois, boxes)
    best = tf.reduce_max(iou, axis=-1)
    index = tf.argmax(iou, axis=-1, output_type=tf.int32)
    foreground = sample(valid & (best >= head.roi_positive_iou),
                        int(head.roi_batch * head.roi_positive_fraction))
    n_foreground = tf.reduce_sum(tf.cast(foreground, tf.int32), axis=-1, keepdims=True)
    background = sample(valid & (best < head.roi_positive_iou), head.roi_batch - n_foreground)
    chosen = tf.cast(foreground | background, tf.float32)
    count = tf.maximum(tf.reduce_sum(chosen, axis=-1), 1.0)
    roi_class = tf.where(foreground, tf.gather(classes, index, batch_dims=1) + 1, 0)
    entropy = tf.nn.sparse_softmax_cross_entropy_with_logits(roi_class, logits)
    cls = tf.reduce_sum(chosen * entropy, axis=-1) / count
    own = tf.gather(deltas, tf.maximum(roi_class - 1, 0), batch_dims=2)  # (B, R, 4)
    target = keras.utils.bounding_boxes.encode_box_to_deltas(
        rois, tf.gather(boxes, index, batch_dims=1), "xyxy", "xyxy",
        encoding_format="center_xywh", variance=BOX_VARIANCE)
    box = tf.reduce_sum(tf.cast(foreground, tf.float32) * _smooth_l1(own, target),
                        axis=-1) / count
    return {"rpn_obj": rpn_obj, "rpn_box": rpn_box, "cls": cls, "box": box}


class FasterRCNNLoss(keras.losses.Loss):
    """Faster R-CNN's loss (the sum of its parts) or one part, for ``model.compile``.

    A part given the whole *loss* it belongs to reads the parts that loss
    computed in the same traced step (Keras computes the loss before the
    metrics), so the targets are made and sampled once per step.

    Args:
        head: the network's :class:`~dl_notebook.detection.faster_rcnn.FasterRCNNHead`.
        part: None for the whole loss, or ``"rpn_obj"``, ``"rpn_box"``, ``"cls"``, ``"box"``.
        loss: for a part, the whole loss whose step it reads.
        name: the loss's name.
    """

    def __init__(self, head, part=None, loss=None, name=None, **kwargs):
        super().__init__(name=name or (f"{part}_loss" if part else "faster_rcnn_loss"), **kwargs)
        self.head = head
        self.part = part
        self.loss = loss
        self._step = None  # (graph, parts) of the latest traced step

    def call(self, y_true, y_pred):
        graph = None if tf.executing_eagerly() else tf.compat.v1.get_default_graph()
        step = getattr(self.loss, "_step", None)
        if graph is not None and step is not None and step[0] is graph:
            return step[1][self.part]
        parts = loss_parts(y_true, y_pred, self.head)
        if self.part is not None:
            return parts[self.part]
        self._step = None if graph is None else (graph, parts)
        return tf.add_n([parts[p] for p in PARTS])

    def get_config(self):
        return {**super().get_config(), "head": self.head.config(), "part": self.part}
