"""TabularDataset: rows of a table, encoded into numeric feature vectors.

Numeric columns are standardised with the mean and standard deviation of
the data given, nominal columns are one-hot encoded with a sorted
vocabulary, and missing values are filled (or their rows dropped). The
fitted encoding is kept, so that parts of the dataset and new rows for
prediction (:meth:`TabularDataset.transform`) are encoded the same way.
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import InvalidArgumentError
from ._base import Dataset
from ._columns import (
    as_list,
    check_columns,
    encode_target,
    infer_task,
    is_nominal_dtype,
    is_numeric_dtype,
    labels_tf_dataset,
    sorted_vocabulary,
)

__all__ = ["TabularDataset"]

MISSING_POLICIES = ("mean", "median", "drop", "zero")
_MAX_AUTO_VOCABULARY = 100  # text columns with more distinct values are not one-hot encoded


class TabularDataset(Dataset):
    """Rows of a table as standardised, one-hot encoded feature vectors and a target.

    Make one with :meth:`from_dataframe` or :meth:`from_csv`. Each numeric
    input column becomes one feature, ``(value - mean) / std`` with the
    statistics of the data given (a constant column keeps std 1). Each
    nominal column (those listed in ``nominals``, and every text, category
    or bool column) becomes one 0/1 feature per value of its sorted
    vocabulary; a value outside the vocabulary, or a missing one, gives a
    row of zeros. The fitted encoding is in :attr:`preprocessing`; parts
    made by :meth:`subset` share it, and :meth:`transform` applies it to
    new rows.

    The target decides the task: a nominal, text or bool target, or an
    integer one with at most 20 distinct values, is a class label
    (``ds.labels`` are class ids into ``ds.class_names``); anything else is
    a regression target (``ds.labels`` are its float values,
    ``ds.class_names`` is None). ``task=`` overrides the choice.

    Example:
        >>> import pandas as pd
        >>> from dl_notebook.data.tabular import TabularDataset
        >>> df = pd.DataFrame({"size": [1.0, 2.0, 3.0, 4.0], "colour": ["red", "blue"] * 2,
        ...                    "kind": ["a", "b", "a", "b"]})
        >>> ds = TabularDataset.from_dataframe(df, target="kind")
        >>> ds.feature_names, ds.class_names, ds.labels.tolist()
        (['size', 'colour=blue', 'colour=red'], ['a', 'b'], [0, 1, 0, 1])
    """

    item = "row"

    def __init__(self, *, x, labels, task, class_names, feature_names, preprocessing, target,
                 dropped=0):
        self._x = np.asarray(x, dtype=np.float32)
        self._labels = np.asarray(labels)
        self.task = task
        self.class_names = None if class_names is None else list(class_names)
        self.feature_names = list(feature_names)
        self.preprocessing = preprocessing
        self.target = target
        self.dropped = dropped

    # ----------------------------------------------------------------- constructors
    @classmethod
    def from_dataframe(cls, df, target, nominals=None, inputs=None, missing="mean",
                       task="auto", *, verbose=True):
        """Encode a pandas DataFrame (one row per item).

        Args:
            df: the table.
            target: the column to predict.
            nominals: columns to one-hot encode even though they hold numbers
                (text, category and bool columns are encoded anyway).
            inputs: the input columns (default: every column but the target).
            missing: what to do with missing input values: ``"mean"``,
                ``"median"`` or ``"zero"`` fill them, ``"drop"`` drops their
                rows. Rows without a target value are always dropped.
            task: ``"auto"``, ``"classification"`` or ``"regression"``.
            verbose: print one line when rows are dropped.

        Example:
            >>> import numpy as np, pandas as pd
            >>> from dl_notebook.data.tabular import TabularDataset
            >>> df = pd.DataFrame({"x": [1.0, np.nan, 3.0, 5.0], "y": [0.5, 1.5, 2.5, 3.5]})
            >>> ds = TabularDataset.from_dataframe(df, "y", missing="drop", task="regression")
            Dropped 1 of 4 rows with missing values.
            >>> len(ds), ds.task, ds.class_names
            (3, 'regression', None)
        """
        import pandas as pd

        if not isinstance(df, pd.DataFrame):
            raise InvalidArgumentError(
                f"df must be a pandas DataFrame; got {type(df).__name__}."
            )
        if missing not in MISSING_POLICIES:
            raise InvalidArgumentError(
                f"missing must be 'mean', 'median', 'drop' or 'zero'; got {missing!r}."
            )
        if len(df) == 0:
            raise InvalidArgumentError("The table has no rows; give a table with data.")
        check_columns(df, [target], "target column")
        inputs = as_list(inputs, "inputs")
        nominals = as_list(nominals, "nominals") or []
        if inputs is None:
            inputs = [c for c in df.columns if c != target]
        check_columns(df, inputs, "input column")
        check_columns(df, nominals, "nominal column")
        if target in inputs:
            raise InvalidArgumentError(
                f"The target {target!r} cannot also be an input; leave it out of inputs."
            )
        if not inputs:
            raise InvalidArgumentError("The table has no input columns; give at least one.")
        task = infer_task(df[target], target, task, nominal=target in nominals)

        n_rows = len(df)
        keep = df[target].notna().to_numpy().copy()
        if missing == "drop":
            keep &= df[inputs].notna().all(axis=1).to_numpy()
        frame = df.loc[keep]
        dropped = n_rows - len(frame)
        if len(frame) == 0:
            raise InvalidArgumentError(
                "Every row has a missing value, so none is left; use missing='mean' or fill "
                "the table first."
            )
        labels, class_names = encode_target(frame[target], target, task)
        preprocessing = _fit(frame, inputs, nominals, missing)
        x, feature_names = _encode(frame, preprocessing)
        if verbose and dropped:
            why = "missing values" if missing == "drop" else f"no value in {target!r}"
            print(f"Dropped {dropped:,} of {n_rows:,} rows with {why}.")
        return cls(x=x, labels=labels, task=task, class_names=class_names,
                   feature_names=feature_names, preprocessing=preprocessing, target=target,
                   dropped=dropped)

    @classmethod
    def from_csv(cls, path, target, nominals=None, inputs=None, missing="mean", task="auto",
                 **kwargs):
        """Encode the rows of a CSV file (as :meth:`from_dataframe`).

        Args:
            path: the CSV file.
            target, nominals, inputs, missing, task, **kwargs: as :meth:`from_dataframe`.

        Example:
            >>> import os, tempfile
            >>> from dl_notebook.data.tabular import TabularDataset
            >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
            >>> with open(path, "w") as f:
            ...     _ = f.write("a,b,label\\n1,x,yes\\n2,y,no\\n3,x,yes\\n")
            >>> TabularDataset.from_csv(path, "label").input_shape
            (3,)
        """
        import pandas as pd

        path = os.fspath(path)
        if not os.path.isfile(path):
            raise InvalidArgumentError(f"CSV file {path!r} does not exist; check the path.")
        return cls.from_dataframe(pd.read_csv(path), target, nominals=nominals, inputs=inputs,
                                  missing=missing, task=task, **kwargs)

    # ----------------------------------------------------------------- protocol
    def __repr__(self):
        kind = (f"{len(self.class_names)} classes" if self.task == "classification"
                else "regression")
        return (f"TabularDataset({len(self):,} rows, {len(self.feature_names)} features, "
                f"target={self.target!r}, {kind})")

    @property
    def input_shape(self):
        """Shape of one item's features: ``(n_features,)``."""
        return (len(self.feature_names),)

    @property
    def inputs(self):
        """The input columns, in the order their features appear."""
        return list(self.preprocessing["inputs"])

    def subset(self, indices):
        """A dataset with only the rows at *indices* (or a boolean mask), sharing the encoding.

        Example:
            >>> import pandas as pd
            >>> from dl_notebook.data.tabular import TabularDataset
            >>> df = pd.DataFrame({"x": [1, 2, 3, 4], "y": ["a", "b", "b", "a"]})
            >>> TabularDataset.from_dataframe(df, "y").subset([1, 2]).labels.tolist()
            [1, 1]
        """
        idx = self._indices(indices)
        return type(self)(x=self._x[idx], labels=self._labels[idx], task=self.task,
                          class_names=self.class_names, feature_names=self.feature_names,
                          preprocessing=self.preprocessing, target=self.target)

    def transform(self, df):
        """Features of new rows (e.g. for prediction), encoded as the dataset's rows were.

        Missing numeric values are filled as in training (with the training
        mean when the dataset dropped such rows); unseen or missing
        categories give zeros. The target column is not needed.

        Returns:
            A float32 array ``N × n_features``.

        Example:
            >>> import pandas as pd
            >>> from dl_notebook.data.tabular import TabularDataset
            >>> df = pd.DataFrame({"x": [0.0, 2.0], "c": ["u", "v"], "y": [0, 1]})
            >>> ds = TabularDataset.from_dataframe(df, "y")
            >>> ds.transform(pd.DataFrame({"x": [1.0], "c": ["w"]})).tolist()
            [[0.0, 0.0, 0.0]]
        """
        import pandas as pd

        if not isinstance(df, pd.DataFrame):
            raise InvalidArgumentError(
                f"transform needs a pandas DataFrame with the input columns; got "
                f"{type(df).__name__}."
            )
        check_columns(df, self.preprocessing["inputs"], "input column")
        return _encode(df, self.preprocessing)[0]

    def to_numpy(self):
        """Features and labels as arrays ``(x float32 N×F, y)``; y is int32 or float32.

        Example:
            >>> import pandas as pd
            >>> from dl_notebook.data.tabular import TabularDataset
            >>> df = pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "a"]})
            >>> x, y = TabularDataset.from_dataframe(df, "y").to_numpy()
            >>> x.shape, y.tolist()
            ((3, 1), [0, 1, 0])
        """
        dtype = np.int32 if self.task == "classification" else np.float32
        return self._x.copy(), self._labels.astype(dtype)

    def to_tf_dataset(self, batch_size=32, shuffle=False, seed=None):
        """A batched ``tf.data.Dataset`` of ``(features float32 N×F, labels)``.

        Args:
            batch_size: rows per batch.
            shuffle: shuffle the rows (again every epoch).
            seed: seed for shuffling.

        Example:
            >>> import pandas as pd
            >>> from dl_notebook.data.tabular import TabularDataset
            >>> df = pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "a"]})
            >>> x, y = next(iter(TabularDataset.from_dataframe(df, "y").to_tf_dataset(2)))
            >>> tuple(x.shape), y.dtype.name
            ((2, 1), 'int32')
        """
        return labels_tf_dataset(self._x, self._labels, self.task, batch_size, shuffle, seed)


