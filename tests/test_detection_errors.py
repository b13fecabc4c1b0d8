"""dn.detection_errors: missed, false and badly placed boxes on hand-made cases, and the
matches themselves against pycocotools' COCOeval on random cases."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from dl_notebook.errors import InvalidArgumentError, ShapeError
from dl_notebook.evaluate.detection_errors import detection_errors

COCO = pytest.importorskip("pycocotools.coco")
COCOEVAL = pytest.importorskip("pycocotools.cocoeval")


def truth(boxes, labels):
    return {"boxes": np.asarray(boxes, np.float32).reshape(-1, 4), "labels": np.asarray(labels)}


def found(boxes, labels, scores):
    return {**truth(boxes, labels), "scores": np.asarray(scores, np.float32)}


def kinds(errors):
    return {kind: errors[kind].tolist() for kind in ("missed", "false", "poor", "matched")}


def test_a_perfect_detection_has_no_errors():
    errors = detection_errors([truth([[0, 0, 10, 10]], [0])],
                              [found([[0, 0, 10, 10]], [0], [0.9])])
    assert kinds(errors[0]) == {"missed": [], "false": [], "poor": [], "matched": [0]}
    assert errors[0]["truth_of"].tolist() == [0]


def test_each_kind_of_error():
    gt = truth([[0, 0, 10, 10], [20, 20, 30, 30], [40, 0, 50, 10], [0, 40, 10, 50]], [0, 1, 0, 1])
    dt = found([[0, 0, 10, 10],      # matches gt 0
                [24, 24, 34, 34],    # class 1, IoU 36/164 = 0.22 with gt 1: badly placed
                [40, 0, 50, 10],     # right place, wrong class (1 for 0): false, gt 2 missed
                [0, 45, 10, 55],     # IoU 50/150 = 0.33 with gt 3 (class 1) but class 0: false
                [70, 70, 80, 80]],   # nothing there: false
               [0, 1, 1, 0, 0], [0.9, 0.8, 0.7, 0.6, 0.5])
    errors = detection_errors([gt], [dt])[0]
    assert kinds(errors) == {"missed": [1, 2, 3], "false": [2, 3, 4], "poor": [1],
                             "matched": [0]}
    assert errors["truth_of"].tolist() == [0, -1, -1, -1, -1]


def test_a_duplicate_is_false_and_the_higher_score_matches():
    gt = truth([[0, 0, 10, 10]], [0])
    dt = found([[0, 0, 10, 9], [0, 0, 10, 10]], [0, 0], [0.6, 0.9])
    errors = detection_errors([gt], [dt])[0]
    assert kinds(errors) == {"missed": [], "false": [0], "poor": [], "matched": [1]}


def test_greedy_in_score_order_takes_each_box_once():
    # The best-scored detection overlaps both boxes; it takes the one of higher IoU,
    # and the second detection takes the other one.
    gt = truth([[0, 0, 10, 10], [4, 0, 14, 10]], [0, 0])
    dt = found([[3, 0, 13, 10], [0, 0, 10, 10]], [0, 0], [0.9, 0.8])
    errors = detection_errors([gt], [dt])[0]
    assert errors["truth_of"].tolist() == [1, 0]
    assert kinds(errors)["missed"] == []


def test_thresholds_move_boxes_between_kinds():
    gt = [truth([[0, 0, 10, 10]], [0])]
    dt = [found([[3, 0, 13, 10]], [0], [0.9])]  # IoU 70/130 = 0.54
    assert kinds(detection_errors(gt, dt)[0])["matched"] == [0]
    assert kinds(detection_errors(gt, dt, iou=0.6)[0])["poor"] == [0]
    assert kinds(detection_errors(gt, dt, iou=0.75, poor=0.6)[0])["false"] == [0]
    far = [found([[8, 8, 18, 18]], [0], [0.9])]  # IoU 4/196 = 0.02: under poor=0.1
    assert kinds(detection_errors(gt, far)[0])["false"] == [0]
    assert kinds(detection_errors(gt, far, poor=0.0)[0])["poor"] == [0]


def test_empty_images_padding_and_indices_as_given():
    gt = [truth(np.zeros((0, 4)), []),
          truth([[-1, -1, -1, -1], [0, 0, 10, 10]], [-1, 1])]
    dt = [found(np.zeros((0, 4)), [], []),
          found([[-1, -1, -1, -1], [50, 50, 60, 60], [0, 0, 10, 10]], [-1, 1, 1], [0, .5, .4])]
    first, second = detection_errors(gt, dt)
    assert kinds(first) == {"missed": [], "false": [], "poor": [], "matched": []}
    assert kinds(second) == {"missed": [], "false": [1], "poor": [], "matched": [2]}
    assert second["truth_of"].tolist() == [-1, -1, 1]
    missed = detection_errors([truth([[0, 0, 4, 4], [5, 5, 9, 9]], [0, 2])],
                              [found(np.zeros((0, 4)), [], [])])[0]
    assert kinds(missed)["missed"] == [0, 1]


def coco_matches(ground_truth, predictions, n_classes):
    """Per image, pycocotools' matched (detection, ground truth) pairs at IoU 0.5."""
    images, annotations, results = [], [], []
    for i, (gt, dt) in enumerate(zip(ground_truth, predictions), start=1):
        images.append({"id": i, "width": 640, "height": 640})
        for g, (box, label) in enumerate(zip(gt["boxes"].astype(np.float64), gt["labels"])):
            w, h = box[2] - box[0], box[3] - box[1]
            annotations.append({"id": i * 1000 + g + 1, "image_id": i, "iscrowd": 0,
                                "category_id": int(label) + 1, "area": w * h,
                                "bbox": [box[0], box[1], w, h]})
        for box, label, score in zip(dt["boxes"].astype(np.float64), dt["labels"], dt["scores"]):
            results.append({"image_id": i, "category_id": int(label) + 1, "score": float(score),
                            "bbox": [box[0], box[1], box[2] - box[0], box[3] - box[1]]})
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO.COCO()
        coco.dataset = {"images": images, "annotations": annotations,
                        "categories": [{"id": k + 1, "name": str(k)} for k in range(n_classes)]}
        coco.createIndex()
        evaluation = COCOEVAL.COCOeval(coco, coco.loadRes(results), "bbox")
        evaluation.params.areaRng, evaluation.params.areaRngLbl = [[0, 1e10]], ["all"]
        evaluation.evaluate()
    pairs = {i: set() for i in range(len(images))}
    for entry in evaluation.evalImgs:
        if entry is None:
            continue
        image = entry["image_id"] - 1
        for dt_id, gt_id in zip(entry["dtIds"], entry["dtMatches"][0]):  # IoU 0.5
            if gt_id:
                pairs[image].add((int(dt_id), int(gt_id) % 1000 - 1))
    return pairs


