"""Semantic segmentation metrics: the pixel confusion matrix, per-class IoU, mean IoU.

:func:`evaluate_segmentation` counts every pixel once into a confusion
matrix (``np.bincount``) and reads the metrics from it: a class's IoU is
its true positives over true positives, false positives and false
negatives; ``mean_iou`` averages the classes present in the truth or the
prediction (as ``keras.metrics.MeanIoU``), ``pixel_accuracy`` is the share
of pixels given their true class. Mask value 0 is the background, ``i`` is
class ``i`` (as ``dn.SegmentationDataset`` and ``shapes(kind="segment")``).
"""

from __future__ import annotations

import html

import numpy as np

from ..errors import InvalidArgumentError, ShapeError

__all__ = ["SegmentationEvaluation", "evaluate_segmentation", "segmentation_class_names"]


def segmentation_class_names(class_names, n_classes):
    """The *n_classes* names of mask values, the background first.

    Args:
        class_names: ``None`` (``background, class1, …``), *n_classes* names,
            or one fewer (the object classes; ``"background"`` goes first).
        n_classes: the number of mask values, background included.

    Example:
        >>> segmentation_class_names(("circle", "star"), 3)
        ['background', 'circle', 'star']
    """
    if class_names is None:
        return ["background", *(f"class{i}" for i in range(1, n_classes))]
    names = [str(c) for c in class_names]
    if len(names) == n_classes - 1:
        names = ["background", *names]
    if len(names) != n_classes:
        raise InvalidArgumentError(
            f"class_names must give {n_classes} names (the background first) or the "
            f"{n_classes - 1} object classes; got {len(names)}.")
    return names


def _class_ids(masks, what, n_classes):
    """Integer class ids from ids or from ``(..., n_classes)`` probabilities (argmax)."""
    masks = np.asarray(masks)
    if np.issubdtype(masks.dtype, np.integer) or np.issubdtype(masks.dtype, np.bool_):
        return masks.astype(np.int64)
    if not np.all(np.isfinite(masks)) or not np.all(np.mod(masks, 1) == 0):
        raise InvalidArgumentError(
            f"{what} must hold class ids or (..., {n_classes}) class probabilities.")
    return masks.astype(np.int64)


