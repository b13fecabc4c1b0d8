"""Faster R-CNN: anchors, targets and sampling on hand-made cases, RoI Align against numpy, learning on shapes."""

import numpy as np
import pytest

import dl_notebook as dn
from dl_notebook.data.datasets import shapes
from dl_notebook.detection._rcnn_loss import rpn_targets, sample
from dl_notebook.detection._rcnn_ops import make_anchors, roi_align
from dl_notebook.detection.faster_rcnn import FasterRCNNHead, decode
from dl_notebook.errors import InvalidArgumentError, ShapeError

CLASSES = ("circle", "square")
EPOCHS = 15
TRAIN_IMAGES = 96
LEARNING_RATE = 3e-3  # the peak of a cosine decay to 1 %
# Measured: untrained 0.001-0.007; trained 0.28-0.36 over three seeds (48 images at a
# constant rate gave 0.05-0.16).
MARGIN = 0.15


def test_anchors_are_centred_on_cells_with_their_scale_and_ratio():
    anchors = make_anchors((2, 3), 8, scales=(8, 16), ratios=(0.5, 1, 2))
    assert anchors.shape == (2 * 3 * 6, 4)
    widths, heights = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    np.testing.assert_allclose(np.sqrt(widths * heights), np.tile(np.repeat([8, 16], 3), 6),
                               rtol=1e-5)
    np.testing.assert_allclose(heights / widths, np.tile([0.5, 1, 2], 12), rtol=1e-5)
    centres = (anchors[:, :2] + anchors[:, 2:]) / 2
    # cell (row 1, column 2): its six anchors come 5th in row-major order
    np.testing.assert_allclose(centres[5 * 6:6 * 6], [[20.0, 12.0]] * 6)


def test_rpn_targets_mark_overlaps_and_each_box_best_anchor_positive():
    anchors = np.array([[0, 0, 10, 10],      # IoU 0.81 with box A: positive
                        [2, 0, 12, 10],      # IoU 0.5 with box A: ignored
                        [40, 40, 50, 50],    # nothing: negative
                        [20, 20, 40, 40],    # IoU 0.25 with box B, its best: positive
                        [30, 30, 34, 34]],   # IoU 0.04 with B: negative
                       "float32")
    truth = np.array([[[0, 0, 9, 9], [25, 25, 35, 35], [-1, -1, -1, -1]]], "float32")
    labels, matched = rpn_targets(anchors, truth)
    assert labels.numpy().tolist() == [[1, -1, 0, 1, 0]]
    np.testing.assert_array_equal(matched.numpy()[0, [0, 3]], truth[0, [0, 1]])
    # an image without boxes has only negatives
    empty, _ = rpn_targets(anchors, np.full((1, 2, 4), -1, "float32"))
    assert empty.numpy().tolist() == [[0] * 5]


def test_sampling_keeps_the_asked_number_from_the_candidates_only():
    candidates = np.zeros((3, 400), bool)
    candidates[0, :10] = True
    candidates[1, 100:300] = True
    picked = sample(candidates, np.array([[128], [128], [0]])).numpy()
    assert picked.sum(axis=1).tolist() == [10, 128, 0]
    assert not (picked & ~candidates).any()


def _numpy_roi_align(features, box, stride, pool):
    """Mean of 2×2 bilinear samples per bin, at the centres of the bin's quarters."""
    height, width, _ = features.shape
    x0, y0, x1, y1 = np.asarray(box) / stride
    step_x, step_y = (x1 - x0) / (2 * pool), (y1 - y0) / (2 * pool)

    def bilinear(y, x):
        y0_, x0_ = int(np.floor(y)), int(np.floor(x))
        y1_, x1_ = min(y0_ + 1, height - 1), min(x0_ + 1, width - 1)
        dy, dx = y - y0_, x - x0_
        return ((1 - dy) * (1 - dx) * features[y0_, x0_] + (1 - dy) * dx * features[y0_, x1_]
                + dy * (1 - dx) * features[y1_, x0_] + dy * dx * features[y1_, x1_])

    out = np.zeros((pool, pool, features.shape[-1]))
    for i in range(pool):
        for j in range(pool):
            samples = [bilinear(y0 + (2 * i + a + 0.5) * step_y - 0.5,
                                x0 + (2 * j + b + 0.5) * step_x - 0.5)
                       for a in range(2) for b in range(2)]
            out[i, j] = np.mean(samples, axis=0)
    return out


def test_roi_align_equals_a_numpy_bilinear_crop_and_average():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(2, 8, 8, 3)).astype("float32")
    boxes = np.array([[[8, 8, 40, 40], [10.5, 3.2, 27.9, 50.1], [30, 12, 52, 20]],
                      [[4, 4, 60, 60], [20, 22, 23, 26], [33.3, 40.7, 59.0, 58.1]]], "float32")
    out = roi_align(features, boxes, stride=8, pool_size=3).numpy()
    assert out.shape == (2, 3, 3, 3, 3)
    for b in range(2):
        for r in range(3):
            np.testing.assert_allclose(out[b, r], _numpy_roi_align(features[b], boxes[b, r], 8, 3),
                                       atol=1e-5)


