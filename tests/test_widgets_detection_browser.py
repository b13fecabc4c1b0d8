"""The detection browser: filters and their counts, class filter, pages, the boxes of a page
with their status, messages from the page, a dataset's images, and a network's boxes."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

import dl_notebook as dn
from dl_notebook.errors import InvalidArgumentError
from dl_notebook.widgets.detection_browser import DetectionBrowser

NAMES = ["circle", "square"]


def case():
    """Six 32x32 images: found, missed, false, badly placed, wrong class and empty."""
    images = np.zeros((6, 32, 32, 3), np.uint8)
    images[:, 4:14, 4:14] = 200
    box = [4, 4, 14, 14]
    truth = [{"boxes": [box], "labels": [0]} for _ in range(5)] + \
        [{"boxes": np.zeros((0, 4)), "labels": []}]
    found = [
        {"boxes": [box], "labels": [0], "scores": [0.9]},                    # found
        {"boxes": np.zeros((0, 4)), "labels": [], "scores": []},             # missed
        {"boxes": [box, [20, 20, 30, 30]], "labels": [0, 1],                 # one false
         "scores": [0.9, 0.8]},
        {"boxes": [[8, 8, 18, 18]], "labels": [0], "scores": [0.7]},         # badly placed
        {"boxes": [box], "labels": [1], "scores": [0.6]},                    # wrong class
        {"boxes": [[0, 0, 8, 8]], "labels": [1], "scores": [0.2]},           # false, low score
    ]
    return images, truth, found


def test_filters_select_the_images_with_each_kind_of_box():
    browser = DetectionBrowser(*case(), NAMES, page_size=4)
    assert browser.counts == {"all": {"boxes": 11, "images": 6},
                              "missed": {"boxes": 3, "images": 3},
                              "false": {"boxes": 3, "images": 3},
                              "poor": {"boxes": 1, "images": 1}}
    assert browser.indices.tolist() == [0, 1, 2, 3, 4, 5] and browser.n_pages == 2
    assert browser.summary == "All images · 6 images · page 1/2"
    for show, expected in (("missed", [1, 3, 4]), ("false", [2, 4, 5]), ("poor", [3])):
        browser.set_filter(show=show)
        assert browser.indices.tolist() == expected, show
        assert browser.page == 0 and [item["index"] for item in browser.items] == expected
    assert browser.summary == "Badly placed boxes · 1 box in 1 image · page 1/1"


def test_class_filter_and_score_threshold():
    browser = DetectionBrowser(*case(), NAMES, score_threshold=0.5)
    assert browser.counts["false"] == {"boxes": 2, "images": 2}  # image 5's box is under 0.5
    browser.set_filter(show="false", class_id="square")
    assert browser.class_id == 1 and browser.indices.tolist() == [2, 4]
    assert browser.summary == "False boxes · square · 2 boxes in 2 images · page 1/1"
    browser.set_filter(show="missed")  # the class stays
    assert browser.indices.tolist() == [] and browser.items == []
    browser.set_filter(show="all", class_id=None)
    assert browser.n_images == 6
    browser.set_filter(class_id=1)  # all images with a square, true or predicted
    assert browser.indices.tolist() == [2, 4]


def test_a_page_holds_its_boxes_with_their_status_and_an_image():
    browser = DetectionBrowser(*case(), NAMES, show="false", thumb_size=64)
    item = browser.items[0]
    assert item["index"] == 2 and (item["height"], item["width"]) == (32, 32)
    assert item["truth"] == [{"box": [4.0, 4.0, 14.0, 14.0], "label": 0, "status": "found"}]
    assert [(p["label"], p["status"], p["score"]) for p in item["pred"]] == \
        [(0, "matched", 0.9), (1, "false", 0.8)]
    assert item["counts"] == {"missed": 0, "false": 1, "poor": 0}
    png = base64.b64decode(browser.thumbnails[0].split(",", 1)[1])
    thumb = np.asarray(Image.open(io.BytesIO(png)))
    assert thumb.shape == (64, 64, 3) and thumb[8:28, 8:28].min() == 200 and thumb[40:].max() == 0
    browser.set_filter(show="all")
    statuses = {item["index"]: ([t["status"] for t in item["truth"]],
                                [p["status"] for p in item["pred"]]) for item in browser.items}
    assert statuses[3] == (["missed"], ["poor"])
    assert statuses[4] == (["missed"], ["false"])


def test_paging_and_messages_from_the_page():
    browser = DetectionBrowser(*case(), NAMES, page_size=2)
    sent = []
    browser.send = sent.append
    browser.next_page()
    assert browser.page == 1 and [i["index"] for i in browser.items] == [2, 3]
    browser.go(99)
    assert browser.page == 2 and browser.summary.endswith("page 3/3")
    browser._on_message(browser, {"type": "filter", "show": "missed"}, [])
    assert browser.show == "missed" and browser.page == 0 and sent[-1] == {"type": "ready"}
    browser._on_message(browser, {"type": "go", "page": 1}, [])
    assert [i["index"] for i in browser.items] == [4]
    browser._on_message(browser, {"type": "filter", "show": "everything"}, [])
    assert "show must be one of" in browser.error and browser.show == "missed"
    browser._on_message(browser, {"type": "filter", "class_id": 0}, [])
    assert browser.error == "" and browser.class_id == 0


def test_refusals():
    images, truth, found = case()
    with pytest.raises(InvalidArgumentError, match="page_size"):
        DetectionBrowser(images, truth, found, page_size=0)
    with pytest.raises(InvalidArgumentError, match="one per image"):
        DetectionBrowser(images[:2], truth, found)
    with pytest.raises(InvalidArgumentError, match="class_id must be a class name"):
        DetectionBrowser(images, truth, found, NAMES, class_id="triangle")


def test_a_dataset_gives_images_and_class_names():
    shapes = dn.datasets.shapes(n=6, image_size=32, kind="detect", seed=1)
    data = shapes.to_dataset()
    truth = data.ground_truth()
    found = [{**t, "scores": np.ones(len(t["labels"]))} for t in truth]
    found[0] = {"boxes": np.zeros((0, 4)), "labels": [], "scores": []}
    browser = dn.browse_detections(data, truth, found, page_size=3)
    assert browser.class_names == list(data.class_names)
    assert browser.counts["missed"]["images"] == 1 and browser.counts["false"]["boxes"] == 0
    png = base64.b64decode(browser.thumbnails[0].split(",", 1)[1])
    thumb = np.asarray(Image.open(io.BytesIO(png)).resize((32, 32), Image.NEAREST))
    assert np.abs(thumb.astype(int) - shapes.images[0].astype(int)).mean() < 2


def test_from_network_compares_its_boxes_with_the_dataset():
    data = dn.datasets.shapes(n=4, image_size=64, kind="detect", seed=2).to_dataset()
    net = dn.applications.TinyYoloV2(class_names=data.class_names, input_shape=(64, 64, 3),
                                     width=0.125)
    browser = DetectionBrowser.from_network(net, data, score_threshold=0.0, page_size=4)
    predictions = net.predict_boxes(data, score_threshold=0.0)
    n_found = sum(len(p["labels"]) for p in predictions)
    assert browser.counts["all"]["boxes"] == data.n_boxes + n_found
    errors = dn.detection_errors(data.ground_truth(), predictions)
    assert browser.counts["missed"]["boxes"] == sum(len(e["missed"]) for e in errors)
