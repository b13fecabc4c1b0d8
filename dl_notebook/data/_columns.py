"""Columns of a table: checks, kinds, vocabularies, targets and task detection.

Shared by :class:`TabularDataset` and :class:`TimeSeriesDataset`.
"""

from __future__ import annotations

import difflib

import numpy as np

from ..errors import InvalidArgumentError
from ._base import check_batch_size, ready

TASKS = ("auto", "classification", "regression")
MAX_AUTO_CLASSES = 20  # an integer target with at most this many values is a class label


def check_columns(df, names, what="column"):
    """Raise for the first name that *df* lacks, naming the close matches."""
    columns = [str(c) for c in df.columns]
    for name in names:
        if name not in df.columns:
            close = difflib.get_close_matches(str(name), columns, n=3, cutoff=0.6)
            hint = (f"the closest {'is' if len(close) == 1 else 'are'} "
                    f"{', '.join(repr(c) for c in close)}." if close
                    else f"use one of {columns[:20]}{' …' if len(columns) > 20 else ''}.")
            raise InvalidArgumentError(f"The table has no {what} {name!r}; {hint}")


def as_list(value, name):
    if value is None:
        return None
    if isinstance(value, (str, int)):
        return [value]
    try:
        return list(value)
    except TypeError:
        raise InvalidArgumentError(
            f"{name} must be a column name or a list of column names; got {value!r}."
        ) from None


def is_nominal_dtype(series):
    import pandas as pd

    dtype = series.dtype
    return (pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype)
            or pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype))


def is_numeric_dtype(series):
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
        series.dtype) and not pd.api.types.is_complex_dtype(series.dtype)


def sorted_vocabulary(values):
    """Sorted distinct non-missing values (numbers stay numbers, anything else becomes text)."""
    import pandas as pd

    present = [v for v in values if not pd.isna(v)]
    if all(isinstance(v, (bool, np.bool_)) for v in present):
        return sorted({bool(v) for v in present})
    if all(isinstance(v, (int, float, np.integer, np.floating)) for v in present):
        return sorted({v.item() if hasattr(v, "item") else v for v in present})
    return sorted({str(v) for v in present})


def lookup_key(value, vocabulary):
    if vocabulary and isinstance(vocabulary[0], str):
        return str(value)
    return value.item() if hasattr(value, "item") else value


def infer_task(series, column, task, nominal=False, integral_floats=True):
    """``"classification"`` or ``"regression"`` for the target *series*.

    With ``task="auto"``: a nominal target, or one with at most 20 distinct
    integer values (floats with integer values count when *integral_floats*),
    is a class label; any other numeric target is a regression target.
    """
    if task not in TASKS:
        raise InvalidArgumentError(
            f"task must be 'auto', 'classification' or 'regression'; got {task!r}."
        )
    numeric = is_numeric_dtype(series)
    if task == "regression":
        if not numeric or nominal:
            raise InvalidArgumentError(
                f"Target {column!r} does not hold numbers, so it cannot be a regression "
                "target; use task='classification'."
            )
        return task
    if task == "classification" or nominal or not numeric:
        return "classification"
    values = series.dropna().to_numpy()
    integral = values.dtype.kind in "iu" or (
        integral_floats and bool(np.all(np.mod(values, 1) == 0)))
    if integral and len(np.unique(values)) <= MAX_AUTO_CLASSES:
        return "classification"
    return "regression"


def encode_target(series, column, task):
    """``(labels, class_names)``: int64 class ids and names, or float32 targets and None."""
    if task == "regression":
        return series.to_numpy(dtype=np.float64).astype(np.float32), None
    vocabulary = sorted_vocabulary(series)
    if len(vocabulary) < 2:
        only = f" ({str(vocabulary[0])!r})" if vocabulary else ""
        raise InvalidArgumentError(
            f"Target {column!r} has only one class{only}; a classifier needs at least two, "
            "so check the column or the rows kept."
        )
    index = {v: i for i, v in enumerate(vocabulary)}
    labels = np.array([index[lookup_key(v, vocabulary)] for v in series], dtype=np.int64)
    return labels, [str(v) for v in vocabulary]


def labels_tf_dataset(x, y, task, batch_size, shuffle, seed, features=None):
    import tensorflow as tf

    check_batch_size(batch_size)
    y = y.astype(np.int32 if task == "classification" else np.float32)
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        ds = ds.shuffle(max(1, len(y)), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)
    if features is not None:  # turn a batch of x into features
        ds = ds.map(lambda x, y: (features(x), y), num_parallel_calls=tf.data.AUTOTUNE,
                    deterministic=True)
    return ready(ds)
