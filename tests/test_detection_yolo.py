"""YOLOv2 and Tiny YOLOv2: target encoding, the loss, decoding, training through net.fit, export."""

from __future__ import annotations

import numpy as np
import pytest

import dl_notebook as dn
from dl_notebook.data.datasets import shapes
from dl_notebook.detection import YoloHead, decode, encode_targets, ideal_output
from dl_notebook.detection._data import padded
from dl_notebook.detection._loss import loss_parts
from dl_notebook.errors import InvalidArgumentError, ShapeError

CLASSES = ("circle", "square")


@pytest.fixture(scope="module")
def trained():
    """Tiny YOLOv2 (a quarter of the filters, stride 16) before and after 5 epochs on 480 images.

    The recipe of ``benchmarks/bench_detection.py`` made small: many distinct images rather
    than many passes over few, a cosine-decayed rate and objectness weight 10. (15 epochs
    over 128 images left the held-out mAP@0.5 between 0.01 and 0.05, run to run.)
    """
    train = shapes(n=480, image_size=96, kind="detect", classes=CLASSES, seed=1,
                   max_objects=1).to_dataset()
    test = shapes(n=32, image_size=96, kind="detect", classes=CLASSES, seed=2,
                  max_objects=1).to_dataset()
    anchors = dn.get_anchors(train, n_anchors=3, grid=6).anchors
    net = dn.applications.TinyYoloV2(class_names=CLASSES, anchors=anchors,
                                     input_shape=(96, 96, 3), width=0.25, stride=16)
    net.head = YoloHead(**{**net.head.config(), "lambda_obj": 10.0})
    before = {name: net.evaluate_object_detection(data).map50
              for name, data in (("train", train), ("test", test))}
    rate = dn.schedules.CosineDecay(3e-3, decay_steps=5 * 480 // 8, alpha=0.01)
    hist = net.fit(train, test, epochs=5, batch_size=8, live=False, seed=0,
                   solver=dn.solvers.Adam(learning_rate=rate))
    return net, hist, (train, test), before


def test_encoding_then_decoding_gives_back_every_box():
    data = shapes(n=24, image_size=96, kind="detect", classes=CLASSES, seed=3, max_objects=2)
    head = YoloHead(2, dn.get_anchors(data.to_dataset(), n_anchors=3, grid=3).anchors, grid=3,
                    input_size=96)
    boxes, labels = padded(data.boxes)
    y = encode_targets(boxes, labels, head.anchors, head.grid, head.input_size).numpy()
    kept = y[..., 4] == 1
    found = decode(ideal_output(y, 2), head, score_threshold=0.5)
    for image, (truth, got) in enumerate(zip(data.boxes, found)):
        cells = {tuple(idx) for idx in np.argwhere(kept[image])}
        assert len(got["boxes"]) == len(cells)  # one box per filled cell and anchor
        expected = {(c, *b) for c, *b in truth}
        for box, label in zip(got["boxes"], got["labels"]):
            assert any(c == label and np.allclose(box, b, atol=1e-3) for c, *b in expected)
    assert kept.sum() >= 0.9 * sum(len(b) for b in data.boxes)  # few boxes share a cell


def test_a_box_goes_to_its_centre_cell_and_best_anchor():
    anchors = np.array([[0.5, 0.5], [0.5, 1.5]], "float32")  # the box is 0.5 × 1 cells
    y = encode_targets(np.array([[[40., 8., 56., 40.], [-1, -1, -1, -1]]]), np.array([[1, -1]]),
                       anchors, (2, 2), (64, 64)).numpy()
    assert np.argwhere(y[..., 4] == 1).tolist() == [[0, 0, 1, 1]]  # row 0, column 1, anchor 1
    np.testing.assert_allclose(y[0, 0, 1, 1], [0.5, 0.75, 0.0, np.log(1 / 1.5), 1.0, 1.0],
                               atol=1e-6)


def test_the_loss_is_zero_for_the_perfect_output_and_grows_with_each_mistake():
    data = shapes(n=8, image_size=96, kind="detect", classes=CLASSES, seed=4)
    anchors = np.array([[0.5, 0.5], [1.0, 1.0]], "float32")
    y = encode_targets(*padded(data.boxes), anchors, (3, 3), (96, 96))
    perfect = ideal_output(y, 2)
    parts = loss_parts(y, perfect, anchors)
    assert all(float(np.max(parts[p])) < 1e-3 for p in parts)
    responsible = np.asarray(y)[..., 4] == 1
    for channel, part in ((0, "coord"), (2, "coord"), (4, "obj"), (5, "class")):
        wrong = perfect.copy()
        wrong[..., channel][responsible] *= -1 if channel >= 4 else 1
        if channel < 4:
            wrong[..., channel][responsible] += 3.0
        assert float(np.sum(loss_parts(y, wrong, anchors)[part])) > 1.0, part
    wrong = perfect.copy()
    wrong[..., 4][~responsible] = 5.0  # confident boxes where nothing is
    assert float(np.sum(loss_parts(y, wrong, anchors)["noobj"])) > 1.0


def test_tiny_yolo_learns_shapes_through_fit(trained):
    net, hist, (train, test), before = trained
    frame = hist.frame
    assert {"coord_loss", "obj_loss", "noobj_loss", "class_loss", "val_loss"} <= set(frame)
    assert frame["loss"].iloc[-1] < 0.35 * frame["loss"].iloc[0]
    after = {"train": net.evaluate_object_detection(train).map50,
             "test": net.evaluate_object_detection(test).map50}
    assert after["train"] > max(0.15, 5 * before["train"]), (before, after)  # 0.31–0.42 seen
    assert after["test"] > max(0.1, 5 * before["test"]), (before, after)  # 0.27–0.34 seen


def test_predict_boxes_scales_boxes_back_to_the_given_images(trained):
    net, _, (_, test), _ = trained
    images = np.stack([np.asarray(x) for batch, _ in test.to_tf_dataset(batch_size=4).take(1)
                       for x in batch])
    at_size = net.predict_boxes(images, score_threshold=0.1)
    bigger = np.repeat(np.repeat(images, 2, axis=1), 2, axis=2)  # resized back, it is the same
    scaled = net.predict_boxes(bigger, score_threshold=0.1)
    assert sum(len(a["boxes"]) for a in at_size) > 0
    for a, b in zip(at_size, scaled):
        assert set(a) == {"boxes", "labels", "scores"} and a["boxes"].dtype == np.float32
        np.testing.assert_array_equal(a["labels"], b["labels"])
        np.testing.assert_allclose(b["boxes"], 2 * a["boxes"], atol=1e-2)
    assert len(net.predict_boxes(list(images[:2]))) == 2


def test_the_onnx_file_decodes_to_the_boxes_of_predict_boxes(trained, tmp_path):
    import onnxruntime as ort

    net, _, (_, test), _ = trained
    path = tmp_path / "tiny.onnx"
    net.export(path)
    images = np.stack([np.asarray(x) for batch, _ in test.to_tf_dataset(batch_size=8).take(1)
                       for x in batch]).astype("float32")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    raw = session.run(None, {session.get_inputs()[0].name: images})[0]
    assert raw.shape == (8, *net.head.output_shape)
    from_onnx = decode(raw, net.head, score_threshold=0.2)
    from_keras = net.predict_boxes(images, score_threshold=0.2)
    assert sum(len(p["boxes"]) for p in from_keras) > 0
    for a, b in zip(from_onnx, from_keras):
        np.testing.assert_array_equal(a["labels"], b["labels"])
        np.testing.assert_allclose(a["boxes"], b["boxes"], atol=1e-2)
        np.testing.assert_allclose(a["scores"], b["scores"], atol=1e-4)


def test_yolov2_has_the_passthrough_layer_and_a_stable_size():
    net = dn.applications.YoloV2(n_classes=3, input_shape=(128, 128, 3), width=0.25)
    assert net["conv13_leaky"].output_shape == (None, 8, 8, 128)
    assert net["reorg"].output_shape == (None, 4, 4, 64)
    assert net["route"].output_shape == (None, 4, 4, 64 + 256)
    assert ("reorg", "route") in net.edges and ("conv20_leaky", "route") in net.edges
    assert net["output"].output_shape == (None, 4, 4, 5, 8)
    assert net.head.grid == (4, 4) and net.head.input_size == (128, 128)
    assert net.to_keras().count_params() == 3_177_440
    raw = net.to_keras()(np.zeros((1, 128, 128, 3), "float32"))
    assert tuple(raw.shape) == (1, *net.head.output_shape)


def test_the_head_survives_edits_and_refuses_a_network_it_does_not_fit():
    net = dn.applications.TinyYoloV2(n_classes=2, input_shape=(64, 64, 3), width=0.125)
    head = net.head
    net.insert(dn.layers.Dropout(0.1, name="drop"), after="conv8_leaky")
    assert net.head is head and len(net.predict_boxes(np.zeros((1, 64, 64, 3)))) == 1
    net.remove("output")
    with pytest.raises(ShapeError, match="head decodes"):
        net.predict_boxes(np.zeros((1, 64, 64, 3)))
    with pytest.raises(InvalidArgumentError, match="multiples of 32"):
        dn.applications.TinyYoloV2(n_classes=2, input_shape=(100, 100, 3))
    with pytest.raises(InvalidArgumentError, match="detection network"):
        dn.applications.LeNet5(n_classes=2).predict_boxes(np.zeros((1, 32, 32, 1)))
    with pytest.raises(ShapeError, match="96×96"):
        dn.applications.TinyYoloV2(n_classes=2, input_shape=(64, 64, 3), width=0.125).fit(
            shapes(n=4, image_size=96, kind="detect"), epochs=1, live=False)


def test_the_registry_lists_the_detectors():
    catalog = dn.applications.catalog()
    assert catalog["yolov2"].task == catalog["tinyyolov2"].task == "detection"
    assert catalog["tinyyolov2"].function is dn.applications.TinyYoloV2


def test_full_size_networks_have_darknets_parameter_counts():
    assert dn.applications.YoloV2().to_keras().count_params() == 50_676_061  # yolov2-voc.cfg
    assert dn.applications.TinyYoloV2().to_keras().count_params() == 15_867_885  # tiny-voc


def test_a_finer_stride_gives_a_finer_grid_for_both_networks():
    tiny = dn.applications.TinyYoloV2(n_classes=2, input_shape=(96, 96, 3), width=0.125,
                                      stride=16)
    assert tiny["output"].output_shape == (None, 6, 6, 5, 7) and tiny.head.grid == (6, 6)
    assert tiny["pool4"].output_shape[1] == 6 and tiny["pool5"].output_shape[1] == 6
    yolo = dn.applications.YoloV2(n_classes=2, input_shape=(64, 64, 3), width=0.125, stride=8)
    assert yolo["output"].output_shape == (None, 8, 8, 5, 7)
    assert "reorg" not in yolo.layer_names and ("conv21_leaky", "route") in yolo.edges
    raw = yolo.to_keras()(np.zeros((1, 64, 64, 3), "float32"))
    assert tuple(raw.shape) == (1, *yolo.head.output_shape)
    with pytest.raises(InvalidArgumentError, match="stride must be 8, 16 or 32"):
        dn.applications.TinyYoloV2(n_classes=2, input_shape=(64, 64, 3), stride=4)
    with pytest.raises(InvalidArgumentError, match="multiples of 16"):
        dn.applications.TinyYoloV2(n_classes=2, input_shape=(72, 72, 3), stride=16)