def test_decode_applies_class_deltas_and_refuses_other_outputs():
    head = FasterRCNNHead(2, (32, 32), 16, (16,), (1,), n_proposals=2)
    raw = np.zeros((1, head.output_shape[0]), "float32")
    n = len(head.anchors) * 5
    raw[0, n:n + 8] = [4, 4, 20, 20, 0, 0, 0, 0]            # one proposal, one padding row
    raw[0, n + 8:n + 14] = [0, 9, 0, 0, 0, 0]                 # proposal 1: class 0
    deltas = raw[0, n + 14:].reshape(2, 2, 4)
    deltas[0, 0] = [1.0, 0.0, 0.0, 0.0]                       # class 0 moves x by 0.1 × 16
    raw[0, n + 14:] = deltas.ravel()
    found = decode(raw, head)[0]
    assert found["labels"].tolist() == [0]
    np.testing.assert_allclose(found["boxes"], [[5.6, 4, 21.6, 20]], atol=1e-4)
    with pytest.raises(ShapeError):
        decode(raw[:, :-1], head)
    with pytest.raises(InvalidArgumentError):
        decode(raw, head, score_threshold=2)


def test_faster_rcnn_refuses_bad_settings():
    with pytest.raises(InvalidArgumentError):
        dn.applications.FasterRCNN(n_classes=2, input_shape=(60, 60, 3))
    with pytest.raises(InvalidArgumentError):
        dn.applications.FasterRCNN(n_classes=0, input_shape=(64, 64, 3))
    with pytest.raises(InvalidArgumentError):
        dn.applications.FasterRCNN(n_classes=2, input_shape=(64, 64, 3), anchor_scales=())


def _truth(data):
    return [{"boxes": np.array([b[1:] for b in boxes], "float32").reshape(-1, 4),
             "labels": np.array([b[0] for b in boxes], "int64")} for boxes in data.boxes]


def test_small_faster_rcnn_learns_shapes():
    train = shapes(n=TRAIN_IMAGES, image_size=64, kind="detect", classes=CLASSES, seed=1)
    test = shapes(n=32, image_size=64, kind="detect", classes=CLASSES, seed=2)
    net = dn.applications.FasterRCNN(class_names=CLASSES, input_shape=(64, 64, 3),
                                     anchor_scales=(12, 24), n_proposals=32, fc_units=64)

    def map50():
        found = net.predict_boxes(test.images, score_threshold=0.01)
        return dn.evaluate_detections(_truth(test), found).map50

    before = map50()
    rate = dn.schedules.CosineDecay(LEARNING_RATE, decay_steps=EPOCHS * TRAIN_IMAGES // 8,
                                    alpha=0.01)
    history = net.fit(train, epochs=EPOCHS, batch_size=8, seed=0,
                      solver=dn.solvers.Adam(learning_rate=rate))
    rows = history.rows
    for part in ("rpn_obj_loss", "rpn_box_loss", "cls_loss", "box_loss"):
        assert part in rows[0]
    assert rows[-1]["loss"] < 0.5 * rows[0]["loss"]
    assert rows[-1]["rpn_obj_loss"] < 0.5 * rows[0]["rpn_obj_loss"]
    after = map50()
    print(f"mAP50 untrained {before:.3f}, trained {after:.3f}")
    assert after > before + MARGIN, (before, after)


def test_zoo_backbone_is_cut_at_stride_16_and_decodes():
    net = dn.applications.FasterRCNN(n_classes=2, backbone="resnet18", input_shape=(64, 64, 3),
                                     n_proposals=8, fc_units=16)
    assert net.output_names == ["output"] and net.head.grid == (4, 4)
    assert "predictions" not in net.layer_names and "avg_pool" not in net.layer_names
    found = net.predict_boxes(np.zeros((2, 64, 64, 3)), score_threshold=0.0)
    assert len(found) == 2 and found[0]["boxes"].shape[-1] == 4


def test_onnx_export_decodes_to_the_same_boxes(tmp_path):
    import onnxruntime

    net = dn.applications.FasterRCNN(n_classes=2, input_shape=(64, 64, 3), n_proposals=8,
                                     fc_units=16)
    images = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype("float32")
    net.export(tmp_path / "frcnn.onnx")
    session = onnxruntime.InferenceSession(str(tmp_path / "frcnn.onnx"))
    raw = session.run(None, {session.get_inputs()[0].name: images})[0]
    exported = decode(raw, net.head, score_threshold=0.0)
    expected = decode(net.to_keras().predict_on_batch(images), net.head, score_threshold=0.0)
    for got, want in zip(exported, expected):
        assert got["labels"].tolist() == want["labels"].tolist()
        np.testing.assert_allclose(got["boxes"], want["boxes"], atol=1e-3)
        np.testing.assert_allclose(got["scores"], want["scores"], atol=1e-4)
