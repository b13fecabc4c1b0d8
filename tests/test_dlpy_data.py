"""dl_notebook.dlpy's data side: ImageTable, splitting and TimeseriesTable against numpy and pandas."""

import os

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from dl_notebook.dlpy.images import ImageTable
from dl_notebook.dlpy.splitting import three_way_split, two_way_split
from dl_notebook.dlpy.timeseries import TimeseriesTable
from dl_notebook.errors import InvalidArgumentError

WIDTH, HEIGHT, PER_CLASS = 12, 10, 6


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Two classes of small RGB PNGs: 'dark' images below 128, 'light' ones above."""
    root = tmp_path_factory.mktemp("two_classes")
    rng = np.random.default_rng(0)
    for name, low in (("dark", 0), ("light", 128)):
        os.makedirs(root / name)
        for i in range(PER_CLASS):
            pixels = rng.integers(low, low + 128, size=(HEIGHT, WIDTH, 3), dtype=np.uint8)
            pixels[..., 2] //= 2  # a blue channel unlike the others
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


def _decoded(folder):
    return np.stack([np.asarray(Image.open(folder / cls / f"{i}.png"), dtype=np.float64)
                     for cls in ("dark", "light") for i in range(PER_CLASS)])


def test_load_files_labels_and_frequencies(folder):
    tbl = ImageTable.load_files(None, path=str(folder), casout={"name": "imgs"})
    assert (len(tbl), tbl.name, tbl.image_size) == (2 * PER_CLASS, "imgs", (HEIGHT, WIDTH))
    freq = tbl.label_freq
    assert freq.index.tolist() == ["dark", "light"]
    assert freq["Level"].tolist() == [1, 2] and freq["Frequency"].tolist() == [6, 6]
    assert tbl.head(3)["_label_"].tolist() == ["dark"] * 3


def test_channel_means_are_bgr_means_of_the_pixels(folder):
    tbl = ImageTable.load_files(None, path=folder)
    rgb = _decoded(folder).mean(axis=(0, 1, 2))
    np.testing.assert_allclose(tbl.channel_means, rgb[::-1], rtol=1e-5)
    summary = tbl.image_summary
    assert summary["mean1stChannel"] == pytest.approx(rgb[2], rel=1e-5)  # blue first
    assert (summary["minWidth"], summary["maxHeight"]) == (WIDTH, HEIGHT)
    assert summary["max3rdChannel"] <= 255 and summary["min1stChannel"] >= 0


def test_ignored_cas_options_are_named_once(folder):
    with pytest.warns(UserWarning, match="caslib, recurse have no effect"):
        ImageTable.load_files(None, folder, caslib="CASUSER", recurse=True)


def test_two_way_split_sizes_stratification_and_seed(folder):
    tbl = ImageTable.load_files(None, path=folder)
    train, test = two_way_split(tbl, test_rate=50, seed=123, test_name="t")
    assert isinstance(test, ImageTable) and test.name == "t"
    assert (len(train), len(test)) == (6, 6)
    assert test.label_freq["Frequency"].tolist() == [3, 3]
    again = two_way_split(tbl, test_rate=50, seed=123)[1]
    assert again.dataset.paths == test.dataset.paths
    assert set(train.dataset.paths).isdisjoint(test.dataset.paths)
    parts = three_way_split(tbl, valid_rate=25, test_rate=25, seed=0)
    assert [len(p) for p in parts] == [6, 3, 3]


def test_split_of_a_dataframe_by_column():
    df = pd.DataFrame({"x": range(40), "y": ["a"] * 30 + ["b"] * 10})
    train, test = two_way_split(df, test_rate=20, stratify_by="y", seed=1)
    assert (len(train), len(test)) == (32, 8)
    assert test["y"].value_counts().to_dict() == {"a": 6, "b": 2}


def test_resize_crop_and_patches(folder):
    tbl = ImageTable.load_files(None, path=folder)
    pixels = _decoded(folder)
    resized = tbl.resize(width=8, height=6, inplace=False)
    assert resized.to_numpy()[0].shape == (12, 6, 8, 3) and tbl.image_size == (HEIGHT, WIDTH)
    cropped = tbl.crop(x=2, y=1, width=5, height=4, inplace=False)
    np.testing.assert_array_equal(cropped.to_numpy()[0], pixels[:, 1:5, 2:7])
    patches = tbl.as_patches(width=4, height=5, step_size=4, inplace=False)
    # windows at x = 0, 4, 8 and y = 0, 5: six per image, in image order
    assert len(patches) == 6 * 12 and patches.patch_level == 1
    x, y = patches.to_numpy()
    np.testing.assert_array_equal(x[7], pixels[1, 0:5, 4:8])
    assert y.tolist() == np.repeat(tbl.labels, 6).tolist()
    some = tbl.as_random_patches(random_ratio=0.5, width=4, height=5, step_size=4,
                                 inplace=False, seed=3)
    again = tbl.as_random_patches(random_ratio=0.5, width=4, height=5, step_size=4,
                                  inplace=False, seed=3)
    assert 0 < len(some) < 72 and np.array_equal(some.to_numpy()[0], again.to_numpy()[0])
    tbl.resize(6)  # in place, a square
    assert tbl.image_size == (6, 6)
    with pytest.raises(InvalidArgumentError, match="does not fit"):
        tbl.crop(x=4, width=4)


def test_timeseries_chain_gives_sequences_and_partitions():
    days = pd.date_range("2024-01-01", periods=40, freq="12h")
    df = pd.DataFrame({"when": days.strftime("%Y-%m-%d %H:%M"), "sales": np.arange(40.0),
                       "price": np.linspace(1, 2, 40)})
    tbl = TimeseriesTable.from_pandas(None, df, casout="sales")
    tbl.timeseries_formatting(timeid="when", timeseries=["sales", "price"])
    tbl.timeseries_accumlation(acc_interval="day", extra_num_columns=None,
                               acc_method_byvar={"price": "avg"})
    assert len(tbl) == 20
    assert tbl.frame["sales"].tolist()[:2] == [1.0, 5.0]  # two half-days summed
    tbl.prepare_subsequences(seq_len=4, target="sales", predictor_timeseries=["sales", "price"])
    assert len(tbl) == 16
    x, y = tbl.dataset.to_numpy()
    assert x.shape == (16, 4, 2)
    np.testing.assert_allclose(y, tbl.frame["sales"].to_numpy()[4:])
    train, valid, test = tbl.timeseries_partition(validation_start="2024-01-13",
                                                  testing_start="2024-01-17")
    assert [len(p) for p in (train, valid, test)] == [8, 4, 4]
    assert train.name == "sales_train"
    assert str(valid.dataset.time_index[0])[:10] == "2024-01-13"
