"""DetectionDataset: VOC, YOLO, box tables and arrays read to the same boxes; malformed
annotations and damaged images left out and named; resizing, flips and padding."""

from __future__ import annotations

import os
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import dl_notebook as dn
from dl_notebook.data import DetectionDataset
from dl_notebook.data._unreadable import UnreadableImageWarning
from dl_notebook.errors import InvalidArgumentError

CLASSES = ["circle", "square", "triangle"]


def _voc_xml(filename, size, objects):
    """A VOC annotation; *objects* are (name, x_min, y_min, x_max, y_max[, difficult]) 0-based."""
    parts = [f"<annotation><filename>{filename}</filename><size><width>{size[1]}</width>"
             f"<height>{size[0]}</height><depth>3</depth></size>"]
    for name, x0, y0, x1, y1, *difficult in objects:
        parts.append(f"<object><name>{name}</name><difficult>{int(bool(difficult and difficult[0]))}"
                     f"</difficult><bndbox><xmin>{x0 + 1}</xmin><ymin>{y0 + 1}</ymin>"
                     f"<xmax>{x1}</xmax><ymax>{y1}</ymax></bndbox></object>")
    return "".join(parts) + "</annotation>"


@pytest.fixture(scope="module")
def shapes_folders(tmp_path_factory):
    """The same 12 shapes images as boxes.csv, as a VOC folder and as a YOLO folder."""
    root = tmp_path_factory.mktemp("det")
    data = dn.datasets.shapes(root / "csv", n=12, image_size=32, kind="detect", seed=3)
    voc, yolo = root / "voc", root / "yolo"
    for sub in (voc / "Annotations", voc / "JPEGImages", yolo / "images", yolo / "labels"):
        sub.mkdir(parents=True)
    (yolo / "classes.txt").write_text("\n".join(CLASSES) + "\n")
    for index, boxes in enumerate(data.boxes):
        name = f"{index:05d}"
        image = root / "csv" / "images" / f"{name}.png"
        shutil.copy(image, voc / "JPEGImages" / f"{name}.png")
        shutil.copy(image, yolo / "images" / f"{name}.png")
        objects = [(CLASSES[c], x0, y0, x1, y1) for c, x0, y0, x1, y1 in boxes]
        (voc / "Annotations" / f"{name}.xml").write_text(
            _voc_xml(f"{name}.png", (32, 32), objects))
        (yolo / "labels" / f"{name}.txt").write_text("".join(
            f"{c} {(x0 + x1) / 64} {(y0 + y1) / 64} {(x1 - x0) / 32} {(y1 - y0) / 32}\n"
            for c, x0, y0, x1, y1 in boxes))
    return data, root


def test_every_reader_gives_the_boxes_shapes_drew(shapes_folders):
    data, root = shapes_folders
    expected = [np.array([b[1:] for b in boxes], np.float32) for boxes in data.boxes]
    expected_labels = [[b[0] for b in boxes] for boxes in data.boxes]
    table = pd.read_csv(root / "csv" / "boxes.csv")
    readers = {
        "table": DetectionDataset.from_dataframe(table, root / "csv", class_names=CLASSES,
                                                 verbose=False),
        "voc": DetectionDataset.from_voc(root / "voc", verbose=False),
        "yolo": DetectionDataset.from_yolo(root / "yolo", verbose=False),
        "arrays": data.to_dataset(),
        **{f"folder {k}": DetectionDataset.from_folder(root / k, class_names=CLASSES,
                                                       verbose=False)
           for k in ("csv", "voc", "yolo")},
    }
    for name, ds in readers.items():
        assert ds.class_names == CLASSES, name
        assert len(ds) == 12 and ds.image_size == (32, 32) and ds.skipped == [], name
        for truth, boxes, labels in zip(ds.ground_truth(), expected, expected_labels):
            np.testing.assert_allclose(truth["boxes"], boxes, atol=1e-4, err_msg=name)
            assert truth["labels"].tolist() == labels, name
    # the pixels come through the pipeline unchanged: files and arrays give the same batch
    from_files = next(iter(readers["voc"].to_tf_dataset(batch_size=12)))[0].numpy()
    np.testing.assert_array_equal(from_files, data.images.astype(np.float32))


