"""TimeSeriesDataset: windows, labels `horizon` steps later, time order, standardisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dl_notebook as dn
from dl_notebook.data.timeseries import TimeSeriesDataset


def _series(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "t": np.arange(n) * 10,
        "temp": rng.normal(15, 3, n),
        "wind": rng.normal(5, 1, n),
        "site": ["a"] * n,
    })


def test_windows_hold_consecutive_standardised_rows_and_the_label_lies_horizon_later():
    values = np.stack([np.arange(30.0), np.arange(30.0) ** 2], axis=1)
    ds = TimeSeriesDataset.from_arrays(values, 1, sequence_length=5, horizon=3)
    assert len(ds) == 30 - 5 - 3 + 1 and ds.input_shape == (5, 2)
    x, y = ds.to_numpy()
    assert x.shape == (23, 5, 2) and x.dtype == np.float32 and y.dtype == np.float32
    scaled = (values - values.mean(axis=0)) / values.std(axis=0)
    for i in (0, 7, 22):
        np.testing.assert_allclose(x[i], scaled[i:i + 5], rtol=1e-5, atol=1e-6)
        assert y[i] == values[i + 5 - 1 + 3, 1]
    assert ds.time_index.tolist() == list(range(7, 30))
    assert ds.window_rows[0].tolist() == [0, 7]
    assert ds.preprocessing["means"]["x0"] == pytest.approx(14.5)
    assert ds.task == "regression" and ds.class_names is None
    assert "23 windows of 5x2" in repr(ds)


def test_stride_skips_window_starts():
    ds = TimeSeriesDataset.from_arrays(np.arange(20.0), 0, sequence_length=4, horizon=2, stride=3)
    assert ds.window_rows[:, 0].tolist() == [0, 3, 6, 9, 12]
    assert ds.labels.tolist() == [5.0, 8.0, 11.0, 14.0, 17.0]
    assert ds.split_gap == (4 + 2 - 1) // 3


def test_rows_are_sorted_by_time_col_and_default_features_are_the_numeric_columns():
    df = _series(12)
    shuffled = df.sample(frac=1.0, random_state=3)
    ds = TimeSeriesDataset.from_dataframe(shuffled, "temp", sequence_length=3, time_col="t")
    assert ds.feature_names == ["temp", "wind"]  # time column and text column left out
    assert ds.time_index.tolist() == df["t"].iloc[3:].tolist()
    np.testing.assert_allclose(ds.labels, df["temp"].iloc[3:], rtol=1e-6)
    x, _ = ds.to_numpy()
    temp = (df["temp"] - df["temp"].mean()) / df["temp"].std(ddof=0)
    np.testing.assert_allclose(x[0, :, 0], temp.iloc[:3], rtol=1e-5)
    only_wind = TimeSeriesDataset.from_dataframe(df, "temp", 3, features=["wind"])
    assert only_wind.input_shape == (3, 1)


def test_time_index_comes_from_the_index_without_time_col():
    days = pd.date_range("2024-03-01", periods=10, freq="D")
    df = pd.DataFrame({"load": np.linspace(1, 2, 10) ** 2}, index=days)
    ds = TimeSeriesDataset.from_dataframe(df, "load", 4, horizon=2)
    assert ds.time_index[0] == np.datetime64("2024-03-06")
    assert len(ds.time_index) == len(ds) == 5


def test_integer_and_text_targets_are_class_labels():
    df = _series(30)
    df["state"] = np.where(np.arange(30) % 3 == 0, "storm", "calm")
    ds = TimeSeriesDataset.from_dataframe(df, "state", 4)
    assert ds.task == "classification" and ds.class_names == ["calm", "storm"]
    assert "state" not in ds.feature_names
    assert ds.labels.tolist() == [int(i % 3 == 0) for i in range(4, 30)]
    assert ds.to_numpy()[1].dtype == np.int32
    codes = TimeSeriesDataset.from_arrays(np.arange(20) % 2, 0, 3)
    assert codes.task == "classification" and codes.class_names == ["0", "1"]
    assert TimeSeriesDataset.from_arrays(np.arange(20) % 2, 0, 3, task="regression").task == (
        "regression")


def test_tf_dataset_matches_to_numpy():
    ds = TimeSeriesDataset.from_dataframe(_series(), "temp", 6, horizon=2, time_col="t")
    x, y = ds.to_numpy()
    batches = [(bx.numpy(), by.numpy()) for bx, by in ds.to_tf_dataset(batch_size=8)]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)
    shuffled = np.concatenate([by.numpy() for _, by in ds.to_tf_dataset(64, shuffle=True, seed=2)])
    assert sorted(shuffled.tolist()) == sorted(y.tolist())


def test_subset_keeps_the_series_and_its_statistics():
    ds = TimeSeriesDataset.from_arrays(np.arange(50.0).reshape(25, 2), 0, 5)
    part = ds.subset(np.arange(len(ds)) % 4 == 0)
    assert part.preprocessing is ds.preprocessing
    np.testing.assert_array_equal(part.to_numpy()[0], ds.to_numpy()[0][::4])
    assert part.time_index.tolist() == ds.time_index[::4].tolist()
    assert part.split_gap == ds.split_gap


@pytest.mark.parametrize("call,words", [
    (lambda df: TimeSeriesDataset.from_dataframe(df, "temp", 35, horizon=6), "too few for one"),
    (lambda df: TimeSeriesDataset.from_dataframe(df, "temp", 0), "sequence_length must be"),
    (lambda df: TimeSeriesDataset.from_dataframe(df, "temp", 3, horizon=-1), "horizon must be"),
    (lambda df: TimeSeriesDataset.from_dataframe(df, "temp", 3, stride=0), "stride must be"),
    (lambda df: TimeSeriesDataset.from_dataframe(df, "tmp", 3), "closest is 'temp'"),
    (lambda df: TimeSeriesDataset.from_dataframe(df, "temp", 3, features=["wnd"]),
     "no feature column 'wnd'"),
    (lambda df: TimeSeriesDataset.from_dataframe(df, "temp", 3, time_col="time"),
     "no time column 'time'"),
    (lambda df: TimeSeriesDataset.from_dataframe(df, "temp", 3, features=["site"]),
     "must be numbers"),
    (lambda df: TimeSeriesDataset.from_dataframe(df.assign(temp=np.nan), "temp", 3),
     "missing values"),
    (lambda df: TimeSeriesDataset.from_dataframe(df, "site", 3, features=["wind"]),
     "only one class"),
    (lambda df: TimeSeriesDataset.from_arrays(np.ones((10, 2)), 2, 3), "out of range"),
    (lambda df: TimeSeriesDataset.from_arrays(np.ones((10, 2, 2)), 0, 3), "shape (T, F)"),
    (lambda df: TimeSeriesDataset.from_arrays(np.ones(10), 0, 3, times=[1, 2]), "one per row"),
])
def test_mistakes_raise_one_clear_sentence(call, words):
    with pytest.raises(dn.InvalidArgumentError) as info:
        call(_series())
    message = str(info.value)
    assert words in message
    assert message.endswith(".") and message.count(". ") == 0, message
