"""%dl detect: boxes of a detection network on a dataset, their mAP, the bound boxes and the
detection browser; %dl model --from tinyyolov2; refusals with a caret."""

from __future__ import annotations

import numpy as np
import pytest

import dl_notebook as dn
from dl_notebook.magics.commands import run_line
from dl_notebook.magics.grammar import DLSyntaxError
from dl_notebook.widgets.detection_browser import DetectionBrowser


@pytest.fixture(scope="module")
def notebook():
    """A namespace with a small Tiny YOLOv2 and shapes detection data split in two."""
    data = dn.datasets.shapes(n=12, image_size=64, kind="detect", seed=3).to_dataset()
    train, test = dn.two_way_split(data, test_rate=50, seed=0)
    net = dn.applications.TinyYoloV2(class_names=data.class_names, input_shape=(64, 64, 3),
                                     width=0.125)
    return {"tiny": net, "shapes": data, "shapes_train": train, "shapes_test": test}


def test_detect_prints_the_map_binds_the_boxes_and_shows_the_browser(notebook, capsys):
    ns = dict(notebook)
    browser = run_line(ns, "detect tiny shapes --score 0.2 --iou 0.4")
    line = capsys.readouterr().out
    test = ns["shapes_test"]
    ranked = ns["tiny"].predict_boxes(test, score_threshold=0.01, iou_threshold=0.4)
    expected = dn.evaluate_detections(test.ground_truth(), ranked, test.class_names)
    assert line.startswith(f"tiny: mAP@0.5 {expected.map50:.4f}, mAP {expected.map:.4f} on "
                           f"{len(test)} images of shapes_test;")
    found = ns["tiny_detections"]
    assert len(found) == len(test)
    for got, all_boxes in zip(found, ranked):
        keep = all_boxes["scores"] >= 0.2
        np.testing.assert_allclose(got["boxes"], all_boxes["boxes"][keep])
        assert got["labels"].tolist() == all_boxes["labels"][keep].tolist()
    n_boxes = sum(len(entry["labels"]) for entry in found)
    assert f"{n_boxes} boxes scored ≥ 0.2 in tiny_detections" in line
    assert isinstance(browser, DetectionBrowser)
    assert browser.counts["all"]["boxes"] == test.n_boxes + n_boxes
    assert browser.class_names == list(test.class_names)


def test_detect_refuses_what_is_not_detection(notebook):
    ns = dict(notebook, digits=(np.zeros((2, 8, 8, 1)), np.zeros(2)))
    ns["mlp"] = dn.Sequential(layers=[dn.layers.InputLayer(shape=(4,)), dn.layers.OutputLayer(2)])
    with pytest.raises(DLSyntaxError, match="not a detection network"):
        run_line(ns, "detect mlp shapes")
    with pytest.raises(DLSyntaxError, match="not a detection dataset"):
        run_line(ns, "detect tiny digits")
    with pytest.raises(DLSyntaxError, match="--score must be from 0 to 1"):
        run_line(ns, "detect tiny shapes --score 3")
    with pytest.raises(DLSyntaxError, match="no network named `tyny`"):
        run_line(ns, "detect tyny shapes")


def test_the_zoo_line_builds_tiny_yolo_with_its_head():
    ns = {}
    run_line(ns, "model tiny --from tinyyolov2 --input 64x64x3 --classes 3")
    net = ns["tiny"]
    assert net.head.n_classes == 3 and net.head.grid == (2, 2)
    assert net["output"].output_shape == (None, 2, 2, 5, 8)


def _data_takes_detect():
    from dl_notebook.magics.commands import COMMANDS

    return COMMANDS["data"].spec.option("detect") is not None


@pytest.mark.skipif(not _data_takes_detect(), reason="%dl data has no --detect option yet")
def test_data_detect_loads_a_folder_splits_it_and_detect_scores_it(notebook, tmp_path, capsys):
    shapes = dn.datasets.shapes(tmp_path / "boxes", n=8, image_size=64, kind="detect", seed=5)
    ns = {"tiny": notebook["tiny"]}
    run_line(ns, f"data shp --detect {tmp_path / 'boxes'} --size 64 --split 50/50 --seed 0")
    data = ns["shp"]
    assert isinstance(data, dn.DetectionDataset) and len(data) == 8
    assert len(ns["shp_train"]) + len(ns["shp_test"]) == 8
    for truth, boxes in zip(data.ground_truth(), shapes.boxes):
        assert truth["labels"].tolist() == [c for c, *_ in boxes]
    run_line(ns, "detect tiny shp")
    assert "images of shp_test" in capsys.readouterr().out
    with pytest.raises(DLSyntaxError, match="--detect already says where"):
        run_line(ns, f"data shp --detect {tmp_path} --folder {tmp_path}")
