"""ConfusionMatrixDisplay: the confusion matrix as a picture and, in a notebook, a widget.

Drawn like scikit-learn's display (``from_predictions`` -> ``plot``): the
matrix as an image with the count or rate in each cell, class names on the
axes and a colour bar. Inside a notebook kernel, when the widget libraries
are installed, it shows as the clickable matrix view (cells open an image
browser of their examples) with the picture as a fallback for nbconvert
and GitHub.
"""

from __future__ import annotations

import base64

import numpy as np

from .. import _views
from .._display import FigureDisplay
from ..errors import InvalidArgumentError, MissingDependencyError

__all__ = ["ConfusionMatrixDisplay"]

_NORMALIZE = (None, "true", "pred", "all")
_MAX_CELL_TEXT = 30  # classes up to which each cell shows its value


def _check_normalize(normalize):
    if normalize not in _NORMALIZE:
        raise InvalidArgumentError(
            f"normalize must be None, 'true', 'pred' or 'all'; got {normalize!r}."
        )
    return normalize


class ConfusionMatrixDisplay(FigureDisplay):
    """A confusion matrix: rows are true classes, columns predicted classes.

    Args:
        matrix: K×K counts or rates.
        class_names: K class names.
        normalize: None, ``"true"``, ``"pred"`` or ``"all"`` (how *matrix* was made).
        result: the :class:`EvaluationResult` it comes from (the widget browses its images).

    Attributes:
        matrix, class_names, normalize, result; ``figure_``, ``ax_``, ``im_``
        (the image) after :meth:`plot`.

    Example:
        >>> from dl_notebook.evaluate import ConfusionMatrixDisplay
        >>> cm = ConfusionMatrixDisplay.from_predictions([0, 1, 1], [0, 1, 0],
        ...                                              class_names=["cat", "dog"])
        >>> cm.matrix.tolist(), [t.get_text() for t in cm.ax_.get_xticklabels()]
        ([[1, 0], [1, 1]], ['cat', 'dog'])
    """

    def __init__(self, matrix, class_names, *, normalize=None, result=None):
        self.matrix = np.asarray(matrix)
        self.class_names = list(class_names)
        self.normalize = _check_normalize(normalize)
        self.result = result
        self.figure_ = self.ax_ = self.im_ = None
        self._widget = None

    @classmethod
    def from_predictions(cls, y_true, y_pred, class_names=None, *, normalize=None, ax=None,
                         cmap="Blues", result=None):
        """Count true against predicted classes (scikit-learn's ``confusion_matrix``) and plot.

        Args:
            y_true, y_pred: class ids.
            class_names: names of the classes (default ``"0"``, ``"1"``, ... up
                to the largest id).
            normalize: None, ``"true"``, ``"pred"`` or ``"all"``.
            ax: matplotlib axes to draw into (default: a new figure).
            cmap: colour map.
            result: the evaluation result the predictions belong to.
        """
        from sklearn.metrics import confusion_matrix

        y_true = np.asarray(y_true).reshape(-1)
        y_pred = np.asarray(y_pred).reshape(-1)
        if class_names is None:
            top = max(int(y_true.max(initial=0)), int(y_pred.max(initial=0)))
            class_names = [str(c) for c in range(top + 1)]
        matrix = confusion_matrix(y_true, y_pred, labels=np.arange(len(class_names)),
                                  normalize=_check_normalize(normalize))
        return cls(matrix, class_names, normalize=normalize, result=result).plot(ax=ax, cmap=cmap)

    @classmethod
    def from_result(cls, result, *, normalize=None, ax=None, cmap="Blues"):
        """The confusion matrix of an :class:`EvaluationResult`."""
        return cls.from_predictions(result.y_true, result.y_pred, result.class_names,
                                    normalize=normalize, ax=ax, cmap=cmap, result=result)

    def plot(self, *, ax=None, cmap="Blues", values_format=None, colorbar=True):
        """Draw the matrix into *ax* (default: a new figure); returns ``self``.

        Args:
            ax: matplotlib axes.
            cmap: colour map.
            values_format: format of the cell values (default ``"d"`` for
                counts, ``".2f"`` for rates).
            colorbar: add a colour bar.
        """
        from matplotlib.figure import Figure

        k = len(self.class_names)
        if ax is None:
            side = min(12.0, 2.2 + 0.55 * k)
            fig = Figure(figsize=(side + 1.2, side))
            ax = fig.subplots()
        fig = ax.figure
        matrix = self.matrix
        self.im_ = ax.imshow(matrix, interpolation="nearest", cmap=cmap,
                             vmin=0, vmax=max(float(matrix.max(initial=0)), 1e-12))
        if k <= _MAX_CELL_TEXT:
            fmt = values_format or ("d" if self.normalize is None else ".2f")
            dark, light = self.im_.cmap(1.0), self.im_.cmap(0.0)
            middle = (float(matrix.max(initial=0)) + float(matrix.min(initial=0))) / 2.0
            size = 9 if k <= 12 else 7
            for (row, col), value in np.ndenumerate(matrix):
                ax.text(col, row, format(value, fmt), ha="center", va="center", fontsize=size,
                        color=light if value > middle else dark)
        ticks = np.arange(k)
        ax.set_xticks(ticks, self.class_names, rotation=45 if k > 6 else 0,
                      ha="right" if k > 6 else "center")
        ax.set_yticks(ticks, self.class_names)
        ax.set_xlabel("Predicted class")
        ax.set_ylabel("True class")
        title = {None: "Confusion matrix", "true": "Confusion matrix (rows: recall)",
                 "pred": "Confusion matrix (columns: precision)",
                 "all": "Confusion matrix (share of all)"}[self.normalize]
        ax.set_title(title)
        if colorbar:
            fig.colorbar(self.im_, ax=ax)
        self.figure_, self.ax_ = fig, ax
        return self

    def widget(self):
        """The interactive matrix (clicking a cell browses its examples); made once.

        It needs ipywidgets and anywidget, and a result (``res.confusion_matrix()``).
        """
        if self._widget is None:
            cls = _views.view_class("confusion")
            if cls is None:
                raise MissingDependencyError(
                    "The interactive confusion matrix is a notebook widget; install ipywidgets "
                    "and anywidget (pip install ipywidgets anywidget) to use it."
                )
            if self.result is None:
                raise InvalidArgumentError(
                    "The interactive matrix browses images of an evaluation; make it with "
                    "res.confusion_matrix()."
                )
            self._widget = cls(self)
        return self._widget

    def _repr_png_(self) -> bytes:
        if self.figure_ is None:
            self.plot()
        return super()._repr_png_()

    def _repr_mimebundle_(self, include=None, exclude=None):
        png = base64.b64encode(self._repr_png_()).decode("ascii")
        if (self.result is not None and _views.in_kernel()
                and _views.view_class("confusion") is not None):
            bundle = self.widget()._repr_mimebundle_(include=include, exclude=exclude)
            if isinstance(bundle, tuple):  # (data, metadata)
                data, metadata = bundle
                return {**(data or {}), "image/png": png}, metadata
            return {**(bundle or {}), "image/png": png}
        return {"image/png": png, "text/plain": repr(self)}

    def __repr__(self):
        kind = "counts" if self.normalize is None else f"normalize={self.normalize!r}"
        return f"<ConfusionMatrixDisplay {len(self.class_names)}x{len(self.class_names)}, {kind}>"