def test_matches_equal_pycocotools_on_random_cases():
    rng = np.random.default_rng(7)
    n_classes, ground_truth, predictions = 3, [], []
    for _ in range(30):
        n = int(rng.integers(0, 8))
        xy = rng.uniform(0, 80, (n, 2))
        boxes = np.concatenate([xy, xy + rng.uniform(5, 40, (n, 2))], axis=1).astype(np.float32)
        labels = rng.integers(0, n_classes, n)
        ground_truth.append(truth(boxes, labels))
        copies = rng.integers(0, max(n, 1), int(rng.integers(0, 2 * n + 1))) if n else []
        dt = [boxes[copies] + rng.normal(0, 4, (len(copies), 4))] if n else []
        extra = rng.uniform(0, 100, (int(rng.integers(0, 4)), 2))
        dt.append(np.concatenate([extra, extra + 20], axis=1))
        dt = np.concatenate(dt).astype(np.float32)
        dt[:, 2:] = np.maximum(dt[:, 2:], dt[:, :2] + 1)
        dt_labels = np.concatenate([np.where(rng.random(len(copies)) < 0.8, labels[copies],
                                             rng.integers(0, n_classes, len(copies))) if n
                                    else np.zeros(0, int), rng.integers(0, n_classes, len(extra))])
        predictions.append(found(dt, dt_labels, rng.permutation(len(dt)) / max(len(dt), 1)))
    pairs = coco_matches(ground_truth, predictions, n_classes)
    ids = {}  # loadRes numbers the detections 1, 2, ... in the order given
    for i, dt in enumerate(predictions):
        for d in range(len(dt["labels"])):
            ids[(i, d)] = len(ids) + 1
    compared = 0
    for i, errors in enumerate(detection_errors(ground_truth, predictions)):
        ours = {(ids[(i, d)], int(g)) for d, g in enumerate(errors["truth_of"]) if g >= 0}
        assert ours == pairs[i], f"image {i}"
        assert set(errors["missed"].tolist()) == \
            set(range(len(ground_truth[i]["labels"]))) - {g for _, g in pairs[i]}
        compared += len(ours)
    assert compared > 40


def test_refusals():
    gt, dt = [truth([[0, 0, 1, 1]], [0])], [found([[0, 0, 1, 1]], [0], [1.0])]
    with pytest.raises(InvalidArgumentError, match="one entry per image"):
        detection_errors(gt, dt * 2)
    with pytest.raises(InvalidArgumentError, match="iou must be"):
        detection_errors(gt, dt, iou=0)
    with pytest.raises(InvalidArgumentError, match="poor must be"):
        detection_errors(gt, dt, iou=0.5, poor=0.6)
    with pytest.raises(InvalidArgumentError, match="list with one dict"):
        detection_errors(gt[0], dt)
    with pytest.raises(ShapeError, match="one finite score per box"):
        detection_errors(gt, [found([[0, 0, 1, 1]], [0], [])])