def test_voc_corners_are_one_based_inclusive_and_difficult_is_kept(tmp_path):
    Image.new("RGB", (20, 10)).save(tmp_path / "a.jpg")
    (tmp_path / "a.xml").write_text(_voc_xml("a.jpg", (10, 20), [
        ("dog", 0, 0, 20, 10, True), ("cat", 4, 2, 9, 7)]))
    ds = DetectionDataset.from_voc(tmp_path)
    assert ds.class_names == ["cat", "dog"]
    truth = ds.ground_truth()[0]
    assert truth["boxes"].tolist() == [[0, 0, 20, 10], [4, 2, 9, 7]]  # the whole image first
    assert truth["labels"].tolist() == [1, 0]
    assert ds.difficult[0].tolist() == [True, False]
    assert ds.class_counts == {"cat": 1, "dog": 1}
    item = ds[0]
    assert item["image"].shape == (10, 20, 3) and item["image"].dtype == np.float32


def test_malformed_annotations_and_damaged_images_are_left_out_and_named(tmp_path):
    for stem in ("good", "unparsable", "outside", "inverted", "unknown", "corrupt"):
        Image.new("RGB", (16, 16), "white").save(tmp_path / f"{stem}.png")
    (tmp_path / "corrupt.png").write_bytes(b"not an image at all")
    notes = {"good": [("cat", 1, 1, 8, 8)], "outside": [("cat", 4, 4, 30, 8)],
             "inverted": [("cat", 8, 1, 4, 8)], "unknown": [("zebra", 1, 1, 8, 8)],
             "corrupt": [("cat", 1, 1, 8, 8)]}
    for stem, objects in notes.items():
        (tmp_path / f"{stem}.xml").write_text(_voc_xml(f"{stem}.png", (16, 16), objects))
    (tmp_path / "unparsable.xml").write_text("<annotation><object><name>cat</name>")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = DetectionDataset.from_voc(tmp_path, class_names=["cat"], verbose=False)
    assert len(ds) == 1 and ds.paths == [str(tmp_path / "good.png")]
    reasons = {os.path.basename(p): r for p, r in ds.skipped}
    assert set(reasons) == {"unparsable.xml", "outside.xml", "inverted.xml", "unknown.xml",
                            "corrupt.png"}
    assert "unparsable XML" in reasons["unparsable.xml"]
    assert "outside the 16x16 image" in reasons["outside.xml"]
    assert "x_max <= x_min" in reasons["inverted.xml"]
    assert "unknown class 'zebra'" in reasons["unknown.xml"]
    assert "image" in reasons["corrupt.png"]
    mine = [w for w in caught if issubclass(w.category, UnreadableImageWarning)]
    assert len(mine) == 1 and str(mine[0].message).startswith("5 images left out")


def test_yolo_line_with_wrong_fields_and_data_yaml_names(tmp_path):
    for stem in ("a", "b", "c"):
        Image.new("RGB", (20, 10)).save(tmp_path / f"{stem}.png")
    (tmp_path / "a.txt").write_text("1 0.5 0.5 0.5 0.4\n")
    (tmp_path / "b.txt").write_text("0 0.5 0.5 0.5\n")  # four fields
    (tmp_path / "data.yaml").write_text("nc: 2\nnames: ['ball', 'cup']\n")
    with pytest.warns(UnreadableImageWarning, match="1 image left out"):
        ds = DetectionDataset.from_yolo(tmp_path, verbose=False)
    assert ds.class_names == ["ball", "cup"] and len(ds) == 2  # c has no label file: no boxes
    assert ds.skipped == [(str(tmp_path / "b.txt"), "line 1 has 4 fields, not 5 (class cx cy w h)")]
    truth = ds.ground_truth()
    assert truth[0]["boxes"].tolist() == [[5, 3, 15, 7]] and truth[0]["labels"].tolist() == [1]
    assert truth[1]["boxes"].shape == (0, 4) and ds.labels.tolist() == [1, -1]