def _fit(frame, inputs, nominals, missing):
    """The encoding of *inputs*: statistics of numeric columns, vocabularies of nominal ones."""
    import pandas as pd

    means, stds, fills, vocabularies = {}, {}, {}, {}
    for col in inputs:
        series = frame[col]
        if col in nominals or is_nominal_dtype(series):
            vocabulary = sorted_vocabulary(series)
            if (col not in nominals and len(vocabulary) > _MAX_AUTO_VOCABULARY
                    and len(vocabulary) > 0.5 * series.notna().sum()):
                raise InvalidArgumentError(
                    f"Column {col!r} has {len(vocabulary):,} distinct text values, too many to "
                    "one-hot encode; leave it out of inputs or list it in nominals to encode "
                    "it anyway."
                )
            vocabularies[col] = vocabulary
            continue
        if not is_numeric_dtype(series):
            raise InvalidArgumentError(
                f"Column {col!r} holds {series.dtype} values, which cannot be encoded as "
                "features; convert it to numbers or leave it out of inputs."
            )
        values = pd.to_numeric(series).to_numpy(dtype=np.float64)
        present = values[~np.isnan(values)]
        if present.size == 0:
            mean, std, median = 0.0, 1.0, 0.0
        else:
            mean, std, median = float(present.mean()), float(present.std()), float(
                np.median(present))
        means[col] = mean
        stds[col] = std if std > 0 else 1.0
        fills[col] = {"mean": mean, "drop": mean, "median": median, "zero": 0.0}[missing]
    return {"inputs": list(inputs), "means": means, "stds": stds, "fill": fills,
            "vocabularies": vocabularies, "missing": missing}