def evaluate_segmentation(true_masks, predicted_masks, n_classes, *, ignore_index=None,
                          class_names=None) -> SegmentationEvaluation:
    """Per-class IoU, mean IoU and pixel accuracy of predicted masks.

    Args:
        true_masks: ``(N, H, W)`` (or ``(N, H, W, 1)``) class ids per pixel.
        predicted_masks: class ids of the same shape, or ``(N, H, W,
            n_classes)`` class probabilities or scores (their argmax is taken).
        n_classes: the number of classes, background included.
        ignore_index: a true mask value whose pixels are not counted (e.g. 255
            for object borders).
        class_names: one name per class (background first), or the object
            classes only (``"background"`` is put first).

    Returns:
        A :class:`SegmentationEvaluation`.

    Example:
        >>> import numpy as np
        >>> truth = np.array([[[0, 0], [1, 1]]])
        >>> res = evaluate_segmentation(truth, np.array([[[0, 1], [1, 1]]]), 2)
        >>> res.iou.round(3).tolist(), round(res.mean_iou, 3), res.pixel_accuracy
        ([0.5, 0.667], 0.583, 0.75)
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) \
            or n_classes < 1:
        raise InvalidArgumentError(f"n_classes must be a positive integer; got {n_classes!r}.")
    n_classes = int(n_classes)
    names = segmentation_class_names(class_names, n_classes)
    truth = np.asarray(true_masks)
    predicted = np.asarray(predicted_masks)
    if truth.ndim >= 1 and truth.shape[-1:] == (1,) and truth.ndim >= 3:
        truth = truth[..., 0]
    if predicted.ndim == truth.ndim + 1 and predicted.shape[-1] == n_classes:
        predicted = np.argmax(predicted, axis=-1)
    elif predicted.ndim == truth.ndim + 1 and predicted.shape[-1] == 1:
        predicted = predicted[..., 0]
    if predicted.shape != truth.shape:
        raise ShapeError(
            f"predicted_masks must have the shape of true_masks {truth.shape} (class ids) or "
            f"{(*truth.shape, n_classes)} (probabilities); got {np.asarray(predicted_masks).shape}.")
    truth = _class_ids(truth, "true_masks", n_classes).reshape(-1)
    predicted = _class_ids(predicted, "predicted_masks", n_classes).reshape(-1)
    if ignore_index is not None:
        keep = truth != ignore_index
        truth, predicted = truth[keep], predicted[keep]
    for what, ids in (("true_masks", truth), ("predicted_masks", predicted)):
        if ids.size and (ids.min() < 0 or ids.max() >= n_classes):
            bad = int(ids.min() if ids.min() < 0 else ids.max())
            raise InvalidArgumentError(
                f"{what} holds class id {bad}, outside 0..{n_classes - 1}; raise n_classes or "
                "give ignore_index for that value.")
    counts = np.bincount(n_classes * truth + predicted, minlength=n_classes * n_classes)
    return SegmentationEvaluation(counts.reshape(n_classes, n_classes), names)


class SegmentationEvaluation:
    """The result of :func:`evaluate_segmentation`, read from its pixel confusion matrix.

    Attributes:
        confusion_matrix: ``(K, K)`` pixel counts, rows the true class,
            columns the predicted one.
        class_names: the K class names, the background first.

    Example:
        >>> import numpy as np
        >>> evaluate_segmentation(np.array([[[0, 1]]]), np.array([[[0, 1]]]), 2)
        <SegmentationEvaluation: 2 pixels, 2 classes, mean IoU 1.0000, pixel accuracy 1.0000>
    """

    def __init__(self, confusion_matrix, class_names):
        self.confusion_matrix = np.asarray(confusion_matrix, dtype=np.int64)
        self.class_names = list(class_names)

    @property
    def iou(self) -> np.ndarray:
        """Per-class IoU; NaN for a class in neither the truth nor the prediction."""
        cm = self.confusion_matrix
        hit = np.diag(cm).astype(np.float64)
        union = cm.sum(axis=0) + cm.sum(axis=1) - hit
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(union > 0, hit / union, np.nan)

    @property
    def mean_iou(self) -> float:
        """Mean IoU over the classes present in the truth or the prediction."""
        iou = self.iou[~np.isnan(self.iou)]
        return float(iou.mean()) if iou.size else float("nan")

    @property
    def pixel_accuracy(self) -> float:
        """The share of counted pixels given their true class."""
        total = self.confusion_matrix.sum()
        return float(np.trace(self.confusion_matrix) / total) if total else float("nan")

    @property
    def per_class(self):
        """A DataFrame: class, IoU, recall (its pixels found), n_pixels, n_predicted."""
        import pandas as pd

        cm = self.confusion_matrix
        with np.errstate(invalid="ignore", divide="ignore"):
            recall = np.where(cm.sum(axis=1) > 0, np.diag(cm) / cm.sum(axis=1), np.nan)
        return pd.DataFrame({"class": self.class_names, "IoU": self.iou, "recall": recall,
                             "n_pixels": cm.sum(axis=1), "n_predicted": cm.sum(axis=0)})

    def __repr__(self):
        return (f"<SegmentationEvaluation: {int(self.confusion_matrix.sum()):,} pixels, "
                f"{len(self.class_names)} classes, mean IoU {self.mean_iou:.4f}, "
                f"pixel accuracy {self.pixel_accuracy:.4f}>")

    def _repr_html_(self):
        rows = [("pixels", f"{int(self.confusion_matrix.sum()):,}"),
                ("mean IoU", f"{self.mean_iou:.4f}"),
                ("pixel accuracy", f"{self.pixel_accuracy:.4f}")]
        body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                       f"<td style='text-align:left'>{html.escape(v)}</td></tr>" for k, v in rows)
        table = self.per_class.to_html(index=False, float_format=lambda v: f"{v:.4f}",
                                       na_rep="-")
        return f"<table><caption>SegmentationEvaluation</caption>{body}</table>{table}"
