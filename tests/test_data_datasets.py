"""Bundled datasets: sklearn's digits as a PNG tree, synthetic shapes with exact ground truth."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _nets import assert_one_sentence
from PIL import Image

from dl_notebook.data.datasets import SHAPE_CLASSES, ShapesData, digits, shapes
from dl_notebook.errors import InvalidArgumentError, MissingDependencyError

REPO_ROOT = Path(__file__).resolve().parents[1]
ALL = SHAPE_CLASSES


def test_import_loads_no_heavy_library():
    code = (
        "import sys, dl_notebook.data.datasets\n"
        "heavy = [m for m in ('tensorflow', 'keras', 'sklearn', 'pandas', 'matplotlib')"
        " if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT)


# -- digits -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def digits_tree(tmp_path_factory):
    return digits(tmp_path_factory.mktemp("d") / "digits")


def test_digits_tree_matches_sklearn(digits_tree):
    from sklearn.datasets import load_digits

    data = load_digits()
    files = sorted(digits_tree.glob("*/*.png"))
    assert len(files) == 1797
    assert sorted(p.name for p in digits_tree.iterdir()) == [str(d) for d in range(10)]
    for index in (0, 5, 1000, 1796):
        path = digits_tree / str(data.target[index]) / f"{index:04d}.png"
        with Image.open(path) as img:
            assert img.mode == "L" and img.size == (8, 8)
            pixels = np.asarray(img)
        assert np.array_equal(pixels, np.rint(data.images[index] * 255 / 16).astype(np.uint8))
    counts = [len(list((digits_tree / str(d)).glob("*.png"))) for d in range(10)]
    assert counts == np.bincount(data.target).tolist()
    values = np.stack([np.asarray(Image.open(p)) for p in files[:50]])
    assert values.min() == 0 and values.max() == 255


def test_digits_upscales_and_keeps_the_digit(tmp_path):
    root = digits(tmp_path / "d", size=(32, 24))
    with Image.open(root / "0" / "0000.png") as img:
        assert img.size == (24, 32) and img.mode == "L"
        big = np.asarray(img, dtype=float)
    with Image.open(root / "0" / "0000.png") as img:
        small = np.asarray(img.resize((8, 8), Image.Resampling.BILINEAR), dtype=float)
    from sklearn.datasets import load_digits

    original = load_digits().images[0] * 255 / 16
    assert np.corrcoef(small.ravel(), original.ravel())[0, 1] > 0.9
    assert big.max() > 200


def test_digits_is_idempotent_and_overwrite_rewrites(tmp_path):
    root = digits(tmp_path / "d", size=16)
    probe = sorted((root / "3").glob("*.png"))[-1]
    good = probe.read_bytes()
    probe.write_bytes(b"not a png")  # a complete tree is not checked file by file
    marker = root / "3" / "extra.txt"
    marker.write_text("kept")
    assert digits(root, size=16) == root
    assert probe.read_bytes() == b"not a png"  # nothing rewritten

    digits(root, size=16, overwrite=True)
    assert probe.read_bytes() == good
    assert marker.read_text() == "kept"  # only the digit images are replaced

    digits(root, size=20)  # another size is not "complete": rewritten at 20x20
    with Image.open(probe) as img:
        assert img.size == (20, 20)
    assert len(list(root.glob("*/*.png"))) == 1797


def test_digits_repairs_an_incomplete_tree(tmp_path):
    root = digits(tmp_path / "d")
    (root / "7" / "0007.png").unlink()
    digits(root)
    assert (root / "7" / "0007.png").exists()
    assert len(list(root.glob("*/*.png"))) == 1797


def test_digits_without_scikit_learn(tmp_path, monkeypatch):
    root = digits(tmp_path / "d")
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    assert digits(root) == root  # a complete tree needs no scikit-learn
    with pytest.raises(MissingDependencyError) as info:
        digits(tmp_path / "other")
    assert_one_sentence(info.value, "pip install scikit-learn")


@pytest.mark.parametrize("kwargs, words", [
    ({"size": 0}, ["size", "(height, width)"]),
    ({"size": (8, 8, 1)}, ["size"]),
    ({"size": "big"}, ["size"]),
    ({"overwrite": "yes"}, ["overwrite", "True or False"]),
])
def test_digits_bad_arguments(tmp_path, kwargs, words):
    with pytest.raises(InvalidArgumentError) as info:
        digits(tmp_path / "d", **kwargs)
    assert_one_sentence(info.value, "digits", *words)


def test_digits_folder_that_is_a_file(tmp_path):
    target = tmp_path / "f"
    target.write_text("x")
    with pytest.raises(InvalidArgumentError) as info:
        digits(target)
    assert_one_sentence(info.value, "is a file")
    with pytest.raises(InvalidArgumentError) as info:
        digits(3)
    assert_one_sentence(info.value, "folder")


# -- shapes: ground truth -----------------------------------------------------------------

def _bbox(region):
    rows, cols = np.nonzero(region)
    return cols.min(), rows.min(), cols.max() + 1, rows.max() + 1


def check_ground_truth(data):
    """Boxes, masks and pixels agree for every image of *data*."""
    n, h, w, _ = data.images.shape
    assert data.masks.shape == (n, h, w) and data.masks.dtype == np.uint8
    assert len(data.boxes) == n
    for image, mask, boxes in zip(data.images.astype(float), data.masks, data.boxes):
        assert boxes
        covered = np.zeros_like(mask, dtype=bool)
        for class_id, x0, y0, x1, y1 in boxes:
            assert 0 <= class_id < len(data.class_names)
            assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
            inside = mask[y0:y1, x0:x1]
            assert set(np.unique(inside)) <= {0, class_id + 1}
            # Tight: the object's pixels reach every side of its box.
            assert _bbox(inside) == (0, 0, x1 - x0, y1 - y0)
            covered[y0:y1, x0:x1] |= inside > 0
            # The shape's colour differs visibly from the background around it.
            shape_colour = image[y0:y1, x0:x1][inside > 0].mean(axis=0)
            background = image[mask == 0].mean(axis=0)
            assert np.linalg.norm(shape_colour - background) > 60
        # No mask pixel lies outside the boxes.
        assert np.array_equal(covered, mask > 0)
        # Boxes do not overlap.
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2], (a, b)


@pytest.mark.parametrize("kind", ["classify", "localize", "detect", "segment"])
def test_shapes_ground_truth_matches_pixels(kind):
    data = shapes(n=60, image_size=(48, 64), kind=kind, classes=ALL, seed=3)
    assert isinstance(data, ShapesData) and data.kind == kind and data.folder is None
    assert data.images.shape == (60, 48, 64, 3) and data.images.dtype == np.uint8
    assert data.class_names == ALL
    check_ground_truth(data)
    if kind in ("classify", "localize"):
        assert all(len(b) == 1 for b in data.boxes)
        assert data.labels.tolist() == [b[0][0] for b in data.boxes]
    else:
        assert data.labels is None
        counts = [len(b) for b in data.boxes]
        assert min(counts) >= 1 and max(counts) <= 3 and len(set(counts)) > 1


def test_shapes_detect_many_objects_never_overlap():
    data = shapes(n=40, image_size=32, kind="detect", classes=ALL, max_objects=8, seed=1)
    check_ground_truth(data)
    assert max(len(b) for b in data.boxes) > 3


def test_shapes_every_class_is_drawn_and_differs():
    data = shapes(n=70, image_size=32, classes=ALL, noise=0.0, seed=5)
    check_ground_truth(data)
    areas = {}
    for label, mask in zip(data.labels, data.masks):
        x0, y0, x1, y1 = _bbox(mask)
        areas.setdefault(int(label), []).append((mask > 0).sum() / ((x1 - x0) * (y1 - y0)))
    fill = {ALL[k]: np.mean(v) for k, v in areas.items()}
    assert set(fill) == set(ALL)
    assert fill["square"] > 0.95  # a square fills its box
    assert 0.7 < fill["circle"] < 0.85  # pi/4 of it
    assert fill["triangle"] < 0.65 and fill["star"] < 0.6 and fill["plus"] < 0.7


def test_shapes_without_noise_are_flat_colours():
    data = shapes(n=5, noise=0, seed=2)
    for image, mask in zip(data.images, data.masks):
        assert len(np.unique(image[mask == 0], axis=0)) == 1
        assert len(np.unique(image[mask > 0], axis=0)) == 1


def test_shapes_classify_classes_balanced():
    for n in (30, 31, 100):
        data = shapes(n=n, image_size=16, classes=("circle", "square", "triangle", "star"))
        counts = np.bincount(data.labels, minlength=4)
        assert counts.max() - counts.min() <= 1 and counts.sum() == n
    assert len(set(shapes(n=30, image_size=16).labels[:10].tolist())) > 1  # shuffled


def test_shapes_segment_class_ids():
    data = shapes(n=30, kind="segment", classes=("star", "ellipse"), seed=4)
    assert set(np.unique(data.masks)) == {0, 1, 2}
    for mask, boxes in zip(data.masks, data.boxes):
        for class_id, x0, y0, x1, y1 in boxes:
            assert mask[y0:y1, x0:x1].max() == class_id + 1


def test_shapes_deterministic_for_a_seed():
    a = shapes(n=20, kind="detect", seed=7)
    b = shapes(n=20, kind="detect", seed=7)
    c = shapes(n=20, kind="detect", seed=8)
    assert np.array_equal(a.images, b.images) and np.array_equal(a.masks, b.masks)
    assert a.boxes == b.boxes
    assert not np.array_equal(a.images, c.images) and a.boxes != c.boxes


# -- shapes: files ------------------------------------------------------------------------

def test_shapes_classify_writes_class_folders(tmp_path):
    data = shapes(tmp_path / "s", n=12, image_size=24, classes=("plus", "cross"), seed=1)
    assert data.folder == tmp_path / "s"
    assert sorted(p.name for p in data.folder.iterdir()) == ["cross", "plus"]
    for index, (image, label) in enumerate(zip(data.images, data.labels)):
        path = data.folder / data.class_names[label] / f"{index:05d}.png"
        with Image.open(path) as img:
            assert img.mode == "RGB"
            assert np.array_equal(np.asarray(img), image)
    assert "folder=" in repr(data)


@pytest.mark.parametrize("kind", ["localize", "detect", "segment"])
def test_shapes_writes_images_boxes_and_masks(tmp_path, kind):
    data = shapes(tmp_path / "s", n=8, image_size=32, kind=kind, seed=2)
    root = data.folder
    expected = {"boxes.csv", "images"} | ({"masks"} if kind == "segment" else set())
    assert {p.name for p in root.iterdir()} == expected
    assert len(list((root / "images").glob("*.png"))) == 8
    with open(root / "boxes.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["file", "class", "x_min", "y_min", "x_max", "y_max"]
    expected_rows = [
        (f"images/{i:05d}.png", data.class_names[c], x0, y0, x1, y1)
        for i, boxes in enumerate(data.boxes) for c, x0, y0, x1, y1 in boxes
    ]
    got = [(r["file"], r["class"], *(int(r[k]) for k in ("x_min", "y_min", "x_max", "y_max")))
           for r in rows]
    assert got == expected_rows
    with Image.open(root / "images" / "00003.png") as img:
        assert np.array_equal(np.asarray(img), data.images[3])
    if kind == "segment":
        with Image.open(root / "masks" / "00003.png") as img:
            assert np.array_equal(np.asarray(img), data.masks[3])


def test_shapes_rewrite_leaves_no_stale_files(tmp_path):
    shapes(tmp_path, n=10, kind="detect", image_size=16)
    shapes(tmp_path, n=4, kind="detect", image_size=16)
    assert len(list((tmp_path / "images").glob("*.png"))) == 4
    shapes(tmp_path / "c", n=9, image_size=16)
    shapes(tmp_path / "c", n=3, image_size=16)
    assert len(list((tmp_path / "c").glob("*/*.png"))) == 3


# -- shapes: bad arguments ----------------------------------------------------------------

@pytest.mark.parametrize("kwargs, words", [
    ({"classes": ("circle", "hexagon")}, ["'hexagon'", "circle", "star", "ellipse"]),
    ({"classes": ()}, ["classes"]),
    ({"classes": ("circle", "circle")}, ["repeat"]),
    ({"kind": "track"}, ["kind", "'detect'"]),
    ({"n": 0}, ["n must be a positive integer"]),
    ({"image_size": 8}, ["image_size", "16"]),
    ({"noise": 2}, ["noise"]),
    ({"seed": -1}, ["seed"]),
    ({"max_objects": 0}, ["max_objects"]),
])
def test_shapes_bad_arguments(kwargs, words):
    with pytest.raises(InvalidArgumentError) as info:
        shapes(**kwargs)
    assert_one_sentence(info.value, "shapes", *words)


def test_prepare_demo_script_writes_digits_once():
    script = (REPO_ROOT / "scripts" / "prepare-demo.sh").read_text()
    assert "digits('data/digits', size=32)" in script
