"""The YOLOv2 head: what a YOLO network's raw output means, and how to train and read it.

A :class:`YoloHead` is plain data kept on the network (``net.head``): the
classes, the anchors, the grid and the input size. ``net.fit`` asks it for
the training stream (:meth:`YoloHead.training_data`: images with encoded
targets), the loss (:meth:`YoloHead.loss`) and the loss parts as metrics
(:meth:`YoloHead.metrics`); ``net.predict_boxes`` asks it to decode
(:meth:`YoloHead.decode`). The head is not part of the Keras model, so an
exported ``.keras`` or ONNX file holds the raw output and decoding stays
post-processing (:func:`dl_notebook.detection.decode` with the head).
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError
from ._head import Head

__all__ = ["VOC_ANCHORS", "YoloHead"]

# YOLOv2's anchors for Pascal VOC (yolov2-voc.cfg): width, height in cells of a 13×13 grid.
VOC_ANCHORS = np.array([[1.3221, 1.73145], [3.19275, 4.00944], [5.05587, 8.09892],
                        [9.47112, 4.84053], [11.2364, 10.0071]], dtype="float32")


def _pair(value, what):
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value, value)
    try:
        pair = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        pair = ()
    if len(pair) != 2 or min(pair) < 1:
        raise InvalidArgumentError(f"YoloHead: {what} must be a positive integer or a pair of "
                                   f"them; got {value!r}.")
    return pair


class YoloHead(Head):
    """The detection head of a YOLOv2 network (``net.head``).

    Args:
        n_classes: number of object classes (ids ``0..n_classes-1``).
        anchors: ``(A, 2)`` anchor widths and heights in grid cells (as
            ``dn.get_anchors`` gives them).
        grid: output grid, an integer or ``(rows, columns)``: the input size / the
            network's stride (32, or 16 or 8 for a finer grid).
        input_size: the network's input, an integer or ``(height, width)`` in pixels.
        class_names: the class names (default ``class0`` …).
        lambda_coord, lambda_obj, lambda_noobj, lambda_class, ignore_iou:
            the loss's weights (see :mod:`dl_notebook.detection._loss`).

    Example:
        >>> from dl_notebook.detection import YoloHead
        >>> head = YoloHead(2, [[1.0, 1.0], [2.0, 1.0]], grid=3, input_size=96,
        ...                 class_names=("circle", "square"))
        >>> head
        YoloHead(n_classes=2, anchors=2, grid=(3, 3), input_size=(96, 96))
        >>> head.output_shape, [m.name for m in head.metrics()]
        ((3, 3, 2, 7), ['coord_loss', 'obj_loss', 'noobj_loss', 'class_loss'])
    """

    def __init__(self, n_classes, anchors, grid, input_size, class_names=None, *,
                 lambda_coord=1.0, lambda_obj=5.0, lambda_noobj=1.0, lambda_class=1.0,
                 ignore_iou=0.6):
        if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) \
                or n_classes < 1:
            raise InvalidArgumentError(
                f"YoloHead: n_classes must be a positive integer; got {n_classes!r}.")
        anchors = np.asarray(anchors, dtype="float32")
        if anchors.ndim != 2 or anchors.shape[1] != 2 or len(anchors) == 0 \
                or not np.all(anchors > 0):
            raise InvalidArgumentError(
                f"YoloHead: anchors must be an (n, 2) array of positive widths and heights in "
                f"grid cells; got shape {anchors.shape}.")
        self.n_classes = int(n_classes)
        self.anchors = anchors
        self.grid = _pair(grid, "grid")
        self.input_size = _pair(input_size, "input_size")
        names = tuple(class_names) if class_names is not None else tuple(
            f"class{i}" for i in range(self.n_classes))
        if len(names) != self.n_classes:
            raise InvalidArgumentError(
                f"YoloHead: {len(names)} class names for {self.n_classes} classes.")
        self.class_names = names
        self.loss_weights = dict(lambda_coord=lambda_coord, lambda_obj=lambda_obj,
                                 lambda_noobj=lambda_noobj, lambda_class=lambda_class,
                                 ignore_iou=ignore_iou)
        self._loss = self._metrics = None

    def __repr__(self):
        return (f"YoloHead(n_classes={self.n_classes}, anchors={len(self.anchors)}, "
                f"grid={self.grid}, input_size={self.input_size})")

    @property
    def output_shape(self) -> tuple:
        """The raw output of one image: ``(rows, columns, anchors, 5 + n_classes)``."""
        return (*self.grid, len(self.anchors), 5 + self.n_classes)

    def config(self) -> dict:
        """The head as plain values: ``YoloHead(**head.config())`` makes it again (keep it beside an export).

        Example:
            >>> from dl_notebook.detection import YoloHead
            >>> head = YoloHead(1, [[1.0, 2.0]], grid=2, input_size=64)
            >>> YoloHead(**head.config()).anchors.tolist()
            [[1.0, 2.0]]
        """
        return dict(n_classes=self.n_classes, anchors=self.anchors.tolist(), grid=self.grid,
                    input_size=self.input_size, class_names=self.class_names, **self.loss_weights)

    # -- training ------------------------------------------------------------------
    def encode(self, boxes, labels):
        """Targets ``(B, rows, columns, A, 6)`` for padded boxes ``(B, M, 4)`` and labels ``(B, M)``.

        See :func:`dl_notebook.detection._targets.encode_targets`.
        """
        from ._targets import encode_targets

        return encode_targets(boxes, labels, self.anchors, self.grid, self.input_size)

    def training_data(self, data, batch_size=32, shuffle=True, seed=None):
        """A batched ``tf.data.Dataset`` of ``(images, targets)`` for ``keras.Model.fit``.

        Args:
            data: a ``DetectionDataset`` (anything with ``to_tf_dataset`` that
                yields ``(images, {"boxes", "labels"})``), ``dn.datasets.shapes(kind="detect")``,
                an ``(images, {"boxes": (N, M, 4), "labels": (N, M)})`` pair of padded
                arrays, or a ``tf.data.Dataset`` of such batches.
            batch_size: images per batch.
            shuffle: shuffle the images (each epoch anew).
            seed: the shuffle's seed.

        Example:
            >>> from dl_notebook.data.datasets import shapes
            >>> from dl_notebook.detection import YoloHead
            >>> head = YoloHead(2, [[1.0, 1.0]], grid=2, input_size=64)
            >>> images, y = next(iter(head.training_data(
            ...     shapes(n=4, image_size=64, kind="detect", classes=("circle", "star")), 4)))
            >>> tuple(images.shape), tuple(y.shape)
            ((4, 64, 64, 3), (4, 2, 2, 1, 6))
        """
        from ._data import batches

        stream = batches(data, batch_size, shuffle, seed, self.input_size)
        return stream.map(lambda images, truth: (images, self.encode(truth["boxes"],
                                                                     truth["labels"])))

    def loss(self):
        """The YOLOv2 loss for ``compile`` (one object per head, so a new fit reuses the compile)."""
        if self._loss is None:
            from ._loss import YoloLoss

            self._loss = YoloLoss(self.anchors, **self.loss_weights)
        return self._loss

    def metrics(self):
        """The four loss parts as Keras metrics: ``coord_loss``, ``obj_loss``, ``noobj_loss``, ``class_loss``."""
        if self._metrics is None:
            import keras

            from ._loss import PARTS, YoloLoss

            self._metrics = [keras.metrics.MeanMetricWrapper(
                YoloLoss(self.anchors, part=part, reduction=None, **self.loss_weights),
                name=f"{part}_loss") for part in PARTS]
        return list(self._metrics)

    # -- prediction ----------------------------------------------------------------
    def decode(self, raw_output, score_threshold=0.3, iou_threshold=0.45, max_boxes=100):
        """Boxes per image from the raw output; see :func:`dl_notebook.detection.decode`."""
        from ._decode import decode

        return decode(raw_output, self, score_threshold, iou_threshold, max_boxes)
