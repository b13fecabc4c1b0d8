"""Object detection metrics: COCO's average precision, computed in numpy.

:func:`evaluate_detections` scores predicted boxes against the ground truth
the way COCO's reference evaluation (``pycocotools``' ``COCOeval``, box IoU,
every area) does, and gives the same numbers: per class and IoU threshold,
detections sorted by score (stable), each matched greedily to the unmatched
ground-truth box of highest IoU, the precision envelope read at 101 recall
points. ``map`` is the mean over IoU 0.50:0.05:0.95, ``map50`` and ``map75``
at one threshold; classes without ground truth are left out of every mean.

Boxes are ``x_min, y_min, x_max, y_max`` in pixels with the max exclusive,
so a box is ``x_max - x_min`` wide, as COCO's ``[x, y, w, h]``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import numpy as np

from .._display import FigureDisplay
from ..errors import InvalidArgumentError, ShapeError

__all__ = ["COCO_IOU_THRESHOLDS", "DetectionEvaluation", "evaluate_detections"]

#: IoU 0.50, 0.55, ..., 0.95, the same floats as COCO's ``iouThrs``.
COCO_IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)
_RECALL_POINTS = np.linspace(0.0, 1.0, 101)  # COCO's recThrs


def _read_images(entries, what, with_scores):
    """Per image ``(boxes float64 (N, 4), labels int64 (N,), scores float64 (N,) or None)``."""
    keys = ("boxes", "labels", "scores") if with_scores else ("boxes", "labels")
    images = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or any(k not in entry for k in keys):
            raise InvalidArgumentError(
                f"{what}[{i}] must be a dict with the keys {', '.join(keys)}; got "
                f"{type(entry).__name__}{sorted(entry) if isinstance(entry, Mapping) else ''}."
            )
        boxes = np.asarray(entry["boxes"], dtype=np.float64)
        boxes = boxes.reshape(0, 4) if boxes.size == 0 else boxes
        labels = np.asarray(entry["labels"]).reshape(-1)
        if boxes.ndim != 2 or boxes.shape[1] != 4 or len(labels) != len(boxes):
            raise ShapeError(
                f"{what}[{i}] must hold N boxes of shape (N, 4) and N labels; got boxes of shape "
                f"{boxes.shape} and {len(labels)} labels."
            )
        scores = None
        if with_scores:
            scores = np.asarray(entry["scores"], dtype=np.float64).reshape(-1)
            if len(scores) != len(boxes) or not np.all(np.isfinite(scores)):
                raise ShapeError(f"{what}[{i}] must have one finite score per box ({len(boxes)}); "
                                 f"got {len(scores)} scores.")
        if labels.size and not np.issubdtype(labels.dtype, np.integer):
            if not np.all(np.equal(np.mod(labels, 1), 0)):
                raise InvalidArgumentError(f"{what}[{i}]['labels'] must be integer class ids.")
        labels = labels.astype(np.int64)
        keep = labels != -1  # Keras' dense padding
        boxes, labels = boxes[keep], labels[keep]
        scores = None if scores is None else scores[keep]
        if np.any(labels < 0):
            raise InvalidArgumentError(
                f"{what}[{i}]['labels'] must be class ids 0, 1, ... (or -1 for padding); got "
                f"{int(labels.min())}.")
        if not np.all(np.isfinite(boxes)) or np.any(boxes[:, 2:] < boxes[:, :2]):
            raise InvalidArgumentError(
                f"{what}[{i}] has a box that is not finite or has x_max < x_min or y_max < y_min; "
                "boxes are x_min, y_min, x_max, y_max in pixels.")
        images.append((boxes, labels, scores))
    return images


def _check_entries(ground_truth, predictions):
    """Refuse anything but two lists of as many per-image dicts."""
    for name, value in (("ground_truth", ground_truth), ("predictions", predictions)):
        if isinstance(value, Mapping) or not hasattr(value, "__len__"):
            raise InvalidArgumentError(
                f"{name} must be a list with one dict per image; got {type(value).__name__}.")
    if len(ground_truth) != len(predictions):
        raise InvalidArgumentError(
            f"ground_truth has {len(ground_truth)} images but predictions has "
            f"{len(predictions)}; give one entry per image in both, in the same order.")


def box_iou(dt, gt):
    """IoU of every box in *dt* with every box in *gt* (xyxy), as COCO computes it.

    Args:
        dt: ``(D, 4)`` boxes.
        gt: ``(G, 4)`` boxes.

    Returns:
        ``(D, G)`` float64 IoUs; boxes that do not overlap have 0.

    Example:
        >>> box_iou([[0, 0, 2, 2]], [[1, 0, 3, 2], [5, 5, 6, 6]]).round(4).tolist()
        [[0.3333, 0.0]]
    """
    dt = np.asarray(dt, dtype=np.float64).reshape(-1, 4)
    gt = np.asarray(gt, dtype=np.float64).reshape(-1, 4)
    w = np.minimum(dt[:, None, 2], gt[None, :, 2]) - np.maximum(dt[:, None, 0], gt[None, :, 0])
    h = np.minimum(dt[:, None, 3], gt[None, :, 3]) - np.maximum(dt[:, None, 1], gt[None, :, 1])
    inter = np.where((w > 0) & (h > 0), w * h, 0.0)
    area_dt = (dt[:, 2] - dt[:, 0]) * (dt[:, 3] - dt[:, 1])
    area_gt = (gt[:, 2] - gt[:, 0]) * (gt[:, 3] - gt[:, 1])
    union = area_dt[:, None] + area_gt[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(inter > 0, inter / union, 0.0)


def _match(ious, thresholds):
    """COCO's greedy matching: ``(T, D)`` the ground-truth box each detection took, or -1.

    At each threshold the detections (rows of the ``(D, G)`` *ious*, in score order) take
    in turn the free ground-truth box of the largest IoU at least the threshold (the last
    of equal IoUs, as COCO), each box once.
    """
    n_dt, n_gt = ious.shape
    matched = np.full((len(thresholds), n_dt), -1, dtype=np.int64)
    if n_gt == 0:
        return matched
    taken = np.zeros((len(thresholds), n_gt), dtype=bool)
    rows = np.arange(len(thresholds))
    for d in range(n_dt):
        allowed = ~taken & (ious[d][None, :] >= thresholds[:, None])
        candidates = np.where(allowed, ious[d][None, :], -1.0)
        best = n_gt - 1 - np.argmax(candidates[:, ::-1], axis=1)  # the last of equal IoUs, as COCO
        hit = allowed[rows, best]
        matched[hit, d] = best[hit]
        taken[rows[hit], best[hit]] = True
    return matched


def _precision_at_recall_points(scores, matched, n_gt):
    """COCO's 101-point interpolated precision ``(T, 101)`` and final recall ``(T,)``."""
    order = np.argsort(-scores, kind="mergesort")
    matched = matched[:, order]
    precision = np.zeros((len(matched), len(_RECALL_POINTS)))
    recall = np.zeros(len(matched))
    n_dt = matched.shape[1]
    if n_dt == 0:
        return precision, recall
    tp = np.cumsum(matched, axis=1, dtype=np.float64)
    fp = np.cumsum(~matched, axis=1, dtype=np.float64)
    for t in range(len(matched)):
        rc = tp[t] / n_gt
        pr = tp[t] / (fp[t] + tp[t] + np.spacing(1))
        pr = np.maximum.accumulate(pr[::-1])[::-1]  # the precision envelope
        at = np.searchsorted(rc, _RECALL_POINTS, side="left")
        reached = at < n_dt
        precision[t, reached] = pr[at[reached]]
        recall[t] = rc[-1]
    return precision, recall


