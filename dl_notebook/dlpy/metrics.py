"""DLPy's ``dlpy.metrics``: scores of predictions, computed by scikit-learn.

DLPy names columns of a CAS table and passes the table as ``castable``;
here ``y_true`` / ``y_pred`` / ``y_score`` are column names of a pandas
DataFrame given as ``castable`` (a scored table such as a model's
``valid_res_tbl``), or arrays. ``id_vars`` (the columns SAS joins two tables
on) is accepted: with arrays or one table, rows are already aligned.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError
from ._ignored import warn_ignored

__all__ = [
    "accuracy_score", "average_precision_score", "confusion_matrix", "explained_variance_score",
    "f1_score", "mean_absolute_error", "mean_squared_error", "mean_squared_log_error",
    "plot_precision_recall", "plot_roc", "r2_score", "roc_auc_score",
]


def _column(values, castable, what):
    if isinstance(values, str):
        if castable is None:
            raise InvalidArgumentError(
                f"{what} names a column ({values!r}); pass the table as castable=."
            )
        if values not in castable.columns:
            raise InvalidArgumentError(
                f"The table has no column {values!r}; use one of {list(castable.columns)}."
            )
        values = castable[values]
    return np.asarray(values).reshape(-1)


def _pair(y_true, y_other, castable, id_vars, where, other="y_pred"):
    warn_ignored(where, ["id_vars"] if id_vars is not None else [])
    a = _column(y_true, castable, "y_true")
    b = _column(y_other, castable, other)
    if len(a) != len(b):
        raise InvalidArgumentError(
            f"{where}: y_true has {len(a)} values but {other} has {len(b)}; give one per row."
        )
    return a, b


def _labels_as_text(a, b):
    """Class labels compared as text when either side holds strings (SAS's formatted values)."""
    if a.dtype.kind in "OUS" or b.dtype.kind in "OUS":
        return a.astype(str), b.astype(str)
    return a, b


def confusion_matrix(y_true, y_pred, castable=None, labels=None, id_vars=None):
    """Counts of each (true, predicted) pair as a DataFrame (DLPy ``confusion_matrix``).

    Args:
        y_true, y_pred: column names of *castable*, or arrays.
        castable: a pandas DataFrame, or None with arrays.
        labels: the classes and their order (default: every class seen, sorted).
        id_vars: accepted (see the module notes).

    Returns:
        A DataFrame indexed by the true class, one column per predicted class.

    Example:
        >>> from dl_notebook.dlpy.metrics import confusion_matrix
        >>> confusion_matrix(["a", "b", "b"], ["a", "a", "b"]).values.tolist()
        [[1, 0], [1, 1]]
    """
    import pandas as pd
    from sklearn import metrics

    a, b = _labels_as_text(*_pair(y_true, y_pred, castable, id_vars, "confusion_matrix"))
    labels = np.unique(np.concatenate([a, b])) if labels is None else np.asarray(labels)
    counts = metrics.confusion_matrix(a, b, labels=labels)
    return pd.DataFrame(counts, index=pd.Index(labels, name="y_true"),
                        columns=pd.Index(labels, name="y_pred"))


def accuracy_score(y_true, y_pred, castable=None, normalize=True, id_vars=None):
    """The share (or, with ``normalize=False``, the number) of correct predictions.

    Args:
        y_true, y_pred, castable, id_vars: as :func:`confusion_matrix`.
        normalize: a share (True) or a count (False).

    Example:
        >>> from dl_notebook.dlpy.metrics import accuracy_score
        >>> accuracy_score([0, 1, 1, 0], [0, 1, 0, 0])
        0.75
    """
    from sklearn import metrics

    a, b = _labels_as_text(*_pair(y_true, y_pred, castable, id_vars, "accuracy_score"))
    return float(metrics.accuracy_score(a, b, normalize=normalize))


def f1_score(y_true, y_pred, castable=None, pos_label=1, id_vars=None):
    """The F1 score of the class *pos_label* (DLPy ``f1_score``).

    Args:
        y_true, y_pred, castable, id_vars: as :func:`confusion_matrix`.
        pos_label: the positive class.

    Example:
        >>> from dl_notebook.dlpy.metrics import f1_score
        >>> round(f1_score(["n", "y", "y"], ["y", "y", "n"], pos_label="y"), 3)
        0.5
    """
    from sklearn import metrics

    a, b = _labels_as_text(*_pair(y_true, y_pred, castable, id_vars, "f1_score"))
    if a.dtype.kind == "U":
        pos_label = str(pos_label)
    return float(metrics.f1_score(a, b, pos_label=pos_label, average="binary"))


def _binary(y_true, y_score, castable, pos_label, id_vars, where):
    a, score = _pair(y_true, y_score, castable, id_vars, where, other="y_score")
    if a.dtype.kind in "OUS":
        a, pos_label = a.astype(str), str(pos_label)
    if pos_label not in set(a.tolist()):
        raise InvalidArgumentError(f"{where}: pos_label {pos_label!r} is not among y_true's values.")
    return (a == pos_label).astype(int), score.astype(np.float64)


def roc_auc_score(y_true, y_score, castable=None, pos_label=1, id_vars=None):
    """The area under the ROC curve of *y_score*, the score of class *pos_label*.

    Args:
        y_true: the true classes (column name or array).
        y_score: the predicted probability of *pos_label* (column name or array).
        castable, id_vars: as :func:`confusion_matrix`.
        pos_label: the positive class.

    Example:
        >>> from dl_notebook.dlpy.metrics import roc_auc_score
        >>> roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        0.75
    """
    from sklearn import metrics

    positives, score = _binary(y_true, y_score, castable, pos_label, id_vars, "roc_auc_score")
    return float(metrics.roc_auc_score(positives, score))


def average_precision_score(y_true, y_score, castable=None, pos_label=1, id_vars=None):
    """The average precision of *y_score*, the score of class *pos_label*.

    Args:
        y_true, y_score, castable, pos_label, id_vars: as :func:`roc_auc_score`.

    Example:
        >>> from dl_notebook.dlpy.metrics import average_precision_score
        >>> round(average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 4)
        0.8333
    """
    from sklearn import metrics

    positives, score = _binary(y_true, y_score, castable, pos_label, id_vars,
                               "average_precision_score")
    return float(metrics.average_precision_score(positives, score))


def _regression(name):
    def score(y_true, y_pred, castable=None, id_vars=None):
        from sklearn import metrics

        a, b = _pair(y_true, y_pred, castable, id_vars, name)
        return float(getattr(metrics, name)(a.astype(np.float64), b.astype(np.float64)))

    score.__name__ = score.__qualname__ = name
    score.__doc__ = f"""``sklearn.metrics.{name}`` of two numeric columns (DLPy ``{name}``).

    Args:
        y_true, y_pred: column names of *castable*, or arrays.
        castable, id_vars: as :func:`confusion_matrix`.

    Example:
        >>> from dl_notebook.dlpy.metrics import {name}
        >>> round({name}([1.0, 2.0, 3.0], [1.0, 2.0, 4.0]), 4) <= 1
        True
    """
    return score


explained_variance_score = _regression("explained_variance_score")
mean_absolute_error = _regression("mean_absolute_error")
mean_squared_error = _regression("mean_squared_error")
mean_squared_log_error = _regression("mean_squared_log_error")
r2_score = _regression("r2_score")


def _curve_plot(kind, y_true, y_score, castable, pos_label, id_vars, figsize, ax):
    from ..evaluate.curves import PrecisionRecallDisplay, RocCurveDisplay

    positives, score = _binary(y_true, y_score, castable, pos_label, id_vars, f"plot_{kind}")
    display = RocCurveDisplay if kind == "roc" else PrecisionRecallDisplay
    out = display.from_predictions(positives, score, ["rest", str(pos_label)], ax=ax)
    if ax is None and figsize is not None:
        out.figure_.set_size_inches(*figsize)
    return out


def plot_roc(y_true, y_score, pos_label, castable=None, cutstep=0.001, figsize=(8, 8),
             fontsize_spec=None, linewidth=1, id_vars=None, ax=None):
    """The ROC curve of *y_score* for class *pos_label*, its AUC in the legend (DLPy ``plot_roc``).

    Args:
        y_true, y_score, pos_label, castable, id_vars: as :func:`roc_auc_score`.
        cutstep, fontsize_spec, linewidth: DLPy's drawing options; accepted
            (scikit-learn finds every threshold).
        figsize: the figure's size in inches.
        ax: draw on this matplotlib axes instead of a new figure.

    Returns:
        A display with ``.figure_`` and ``.ax_``.

    Example:
        >>> from dl_notebook.dlpy.metrics import plot_roc
        >>> plot_roc([0, 1, 1, 0], [0.2, 0.9, 0.6, 0.4], pos_label=1).scores
        {'1': 1.0}
    """
    return _curve_plot("roc", y_true, y_score, castable, pos_label, id_vars, figsize, ax)


def plot_precision_recall(y_true, y_score, pos_label, castable=None, cutstep=0.001,
                          figsize=(8, 8), fontsize_spec=None, linewidth=1, id_vars=None,
                          ax=None):
    """The precision-recall curve of *y_score* for class *pos_label* (DLPy ``plot_precision_recall``).

    Args:
        y_true, y_score, pos_label, castable, cutstep, figsize, fontsize_spec,
            linewidth, id_vars, ax: as :func:`plot_roc`.

    Returns:
        A display with ``.figure_`` and ``.ax_``.

    Example:
        >>> from dl_notebook.dlpy.metrics import plot_precision_recall
        >>> d = plot_precision_recall([0, 1, 1, 0], [0.2, 0.9, 0.6, 0.4], pos_label=1)
        >>> d.scores
        {'1': 1.0}
    """
    return _curve_plot("precision_recall", y_true, y_score, castable, pos_label, id_vars,
                       figsize, ax)