def test_image_damaged_past_its_header_is_dropped_with_its_boxes(tmp_path):
    images = np.random.default_rng(0).integers(0, 255, (3, 24, 24, 3), dtype=np.uint8)
    rows = []
    for i, image in enumerate(images):
        Image.fromarray(image).save(tmp_path / f"{i}.png")
        rows.append({"file": f"{i}.png", "class": "x", "x_min": i, "y_min": 0, "x_max": 10 + i,
                     "y_max": 10})
    raw = bytearray((tmp_path / "1.png").read_bytes())
    start = raw.index(b"IDAT") + 8
    raw[start:start + 200] = bytes(200)  # the header stays whole; the pixel data does not
    (tmp_path / "1.png").write_bytes(bytes(raw))
    ds = DetectionDataset.from_dataframe(pd.DataFrame(rows), tmp_path, verbose=False)
    assert len(ds) == 3 and ds.skipped == []
    with pytest.warns(UnreadableImageWarning, match="1.png"):
        batches = list(ds.to_tf_dataset(batch_size=2))
    got_images = np.concatenate([x.numpy() for x, _ in batches])
    got_boxes = np.concatenate([y["boxes"].numpy() for _, y in batches])
    np.testing.assert_array_equal(got_images, images[[0, 2]].astype(np.float32))
    assert got_boxes[:, 0].tolist() == [[0, 0, 10, 10], [2, 0, 12, 10]]
    assert len(ds) == 2 and [os.path.basename(p) for p, _ in ds.skipped] == ["1.png"]
    assert [t["boxes"][0, 0] for t in ds.ground_truth()] == [0, 2]


def test_resize_scales_the_boxes_and_the_batches_agree(shapes_folders):
    data, root = shapes_folders
    ds = DetectionDataset.from_voc(root / "voc", image_size=(64, 48), verbose=False)
    x, y = next(iter(ds.to_tf_dataset(batch_size=4)))
    assert x.shape == (4, 64, 48, 3) and x.dtype == "float32"
    for k, truth in enumerate(ds.ground_truth()[:4]):
        original = np.array([b[1:] for b in data.boxes[k]], np.float32)
        np.testing.assert_allclose(truth["boxes"], original * [1.5, 2, 1.5, 2])
        n = len(truth["labels"])
        np.testing.assert_allclose(y["boxes"][k, :n], truth["boxes"])
    # the object's pixels, resized, fill its scaled box
    image = np.zeros((10, 20), np.uint8)
    image[2:6, 4:8] = 255
    small = DetectionDataset.from_arrays(image[None], [[[4, 2, 8, 6]]], [[0]],
                                         image_size=(20, 60))
    x, y = next(iter(small.to_tf_dataset(batch_size=1)))
    assert y["boxes"].numpy().tolist() == [[[12, 4, 24, 12]]]
    rows, cols = np.nonzero(x.numpy()[0, ..., 0] > 127)
    assert (cols.min(), rows.min(), cols.max() + 1, rows.max() + 1) == (12, 4, 24, 12)


@pytest.mark.parametrize("flip", ["horizontal", "vertical"])
def test_flips_move_the_boxes_with_the_images(flip):
    image = np.zeros((12, 20), np.uint8)
    image[2:5, 3:9] = 255  # the object: x 3..9, y 2..5
    ds = DetectionDataset.from_arrays(np.repeat(image[None], 16, axis=0),
                                      [[[3, 2, 9, 5]]] * 16, [[0]] * 16)
    x, y = next(iter(ds.to_tf_dataset(batch_size=16, augment={"flip": flip}, seed=4,
                                      max_boxes=2)))
    mirrored = [11, 2, 17, 5] if flip == "horizontal" else [3, 7, 9, 10]
    flipped = 0
    for img, boxes, labels in zip(x.numpy()[..., 0], y["boxes"].numpy(), y["labels"].numpy()):
        assert boxes[1].tolist() == [-1] * 4 and labels.tolist() == [0, -1]
        box = np.round(boxes[0], 3).tolist()  # Keras flips through relative coordinates
        assert box in ([3, 2, 9, 5], mirrored)
        flipped += box == mirrored
        x0, y0, x1, y1 = np.round(box).astype(int)
        assert img[y0:y1, x0:x1].min() == 255 and img.sum() == 255 * 18  # the box holds it
    assert 0 < flipped < 16