def _check_thresholds(iou_thresholds):
    if iou_thresholds is None:
        return COCO_IOU_THRESHOLDS
    values = np.asarray(iou_thresholds, dtype=np.float64).reshape(-1)
    if not values.size or np.any(~np.isfinite(values)) or np.any(values <= 0) \
            or np.any(values > 1):
        raise InvalidArgumentError(
            f"iou_thresholds must be numbers in (0, 1]; got {iou_thresholds!r}.")
    return np.unique(values)


def evaluate_detections(ground_truth, predictions, class_names=None, *, iou_thresholds=None,
                        max_detections=100) -> DetectionEvaluation:
    """COCO's mean average precision of *predictions* against *ground_truth*.

    The numbers equal ``pycocotools``' ``COCOeval`` (box IoU, every area):
    ``map`` is its AP, ``map50`` its AP50, ``map75`` its AP75 and ``recall``
    its AR at *max_detections*. As in ``COCOeval``, *max_detections* is
    counted per image and class, the highest scores kept.

    Args:
        ground_truth: one dict per image: ``{"boxes": (N, 4) xyxy pixels,
            "labels": (N,) class ids}``. Labels ``-1`` (padding) are skipped.
        predictions: one dict per image, in the same order, with also
            ``"scores": (N,)``.
        class_names: the class names (class id ``i`` is ``class_names[i]``);
            default ``"0"``, ``"1"``, ... up to the largest id.
        iou_thresholds: the IoU thresholds ``map`` averages over; default
            COCO's 0.50, 0.55, ..., 0.95.
        max_detections: detections kept per image and class.

    Returns:
        A :class:`DetectionEvaluation`.

    Example:
        >>> import numpy as np
        >>> truth = [{"boxes": np.array([[0, 0, 10, 10], [20, 20, 30, 30]]),
        ...           "labels": np.array([0, 0])}]
        >>> found = [{"boxes": np.array([[0, 0, 10, 10], [50, 50, 60, 60], [20, 20, 30, 31]]),
        ...           "labels": np.array([0, 0, 0]), "scores": np.array([0.9, 0.8, 0.7])}]
        >>> res = evaluate_detections(truth, found, ["box"])
        >>> round(res.map50, 4)  # recall 0.5 at precision 1, recall 1 at precision 2/3
        0.835
    """
    _check_entries(ground_truth, predictions)
    if isinstance(max_detections, bool) or not isinstance(max_detections, (int, np.integer)) \
            or max_detections < 1:
        raise InvalidArgumentError(
            f"max_detections must be a positive integer; got {max_detections!r}.")
    thresholds = _check_thresholds(iou_thresholds)
    computed = np.unique(np.concatenate([thresholds, [0.5, 0.75]]))
    truths = _read_images(ground_truth, "ground_truth", with_scores=False)
    found = _read_images(predictions, "predictions", with_scores=True)

    largest = max((int(lab.max()) for _, lab, _ in truths + found if lab.size), default=-1)
    if class_names is None:
        class_names = [str(i) for i in range(largest + 1)]
    class_names = [str(c) for c in class_names]
    if largest >= len(class_names):
        raise InvalidArgumentError(
            f"A label is {largest} but there are {len(class_names)} class names; give a name to "
            "every class id.")

    n_classes, n_t = len(class_names), len(computed)
    matching = np.minimum(computed, 1 - 1e-10)  # as COCO, an IoU of 1 still matches at 1.0
    precision = np.full((n_classes, n_t, len(_RECALL_POINTS)), np.nan)
    recall = np.full((n_classes, n_t), np.nan)
    n_gt = np.zeros(n_classes, dtype=np.int64)
    n_dt = np.zeros(n_classes, dtype=np.int64)
    for k in range(n_classes):
        scores, matched = [], []
        for (gt_boxes, gt_labels, _), (boxes, labels, conf) in zip(truths, found):
            gt = gt_boxes[gt_labels == k]
            mine = labels == k
            order = np.argsort(-conf[mine], kind="mergesort")[:max_detections]
            dt, dt_scores = boxes[mine][order], conf[mine][order]
            n_gt[k] += len(gt)
            scores.append(dt_scores)
            matched.append(_match(box_iou(dt, gt), matching) >= 0)
        n_dt[k] = sum(len(s) for s in scores)
        if n_gt[k]:
            precision[k], recall[k] = _precision_at_recall_points(
                np.concatenate(scores), np.concatenate(matched, axis=1), n_gt[k])
    return DetectionEvaluation(precision, recall, computed, thresholds, class_names, n_gt, n_dt,
                               n_images=len(truths), max_detections=int(max_detections))


