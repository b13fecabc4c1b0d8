"""SegmentationDataset: masks read from files or arrays, resized and flipped with their images."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import dl_notebook as dn
from dl_notebook.data._unreadable import UnreadableImageWarning

NAMES = ("background", "circle", "square", "triangle")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """12 shapes with masks, written as images/NNNNN.png and masks/NNNNN.png."""
    return dn.datasets.shapes(tmp_path_factory.mktemp("seg"), n=12, image_size=32,
                              kind="segment", seed=3)


def _copy(written, tmp_path):
    """A copy of the written folders that a test may damage."""
    for sub in ("images", "masks"):
        (tmp_path / sub).mkdir()
        for path in (written.folder / sub).iterdir():
            (tmp_path / sub / path.name).write_bytes(path.read_bytes())
    return tmp_path / "images", tmp_path / "masks"


def test_folders_give_the_written_images_and_masks(written, capsys):
    ds = dn.SegmentationDataset.from_folders(written.folder / "images", written.folder / "masks",
                                             class_names=NAMES)
    assert "Loaded 12 images with masks of 4 classes." in capsys.readouterr().out
    assert len(ds) == 12 and ds.class_names == list(NAMES) and ds.input_shape == (32, 32, 3)
    assert ds.skipped == [] and ds.task == "segmentation"
    x, masks = ds.to_numpy()
    np.testing.assert_array_equal(x, written.images.astype(np.float32))
    np.testing.assert_array_equal(masks, written.masks)
    # labels: each image's most frequent shape class (mask ids 1..3)
    for label, mask in zip(ds.labels, written.masks):
        counts = np.bincount(mask.ravel(), minlength=4)[1:]
        assert label == 1 + counts.argmax()


def test_batches_are_float_images_and_int_masks(written):
    ds = dn.SegmentationDataset.from_arrays(written.images, written.masks, class_names=NAMES)
    x, m = next(iter(ds.to_tf_dataset(batch_size=5)))
    assert (x.shape, x.dtype.name, m.shape, m.dtype.name) == ((5, 32, 32, 3), "float32",
                                                              (5, 32, 32), "int32")
    assert float(x.numpy().max()) > 1  # pixel values 0..255, not scaled


@pytest.mark.parametrize("size", [(20, 20), (48, 40)])
def test_resize_keeps_mask_values_in_the_class_set(written, size):
    ds = dn.SegmentationDataset.from_folders(written.folder / "images", written.folder / "masks",
                                             image_size=size, class_names=NAMES, verbose=False)
    x, masks = ds.to_numpy()
    assert x.shape == (12, *size, 3) and masks.shape == (12, *size)
    for mask, source in zip(masks, written.masks):
        assert set(np.unique(mask)) <= set(np.unique(source))  # nearest: no new values
        # nearest keeps the share of each class close to the source's
        share = np.bincount(mask.ravel(), minlength=4) / mask.size
        assert np.abs(share - np.bincount(source.ravel(), minlength=4) / source.size).max() < 0.06
    # images are smoothed bilinearly: shrinking gives values between the neighbours' values
    assert len(np.unique(x)) > len(np.unique(written.images))


def test_flips_move_the_masks_with_the_images(written):
    ds = dn.SegmentationDataset.from_arrays(written.images, written.masks, class_names=NAMES)
    x, m = next(iter(ds.to_tf_dataset(batch_size=12, seed=1, augment={"flip": "horizontal"})))
    x, m = x.numpy(), m.numpy()
    flipped = []
    for i in range(12):
        same = np.array_equal(x[i], written.images[i]) and np.array_equal(m[i], written.masks[i])
        mirrored = (np.array_equal(x[i], written.images[i][:, ::-1])
                    and np.array_equal(m[i], written.masks[i][:, ::-1]))
        assert same or mirrored, i
        flipped.append(mirrored)
    assert 0 < sum(flipped) < 12
    # the flip is drawn anew each epoch
    pipeline = ds.to_tf_dataset(batch_size=12, seed=1, augment={"flip": "vertical"})
    epochs = [next(iter(pipeline))[1].numpy() for _ in range(2)]
    assert not np.array_equal(*epochs)
    with pytest.raises(dn.InvalidArgumentError, match="Unknown augmentation 'rotation'"):
        ds.to_tf_dataset(augment={"rotation": 0.1})


def test_unpaired_unreadable_and_mismatched_files_are_skipped(written, tmp_path):
    images, masks = _copy(written, tmp_path)
    (masks / "00000.png").unlink()  # an image without a mask
    (images / "00001.png").unlink()  # a mask without an image
    (images / "00002.png").write_bytes(b"not an image")
    Image.new("L", (8, 8)).save(masks / "00003.png")  # wrong size
    (masks / "00004.png").write_bytes(b"\x89PNG broken")
    mask = written.masks[5].copy()
    mask[0, 0] = 9
    Image.fromarray(mask).save(masks / "00005.png")  # id past the class names
    ds = dn.SegmentationDataset.from_folders(images, masks, class_names=NAMES, verbose=False)
    assert len(ds) == 6
    reasons = {path.rsplit("/", 2)[-2] + "/" + path.rsplit("/", 1)[-1]: why
               for path, why in ds.skipped}
    assert reasons["images/00000.png"] == "no mask with the same name"
    assert reasons["masks/00001.png"] == "no image with the same name"
    assert "images/00002.png" in reasons
    assert reasons["masks/00003.png"] == "mask is 8x8 but its image is 32x32"
    assert "unreadable mask" in reasons["masks/00004.png"]
    assert "class id 9" in reasons["masks/00005.png"]
    x, m = ds.to_numpy()
    np.testing.assert_array_equal(m, written.masks[6:])


def test_damaged_image_data_is_left_out_when_decoded(written, tmp_path):
    images, masks = _copy(written, tmp_path)
    data = bytearray((images / "00007.png").read_bytes())
    start = data.index(b"IDAT") + 8
    data[start:start + 40] = bytes(40)  # the header stays whole, the pixels do not
    (images / "00007.png").write_bytes(bytes(data))
    ds = dn.SegmentationDataset.from_folders(images, masks, class_names=NAMES, verbose=False)
    assert len(ds) == 12
    with pytest.warns(UnreadableImageWarning, match="00007.png"):
        x, m = ds.to_numpy()
    assert len(x) == len(m) == 11 == len(ds)
    np.testing.assert_array_equal(m, np.delete(written.masks, 7, axis=0))
    assert [p.rsplit("/", 1)[-1] for p, _ in ds.skipped] == ["00007.png"]


def test_colour_masks_read_through_a_palette(written, tmp_path):
    images, masks = _copy(written, tmp_path)
    colours = [(0, 0, 0), (255, 0, 0), (0, 255, 0), "#0000ff"]
    rgb = np.array([(0, 0, 0), (255, 0, 0), (0, 255, 0), (0, 0, 255)], np.uint8)
    for i, mask in enumerate(written.masks):
        Image.fromarray(rgb[mask]).save(masks / f"{i:05d}.png")
    ds = dn.SegmentationDataset.from_folders(images, masks, palette=colours, verbose=False)
    np.testing.assert_array_equal(ds.to_numpy()[1], written.masks)
    assert ds.class_names == ["background", "class1", "class2", "class3"]
    with pytest.raises(dn.InvalidArgumentError, match="no image .* has a readable mask"):
        dn.SegmentationDataset.from_folders(images, masks, verbose=False)  # colours, no palette
    bad = {(0, 0, 0): 0, (255, 0, 0): 1, (0, 255, 0): 2}
    ds = dn.SegmentationDataset.from_folders(images, masks, palette=bad, verbose=False)
    assert len(ds) + len(ds.skipped) == 12 and len(ds.skipped) > 0
    assert all("(0, 0, 255) is not in the palette" in why for _, why in ds.skipped)


def test_split_subset_and_show(written):
    ds = dn.SegmentationDataset.from_arrays(written.images, written.masks, class_names=NAMES)
    train, test = dn.two_way_split(ds, test_rate=25, seed=0)
    assert isinstance(train, dn.SegmentationDataset) and len(train) + len(test) == 12
    _, masks = test.to_numpy()
    assert any(np.array_equal(masks[0], m) for m in written.masks)
    shown = ds.show(n=6, ncol=3)
    assert len(shown.ax_) == 6 and shown._repr_png_()[:4] == b"\x89PNG"
    assert shown.ax_[0].get_title() in {", ".join(NAMES[c] for c in np.unique(written.masks[0])
                                                  if c)}


def test_bad_arrays_are_refused():
    x = np.zeros((2, 8, 8, 3))
    with pytest.raises(dn.InvalidArgumentError, match=r"masks must have shape \(N, H, W\)"):
        dn.SegmentationDataset.from_arrays(x, np.zeros((2, 8, 7), int))
    with pytest.raises(dn.InvalidArgumentError, match="class id 3 but class_names has 2"):
        dn.SegmentationDataset.from_arrays(x, np.full((2, 8, 8), 3), class_names=("bg", "a"))
    with pytest.raises(dn.InvalidArgumentError, match="integers"):
        dn.SegmentationDataset.from_arrays(x, np.full((2, 8, 8), 0.5))