def test_padding_with_minus_one_and_max_boxes():
    boxes = [[], [[0, 0, 4, 4]], [[0, 0, 2, 2], [2, 2, 4, 4], [1, 1, 3, 3]]]
    ds = DetectionDataset.from_arrays(np.zeros((3, 8, 8, 3)), boxes, [[], [1], [0, 1, 0]],
                                      class_names=["a", "b"])
    x, y = next(iter(ds.to_tf_dataset(batch_size=3)))
    assert y["boxes"].shape == (3, 3, 4) and y["boxes"].dtype == "float32"
    assert y["labels"].dtype == "int32"
    assert y["labels"].numpy().tolist() == [[-1, -1, -1], [1, -1, -1], [0, 1, 0]]
    assert (y["boxes"].numpy()[0] == -1).all() and y["boxes"].numpy()[1, 0].tolist() == [0, 0, 4, 4]
    _, y = next(iter(ds.to_tf_dataset(batch_size=3, max_boxes=2)))
    assert y["labels"].numpy().tolist() == [[-1, -1], [1, -1], [0, 1]]
    assert ds.labels.tolist() == [-1, 1, 0] and ds.class_counts == {"a": 2, "b": 2}
    with pytest.raises(InvalidArgumentError, match="augment"):
        ds.to_tf_dataset(augment={"flip": "sideways"})
    with pytest.raises(InvalidArgumentError, match="Image 0"):
        DetectionDataset.from_arrays(np.zeros((1, 8, 8)), [[[4, 0, 2, 2]]], [[0]])


def test_two_way_split_keeps_boxes_with_their_images():
    data = dn.datasets.shapes(n=40, image_size=32, kind="detect", seed=1)
    ds = data.to_dataset()
    train, test = dn.two_way_split(ds, test_rate=25, seed=0)
    assert isinstance(train, DetectionDataset) and (len(train), len(test)) == (30, 10)
    index = {data.images[i].tobytes(): i for i in range(40)}
    for part in (train, test):
        for k in range(len(part)):
            item = part[k]
            i = index[item["image"].astype(np.uint8).tobytes()]
            assert item["boxes"].tolist() == [list(b[1:]) for b in data.boxes[i]]
    shown = train.show(n=4)
    assert len(shown.figure_.axes) == 4 and len(shown.ax_[0, 0].patches) >= 1


def test_from_folder_refuses_an_unknown_layout(tmp_path):
    Image.new("RGB", (8, 8)).save(tmp_path / "a.png")
    with pytest.raises(InvalidArgumentError, match="boxes.csv, VOC"):
        DetectionDataset.from_folder(tmp_path)
    with pytest.raises(InvalidArgumentError, match="does not exist"):
        DetectionDataset.from_voc(tmp_path / "missing")


def test_table_with_class_ids_and_an_image_without_boxes(tmp_path):
    for name in ("a.png", "b.png"):
        Image.new("RGB", (10, 10)).save(tmp_path / name)
    table = pd.DataFrame({"file": ["a.png", "a.png", "b.png"], "class": [2, 0, 0],
                          "x_min": [0, 5, None], "y_min": [0, 5, None],
                          "x_max": [5, 10, None], "y_max": [5, 10, None]})
    ds = DetectionDataset.from_dataframe(table, tmp_path, verbose=False)
    assert ds.class_names == ["0", "1", "2"] and ds.labels.tolist() == [2, -1]
    assert ds.ground_truth()[1]["boxes"].shape == (0, 4)
