"""DLPy's ``dlpy.splitting``: ``two_way_split`` and ``three_way_split`` with DLPy's arguments.

Both delegate to :mod:`dl_notebook.data.splits`: rates are percentages,
each label is split on its own (``stratify``), and the same ``seed`` gives
the same parts. An :class:`~dl_notebook.dlpy.images.ImageTable` splits into
ImageTables; a core dataset into datasets of its kind (a
:class:`~dl_notebook.data.ImageDataset` into ImageTables while
``im_table`` is True); a pandas DataFrame into DataFrames, stratified by
its ``stratify_by`` column.
"""

from __future__ import annotations

import numpy as np

from ..data import ImageDataset, splits
from ..errors import InvalidArgumentError
from ._ignored import warn_ignored
from .images import ImageTable

__all__ = ["two_way_split", "three_way_split"]

_LABEL = "_label_"


class _FrameRows:
    """A DataFrame seen as a splittable dataset: its rows, labelled by one column."""

    def __init__(self, frame, column):
        self.frame = frame
        self.labels = np.unique(frame[column].astype(str).to_numpy(), return_inverse=True)[1]

    def __len__(self):
        return len(self.frame)

    def subset(self, indices):
        return self.frame.iloc[np.asarray(indices)].reset_index(drop=True)


def _source(tbl, stratify, stratify_by):
    """What the core splits for DLPy's *tbl*: its dataset, or a DataFrame's rows."""
    import pandas as pd

    if isinstance(tbl, pd.DataFrame):
        if stratify and stratify_by not in tbl.columns:
            raise InvalidArgumentError(
                f"The table has no column {stratify_by!r} to stratify by; give stratify_by= one "
                f"of {list(tbl.columns)} or stratify=False."
            )
        return _FrameRows(tbl, stratify_by if stratify else tbl.columns[0])
    dataset = getattr(tbl, "dataset", tbl)
    if not hasattr(dataset, "subset") or not hasattr(dataset, "labels"):
        raise InvalidArgumentError(
            "two_way_split and three_way_split take an ImageTable, a dl_notebook dataset or a "
            f"pandas DataFrame; got {type(tbl).__name__}."
        )
    return dataset


def _split(where, tbl, rates, stratify, im_table, stratify_by, names, seed, ignored):
    import pandas as pd

    frame = isinstance(tbl, pd.DataFrame)
    target = getattr(getattr(tbl, "dataset", tbl), "target", None)
    if not frame and stratify_by not in (_LABEL, None, target):
        ignored = [*ignored, "stratify_by"]  # a dataset is stratified by its labels
    warn_ignored(where, ignored)
    source = _source(tbl, stratify, stratify_by)
    split = splits.two_way_split if len(rates) == 1 else splits.three_way_split
    parts = split(source, *rates, seed=seed, stratify=stratify)
    if frame:
        return parts
    wrap = isinstance(tbl, ImageTable) or (im_table and isinstance(source, ImageDataset))
    if not wrap:
        return parts
    return tuple(ImageTable(part, name=name) for part, name in zip(parts, names))


def two_way_split(tbl, test_rate=20, stratify=True, im_table=True, stratify_by=_LABEL,
                  image_col="_image_", train_name=None, test_name=None, columns=None, seed=0,
                  **kwargs):
    """Split a table into training and test parts (DLPy ``two_way_split``).

    Args:
        tbl: an ImageTable, a dl_notebook dataset or a pandas DataFrame.
        test_rate: the test part in percent (20: a fifth of the rows).
        stratify: keep each label's share in both parts.
        im_table: give ImageTables for an ImageDataset.
        stratify_by: the label column; a DataFrame is stratified by it, a
            dataset always by its labels.
        image_col, columns: accepted; no effect here.
        train_name, test_name: the names of the ImageTables made.
        seed: the random seed (DLPy's default 0).
        **kwargs: SAS ``sampling.stratified`` options; accepted, no effect.

    Returns:
        ``(train, test)``.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.data import ImageDataset
        >>> from dl_notebook.dlpy.images import ImageTable
        >>> from dl_notebook.dlpy.splitting import two_way_split
        >>> tbl = ImageTable(ImageDataset.from_arrays(np.zeros((10, 2, 2)), [0, 1] * 5))
        >>> train, test = two_way_split(tbl, test_rate=20, seed=123)
        >>> type(train).__name__, len(train), len(test)
        ('ImageTable', 8, 2)
    """
    ignored = [k for k, v in (("columns", columns),) if v is not None] + list(kwargs)
    ignored += ["image_col"] if image_col != "_image_" else []
    return _split("two_way_split", tbl, (test_rate,), stratify, im_table,
                  stratify_by, (train_name, test_name), seed, ignored)


def three_way_split(tbl, valid_rate=20, test_rate=20, stratify=True, im_table=True,
                    stratify_by=_LABEL, image_col="_image_", train_name=None, valid_name=None,
                    test_name=None, columns=None, seed=0, **kwargs):
    """Split a table into training, validation and test parts (DLPy ``three_way_split``).

    Args:
        tbl: an ImageTable, a dl_notebook dataset or a pandas DataFrame.
        valid_rate: the validation part in percent.
        test_rate: the test part in percent.
        stratify, im_table, stratify_by, image_col, columns, seed, **kwargs:
            as :func:`two_way_split`.
        train_name, valid_name, test_name: the names of the ImageTables made.

    Returns:
        ``(train, valid, test)``.

    Example:
        >>> import pandas as pd
        >>> from dl_notebook.dlpy.splitting import three_way_split
        >>> df = pd.DataFrame({"x": range(20), "y": ["a", "b"] * 10})
        >>> [len(p) for p in three_way_split(df, 20, 30, stratify_by="y")]
        [10, 4, 6]
    """
    ignored = [k for k, v in (("columns", columns),) if v is not None] + list(kwargs)
    ignored += ["image_col"] if image_col != "_image_" else []
    return _split("three_way_split", tbl, (valid_rate, test_rate),
                  stratify, im_table, stratify_by, (train_name, valid_name, test_name), seed,
                  ignored)