def _encode(frame, pre):
    """Feature matrix and feature names of the rows of *frame* under the encoding *pre*."""
    import pandas as pd

    blocks, names = [], []
    n = len(frame)
    for col in pre["inputs"]:
        series = frame[col]
        if col in pre["vocabularies"]:
            vocabulary = pre["vocabularies"][col]
            block = np.zeros((n, len(vocabulary)), dtype=np.float32)
            if vocabulary:
                text = isinstance(vocabulary[0], str)
                keys = series.astype(object).map(str) if text else series.astype(object)
                pos = np.asarray(pd.Index(vocabulary, dtype=object).get_indexer(keys))
                pos[~series.notna().to_numpy()] = -1
                rows = np.flatnonzero(pos >= 0)
                block[rows, pos[rows]] = 1.0
            blocks.append(block)
            names.extend(f"{col}={v}" for v in vocabulary)
            continue
        try:
            values = pd.to_numeric(series).to_numpy(dtype=np.float64)
        except (ValueError, TypeError):
            raise InvalidArgumentError(
                f"Column {col!r} must hold numbers, as it did when the dataset was made; "
                "fix its values."
            ) from None
        values = np.where(np.isnan(values), pre["fill"][col], values)
        blocks.append(((values - pre["means"][col]) / pre["stds"][col])[:, None])
        names.append(str(col))
    x = np.concatenate(blocks, axis=1) if blocks else np.zeros((n, 0))
    return x.astype(np.float32), names
