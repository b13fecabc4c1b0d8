"""dn.evaluate_detections against pycocotools' COCOeval, hand-computed cases, errors, figures."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

import dl_notebook as dn
from dl_notebook.evaluate.detection import box_iou

COCO = pytest.importorskip("pycocotools.coco")
COCOEVAL = pytest.importorskip("pycocotools.cocoeval")


def coco_stats(ground_truth, predictions, n_classes):
    """pycocotools' (AP, AP50, AP75, AR@100) for our lists, built in memory."""
    images, annotations, results = [], [], []
    for i, (truth, found) in enumerate(zip(ground_truth, predictions), start=1):
        images.append({"id": i, "width": 640, "height": 640})
        for box, label in zip(np.asarray(truth["boxes"], np.float64).reshape(-1, 4),
                              truth["labels"]):
            x, y, w, h = box[0], box[1], box[2] - box[0], box[3] - box[1]
            annotations.append({"id": len(annotations) + 1, "image_id": i,
                                "category_id": int(label) + 1, "bbox": [x, y, w, h],
                                "area": w * h, "iscrowd": 0})
        for box, label, score in zip(np.asarray(found["boxes"], np.float64).reshape(-1, 4),
                                     found["labels"], found["scores"]):
            results.append({"image_id": i, "category_id": int(label) + 1, "score": float(score),
                            "bbox": [box[0], box[1], box[2] - box[0], box[3] - box[1]]})
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO.COCO()
        gt.dataset = {"images": images, "annotations": annotations,
                      "categories": [{"id": k + 1, "name": str(k)} for k in range(n_classes)]}
        gt.createIndex()
        evaluation = COCOEVAL.COCOeval(gt, gt.loadRes(results), "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return evaluation.stats[[0, 1, 2, 8]]


def random_case(rng, n_classes, *, crowded=False, duplicates=False, ties=False, many=False):
    """Random ground truth and predictions: near-misses, shifted copies, false boxes."""
    truths, preds = [], []
    for _ in range(int(rng.integers(1, 6))):
        n = int(rng.integers(0, 11))
        xy = rng.uniform(0, 60 if crowded else 200, (n, 2))
        wh = rng.uniform(4, 60, (n, 2))
        boxes = np.concatenate([xy, xy + wh], axis=1).astype(np.float32)
        labels = rng.integers(0, n_classes, n)
        if rng.random() < 0.1:
            boxes, labels = boxes[:0], labels[:0]  # an image without ground truth
        truths.append({"boxes": boxes, "labels": labels})
        kept = rng.random(len(boxes)) < 0.8
        jitter = rng.normal(0, 6, (int(kept.sum()), 4))
        p_boxes = [np.sort((boxes[kept] + jitter).reshape(-1, 2, 2), axis=1).reshape(-1, 4)]
        p_labels = [np.where(rng.random(kept.sum()) < 0.85, labels[kept],
                             rng.integers(0, n_classes, kept.sum()))]
        if duplicates and len(boxes):
            twice = rng.integers(0, len(boxes), 4)
            p_boxes.append(boxes[twice] + rng.normal(0, 2, (4, 4)))
            p_labels.append(labels[twice])
        n_false = int(rng.integers(0, 150 if many else 5))
        xy = rng.uniform(0, 200, (n_false, 2))
        p_boxes.append(np.concatenate([xy, xy + rng.uniform(4, 60, (n_false, 2))], axis=1))
        p_labels.append(rng.integers(0, n_classes, n_false))
        p_boxes = np.concatenate(p_boxes).astype(np.float32)
        p_boxes[:, 2:] = np.maximum(p_boxes[:, 2:], p_boxes[:, :2])
        p_labels = np.concatenate(p_labels)
        scores = (rng.integers(0, 4, len(p_boxes)) / 4 if ties
                  else rng.permutation(len(p_boxes)) / max(len(p_boxes), 1) + rng.random() * 1e-3)
        if rng.random() < 0.1:
            p_boxes, p_labels, scores = p_boxes[:0], p_labels[:0], scores[:0]  # no predictions
        preds.append({"boxes": p_boxes, "labels": p_labels, "scores": scores.astype(np.float32)})
    return truths, preds


def ours(truths, preds, n_classes):
    res = dn.evaluate_detections(truths, preds, [str(k) for k in range(n_classes)])
    return np.array([res.map, res.map50, res.map75, res.mean_recall])


@pytest.mark.parametrize("kind", ["plain", "crowded", "duplicates", "ties", "many"])
def test_matches_pycocotools_on_random_cases(kind):
    rng = np.random.default_rng(["plain", "crowded", "duplicates", "ties", "many"].index(kind))
    compared = 0
    for _ in range(10 if kind == "many" else 40):
        n_classes = int(rng.integers(1, 4))
        truths, preds = random_case(rng, n_classes, crowded=kind == "crowded",
                                    duplicates=kind == "duplicates", ties=kind == "ties",
                                    many=kind == "many")
        if not any(len(p["labels"]) for p in preds):
            continue  # pycocotools' loadRes cannot take an empty list; tested below
        expected = coco_stats(truths, preds, n_classes)
        got = ours(truths, preds, n_classes)
        expected = np.where(expected < 0, np.nan, expected)  # COCO's -1: no ground truth at all
        np.testing.assert_allclose(got, expected, atol=1e-6, equal_nan=True)
        compared += 1
    assert compared >= 8


def test_more_than_100_detections_of_one_class_are_cut_per_image():
    rng = np.random.default_rng(7)
    truth = {"boxes": np.array([[10, 10, 50, 50], [100, 100, 150, 140]], np.float32),
             "labels": np.array([0, 0])}
    xy = rng.uniform(0, 200, (150, 2))
    boxes = np.concatenate([xy, xy + 30], axis=1).astype(np.float32)
    boxes[120] = [100, 100, 150, 140]  # a true box scored below the 100 best is not counted
    boxes[0] = [10, 10, 50, 50]
    scores = np.linspace(1, 0.01, 150).astype(np.float32)
    preds = [{"boxes": boxes, "labels": np.zeros(150, int), "scores": scores}]
    res = dn.evaluate_detections([truth], preds, ["a"])
    np.testing.assert_allclose([res.map, res.map50, res.map75, res.mean_recall],
                               coco_stats([truth], preds, 1), atol=1e-3)
    assert res.mean_recall == pytest.approx(0.5)
    assert dn.evaluate_detections([truth], preds, ["a"], max_detections=150).mean_recall == 1.0


def test_hand_computed_average_precision():
    # 2 objects; detections by score: hit, false, hit (IoU 100/110) -> precision 1, 1/2, 2/3.
    truth = [{"boxes": [[0, 0, 10, 10], [20, 20, 30, 30]], "labels": [0, 0]}]
    found = [{"boxes": [[0, 0, 10, 10], [50, 50, 60, 60], [20, 20, 30, 31]], "labels": [0, 0, 0],
              "scores": [0.9, 0.8, 0.7]}]
    res = dn.evaluate_detections(truth, found, ["box"])
    # recall 0..0.5 (51 points) at precision 1, 0.51..1 (50 points) at the envelope 2/3
    assert res.map50 == pytest.approx((51 + 50 * 2 / 3) / 101, abs=1e-6)
    # IoU 10/11 = 0.909 passes thresholds up to 0.9; at 0.95 only the first box is found
    assert res.map == pytest.approx((9 * (51 + 50 * 2 / 3) + 51) / 101 / 10, abs=1e-6)
    table = res.per_class
    assert table.columns.tolist() == ["class", "AP", "AP50", "AP75", "n_ground_truth",
                                      "n_detections"]
    assert table.loc[0, "n_ground_truth"] == 2 and table.loc[0, "n_detections"] == 3


def test_classes_without_ground_truth_leave_the_mean_and_no_predictions_score_zero():
    truth = [{"boxes": [[0, 0, 10, 10]], "labels": [0]}, {"boxes": [], "labels": []}]
    found = [{"boxes": [[0, 0, 10, 10]], "labels": [0], "scores": [0.5]},
             {"boxes": [[5, 5, 9, 9]], "labels": [1], "scores": [0.9]}]
    res = dn.evaluate_detections(truth, found, ["a", "b"])
    assert res.map == pytest.approx(1.0) and np.isnan(res.per_class.loc[1, "AP"])
    empty = [{"boxes": np.zeros((0, 4)), "labels": [], "scores": []}] * 2
    assert dn.evaluate_detections(truth, empty, ["a", "b"]).map == 0.0
    assert "mAP 0.0000" in repr(dn.evaluate_detections(truth, empty))
    assert "<table>" in res._repr_html_()


def test_padding_labels_are_skipped_and_iou_is_cocos():
    padded = [{"boxes": [[0, 0, 10, 10], [-1, -1, -1, -1]], "labels": [0, -1]}]
    found = [{"boxes": [[0, 0, 10, 10]], "labels": [0], "scores": [0.5]}]
    assert dn.evaluate_detections(padded, found).per_class.loc[0, "n_ground_truth"] == 1
    # COCO's [x, y, w, h] without +1: 2x2 boxes sharing a 1x2 strip
    assert box_iou([[0, 0, 2, 2]], [[1, 0, 3, 2]])[0, 0] == pytest.approx(1 / 3)


@pytest.mark.parametrize("truth, found, message", [
    ([{"boxes": [], "labels": []}], [], "has 1 images but predictions has 0"),
    ({"boxes": [], "labels": []}, [], "must be a list"),
    ([{"boxes": [[0, 0, 1, 1]]}], [{"boxes": [], "labels": [], "scores": []}], "keys boxes"),
    ([{"boxes": [[0, 0, 1]], "labels": [0]}], [{"boxes": [], "labels": [], "scores": []}],
     "shape (N, 4)"),
    ([{"boxes": [[0, 0, 1, 1]], "labels": [0]}], [{"boxes": [[0, 0, 1, 1]], "labels": [0]}],
     "keys boxes, labels, scores"),
    ([{"boxes": [[5, 0, 1, 1]], "labels": [0]}], [{"boxes": [], "labels": [], "scores": []}],
     "x_max < x_min"),
    ([{"boxes": [[0, 0, 1, 1]], "labels": [3]}], [{"boxes": [], "labels": [], "scores": []}],
     "class names"),
])
def test_malformed_input_is_one_sentence(truth, found, message):
    with pytest.raises(dn.DLError, match=message.replace("(", r"\(").replace(")", r"\)")):
        dn.evaluate_detections(truth, found, ["a", "b"])


def test_plot_pr_draws_one_curve_per_class_with_ground_truth():
    rng = np.random.default_rng(3)
    truths, preds = random_case(rng, 3)
    res = dn.evaluate_detections(truths, preds, ["a", "b", "c"])
    shown = res.plot_pr()
    assert len(shown.lines_) == int(np.count_nonzero(res.n_ground_truth))
    assert len(res.plot_pr("a").lines_) == int(res.n_ground_truth[0] > 0)
    with pytest.raises(dn.InvalidArgumentError, match="class_name"):
        res.plot_pr("zebra")


def test_detection_figure_draws_every_box_above_the_threshold():
    data = dn.datasets.shapes(n=5, image_size=40, kind="detect", classes=("circle", "star"),
                              seed=2)
    truths = [{"boxes": np.array([b[1:] for b in boxes], np.float32),
               "labels": np.array([b[0] for b in boxes])} for boxes in data.boxes]
    rng = np.random.default_rng(0)
    preds = [{"boxes": t["boxes"] + 1, "labels": t["labels"],
              "scores": rng.random(len(t["labels"])).astype(np.float32)} for t in truths]
    shown = dn.display_object_detections(data.images, preds, truths, data.class_names, n=4,
                                         score_threshold=0.3)
    assert len(shown.ax_) == 4 and len(shown.figure_.axes) == 4
    for ax, truth, pred in zip(shown.ax_, truths, preds):
        dashed = [p for p in ax.patches if p.get_linestyle() == "--"]
        solid = [p for p in ax.patches if p.get_linestyle() != "--"]
        assert len(dashed) == len(truth["labels"])
        assert len(solid) == int(np.count_nonzero(pred["scores"] >= 0.3)) == len(ax.texts)
        assert dashed[0].get_x() == pytest.approx(truth["boxes"][0, 0] - 0.5)
        assert dashed[0].get_width() == pytest.approx(np.ptp(truth["boxes"][0, [0, 2]]))
    legend = [t.get_text() for t in shown.figure_.legends[0].get_texts()]
    assert legend[-1] == "ground truth" and set(legend[:-1]) <= set(data.class_names)
    assert shown._repr_png_()[:4] == b"\x89PNG"
    with pytest.raises(dn.InvalidArgumentError, match="one per image"):
        dn.display_object_detections(data.images, preds[:2], n=4)
