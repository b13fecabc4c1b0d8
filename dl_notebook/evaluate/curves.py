"""ROC and precision-recall curves of a classifier, in the scikit-learn Display style.

A binary classifier gets one curve, for its positive (second) class; a
multi-class one gets one curve per class, one-vs-rest. The area under each
ROC curve (AUC) or its average precision (AP) is in the legend. The
numbers come from ``sklearn.metrics``.
"""

from __future__ import annotations

import numpy as np

from .._display import FigureDisplay
from ..errors import InvalidArgumentError

__all__ = ["PrecisionRecallDisplay", "RocCurveDisplay"]


def _chosen(class_names, classes, y_true):
    """``(drawn, skipped)`` class positions: *classes*, or the positive class, or all."""
    k = len(class_names)
    if classes is None:
        chosen = [1] if k == 2 else list(range(k))
    else:
        values = classes if isinstance(classes, (list, tuple, np.ndarray)) else [classes]
        chosen = []
        for c in values:
            if isinstance(c, str) and c in class_names:
                chosen.append(class_names.index(c))
            elif isinstance(c, (int, np.integer)) and not isinstance(c, bool) and 0 <= c < k:
                chosen.append(int(c))
            else:
                raise InvalidArgumentError(
                    f"classes must name classes of {class_names[:20]} or give their index; "
                    f"got {c!r}."
                )
    # a curve needs examples of the class and of the rest
    drawn = [c for c in chosen if 0 < np.count_nonzero(y_true == c) < len(y_true)]
    return drawn, [c for c in chosen if c not in drawn]


class _CurveDisplay(FigureDisplay):
    """Curves keyed by class name; subclasses set the axes, the score name and the drawing."""

    score_name = ""
    xlabel = ylabel = ""

    def __init__(self, x, y, scores, *, skipped=()):
        self.x, self.y, self.scores = dict(x), dict(y), dict(scores)
        self.skipped = list(skipped)
        self.figure_ = self.ax_ = None
        self.lines_ = []

    @classmethod
    def _curve(cls, positives, score):
        raise NotImplementedError

    @classmethod
    def from_predictions(cls, y_true, proba, class_names=None, *, classes=None, ax=None):
        """Curves for true class ids *y_true* and N×K probabilities *proba*; plotted.

        Args:
            y_true: N class ids.
            proba: N×K class probabilities (or N scores of the positive class).
            class_names: K names (default ``"0"``, ``"1"``, ...).
            classes: which classes get a curve (names or indices; default:
                the positive class when binary, else every class).
            ax: matplotlib axes to draw into.
        """
        y_true = np.asarray(y_true).reshape(-1)
        proba = np.asarray(proba, dtype=np.float64)
        if proba.ndim == 1:
            proba = np.stack([1 - proba, proba], axis=1)
        if proba.ndim != 2 or len(proba) != len(y_true):
            raise InvalidArgumentError(
                f"proba must have one row of class scores per label ({len(y_true)}); got shape "
                f"{proba.shape}."
            )
        if class_names is None:
            class_names = range(proba.shape[1])
        names = [str(c) for c in class_names]
        chosen, skipped = _chosen(names, classes, y_true)
        x, y, scores = {}, {}, {}
        for c in chosen:
            x[names[c]], y[names[c]], scores[names[c]] = cls._curve(y_true == c, proba[:, c])
        return cls(x, y, scores, skipped=[names[c] for c in skipped]).plot(ax=ax)

    @classmethod
    def from_result(cls, result, *, classes=None, ax=None):
        """The curves of an :class:`EvaluationResult`."""
        return cls.from_predictions(result.y_true, result.proba, result.class_names,
                                    classes=classes, ax=ax)

    def _draw(self, ax, name):
        return ax.plot(self.x[name], self.y[name],
                       label=f"{name} ({self.score_name} = {self.scores[name]:.3f})")[0]

    def _decorate(self, ax):
        pass

    def plot(self, *, ax=None):
        """Draw the curves into *ax* (default: a new figure); returns ``self``."""
        from matplotlib.figure import Figure

        if ax is None:
            ax = Figure(figsize=(5.2, 4.6)).subplots()
        self.lines_ = [self._draw(ax, name) for name in self.scores]
        self._decorate(ax)
        ax.set_xlim(-0.01, 1.01)
        ax.set_ylim(-0.01, 1.01)
        ax.set_xlabel(self.xlabel)
        ax.set_ylabel(self.ylabel)
        if self.lines_:
            ax.legend(loc="lower right" if type(self) is RocCurveDisplay else "lower left",
                      fontsize=8 if len(self.lines_) > 5 else 9)
        self.figure_, self.ax_ = ax.figure, ax
        return self

    def __repr__(self):
        parts = ", ".join(f"{name}: {score:.3f}" for name, score in self.scores.items())
        return f"<{type(self).__name__} {self.score_name} {{{parts}}}>"


class RocCurveDisplay(_CurveDisplay):
    """ROC curves (true positive rate against false positive rate) with their AUC.

    Attributes:
        fpr, tpr, roc_auc: dicts keyed by class name; ``skipped``: classes
        without a curve (no examples of them, or only them).

    Example:
        >>> from dl_notebook.evaluate import RocCurveDisplay
        >>> roc = RocCurveDisplay.from_predictions([0, 0, 1, 1], [.1, .4, .35, .8])
        >>> roc.roc_auc
        {'1': 0.75}
    """

    score_name = "AUC"
    xlabel, ylabel = "False positive rate", "True positive rate"

    @classmethod
    def _curve(cls, positives, score):
        from sklearn import metrics

        fpr, tpr, _ = metrics.roc_curve(positives, score)
        return fpr, tpr, float(metrics.auc(fpr, tpr))

    @property
    def fpr(self):
        return self.x

    @property
    def tpr(self):
        return self.y

    @property
    def roc_auc(self):
        return self.scores

    def _decorate(self, ax):
        ax.plot([0, 1], [0, 1], linestyle="--", color="0.6", linewidth=1, label="_chance")
        ax.set_title("ROC curve" + ("s (one-vs-rest)" if len(self.scores) > 1 else ""))


class PrecisionRecallDisplay(_CurveDisplay):
    """Precision-recall curves with their average precision (AP).

    Attributes:
        precision, recall, average_precision: dicts keyed by class name;
        ``skipped`` as :class:`RocCurveDisplay`.

    Example:
        >>> from dl_notebook.evaluate import PrecisionRecallDisplay
        >>> pr = PrecisionRecallDisplay.from_predictions([0, 0, 1, 1], [.1, .4, .35, .8])
        >>> round(pr.average_precision["1"], 4)
        0.8333
    """

    score_name = "AP"
    xlabel, ylabel = "Recall", "Precision"

    @classmethod
    def _curve(cls, positives, score):
        from sklearn import metrics

        precision, recall, _ = metrics.precision_recall_curve(positives, score)
        return recall, precision, float(metrics.average_precision_score(positives, score))

    @property
    def precision(self):
        return self.y

    @property
    def recall(self):
        return self.x

    @property
    def average_precision(self):
        return self.scores

    def _draw(self, ax, name):
        return ax.step(self.x[name], self.y[name], where="post",
                       label=f"{name} ({self.score_name} = {self.scores[name]:.3f})")[0]

    def _decorate(self, ax):
        ax.set_title("Precision-recall curve" + ("s (one-vs-rest)" if len(self.scores) > 1
                                                 else ""))