class DetectionEvaluation:
    """The result of :func:`evaluate_detections`: mAP, per-class AP and precision-recall.

    Attributes:
        precision: ``(K, T, 101)`` COCO's interpolated precision per class,
            IoU threshold (``iou_thresholds``) and recall 0, 0.01, ..., 1;
            NaN for classes without ground truth.
        recall: ``(K, T)`` the recall reached per class and threshold.
        class_names, n_ground_truth, n_detections: per class.

    Example:
        >>> res = evaluate_detections([{"boxes": [[0, 0, 4, 4]], "labels": [0]}],
        ...                           [{"boxes": [[0, 0, 4, 4]], "labels": [0], "scores": [1.0]}])
        >>> res
        <DetectionEvaluation: 1 images, 1 classes, mAP 1.0000, mAP@0.5 1.0000, mAP@0.75 1.0000>
    """

    def __init__(self, precision, recall, iou_thresholds, averaged, class_names, n_ground_truth,
                 n_detections, *, n_images, max_detections):
        self.precision, self.recall = precision, recall
        self.iou_thresholds = np.asarray(iou_thresholds)
        self._averaged = np.searchsorted(self.iou_thresholds, averaged)
        self.class_names = list(class_names)
        self.n_ground_truth, self.n_detections = n_ground_truth, n_detections
        self.n_images, self.max_detections = n_images, max_detections

    def _ap(self, threshold=None):
        """Per-class AP at one threshold (or averaged over the chosen ones); NaN without truth."""
        ap = self.precision.mean(axis=2)
        if threshold is None:
            return ap[:, self._averaged].mean(axis=1)
        return ap[:, int(np.flatnonzero(self.iou_thresholds == threshold)[0])]

    @staticmethod
    def _mean(values):
        values = values[~np.isnan(values)]
        return float(values.mean()) if values.size else float("nan")

    @property
    def map(self) -> float:
        """Mean AP over the classes with ground truth and the IoU thresholds (COCO's AP)."""
        return self._mean(self._ap())

    @property
    def map50(self) -> float:
        """Mean AP at IoU 0.5 (COCO's AP50, Pascal VOC's mAP with 101 points)."""
        return self._mean(self._ap(0.5))

    @property
    def map75(self) -> float:
        """Mean AP at IoU 0.75 (COCO's AP75)."""
        return self._mean(self._ap(0.75))

    @property
    def mean_recall(self) -> float:
        """Mean recall over classes and IoU thresholds (COCO's AR at ``max_detections``)."""
        return self._mean(self.recall[:, self._averaged].mean(axis=1))

    @property
    def per_class(self):
        """A DataFrame: class, AP, AP50, AP75, n_ground_truth, n_detections (one row per class)."""
        import pandas as pd

        return pd.DataFrame({"class": self.class_names, "AP": self._ap(), "AP50": self._ap(0.5),
                             "AP75": self._ap(0.75), "n_ground_truth": self.n_ground_truth,
                             "n_detections": self.n_detections})

    def __repr__(self):
        return (f"<DetectionEvaluation: {self.n_images} images, {len(self.class_names)} classes, "
                f"mAP {self.map:.4f}, mAP@0.5 {self.map50:.4f}, mAP@0.75 {self.map75:.4f}>")

    def _repr_html_(self):
        rows = [("images", f"{self.n_images:,}"), ("mAP (IoU 0.50:0.95)", f"{self.map:.4f}"),
                ("mAP@0.5", f"{self.map50:.4f}"), ("mAP@0.75", f"{self.map75:.4f}"),
                (f"recall ({self.max_detections} detections)", f"{self.mean_recall:.4f}")]
        body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                       f"<td style='text-align:left'>{html.escape(v)}</td></tr>" for k, v in rows)
        table = self.per_class.to_html(index=False, float_format=lambda v: f"{v:.4f}",
                                       na_rep="-")
        return f"<table><caption>DetectionEvaluation</caption>{body}</table>{table}"

    def plot_pr(self, class_name=None, ax=None):
        """Precision-recall curves at IoU 0.5 (COCO's 101-point interpolated precision).

        Args:
            class_name: one class (a name or an id); default every class with
                ground truth.
            ax: matplotlib axes to draw into; default a new figure.

        Returns:
            A :class:`~dl_notebook._display.FigureDisplay` (``lines_``: one
            curve per class).

        Example:
            >>> res = evaluate_detections([{"boxes": [[0, 0, 4, 4]], "labels": [0]}],
            ...     [{"boxes": [[0, 0, 4, 4]], "labels": [0], "scores": [1.0]}], ["a"])
            >>> len(res.plot_pr().lines_)
            1
        """
        if class_name is None:
            chosen = [k for k in range(len(self.class_names)) if self.n_ground_truth[k]]
        elif isinstance(class_name, str) and class_name in self.class_names:
            chosen = [self.class_names.index(class_name)]
        elif isinstance(class_name, (int, np.integer)) and not isinstance(class_name, bool) \
                and 0 <= class_name < len(self.class_names):
            chosen = [int(class_name)]
        else:
            raise InvalidArgumentError(
                f"class_name must be one of {self.class_names[:20]} or a class id; "
                f"got {class_name!r}.")
        if ax is None:
            from matplotlib.figure import Figure

            figure = Figure(figsize=(5, 4))
            ax = figure.subplots()
        t50 = int(np.flatnonzero(self.iou_thresholds == 0.5)[0])
        ap50 = self._ap(0.5)
        display = FigureDisplay(ax.figure, ax)
        display.lines_ = []
        for k in chosen:
            if not self.n_ground_truth[k]:
                continue  # no curve without ground truth
            (line,) = ax.step(_RECALL_POINTS, self.precision[k, t50], where="post",
                              label=f"{self.class_names[k]} (AP50 {ap50[k]:.3f})")
            display.lines_.append(line)
        ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02),
               title="Precision-recall at IoU 0.5")
        if display.lines_:
            ax.legend(loc="lower left", fontsize=8)
        return display
