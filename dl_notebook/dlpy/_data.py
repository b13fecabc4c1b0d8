"""DLPy's data in the core's forms: ImageTables, DataFrames and arrays to datasets.

DLPy trains on CAS tables named by columns (``inputs=``, ``target=``,
``nominals=``, ``texts=``). Here the same arguments pick the columns of a
pandas DataFrame, which becomes a core ``TabularDataset`` or
``TextDataset``; an ``ImageTable`` gives its core dataset.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError

__all__ = ["arrays", "core_data", "size", "table_name", "target_name"]


def core_data(data, inputs=None, target=None, nominals=None, texts=None, missing="mean",
              what="data", like=None):
    """The core form of DLPy-style *data*: a dataset, ``(x, y)`` arrays or a DataFrame.

    An ``ImageTable`` gives its core dataset (``.dataset``). A DataFrame
    becomes a ``TextDataset`` (``texts=`` and ``target=``; the vocabulary of
    *like* when given) or a ``TabularDataset`` (``target=``, ``inputs=``,
    ``nominals=``).

    Args:
        data: an ``ImageTable``, a dl_notebook dataset, ``(x, y)`` arrays or a DataFrame.
        inputs, target, nominals, texts, missing: a DataFrame's columns and
            how missing inputs are filled.
        what: the argument's name in error messages.
        like: data already converted (the training data): a DataFrame is
            encoded as it was.

    Example:
        >>> import pandas as pd
        >>> from dl_notebook.dlpy._data import core_data
        >>> frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "y": ["n", "y", "n", "y"]})
        >>> type(core_data(frame, target="y")).__name__
        'TabularDataset'
    """
    import pandas as pd

    data = getattr(data, "dataset", data)
    if not isinstance(data, pd.DataFrame):
        return data
    if target is None:
        raise InvalidArgumentError(f"The {what} is a DataFrame; name its label column with target=.")
    if texts is not None:
        from ..data.text import TextDataset

        column = texts[0] if isinstance(texts, (list, tuple)) else texts
        if like is not None and isinstance(like, TextDataset):
            encoded = like.encode(data[column].astype(str).tolist())
            labels = np.asarray([like.class_names.index(str(v)) for v in data[target]])
            return encoded, labels
        longest = data[column].astype(str).str.split().str.len().max()
        return TextDataset.from_dataframe(data, column, target,  # DLPy reads texts whole
                                          sequence_length=int(min(max(longest, 1), 200)))
    from ..data.tabular import TabularDataset

    if like is not None and hasattr(like, "transform"):  # encoded as the training rows were
        labels = data[target]
        if like.class_names:
            labels = [like.class_names.index(str(v)) for v in labels]
        return like.transform(data), np.asarray(labels)
    return TabularDataset.from_dataframe(data, target, nominals=nominals, inputs=inputs,
                                         missing=missing, verbose=False)


def target_name(data, target=None) -> str:
    """The label column's name in DLPy's result tables (``_label_`` for images).

    Args:
        data: the data scored or trained on.
        target: DLPy's ``target=`` argument, if given.

    Example:
        >>> from dl_notebook.dlpy._data import target_name
        >>> target_name(None), target_name(None, ["y"])
        ('_label_', 'y')
    """
    if target is not None:
        return target[0] if isinstance(target, (list, tuple)) else str(target)
    return str(getattr(data, "target", None) or "_label_")


def size(data) -> int:
    """Number of examples of core *data*.

    Args:
        data: a dataset or ``(x, y)`` arrays.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.dlpy._data import size
        >>> size((np.zeros((3, 2)), np.zeros(3)))
        3
    """
    if isinstance(data, (tuple, list)):
        return len(data[0])
    return len(data)


def arrays(data):
    """``(x, y)`` numpy arrays of core *data*.

    Args:
        data: a dataset with ``to_numpy()`` or ``(x, y)`` arrays.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.dlpy._data import arrays
        >>> [a.shape for a in arrays(([[1, 2]], [0]))]
        [(1, 2), (1,)]
    """
    if isinstance(data, (tuple, list)):
        return np.asarray(data[0]), np.asarray(data[1])
    if hasattr(data, "to_numpy"):
        return data.to_numpy()
    raise InvalidArgumentError(f"Cannot read images from {type(data).__name__}.")


def table_name(table, default=None, what="model_table"):
    """The name in a DLPy table argument (``casout``, ``model_table``): a str or ``{'name': …}``.

    Args:
        table: the argument: a name, a dict with ``name``, or None.
        default: the name when *table* is None.
        what: the argument's name in error messages.

    Example:
        >>> from dl_notebook.dlpy._data import table_name
        >>> table_name({"name": "imgs", "replace": True}), table_name(None, "m")
        ('imgs', 'm')
    """
    if isinstance(table, dict):
        table = table.get("name")
    if table is None:
        return default
    if not isinstance(table, str):
        raise InvalidArgumentError(
            f"{what} must be a name (a str, or a dict with 'name'); got {table!r}."
        )
    return table
