"""Which boxes a detector got wrong: missed, false and badly placed boxes, image by image.

:func:`detection_errors` sorts every box of a detection result into what
went right and what went wrong, the way the detection browser filters them:

- a detection **matches** a ground-truth box of its class at IoU ≥ *iou*;
  detections take boxes greedily in score order, each box once (as COCO
  matches them), so a second detection of a found object is not a match;
- a ground-truth box no detection matches is **missed**;
- a detection that matches nothing is **badly placed** when a box of its
  class overlaps it with *poor* ≤ IoU < *iou*, else **false** (a wrong class,
  a duplicate or nothing there).

Boxes are ``x_min, y_min, x_max, y_max`` in pixels; labels ``-1`` (Keras'
dense padding) are skipped, and every index refers to the boxes as given.
"""

from __future__ import annotations

import numpy as np

from .. import _views
from ..errors import InvalidArgumentError, MissingDependencyError
from .detection import _check_entries, _match, _read_images, box_iou

__all__ = ["ERROR_KINDS", "browse_detections", "detection_errors"]

#: The kinds of boxes :func:`detection_errors` lists, as the keys of its dicts.
ERROR_KINDS = ("missed", "false", "poor")


def _number(value):
    return not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))


def _kept(entries):
    """Per image the positions of the boxes that are not padding (label -1), and the count given."""
    labels = [np.asarray(entry["labels"]).reshape(-1) for entry in entries]
    return [(np.flatnonzero(lab != -1), len(lab)) for lab in labels]


def _image_errors(gt_boxes, gt_labels, boxes, labels, scores, iou, poor):
    """``missed`` (ground truth), ``false``, ``poor``, ``matched`` (detections) of one image."""
    ious = box_iou(boxes, gt_boxes)
    ious = np.where(labels[:, None] == gt_labels[None, :], ious, 0.0)  # only the same class
    order = np.argsort(-scores, kind="mergesort")
    matched = np.full(len(boxes), -1, dtype=np.int64)
    matched[order] = _match(ious[order], np.array([iou]))[0]
    taken = np.zeros(len(gt_boxes), dtype=bool)
    taken[matched[matched >= 0]] = True
    best = ious.max(axis=1) if ious.size else np.zeros(len(boxes))
    unmatched = matched < 0
    placed = unmatched & (best > 0) & (best >= poor) & (best < iou)
    return {
        "missed": np.flatnonzero(~taken),
        "false": np.flatnonzero(unmatched & ~placed),
        "poor": np.flatnonzero(placed),
        "matched": np.flatnonzero(~unmatched),
        "truth_of": matched,
    }


def detection_errors(ground_truth, predictions, iou=0.5, poor=0.1) -> list:
    """Per image the indices of its missed, false and badly placed boxes.

    Args:
        ground_truth: one dict per image with ``boxes`` ``(N, 4)`` xyxy
            pixels and ``labels`` ``(N,)`` class ids.
        predictions: one dict per image, in the same order, with also
            ``scores`` ``(N,)`` (as ``net.predict_boxes`` gives).
        iou: the IoU at which a detection finds a ground-truth box of its class.
        poor: the lowest IoU with a box of its class at which an unmatched
            detection counts as badly placed rather than false.

    Returns:
        A list with one dict per image of int64 index arrays: ``missed``
        (into the image's ground-truth boxes), ``false``, ``poor`` and
        ``matched`` (into its predicted boxes), and ``truth_of``: for each
        predicted box the ground-truth box it matched, or -1.

    Example:
        >>> truth = [{"boxes": [[0, 0, 10, 10], [20, 20, 30, 30]], "labels": [0, 1]}]
        >>> found = [{"boxes": [[0, 0, 10, 10], [24, 24, 34, 34], [40, 40, 50, 50]],
        ...           "labels": [0, 1, 0], "scores": [0.9, 0.8, 0.7]}]
        >>> errors = detection_errors(truth, found)[0]
        >>> {kind: errors[kind].tolist() for kind in ("missed", "false", "poor", "matched")}
        {'missed': [1], 'false': [2], 'poor': [1], 'matched': [0]}
    """
    if not _number(iou) or not 0 < iou <= 1:
        raise InvalidArgumentError(f"iou must be a number in (0, 1]; got {iou!r}.")
    if not _number(poor) or not 0 <= poor <= iou:
        raise InvalidArgumentError(f"poor must be a number from 0 to iou ({iou}); got {poor!r}.")
    iou, poor = float(iou), float(poor)
    _check_entries(ground_truth, predictions)
    truths = _read_images(ground_truth, "ground_truth", with_scores=False)
    found = _read_images(predictions, "predictions", with_scores=True)
    errors = []
    for (gt_boxes, gt_labels, _), (boxes, labels, scores), (gt_at, _), (dt_at, n_given) in zip(
            truths, found, _kept(ground_truth), _kept(predictions)):
        image = _image_errors(gt_boxes, gt_labels, boxes, labels, scores, iou, poor)
        truth_of = np.full(n_given, -1, dtype=np.int64)
        hit = image["truth_of"] >= 0
        truth_of[dt_at[hit]] = gt_at[image["truth_of"][hit]]
        errors.append({"missed": gt_at[image["missed"]], "false": dt_at[image["false"]],
                       "poor": dt_at[image["poor"]], "matched": dt_at[image["matched"]],
                       "truth_of": truth_of})
    return errors


def browse_detections(images, ground_truth, predictions, class_names=None, **options):
    """A detection browser (a notebook widget): the images with missed, false and badly placed boxes.

    Args:
        images: the images, or the ``DetectionDataset`` the boxes belong to.
        ground_truth: one dict per image with ``boxes`` and ``labels``.
        predictions: one dict per image with ``boxes``, ``labels`` and ``scores``.
        class_names: the class names; default the dataset's, else the ids.
        **options: ``show``, ``class_id``, ``page_size``, ``thumb_size``,
            ``iou``, ``poor``, ``score_threshold`` (see the browser).

    Returns:
        The browser widget; it needs ipywidgets and anywidget.

    Example:
        >>> import numpy as np
        >>> truth = [{"boxes": [[2, 2, 12, 12]], "labels": [0]}]
        >>> found = [{"boxes": [[3, 3, 12, 12]], "labels": [0], "scores": [0.9]}]
        >>> browse_detections(np.zeros((1, 16, 16, 3)), truth, found, show="missed").n_images
        0
    """
    cls = _views.view_class("detection_browser")
    if cls is None:
        raise MissingDependencyError(
            "The detection browser is a notebook widget; install ipywidgets and anywidget "
            "(pip install ipywidgets anywidget) to use it.")
    return cls(images, ground_truth, predictions, class_names, **options)
