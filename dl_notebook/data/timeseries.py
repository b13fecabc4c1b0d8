"""TimeSeriesDataset: sliding windows over a series, each labelled with a later value.

Item *i* is a window of ``sequence_length`` consecutive rows of the feature
columns, starting at row ``i * stride``; its label is the target
``horizon`` rows after the window's last row. Windows are cut lazily, so
a long series costs no more memory than the series itself.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError
from ._base import Dataset
from ._columns import (
    as_list,
    check_columns,
    encode_target,
    infer_task,
    is_numeric_dtype,
    labels_tf_dataset,
)

__all__ = ["TimeSeriesDataset"]


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InvalidArgumentError(f"{name} must be a positive integer; got {value!r}.")
    return int(value)


class TimeSeriesDataset(Dataset):
    """Windows of a multivariate series, each labelled with the target ``horizon`` steps later.

    Make one with :meth:`from_dataframe` or :meth:`from_arrays`. Features
    are standardised with the mean and standard deviation of the series
    given (a constant feature keeps std 1); ``ds.preprocessing`` holds them.
    ``ds.time_index`` is the time of each window's label row.

    Splits keep time order: :func:`~dl_notebook.data.two_way_split` and
    :func:`~dl_notebook.data.three_way_split` put the earliest windows in
    training, then validation, then test, without shuffling, and leave out
    ``split_gap`` windows at each boundary so that no row (input or label)
    is used by two parts.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.data import two_way_split
        >>> from dl_notebook.data.timeseries import TimeSeriesDataset
        >>> ds = TimeSeriesDataset.from_arrays(np.arange(20.0), 0, sequence_length=3)
        >>> len(ds), ds.input_shape, ds.task, ds.split_gap
        (17, (3, 1), 'regression', 3)
        >>> train, test = two_way_split(ds, test_rate=25)
        >>> int(train.time_index[-1]), int(test.time_index[0])
        (13, 17)
    """

    split_mode = "ordered"

    item = "window"

    def __init__(self, *, values, starts, labels, task, class_names, sequence_length, horizon,
                 stride, feature_names, target, time_index, preprocessing):
        self._values = values
        self._starts = np.asarray(starts, dtype=np.int64)
        self._labels = np.asarray(labels)
        self.task = task
        self.class_names = None if class_names is None else list(class_names)
        self.sequence_length = sequence_length
        self.horizon = horizon
        self.stride = stride
        self.feature_names = list(feature_names)
        self.target = target
        self._time_index = time_index
        self.preprocessing = preprocessing

    # ----------------------------------------------------------------- constructors
    @classmethod
    def from_dataframe(cls, df, target, sequence_length, horizon=1, features=None,
                       time_col=None, stride=1, task="auto"):
        """Cut a pandas DataFrame (one row per time step) into labelled windows.

        Args:
            df: the table.
            target: the column to predict.
            sequence_length: rows per window.
            horizon: how many rows after a window's last row its label lies.
            features: the numeric columns a window holds (default: every
                numeric column but ``time_col``, the target's past values
                included).
            time_col: sort the rows by this column (default: keep their
                order); its values become ``time_index``.
            stride: rows between the starts of consecutive windows.
            task: ``"auto"``, ``"classification"`` or ``"regression"``; auto
                makes a text, category or bool target, or an integer one with
                at most 20 distinct values, a class label.

        Example:
            >>> import pandas as pd
            >>> from dl_notebook.data.timeseries import TimeSeriesDataset
            >>> df = pd.DataFrame({"day": [3, 1, 2, 5, 4, 6],
            ...                    "temp": [12.0, 10.5, 11.0, 14.0, 13.5, 15.0]})
            >>> ds = TimeSeriesDataset.from_dataframe(df, "temp", 2, time_col="day")
            >>> ds.time_index.tolist(), ds.labels.tolist()
            ([3, 4, 5, 6], [12.0, 13.5, 14.0, 15.0])
        """
        import pandas as pd

        if not isinstance(df, pd.DataFrame):
            raise InvalidArgumentError(
                f"df must be a pandas DataFrame; got {type(df).__name__}."
            )
        check_columns(df, [target], "target column")
        if time_col is not None:
            check_columns(df, [time_col], "time column")
            df = df.sort_values(time_col, kind="stable")
        features = as_list(features, "features")
        if features is None:
            features = [c for c in df.columns if c != time_col and is_numeric_dtype(df[c])]
            if not features:
                raise InvalidArgumentError(
                    "The table has no numeric columns to use as features; give features=[...] "
                    "with numeric columns."
                )
        check_columns(df, features, "feature column")
        for col in features:
            if not is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col].dtype):
                raise InvalidArgumentError(
                    f"Feature {col!r} holds {df[col].dtype} values, but window features must be "
                    "numbers; convert it or leave it out of features."
                )
        values = df[features].to_numpy(dtype=np.float64)
        times = df[time_col].to_numpy() if time_col is not None else df.index.to_numpy()
        return cls._build(values, df[target], target, times, sequence_length, horizon, stride,
                          task, [str(f) for f in features])

    @classmethod
    def from_arrays(cls, values, target_index, sequence_length, horizon=1, features=None,
                    times=None, stride=1, task="auto", feature_names=None):
        """Cut an array ``T × F`` (or a 1-D series) into labelled windows.

        Args:
            values: ``T × F`` numbers, one row per time step (or ``T`` for one series).
            target_index: column of *values* to predict.
            sequence_length, horizon, stride, task: as :meth:`from_dataframe`.
            features: the columns (indices) a window holds (default: all).
            times: time of each row (default: the row numbers).
            feature_names: names of the columns (default: ``"x0"``, ``"x1"``, ...).

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data.timeseries import TimeSeriesDataset
            >>> ds = TimeSeriesDataset.from_arrays(np.ones((10, 2)), 1, 4, horizon=2,
            ...                                    features=[0])
            >>> len(ds), ds.input_shape, ds.feature_names
            (5, (4, 1), ['x0'])
        """
        import pandas as pd

        values = np.asarray(values)
        if values.ndim == 1:
            values = values[:, None]
        if values.ndim != 2 or values.dtype.kind not in "biuf":
            raise InvalidArgumentError(
                f"values must be a numeric array of shape (T, F) or (T,); got shape "
                f"{values.shape} of {values.dtype}."
            )
        n_cols = values.shape[1]
        names = ([f"x{i}" for i in range(n_cols)] if feature_names is None
                 else [str(n) for n in feature_names])
        if len(names) != n_cols:
            raise InvalidArgumentError(
                f"feature_names has {len(names)} names for {n_cols} columns; give one per column."
            )
        columns = list(range(n_cols))
        for index in [target_index, *(as_list(features, "features") or [])]:
            if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not (
                    -n_cols <= index < n_cols):
                raise InvalidArgumentError(
                    f"Column index {index!r} is out of range; values has columns 0..{n_cols - 1}."
                )
        features = columns if features is None else [int(i) % n_cols for i in
                                                      as_list(features, "features")]
        target = pd.Series(values[:, int(target_index)])
        if times is None:
            times = np.arange(len(values))
        times = np.asarray(times)
        if len(times) != len(values):
            raise InvalidArgumentError(
                f"times has {len(times)} values for {len(values)} rows; give one per row."
            )
        return cls._build(values[:, features].astype(np.float64), target,
                          names[int(target_index)], times, sequence_length, horizon, stride,
                          task, [names[i] for i in features])

    @classmethod
    def _build(cls, values, target_series, target, times, sequence_length, horizon, stride,
               task, feature_names):
        sequence_length = _positive_int(sequence_length, "sequence_length")
        horizon = _positive_int(horizon, "horizon")
        stride = _positive_int(stride, "stride")
        n_rows = len(values)
        span = sequence_length + horizon
        if n_rows < span:
            raise InvalidArgumentError(
                f"The series has {n_rows} rows, too few for one window: sequence_length "
                f"{sequence_length} plus horizon {horizon} needs at least {span}."
            )
        if np.isnan(values).any() or target_series.isna().any():
            raise InvalidArgumentError(
                "The series has missing values; fill them first, for example with "
                "df.interpolate() or df.ffill()."
            )
        task = infer_task(target_series, target, task, integral_floats=False)
        labels_all, class_names = encode_target(target_series, target, task)
        starts = np.arange(0, n_rows - span + 1, stride, dtype=np.int64)
        label_rows = starts + span - 1
        means = values.mean(axis=0)
        stds = values.std(axis=0)
        stds = np.where(stds > 0, stds, 1.0)
        scaled = ((values - means) / stds).astype(np.float32)
        if task == "classification" and len(np.unique(labels_all[label_rows])) < 2:
            raise InvalidArgumentError(
                f"Target {target!r} takes only one class at the windows' label rows; a "
                "classifier needs at least two, so use a longer series or another target."
            )
        preprocessing = {"features": list(feature_names), "means": dict(zip(feature_names,
                                                                             means.tolist())),
                         "stds": dict(zip(feature_names, stds.tolist()))}
        return cls(values=scaled, starts=starts, labels=labels_all[label_rows], task=task,
                   class_names=class_names, sequence_length=sequence_length, horizon=horizon,
                   stride=stride, feature_names=feature_names, target=target,
                   time_index=np.asarray(times)[label_rows], preprocessing=preprocessing)

    # ----------------------------------------------------------------- protocol
    def __repr__(self):
        kind = (f"{len(self.class_names)} classes" if self.task == "classification"
                else "regression")
        return (f"TimeSeriesDataset({len(self):,} windows of {self.sequence_length}x"
                f"{len(self.feature_names)}, horizon={self.horizon}, target={self.target!r}, "
                f"{kind})")

    @property
    def input_shape(self):
        """Shape of one window: ``(sequence_length, n_features)``."""
        return (self.sequence_length, len(self.feature_names))

    @property
    def time_index(self) -> np.ndarray:
        """Time (``time_col`` value, index label or row number) of each window's label row."""
        return self._time_index.copy()

    @property
    def window_rows(self) -> np.ndarray:
        """Row numbers (in time order) of each window's first row and of its label row, ``N × 2``."""
        return np.stack([self._starts, self._starts + self.sequence_length + self.horizon - 1],
                        axis=1)

    @property
    def split_gap(self) -> int:
        """Windows left out between two consecutive parts of a split.

        Consecutive windows then share no row: with stride 1 this is
        ``sequence_length + horizon - 1``.
        """
        return (self.sequence_length + self.horizon - 1) // self.stride

    def subset(self, indices):
        """A dataset with only the windows at *indices* (or a boolean mask), in the order given.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data.timeseries import TimeSeriesDataset
            >>> ds = TimeSeriesDataset.from_arrays(np.arange(8.0), 0, 2)
            >>> ds.subset([0, 5]).time_index.tolist()
            [2, 7]
        """
        idx = self._indices(indices)
        return type(self)(values=self._values, starts=self._starts[idx],
                          labels=self._labels[idx], task=self.task,
                          class_names=self.class_names, sequence_length=self.sequence_length,
                          horizon=self.horizon, stride=self.stride,
                          feature_names=self.feature_names, target=self.target,
                          time_index=self._time_index[idx], preprocessing=self.preprocessing)

    def to_numpy(self):
        """Windows and labels as arrays ``(x float32 N×L×F, y)``; y is int32 or float32.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data.timeseries import TimeSeriesDataset
            >>> x, y = TimeSeriesDataset.from_arrays(np.arange(6.0), 0, 3).to_numpy()
            >>> x.shape, y.tolist()
            ((3, 3, 1), [3.0, 4.0, 5.0])
        """
        offsets = np.arange(self.sequence_length)
        x = self._values[self._starts[:, None] + offsets[None, :]]
        dtype = np.int32 if self.task == "classification" else np.float32
        return x.astype(np.float32), self._labels.astype(dtype)

    def to_tf_dataset(self, batch_size=32, shuffle=False, seed=None):
        """A batched ``tf.data.Dataset`` of ``(windows float32 N×L×F, labels)``.

        Windows are cut from the series as the batches are made.

        Args:
            batch_size: windows per batch.
            shuffle: shuffle the windows (again every epoch).
            seed: seed for shuffling.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data.timeseries import TimeSeriesDataset
            >>> ds = TimeSeriesDataset.from_arrays(np.arange(12.0).reshape(6, 2), 0, 3)
            >>> x, y = next(iter(ds.to_tf_dataset(batch_size=2)))
            >>> tuple(x.shape), y.dtype.name
            ((2, 3, 2), 'float32')
        """
        import tensorflow as tf

        values = tf.constant(self._values)
        offsets = tf.range(self.sequence_length, dtype=tf.int64)
        return labels_tf_dataset(self._starts, self._labels, self.task, batch_size, shuffle,
                                  seed, features=lambda s: tf.gather(values, s[:, None] + offsets))
