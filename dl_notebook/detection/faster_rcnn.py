"""The Faster R-CNN head: what a two-stage network's output means, how to train and read it.

A ``dn.applications.FasterRCNN`` network is one Keras model from images to
one packed output per image (``net.head.unpack`` splits it):

- the region proposal network's ``(N, 5)`` objectness logit and deltas for
  each of the ``N`` anchors (:func:`~dl_notebook.detection._rcnn_ops.make_anchors`);
- the ``(R, 4)`` proposals the network made from them inside the graph
  (decoding, the best ``pre_nms``, non-max suppression; no gradient);
- the second stage's ``(R, n_classes + 1)`` class logits (0 = background) and
  ``(R, n_classes, 4)`` class-specific deltas for those proposals, from
  RoI Align features.

Proposals computed in the graph train through ``net.fit`` with nothing but
images going in: the loss (:mod:`dl_notebook.detection._rcnn_loss`) makes
the targets of both stages from the ground truth at each step. The head is
not part of the Keras model, so an exported file holds the packed output and
:func:`decode` (numpy or tensors) turns it into boxes.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError, ShapeError
from ._decode import check_thresholds, suppressed
from ._head import Head
from ._rcnn_ops import make_anchors

__all__ = ["FasterRCNNHead", "decode"]

MAX_GT = 32  # ground-truth boxes per image the training stream keeps


class FasterRCNNHead(Head):
    """The detection head of a Faster R-CNN network (``net.head``).

    Args:
        n_classes: object classes (ids ``0..n_classes-1``).
        input_size: ``(height, width)`` of the network's input in pixels.
        stride: input pixels per cell of the feature map.
        anchor_scales: anchor sides in pixels (square root of the area).
        anchor_ratios: anchor heights / widths.
        class_names: the class names (default ``class0`` …).
        n_proposals: proposals per image (``R``) the second stage sees.
        pre_nms: best-scoring RPN boxes that go into non-max suppression.
        rpn_nms_iou: the proposals' non-max suppression overlap limit.
        rpn_batch, rpn_positive_iou, rpn_negative_iou: RPN sampling (256, 0.7, 0.3).
        roi_batch, roi_positive_fraction, roi_positive_iou: second-stage sampling (64, 0.25, 0.5).
        pool_size: RoI Align bins per side.

    Example:
        >>> from dl_notebook.detection.faster_rcnn import FasterRCNNHead
        >>> head = FasterRCNNHead(2, (64, 64), stride=8, anchor_scales=(8, 16),
        ...                       anchor_ratios=(0.5, 1, 2), n_proposals=16)
        >>> head
        FasterRCNNHead(n_classes=2, anchors=384, grid=(8, 8), proposals=16)
        >>> [m.name for m in head.metrics()]
        ['rpn_obj_loss', 'rpn_box_loss', 'cls_loss', 'box_loss']
    """

    def __init__(self, n_classes, input_size, stride, anchor_scales, anchor_ratios=(0.5, 1, 2),
                 class_names=None, *, n_proposals=64, pre_nms=256, rpn_nms_iou=0.7,
                 rpn_batch=256, rpn_positive_iou=0.7, rpn_negative_iou=0.3, roi_batch=64,
                 roi_positive_fraction=0.25, roi_positive_iou=0.5, pool_size=7):
        if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) \
                or n_classes < 1:
            raise InvalidArgumentError(
                f"FasterRCNNHead: n_classes must be a positive integer; got {n_classes!r}.")
        self.n_classes = int(n_classes)
        self.input_size = tuple(int(v) for v in input_size)
        self.stride = int(stride)
        self.grid = (-(-self.input_size[0] // self.stride), -(-self.input_size[1] // self.stride))
        self.anchor_scales = tuple(float(s) for s in anchor_scales)
        self.anchor_ratios = tuple(float(r) for r in anchor_ratios)
        if not self.anchor_scales or not self.anchor_ratios or \
                min(self.anchor_scales + self.anchor_ratios) <= 0:
            raise InvalidArgumentError(
                "FasterRCNNHead: anchor_scales and anchor_ratios must be non-empty lists of "
                "positive numbers.")
        self.anchors = make_anchors(self.grid, self.stride, self.anchor_scales,
                                    self.anchor_ratios)
        names = tuple(class_names) if class_names is not None else tuple(
            f"class{i}" for i in range(self.n_classes))
        if len(names) != self.n_classes:
            raise InvalidArgumentError(
                f"FasterRCNNHead: {len(names)} class names for {self.n_classes} classes.")
        self.class_names = names
        self.settings = dict(n_proposals=int(n_proposals), pre_nms=int(pre_nms),
                             rpn_nms_iou=float(rpn_nms_iou), rpn_batch=int(rpn_batch),
                             rpn_positive_iou=float(rpn_positive_iou),
                             rpn_negative_iou=float(rpn_negative_iou), roi_batch=int(roi_batch),
                             roi_positive_fraction=float(roi_positive_fraction),
                             roi_positive_iou=float(roi_positive_iou), pool_size=int(pool_size))
        self.__dict__.update(self.settings)
        self._loss = self._metrics = None

    def __repr__(self):
        return (f"FasterRCNNHead(n_classes={self.n_classes}, anchors={len(self.anchors)}, "
                f"grid={self.grid}, proposals={self.n_proposals})")

    @property
    def anchors_per_cell(self) -> int:
        """Anchors at each feature-map cell: ``len(anchor_scales) × len(anchor_ratios)``."""
        return len(self.anchor_scales) * len(self.anchor_ratios)

    @property
    def output_shape(self) -> tuple:
        """The packed output of one image: ``(N·5 + R·(4 + C + 1 + 4C),)``."""
        n, r, c = len(self.anchors), self.n_proposals, self.n_classes
        return (n * 5 + r * (4 + c + 1 + 4 * c),)

    def config(self) -> dict:
        """The head as plain values: ``FasterRCNNHead(**head.config())`` makes it again.

        Example:
            >>> from dl_notebook.detection.faster_rcnn import FasterRCNNHead
            >>> head = FasterRCNNHead(1, (32, 32), 8, (8,), (1,))
            >>> FasterRCNNHead(**head.config()).anchors.shape
            (16, 4)
        """
        return dict(n_classes=self.n_classes, input_size=self.input_size, stride=self.stride,
                    anchor_scales=self.anchor_scales, anchor_ratios=self.anchor_ratios,
                    class_names=self.class_names, **self.settings)

    def unpack(self, raw):
        """Split the packed output ``(B, K)`` into ``rpn (B, N, 5)``, ``rois (B, R, 4)``,
        ``logits (B, R, C + 1)`` and ``deltas (B, R, C, 4)`` (tensors)."""
        import tensorflow as tf

        raw = tf.convert_to_tensor(raw, tf.float32)
        n, r, c = len(self.anchors), self.n_proposals, self.n_classes
        rpn, rois, logits, deltas = tf.split(raw, [n * 5, r * 4, r * (c + 1), r * c * 4], axis=-1)
        return (tf.reshape(rpn, [-1, n, 5]), tf.reshape(rois, [-1, r, 4]),
                tf.reshape(logits, [-1, r, c + 1]), tf.reshape(deltas, [-1, r, c, 4]))

    # -- training ------------------------------------------------------------------
    def training_data(self, data, batch_size=32, shuffle=True, seed=None):
        """A batched ``tf.data.Dataset`` of ``(images, ground truth (B, 32 × 5))`` for ``fit``.

        Args:
            data: a ``DetectionDataset``, ``dn.datasets.shapes(kind="detect")``, an
                ``(images, {"boxes", "labels"})`` pair of padded arrays, or a
                ``tf.data.Dataset`` of such batches.
            batch_size: images per batch.
            shuffle: shuffle the images (each epoch anew).
            seed: the shuffle's seed.

        Example:
            >>> from dl_notebook.data.datasets import shapes
            >>> from dl_notebook.detection.faster_rcnn import FasterRCNNHead
            >>> head = FasterRCNNHead(2, (64, 64), 8, (16,), (1,))
            >>> images, y = next(iter(head.training_data(shapes(n=4, image_size=64, kind="detect"), 4)))
            >>> tuple(images.shape), tuple(y.shape)
            ((4, 64, 64, 3), (4, 160))
        """
        import tensorflow as tf

        from ._data import batches

        def pack(images, truth):
            boxes = tf.cast(truth["boxes"], tf.float32)[:, :MAX_GT]
            labels = tf.cast(truth["labels"], tf.float32)[:, :MAX_GT, None]
            boxes = tf.concat([boxes, labels], axis=-1)
            boxes = tf.pad(boxes, [[0, 0], [0, MAX_GT - tf.shape(boxes)[1]], [0, 0]],
                           constant_values=-1.0)
            return images, tf.reshape(boxes, [-1, MAX_GT * 5])

        return batches(data, batch_size, shuffle, seed, self.input_size).map(pack)

    def loss(self):
        """The two-stage loss for ``compile`` (one object per head, so a new fit reuses the compile)."""
        if self._loss is None:
            from ._rcnn_loss import FasterRCNNLoss

            self._loss = FasterRCNNLoss(self)
        return self._loss

    def metrics(self):
        """The loss parts as Keras metrics: ``rpn_obj_loss``, ``rpn_box_loss``, ``cls_loss``, ``box_loss``."""
        if self._metrics is None:
            import keras

            from ._rcnn_loss import PARTS, FasterRCNNLoss

            self._metrics = [keras.metrics.MeanMetricWrapper(
                FasterRCNNLoss(self, part=part, loss=self.loss(), reduction=None),
                name=f"{part}_loss")
                for part in PARTS]
        return list(self._metrics)

    # -- prediction ----------------------------------------------------------------
    def decode(self, raw_output, score_threshold=0.3, iou_threshold=0.45, max_boxes=100):
        """Boxes per image from the packed output; see :func:`decode`."""
        return decode(raw_output, self, score_threshold, iou_threshold, max_boxes)


def decode(raw_output, head, score_threshold=0.3, iou_threshold=0.45, max_boxes=100):
    """Final boxes per image from a Faster R-CNN's packed output (numpy or tensor).

    Each proposal's class-specific deltas give one box per class, scored by
    the class's softmax probability; TensorFlow's ``combined_non_max_suppression``
    keeps the best, class by class.

    Args:
        raw_output: ``(B, K)`` packed output, as the network, its ONNX file or
            its ``.keras`` file give it.
        head: the network's :class:`FasterRCNNHead`.
        score_threshold: boxes scoring less are dropped.
        iou_threshold: of two boxes of a class overlapping more, the lower-scoring one goes.
        max_boxes: most boxes kept per image.

    Returns:
        A list with one dict per image: ``boxes`` ``(N, 4)`` float32 xyxy pixels,
        ``labels`` ``(N,)`` int64, ``scores`` ``(N,)`` float32, best score first.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.detection.faster_rcnn import FasterRCNNHead, decode
        >>> head = FasterRCNNHead(2, (32, 32), 16, (16,), (1,), n_proposals=1)
        >>> raw = np.zeros((1, head.output_shape[0]), "float32")
        >>> raw[0, 20:24] = [4, 4, 20, 20]            # the proposal
        >>> raw[0, 24:27] = [0, 0, 9]                 # background, class 0, class 1 logits
        >>> found = decode(raw, head)
        >>> found[0]["boxes"].tolist(), found[0]["labels"].tolist()
        ([[4.0, 4.0, 20.0, 20.0]], [1])
    """
    import keras
    import tensorflow as tf

    from ._rcnn_loss import BOX_VARIANCE

    check_thresholds(score_threshold, iou_threshold, max_boxes)
    shape = tuple(np.shape(raw_output))
    if len(shape) != 2 or shape[1:] != head.output_shape:
        raise ShapeError(
            f"The raw output has shape {shape} but the head decodes (batch, "
            f"{head.output_shape[0]}); give the output of the network this head belongs to.")
    if shape[0] == 0:
        return []
    _, rois, logits, deltas = head.unpack(raw_output)
    valid = (rois[..., 2] > rois[..., 0]) & (rois[..., 3] > rois[..., 1])
    scores = tf.nn.softmax(logits, axis=-1)[..., 1:] * tf.cast(valid, tf.float32)[..., None]
    deltas = tf.concat([deltas[..., :2], tf.minimum(deltas[..., 2:], 4.0)], axis=-1)
    boxes = keras.utils.bounding_boxes.decode_deltas_to_boxes(
        rois[:, :, None, :], deltas, "xyxy", "xyxy", encoded_format="center_xywh",
        variance=BOX_VARIANCE)
    height, width = head.input_size
    boxes = tf.clip_by_value(boxes, 0.0, [float(width), float(height)] * 2)
    return suppressed(boxes, scores, score_threshold, iou_threshold, max_boxes)
