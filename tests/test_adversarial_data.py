"""The image data pipeline under attack: links out of the data root, images damaged past
their header, sizes past the pixel budget, and paths that are not paths."""

from __future__ import annotations

import io
import os
import time
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image

import dl_notebook as dn
from dl_notebook.data import ImageDataset, _decode
from dl_notebook.data._unreadable import UnreadableImageWarning
from dl_notebook.data.datasets import digits
from dl_notebook.widgets._data_root import class_folders, resolve_inside

RNG = np.random.default_rng(12)


def _png(pixels) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def _jpeg(pixels) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=90)
    return out.getvalue()


def _damaged_png(pixels) -> bytes:
    """A PNG whose IDAT data is overwritten in the middle (the chunk's CRC no longer fits)."""
    data = bytearray(_png(pixels))
    start = data.index(b"IDAT") + 4
    length = int.from_bytes(data[start - 8:start - 4], "big")
    data[start + length // 3:start + length // 3 + 20] = b"\x00" * 20
    return bytes(data)


def _damaged_jpeg(pixels) -> bytes:
    """A JPEG with garbage (a marker with a bogus length) a third into its scan."""
    data = bytearray(_jpeg(pixels))
    scan = data.index(b"\xff\xda")
    start = scan + 2 + int.from_bytes(data[scan + 2:scan + 4], "big")
    middle = start + (len(data) - 2 - start) // 3
    data[middle:middle + 5] = b"\xff\xc4\x00\x03\x00"
    return bytes(data)


def _pixels(n=1, size=8):
    return RNG.integers(0, 256, (n, size, size, 3), dtype=np.uint8)


@pytest.fixture(params=["png", "jpeg"])
def damaged(request, tmp_path):
    """``(root, bad_path, good)``: two classes of 8x8 PNGs and one file damaged past its header."""
    root = tmp_path / "damaged"
    good = {}
    for cls in ("a", "b"):
        (root / cls).mkdir(parents=True)
        for i, img in enumerate(_pixels(4)):
            (root / cls / f"{i}.png").write_bytes(_png(img))
            good[str(root / cls / f"{i}.png")] = img
    maker, name = (_damaged_png, "a/2x.png") if request.param == "png" else (_damaged_jpeg,
                                                                              "a/2x.jpg")
    bad = root / name
    bad.write_bytes(maker(_pixels()[0]))
    with Image.open(bad) as img:  # the header reads whole: the damage shows only when decoded
        assert img.size == (8, 8)
    assert _decode.check_file(str(bad))[0] is not None
    with pytest.raises(OSError):
        with Image.open(bad) as img:
            img.load()
    return root, str(bad), good


def _load(root):
    return ImageDataset.from_folder(root, normalize=None, verbose=False)


def _no_warning(action):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = action()
    assert not [w for w in caught if issubclass(w.category, UnreadableImageWarning)]
    return result


# ----------------------------------------------------------------------------- decode-time damage
def test_to_numpy_keeps_rows_with_their_labels_and_names_the_damaged_file(damaged):
    root, bad, good = damaged
    ds = _load(root)
    assert len(ds) == 9 and bad in ds.paths  # the header check let it through
    with pytest.warns(UnreadableImageWarning, match=os.path.basename(bad)):
        x, y = ds.to_numpy()
    assert len(x) == len(y) == len(ds) == 8 and bad not in ds.paths
    assert y.tolist() == ds.labels.tolist()
    for row, path in zip(x, ds.paths):  # each row is the image of its own file
        np.testing.assert_array_equal(row, good[path].astype(np.float32))
    assert "corrupt image data" in dict(ds.skipped)[bad]
    x2, _ = _no_warning(ds.to_numpy)  # reported once
    np.testing.assert_array_equal(x2, x)


def test_a_thumbnail_of_a_damaged_file_is_a_placeholder(damaged):
    root, bad, _ = damaged
    ds = _load(root)
    i = ds.paths.index(bad)
    with pytest.warns(UnreadableImageWarning, match=os.path.basename(bad)):
        png = ds.thumbnail(i, size=16)
    with Image.open(io.BytesIO(png)) as thumb:
        assert thumb.size == (8, 8)  # the dataset's image size (thumbnails only shrink)
        assert len(set(np.asarray(thumb).reshape(-1).tolist())) == 2  # grey with a cross
    assert "corrupt image data" in dict(ds.skipped)[bad]
    assert ds.show(n=9).figure_ is not None  # the grid draws the placeholder too


def test_training_and_evaluating_report_the_damaged_file_and_stay_aligned(damaged):
    root, bad, _ = damaged
    ds = _load(root)
    train, test = ds.subset(range(9)), ds.subset(range(9))
    net = dn.Sequential(name="tiny", layers=[
        dn.layers.InputLayer(shape=(8, 8, 3)), dn.layers.Flatten(),
        dn.layers.OutputLayer(2, act="softmax")])
    with pytest.warns(UnreadableImageWarning, match=os.path.basename(bad)):
        net.fit(train, epochs=1, batch_size=3, live=False, background=False, seed=0)
    assert bad in dict(train.skipped) and bad in dict(ds.skipped)  # one record, shared
    res = _no_warning(lambda: net.evaluate(test))  # known already: left out, not refused
    assert len(test) == 8 and bad not in test.paths
    assert res.y_true.tolist() == test.labels.tolist()


# ----------------------------------------------------------------------------- pixel budget
def test_a_huge_image_size_is_refused_before_anything_is_allocated(tmp_path):
    root = tmp_path / "small"
    for cls in ("a", "b"):
        (root / cls).mkdir(parents=True)
        (root / cls / "0.png").write_bytes(_png(_pixels()[0]))
    start = time.perf_counter()
    with pytest.raises(dn.InvalidArgumentError, match="max_pixels") as err:
        ImageDataset.from_folder(root, image_size=(100_000, 100_000), verbose=False)
    assert "\n" not in str(err.value)
    with pytest.raises(dn.InvalidArgumentError, match="max_pixels"):
        ImageDataset.from_arrays(np.zeros((2, 4, 4)), [0, 1], image_size=(100_000, 100_000))
    assert time.perf_counter() - start < 5


def _huge_png(width, height) -> bytes:
    """A small PNG file whose header claims *width* x *height* pixels."""
    data = bytearray(_png(np.zeros((1, 1), np.uint8)))
    data[16:24] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    return bytes(data)


def test_a_9000_square_png_is_refused_from_its_header(tmp_path):
    root = tmp_path / "huge"
    for cls in ("a", "b"):
        (root / cls).mkdir(parents=True)
        (root / cls / "0.png").write_bytes(_png(_pixels()[0]))
    (root / "a" / "huge.png").write_bytes(_huge_png(9000, 9000))
    ds = ImageDataset.from_folder(root, verbose=False)
    reason = dict(ds.skipped)[str(root / "a" / "huge.png")]
    assert "too large" in reason and "9000x9000" in reason
    with pytest.raises(ValueError, match="too large"):  # the one-file decoder checks first too
        _decode.pil_decode(str(root / "a" / "huge.png"), 3)


# ----------------------------------------------------------------------------- paths
def test_from_folder_none_is_one_sentence():
    with pytest.raises(dn.InvalidArgumentError) as err:
        ImageDataset.from_folder(None)
    message = str(err.value)
    assert "None" in message and "\n" not in message and message.endswith(".")


def test_a_nul_in_a_path_is_refused_in_one_sentence(tmp_path):
    (tmp_path / "pets").mkdir()
    with pytest.raises(dn.InvalidArgumentError, match="NUL"):
        resolve_inside("pets\x00/../..", tmp_path)
    with pytest.raises(dn.InvalidArgumentError, match="NUL"):
        ImageDataset.from_folder(str(tmp_path / "pets") + "\x00")


# ----------------------------------------------------------------------------- symbolic links
@pytest.fixture
def linked(tmp_path):
    """A data root with ``pets/{cat,dog}`` and an ``outside`` folder of other images."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    for cls in ("cat", "dog"):
        (root / "pets" / cls).mkdir(parents=True)
        (outside / cls).mkdir(parents=True)
        for i, img in enumerate(_pixels(2)):
            (root / "pets" / cls / f"{i}.png").write_bytes(_png(img))
            (outside / cls / f"secret{i}.png").write_bytes(_png(img))
    return root, outside


def test_a_linked_file_outside_the_root_is_left_out_and_named(linked):
    root, outside = linked
    escape = root / "pets" / "cat" / "escape.png"
    os.symlink(outside / "cat" / "secret0.png", escape)
    alias = root / "pets" / "dog" / "alias.png"
    os.symlink(root / "pets" / "cat" / "0.png", alias)  # stays inside: kept
    with pytest.warns(UserWarning, match="escape.png"):
        ds = ImageDataset.from_folder(root / "pets", data_root=root, verbose=False)
    assert str(escape) not in ds.paths and str(alias) in ds.paths and len(ds) == 5
    assert "outside the data root" in dict(ds.skipped)[str(escape)]
    mine = ImageDataset.from_folder(root / "pets", verbose=False)  # no root: a user's own links
    assert str(escape) in mine.paths and len(mine) == 6
    with pytest.raises(dn.InvalidArgumentError, match="outside the data root"):
        ImageDataset.from_folder(outside, data_root=root, verbose=False)


def test_a_linked_folder_outside_the_root_is_not_offered_nor_read(linked):
    root, outside = linked
    (root / "stolen").mkdir()
    for cls in ("cat", "dog"):
        os.symlink(outside / cls, root / "stolen" / cls)
    (root / "mixed" / "bird").mkdir(parents=True)
    (root / "mixed" / "bird" / "0.png").write_bytes(_png(_pixels()[0]))
    os.symlink(outside / "cat", root / "mixed" / "cat")  # one class from outside only
    os.symlink(root / "pets" / "dog", root / "mixed" / "dog")  # a link that stays inside
    (root / "leaky" / "cat").mkdir(parents=True)
    (root / "leaky" / "dog").mkdir(parents=True)
    for cls in ("cat", "dog"):  # folders of nothing but links to outside images
        os.symlink(outside / cls / "secret0.png", root / "leaky" / cls / "0.png")
    assert [p.name for p in class_folders(root)] == ["mixed", "pets"]
    with pytest.warns(UserWarning, match="cat"):
        ds = ImageDataset.from_folder(root / "mixed", data_root=root, verbose=False)
    assert ds.class_names == ["bird", "dog"] and len(ds) == 3  # the inside link is followed
    assert "outside the data root" in dict(ds.skipped)[str(root / "mixed" / "cat")]
    assert not any("secret" in p for p in ds.paths)


def test_the_digits_writer_refuses_a_link_out_of_the_root(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    os.symlink(outside, root / "digits")
    with pytest.raises(dn.InvalidArgumentError, match="outside the data root"):
        digits(root / "digits", size=8, data_root=root)
    assert list(outside.iterdir()) == []
    inside = root / "real"
    inside.mkdir()
    os.symlink(inside, root / "linked")  # a link that stays inside: written through
    assert digits(root / "linked", data_root=root) == root / "linked"
    assert len(list(inside.glob("*/*.png"))) == 1797


def test_the_dashboard_reads_a_chosen_folder_only_inside_its_root(linked):
    from dl_notebook.widgets._training_run import load_splits

    root, outside = linked
    escape = root / "pets" / "cat" / "escape.png"
    os.symlink(outside / "cat" / "secret0.png", escape)
    settings = dict(folder=str(root / "pets"), size=8, color="rgb", valid=0, test=50, seed=0)
    cache = {}
    with pytest.warns(UserWarning, match="escape.png"):
        train, _, test = load_splits(settings, root, cache)
    data = next(iter(cache.values()))
    assert str(escape) not in data.paths and len(train) + len(test) == 4
    assert str(escape) in dict(data.skipped)
