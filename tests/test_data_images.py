"""ImageDataset on real image files written with Pillow into tmp_path."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import dl_notebook as dn
from dl_notebook.data import ImageDataset
from dl_notebook.data._unreadable import UnreadableImageWarning

RGB = (200, 100, 50)
GRAY_OF_RGB = 0.299 * RGB[0] + 0.587 * RGB[1] + 0.114 * RGB[2]


def _solid(mode_maker, size=(7, 6)):
    """A solid-colour image in some Pillow mode (size is width, height)."""
    return mode_maker(Image.new("RGB", size, RGB))


def _write_tree(root, files):
    """files: {"class/name.ext": PIL image | bytes}."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            content.save(path)
    return root


def _png_bytes(img):
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


# Each mode, with the RGB and gray values it must load as.
MODES = {
    "rgb.png": (lambda im: im, RGB, GRAY_OF_RGB),
    "gray.png": (lambda im: im.convert("L"), (round(GRAY_OF_RGB),) * 3, GRAY_OF_RGB),
    "rgba.png": (lambda im: im.convert("RGBA"), RGB, GRAY_OF_RGB),
    "palette.png": (lambda im: im.convert("P", palette=Image.Palette.ADAPTIVE), RGB, GRAY_OF_RGB),
    "sixteen.png": (lambda im: Image.fromarray(np.full((6, 7), 128 * 257, np.uint16)),
                    (128, 128, 128), 128),
    "cmyk.jpg": (lambda im: im.convert("CMYK"), RGB, GRAY_OF_RGB),
}


@pytest.fixture
def mode_tree(tmp_path):
    files = {}
    for name, (make, _, _) in MODES.items():
        files[f"one/{name}"] = _solid(make)
        files[f"two/{name}"] = _solid(make)
    return _write_tree(tmp_path / "modes", files)


def test_sixteen_bit_fixture_really_is_sixteen_bit(mode_tree):
    with Image.open(mode_tree / "one" / "sixteen.png") as img:
        assert img.mode.startswith("I")
    with Image.open(mode_tree / "one" / "cmyk.jpg") as img:
        assert img.mode == "CMYK"
    with Image.open(mode_tree / "one" / "palette.png") as img:
        assert img.mode == "P"


@pytest.mark.parametrize("color_mode,channels", [("rgb", 3), ("grayscale", 1)])
def test_every_mode_loads_to_requested_channels_and_size(mode_tree, color_mode, channels):
    ds = ImageDataset.from_folder(mode_tree, image_size=(5, 4), color_mode=color_mode,
                                  normalize=None, verbose=False)
    assert len(ds) == 2 * len(MODES) and ds.skipped == []
    x, y = ds.to_numpy()
    assert x.shape == (len(ds), 5, 4, channels) and x.dtype == np.float32
    for path, img in zip(ds.paths, x):
        name = path.rsplit("/", 1)[-1]
        _, rgb, gray = MODES[name]
        expected = np.array(rgb if channels == 3 else [gray], np.float32)
        tol = 6 if name.endswith(".jpg") else 1.5
        np.testing.assert_allclose(img.mean(axis=(0, 1)), expected, atol=tol, err_msg=name)


def test_images_keep_their_pixels_at_native_size(tmp_path):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (6, 5, 3), dtype=np.uint8)
    root = tmp_path / "native"
    for cls in ("a", "b"):
        (root / cls).mkdir(parents=True)
        for ext in ("png", "bmp", "tif", "webp"):  # WEBP saved lossless keeps the pixels
            Image.fromarray(pixels).save(root / cls / f"x.{ext}", lossless=True)
    ds = ImageDataset.from_folder(root, normalize=None, verbose=False)
    assert ds.image_size == (6, 5)
    x, _ = ds.to_numpy()
    for img in x:
        np.testing.assert_allclose(img, pixels, atol=0.51)


def test_all_extensions_in_any_case_and_hidden_files_ignored(tmp_path):
    img = Image.new("RGB", (4, 4), RGB)
    names = ["a.jpg", "b.JPEG", "c.png", "d.PNG", "e.bmp", "f.gif", "g.tif", "h.TIFF",
             "i.webp", "j.Jpg"]
    files = {}
    for cls in ("cat", "dog"):
        for name in names:
            files[f"{cls}/{name}"] = img
        files[f"{cls}/.hidden.png"] = img
        files[f"{cls}/.thumbs/x.png"] = img
        files[f"{cls}/notes.txt"] = b"not an image"
    files[".trash/x.png"] = img
    root = _write_tree(tmp_path / "ext", files)
    ds = ImageDataset.from_folder(root, verbose=False)
    assert len(ds) == 2 * len(names)
    assert ds.skipped == []
    assert ds.class_names == ["cat", "dog"]
    assert not any("/." in p for p in ds.paths)
    x, y = ds.to_numpy()
    assert x.shape == (20, 4, 4, 3)
    assert sorted(y.tolist()) == [0] * 10 + [1] * 10


def test_corrupt_files_are_skipped_with_a_reason(tmp_path, capsys):
    good = Image.new("RGB", (8, 8), RGB)
    png = _png_bytes(Image.fromarray(np.random.default_rng(1).integers(
        0, 256, (32, 32, 3), dtype=np.uint8)))
    jpeg = io.BytesIO()
    Image.fromarray(np.random.default_rng(2).integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(
        jpeg, format="JPEG")
    files = {f"{c}/good{i}.png": good for c in ("a", "b") for i in range(3)}
    bad = {"a/zero.png": b"", "a/truncated.png": png[: len(png) // 2],
           "a/truncated.jpg": jpeg.getvalue()[: len(jpeg.getvalue()) // 2],
           "b/text.png": b"this is plain text, not a PNG", "b/huge.png": Image.new("L", (60, 60))}
    files.update(bad)
    root = _write_tree(tmp_path / "bad", files)
    ds = ImageDataset.from_folder(root, image_size=(8, 8), max_pixels=2000)
    out = capsys.readouterr().out.strip()
    assert out == "Loaded 6 images in 2 classes; skipped 5 unreadable files (see .skipped)."
    assert len(ds) == 6
    skipped = {p.rsplit("/", 1)[-1]: reason for p, reason in ds.skipped}
    assert set(skipped) == {"zero.png", "truncated.png", "truncated.jpg", "text.png", "huge.png"}
    assert "empty" in skipped["zero.png"]
    assert "truncated" in skipped["truncated.png"].lower()
    assert "truncated" in skipped["truncated.jpg"].lower()
    assert "not an image" in skipped["text.png"]
    assert "too large" in skipped["huge.png"]
    x, _ = ds.to_numpy()
    assert x.shape == (6, 8, 8, 3)


def test_label_level_and_nested_folders(tmp_path):
    img = Image.new("L", (3, 3))
    files = {f"{cls}/{sub}/{i}.png": img for cls in ("x", "y") for sub in ("s1", "s2")
             for i in range(2)}
    root = _write_tree(tmp_path / "nested", files)
    parent = ImageDataset.from_folder(root, verbose=False)
    assert parent.class_names == ["s1", "s2"]
    grand = ImageDataset.from_folder(root, label_level=-2, verbose=False)
    assert grand.class_names == ["x", "y"]
    assert np.bincount(grand.labels).tolist() == [4, 4]


def _two_class_tree(root, size=(4, 4)):
    img = Image.new("RGB", size, RGB)
    return _write_tree(root, {f"{c}/{i}.png": img for c in ("a", "b") for i in range(3)})


@pytest.mark.parametrize("call,words", [
    (lambda tmp: ImageDataset.from_folder(tmp / "missing"), "does not exist"),
    (lambda tmp: ImageDataset.from_folder(_write_tree(tmp / "e", {"a/x.txt": b"x"})),
     "no images"),
    (lambda tmp: ImageDataset.from_folder(_write_tree(tmp / "o", {"a/x.png": Image.new("L", (2, 2))})),
     "Only one class"),
    (lambda tmp: ImageDataset.from_folder(_write_tree(tmp / "z", {"a/x.png": b"", "b/y.png": b""})),
     "readable image"),
    (lambda tmp: ImageDataset.from_folder(_two_class_tree(tmp / "t"), image_size=(0, 3)),
     "image_size"),
    (lambda tmp: ImageDataset.from_folder(_two_class_tree(tmp / "t"), color_mode="cmyk"),
     "color_mode"),
    (lambda tmp: ImageDataset.from_folder(_two_class_tree(tmp / "t"), normalize="zscore"),
     "normalize"),
    (lambda tmp: ImageDataset.from_folder(_two_class_tree(tmp / "t"), resize="squash"),
     "resize"),
    (lambda tmp: ImageDataset.from_folder(_two_class_tree(tmp / "t"), offsets=[1, 2]),
     "offsets"),
    (lambda tmp: ImageDataset.from_arrays(np.zeros((3, 4, 4)), [0, 1]), "one label per image"),
    (lambda tmp: ImageDataset.from_arrays(np.zeros((2, 4, 4)), [0, 1], offset=3), "Unknown option"),
    (lambda tmp: ImageDataset.from_arrays(np.zeros((3, 4)), [0, 1, 0]), "shape"),
    (lambda tmp: ImageDataset.from_arrays(np.zeros((2, 4, 4)), [0, 5], class_names=["a", "b"]),
     "0..1"),
    (lambda tmp: ImageDataset.from_arrays(np.zeros((2, 4, 4)), ["a", "c"], class_names=["a", "b"]),
     "not in class_names"),
    (lambda tmp: ImageDataset.from_dataframe(pd.DataFrame({"f": []}), "f", "label"), "no column"),
    (lambda tmp: ImageDataset.from_csv(tmp / "nope.csv", "f", "l"), "does not exist"),
    (lambda tmp: ImageDataset.from_arrays(np.zeros((2, 4, 4)), [0, 1]).to_tf_dataset(
        augment={"spin": 0.1}), "Unknown augmentation"),
    (lambda tmp: ImageDataset.from_arrays(np.zeros((2, 4, 4)), [0, 1]).to_tf_dataset(
        augment={"rotation": 3}), "fraction"),
    (lambda tmp: ImageDataset.from_arrays(np.zeros((2, 4, 4)), [0, 1]).to_tf_dataset(
        batch_size=0), "batch_size"),
])
def test_user_mistakes_raise_one_clear_sentence(tmp_path, call, words):
    with pytest.raises(dn.DLError) as info:
        call(tmp_path)
    message = str(info.value)
    assert words in message
    assert message.endswith(".") and message.replace("e.g. ", "").count(". ") == 0, message


def test_differently_sized_images_need_an_image_size(tmp_path):
    root = _write_tree(tmp_path / "sizes", {"a/x.png": Image.new("RGB", (4, 4)),
                                            "b/y.png": Image.new("RGB", (5, 4))})
    with pytest.raises(dn.InvalidArgumentError, match="image_size"):
        ImageDataset.from_folder(root, verbose=False)
    assert ImageDataset.from_folder(root, image_size=3, verbose=False).image_size == (3, 3)


def test_normalisation_values():
    x = np.zeros((2, 2, 2, 1), np.uint8)
    x[0, ..., 0] = [[50, 60], [70, 100]]
    x[1] = 80  # a constant image
    cases = [
        ("minmax", {}, [[0, 51], [102, 255]]),
        ("minmax", {"alpha": -1, "beta": 1}, [[-1, -0.6], [-0.2, 1]]),
        ("unit", {}, [[50 / 255, 60 / 255], [70 / 255, 100 / 255]]),
        (None, {}, [[50, 60], [70, 100]]),
        (None, {"offsets": 50, "scale": 0.5}, [[0, 5], [10, 25]]),
    ]
    for normalize, options, expected in cases:
        ds = ImageDataset.from_arrays(x, [0, 1], normalize=normalize, **options)
        got, _ = ds.to_numpy()
        np.testing.assert_allclose(got[0, ..., 0], expected, atol=1e-4,
                                   err_msg=f"{normalize} {options}")
        assert np.isfinite(got[1]).all()
    minmax, _ = ImageDataset.from_arrays(x, [0, 1]).to_numpy()
    assert (minmax[1] == 0).all()  # a constant image maps to alpha


def test_per_channel_offsets_and_scale():
    x = np.zeros((2, 2, 2, 3), np.uint8) + np.array([10, 20, 30], np.uint8)
    ds = ImageDataset.from_arrays(x, [0, 1], normalize=None, offsets=[10, 20, 30],
                                  scale=[1, 2, 3])
    np.testing.assert_allclose(ds.channel_means(), [0, 0, 0], atol=1e-5)
    ds = ImageDataset.from_arrays(x, [0, 1], normalize=None, offsets=[0, 10, 20],
                                  scale=[1, 2, 3])
    np.testing.assert_allclose(ds.channel_means(), [10, 20, 30], atol=1e-5)


@pytest.mark.parametrize("resize,top_row", [("stretch", 255), ("pad", 0), ("crop", 255)])
def test_resize_modes(tmp_path, resize, top_row):
    wide = Image.new("L", (16, 8), 255)
    root = _write_tree(tmp_path / "r", {"a/x.png": wide, "b/y.png": wide})
    ds = ImageDataset.from_folder(root, image_size=(8, 8), color_mode="grayscale",
                                  normalize=None, resize=resize, verbose=False)
    x, _ = ds.to_numpy()
    assert x.shape == (2, 8, 8, 1)
    assert x[0, 0, :, 0].mean() == pytest.approx(top_row, abs=1)
    assert x[0, 4, :, 0].mean() == pytest.approx(255, abs=1)


def test_from_csv_and_dataframe(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i in range(4):
        Image.new("RGB", (5, 5), (i * 60, 0, 0)).save(folder / f"{i}.jpeg")
    csv = tmp_path / "list.csv"
    csv.write_text("file,label\n" + "".join(f"imgs/{i}.jpeg,{'ab'[i % 2]}\n" for i in range(4)))
    ds = ImageDataset.from_csv(csv, "file", "label", image_size=(3, 3), verbose=False)
    assert len(ds) == 4 and ds.class_names == ["a", "b"]
    assert ds.labels.tolist() == [0, 1, 0, 1]
    df = pd.DataFrame({"path": [str(folder / f"{i}.jpeg") for i in range(4)],
                       "y": [1, 0, 1, 0]})
    ds2 = ImageDataset.from_dataframe(df, "path", "y", verbose=False)
    assert ds2.class_names == ["0", "1"] and ds2.labels.tolist() == [1, 0, 1, 0]
    df.loc[4] = [str(folder / "missing.png"), 1]
    ds3 = ImageDataset.from_dataframe(df, "path", "y", verbose=False)
    assert len(ds3) == 4 and ds3.skipped[0][0].endswith("missing.png")


def test_from_arrays_with_rgba_and_grayscale_conversion():
    x = np.zeros((4, 3, 3, 4), np.uint8)
    x[..., :3] = RGB
    x[..., 3] = 7
    ds = ImageDataset.from_arrays(x, [0, 1, 0, 1])
    assert ds.paths is None and ds.channels == 3
    got, _ = ImageDataset.from_arrays(x, [0, 1, 0, 1], normalize=None).to_numpy()
    np.testing.assert_allclose(got[0, 0, 0], RGB)
    gray, _ = ImageDataset.from_arrays(x, [0, 1, 0, 1], color_mode="grayscale",
                                       normalize=None, image_size=(2, 2)).to_numpy()
    assert gray.shape == (4, 2, 2, 1)
    assert gray[0, 0, 0, 0] == pytest.approx(GRAY_OF_RGB, abs=1)


def _array_dataset(n=30, size=8):
    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8)
    return ImageDataset.from_arrays(x, np.arange(n) % 3, class_names=["a", "b", "c"],
                                    normalize="unit")


def test_to_tf_dataset_batches_shapes_and_dtypes(tmp_path):
    root = _two_class_tree(tmp_path / "t")
    ds = ImageDataset.from_folder(root, image_size=(6, 5), verbose=False)
    batches = list(ds.to_tf_dataset(batch_size=4))
    assert [int(b[0].shape[0]) for b in batches] == [4, 2]
    x, y = batches[0]
    assert tuple(x.shape[1:]) == (6, 5, 3)
    assert x.dtype.name == "float32" and y.dtype.name == "int32"
    assert y.numpy().tolist() == [0, 0, 0, 1]


def test_shuffle_is_deterministic_for_a_seed():
    ds = _array_dataset()

    def order(seed):
        return np.concatenate([x.numpy()[:, 0, 0, 0] for x, _ in
                               ds.to_tf_dataset(batch_size=7, shuffle=True, seed=seed)])

    plain = np.concatenate([x.numpy()[:, 0, 0, 0] for x, _ in ds.to_tf_dataset(batch_size=7)])
    assert np.array_equal(order(5), order(5))
    assert not np.array_equal(order(5), plain)
    assert sorted(order(5).tolist()) == sorted(plain.tolist())


def test_shuffle_keeps_images_with_their_labels():
    x = np.arange(12, dtype=np.uint8).reshape(12, 1, 1, 1) * 20
    ds = ImageDataset.from_arrays(x, np.arange(12) % 4, normalize=None)
    for images, labels in ds.to_tf_dataset(batch_size=5, shuffle=True, seed=2):
        values = np.rint(images.numpy()[:, 0, 0, 0] / 20).astype(int)
        assert (values % 4 == labels.numpy()).all()


@pytest.mark.parametrize("augment", [
    {"flip": "both", "rotation": 0.2, "zoom": 0.2, "crop": 0.2, "brightness": 0.3,
     "contrast": 0.3},
    ["flip", "rotation"],
    {"crop": 0.3},
])
def test_augmentation_changes_images_but_not_shapes(augment):
    ds = _array_dataset()
    plain = np.concatenate([x.numpy() for x, _ in ds.to_tf_dataset(batch_size=10)])
    augmented = [(x.numpy(), y.numpy()) for x, y in
                 ds.to_tf_dataset(batch_size=10, augment=augment, seed=1)]
    images = np.concatenate([x for x, _ in augmented])
    labels = np.concatenate([y for _, y in augmented])
    assert images.shape == plain.shape and images.dtype == np.float32
    assert labels.tolist() == ds.labels.tolist()
    assert not np.allclose(images, plain)
    assert np.isfinite(images).all()


def test_cache_in_memory_and_on_disk_give_the_same_images(tmp_path):
    ds = _array_dataset(n=9)
    plain = np.concatenate([x.numpy() for x, _ in ds.to_tf_dataset(batch_size=4)])
    memory = np.concatenate([x.numpy() for x, _ in ds.to_tf_dataset(batch_size=4, cache=True)])
    path = tmp_path / "cache" / "imgs"
    path.parent.mkdir()
    disk_ds = ds.to_tf_dataset(batch_size=4, cache=str(path))
    for _ in range(2):  # the second pass reads the cache file
        disk = np.concatenate([x.numpy() for x, _ in disk_ds])
        np.testing.assert_allclose(disk, plain)
    np.testing.assert_allclose(memory, plain)
    assert list(path.parent.iterdir())


def test_summaries_thumbnail_show_and_subset(tmp_path):
    files = {f"a/{i}.png": Image.new("RGB", (6 + i, 4), (255, 0, 0)) for i in range(3)}
    files.update({f"b/{i}.png": Image.new("L", (5, 5), 100) for i in range(5)})
    ds = ImageDataset.from_folder(_write_tree(tmp_path / "s", files), image_size=(4, 4),
                                  normalize="unit", verbose=False)
    freq = ds.label_freq()
    assert freq["class"].tolist() == ["a", "b"]
    assert freq["count"].tolist() == [3, 5]
    assert freq["percent"].tolist() == [37.5, 62.5]
    summary = ds.image_summary()
    assert (summary["count"], summary["min_width"], summary["max_width"]) == (8, 5, 8)
    assert (summary["min_height"], summary["max_height"], summary["channels"]) == (4, 5, 3)
    assert (summary["min"], summary["max"]) == (0, 255)
    means = ds.channel_means()
    expected = np.array([3 * 255 + 5 * 100, 5 * 100, 5 * 100]) / 8 / 255
    np.testing.assert_allclose(means, expected, atol=1e-3)
    png = ds.thumbnail(0, size=3)
    with Image.open(io.BytesIO(png)) as thumb:
        assert thumb.format == "PNG" and max(thumb.size) <= 3
    grid = ds.show(n=4, ncol=3, where="b")
    titled = [ax.get_title() for ax in grid.figure_.axes if ax.get_title()]
    assert titled == ["b"] * 4 and len(grid.ax_) == 6
    assert grid._repr_png_().startswith(b"\x89PNG")
    grid = ds.show(where=ds.labels == 0, randomize=True, seed=0)
    assert [ax.get_title() for ax in grid.figure_.axes] == ["a"] * 3
    sub = ds.subset([0, 7])
    assert isinstance(sub, ImageDataset)
    assert sub.labels.tolist() == [0, 1] and sub.paths == [ds.paths[0], ds.paths[7]]
    assert sub.class_names == ds.class_names and sub.image_size == ds.image_size
    assert len(ds.subset(ds.labels == 1)) == 5
    with pytest.raises(dn.InvalidArgumentError, match="Unknown class"):
        ds.show(where="zebra")


def test_import_keeps_heavy_modules_out():
    import subprocess
    import sys

    probe = ("import sys, dl_notebook.data\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('tensorflow', 'keras', 'pandas', 'matplotlib')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_augmentation_differs_between_epochs_and_repeats_for_a_seed():
    ds = _array_dataset(n=8)
    augment = {"rotation": 0.3, "brightness": 0.3}
    pipeline = ds.to_tf_dataset(batch_size=8, augment=augment, seed=4)
    first, second = (next(iter(pipeline))[0].numpy() for _ in range(2))
    again = next(iter(ds.to_tf_dataset(batch_size=8, augment=augment, seed=4)))[0].numpy()
    assert not np.allclose(first, second)
    np.testing.assert_allclose(first, again)


# ----------------------------------------------------------------------------- header check
def _jpeg_bytes(img, **kwargs):
    out = io.BytesIO()
    img.save(out, format="JPEG", **kwargs)
    return out.getvalue()


def _header_cases():
    rng = np.random.default_rng(5)
    noise = Image.fromarray(rng.integers(0, 256, (20, 30, 3), dtype=np.uint8))
    png = _png_bytes(noise)
    jpeg = _jpeg_bytes(noise)
    cases = {
        "rgb.png": png,
        "gray.png": _png_bytes(noise.convert("L")),
        "rgba.png": _png_bytes(noise.convert("RGBA")),
        "la.png": _png_bytes(noise.convert("LA")),
        "palette.png": _png_bytes(noise.convert("P", palette=Image.Palette.ADAPTIVE)),
        "bits.png": _png_bytes(noise.convert("1")),
        "sixteen.png": _png_bytes(Image.fromarray(np.full((6, 7), 40000, np.uint16))),
        "interlaced.png": (lambda b: b.getvalue())(
            (lambda b: (noise.save(b, format="PNG", interlace=1), b)[1])(io.BytesIO())),
        "text_chunk.png": (lambda b: b.getvalue())((lambda b: (noise.save(
            b, format="PNG", pnginfo=_text_info()), b)[1])(io.BytesIO())),
        "truncated_half.png": png[: len(png) // 2],
        "truncated_header.png": png[:20],
        "truncated_end.png": png[:-6],
        "trailing.png": png + b"extra bytes",
        "zero.png": b"",
        "text.png": b"this is plain text, not a PNG",
        "rgb.jpg": jpeg,
        "gray.jpg": _jpeg_bytes(noise.convert("L")),
        "cmyk.jpg": _jpeg_bytes(noise.convert("CMYK")),
        "progressive.jpg": _jpeg_bytes(noise, progressive=True),
        "exif.jpg": _jpeg_bytes(noise, exif=b"Exif\x00\x00" + b"\x00" * 600),
        "truncated.jpg": jpeg[: len(jpeg) // 2],
        "png_named.jpg": png,
    }
    return cases


def _text_info():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("comment", "x" * 2000)
    return info


def test_fast_header_check_agrees_with_pillow(tmp_path):
    from dl_notebook.data import _decode

    for name, data in _header_cases().items():
        path = tmp_path / name
        path.write_bytes(data)
        fast = _decode.check_file(str(path))
        slow = _decode.pil_check_file(str(path))
        assert (fast[0] is None) == (slow[0] is None), (name, fast, slow)
        assert fast[0] == slow[0], (name, fast, slow)
        if fast[0] is None:  # the same kind of reason
            assert fast[1].split(" (")[0] == slow[1].split(" (")[0], (name, fast, slow)
        for max_pixels in (100, 10**6):
            fast = _decode.check_file(str(path), max_pixels)
            slow = _decode.pil_check_file(str(path), max_pixels)
            assert (fast[0] is None) == (slow[0] is None), (name, max_pixels, fast, slow)


def test_fast_header_check_reads_png_and_jpeg_without_pillow(tmp_path, monkeypatch):
    from dl_notebook.data import _decode

    cases = _header_cases()

    def refuse(*args):
        raise AssertionError("Pillow was asked")

    monkeypatch.setattr(_decode, "pil_check_file", refuse)
    for name in ("rgb.png", "gray.png", "palette.png", "sixteen.png", "text_chunk.png",
                 "rgb.jpg", "cmyk.jpg", "progressive.jpg", "exif.jpg", "zero.png",
                 "truncated_half.png", "truncated_end.png"):
        (tmp_path / name).write_bytes(cases[name])
        info, reason = _decode.check_file(str(tmp_path / name))
        assert (info is None) == name.startswith(("zero", "truncated")), (name, info, reason)
    info, _ = _decode.check_file(str(tmp_path / "sixteen.png"))
    assert (info.mode, info.tf_decodable) == ("I;16", False)
    info, _ = _decode.check_file(str(tmp_path / "rgb.jpg"))
    assert info == _decode.FileInfo(30, 20, "RGB", "JPEG") and info.tf_decodable
    assert "truncated" in _decode.check_file(str(tmp_path / "truncated_end.png"))[1]
    assert "too large" in _decode.check_file(str(tmp_path / "rgb.png"), max_pixels=100)[1]


def test_a_png_with_many_chunks_is_checked_to_its_end(tmp_path):
    from dl_notebook.data import _decode

    png = _png_bytes(Image.new("RGB", (4, 4)))
    chunk = b"\x00\x00\x00\x01teXt" + b"a" + b"\x00\x00\x00\x00"  # CRCs are not read
    many = png[:33] + chunk * (2 * _decode._PNG_MAX_WALK) + png[33:]
    path = tmp_path / "many.png"
    path.write_bytes(many)
    assert _decode._fast_check(str(path), 10**6)[0] == _decode.FileInfo(4, 4, "RGB", "PNG")
    path.write_bytes(many[:-12])
    assert _decode._fast_check(str(path), 10**6) is _decode._ASK_PILLOW
    assert _decode.check_file(str(path))[0] is None


def test_walk_images_order_skips_hidden_and_linked_folders(tmp_path):
    import os

    from dl_notebook.data import _decode

    for rel in ("b/2.png", "b/1.PNG", "a/z/3.jpg", "a/0.gif", "top.png", ".h/x.png",
                "a/.y.png", "a/note.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    os.symlink(tmp_path / "b", tmp_path / "c")
    found = [os.path.relpath(p, tmp_path) for p in _decode.walk_images(str(tmp_path))]
    assert found == ["top.png", "a/0.gif", "a/z/3.jpg", "b/1.PNG", "b/2.png"]


def test_a_file_damaged_after_loading_is_dropped_alone(tmp_path):
    rng = np.random.default_rng(7)
    files = {f"{c}/{i}.png": Image.fromarray(rng.integers(0, 256, (6, 6, 3), dtype=np.uint8))
             for c in ("a", "b") for i in range(5)}
    root = _write_tree(tmp_path / "later", files)
    ds = ImageDataset.from_folder(root, normalize=None, verbose=False)
    before, labels = ds.to_numpy()
    data = bytearray((root / "a" / "3.png").read_bytes())
    data[45:60] = b"\x00" * 15  # inside the image data: the structure still looks whole
    (root / "a" / "3.png").write_bytes(bytes(data))
    with pytest.warns(UnreadableImageWarning, match="3.png"):
        sizes = [int(x.shape[0]) for x, _ in ds.to_tf_dataset(batch_size=4)]
    assert sizes == [3, 4, 2]  # only the damaged file's batch (the first) is one short
    after, after_labels = ds.to_numpy()
    keep = [i for i in range(10) if i != 3]
    np.testing.assert_array_equal(after, before[keep])
    assert after_labels.tolist() == labels[keep].tolist() == ds.labels.tolist()
    assert len(ds) == 9 and [p for p, _ in ds.skipped] == [str(root / "a" / "3.png")]

    # A whole batch damaged (a/4 and b/0..b/2 now come second), in shuffled order.
    whole = [root / "a" / "4.png"] + [root / "b" / f"{i}.png" for i in range(3)]
    for path in whole:
        path.write_bytes(bytes(data))
    with pytest.warns(UnreadableImageWarning, match="4 image files"):
        seen = [y for _, y in ds.to_tf_dataset(batch_size=4, shuffle=True, seed=1)]
    assert sum(int(y.shape[0]) for y in seen) == 5
    assert {p for p, _ in ds.skipped} == {str(p) for p in [root / "a" / "3.png", *whole]}
    final, final_labels = ds.to_numpy()
    keep = [0, 1, 2, 8, 9]
    np.testing.assert_array_equal(final, before[keep])
    assert final_labels.tolist() == labels[keep].tolist() == ds.labels.tolist()


@pytest.mark.parametrize("resize", ["stretch", "pad", "crop"])
def test_images_already_at_the_size_are_not_resampled(tmp_path, resize):
    rng = np.random.default_rng(8)
    pixels = rng.integers(0, 256, (2, 6, 5, 3), dtype=np.uint8)
    root = tmp_path / "same"
    for i, cls in enumerate(("a", "b")):
        (root / cls).mkdir(parents=True)
        Image.fromarray(pixels[i]).save(root / cls / "x.png")
        Image.fromarray(pixels[i]).resize((10, 12)).save(root / cls / "y.png")
    ds = ImageDataset.from_folder(root, image_size=(6, 5), normalize=None, resize=resize,
                                  verbose=False)
    x, _ = ds.to_numpy()
    np.testing.assert_array_equal(x[[0, 2]], pixels.astype(np.float32))
    assert x.shape == (4, 6, 5, 3) and np.isfinite(x).all()


def test_a_second_pipeline_of_the_same_kind_reuses_the_traced_decoders(tmp_path):
    from dl_notebook.data import _files

    rng = np.random.default_rng(9)
    root = _write_tree(tmp_path / "kind", {
        f"{c}/{i}.png": Image.fromarray(rng.integers(0, 256, (5, 4, 3), dtype=np.uint8))
        for c in ("a", "b") for i in range(3)})
    first = ImageDataset.from_folder(root, verbose=False)
    second = ImageDataset.from_folder(root, verbose=False)
    decode_one, decode_all, _ = _files._decoders((5, 4), 3, "stretch", "PNG", True, "tf")
    x1 = np.concatenate([x for x, _ in first.to_tf_dataset(batch_size=4)])
    traced = decode_all.experimental_get_tracing_count()
    x2 = np.concatenate([x for x, _ in second.to_tf_dataset(batch_size=2, shuffle=True,
                                                              seed=0)])
    assert traced == decode_all.experimental_get_tracing_count() == 1
    assert decode_one.experimental_get_tracing_count() <= 1  # only a failed batch needs it
    assert x1.shape == x2.shape == (6, 5, 4, 3)
    np.testing.assert_array_equal(np.sort(x1.ravel()), np.sort(x2.ravel()))


def test_pipelines_run_without_the_tf_data_autotuner(tmp_path):
    x = np.zeros((4, 5, 5, 3), np.uint8)
    datasets = [ImageDataset.from_arrays(x, [0, 1, 0, 1]),
                dn.TabularDataset.from_dataframe(pd.DataFrame({"a": [1., 2.], "y": [0, 1]}),
                                                 target="y")]
    for ds in datasets:
        assert ds.to_tf_dataset(batch_size=2).options().autotune.enabled is False
