"""A clickable confusion matrix: click a cell, a class or "All" to browse the images behind it.

:class:`ConfusionMatrixWidget` views a ``ConfusionMatrixDisplay``
(``res.confusion_matrix()``): the matrix is an HTML table drawn by
``_confusion.js`` (true classes in rows, predicted classes in columns, cells
coloured by their rate, the text a count or a rate), with a counts / rates
toggle. An :class:`~dl_notebook.widgets.browser.ImageBrowser` below the matrix
shows what was clicked:

- a cell: the images of that (true, predicted) pair (:meth:`~ConfusionMatrixWidget.select`);
- "All misclassified" / "All correct": those images across every cell
  (:meth:`~ConfusionMatrixWidget.show_all`);
- a row's or column's class name: that true or predicted class, keeping the
  browser's type (:meth:`~ConfusionMatrixWidget.select_class`).

The browser's own controls (Show, True, Predicted) change the filter further;
the matrix outlines the cell, or marks the class, that the browser shows.
"""

from __future__ import annotations

import anywidget
import ipywidgets
import numpy as np
import traitlets

from dl_notebook.errors import InvalidArgumentError
from dl_notebook.widgets._assets import widget_assets
from dl_notebook.widgets.browser import ImageBrowser, class_index

__all__ = ["ConfusionMatrixWidget"]

NORMALIZE = (None, "true", "pred", "all")


def normalized(counts: np.ndarray, normalize) -> np.ndarray:
    """*counts* as scikit-learn's ``confusion_matrix(..., normalize=...)`` gives them.

    Example:
        >>> normalized(np.array([[3, 1], [0, 0]]), "true").tolist()
        [[0.75, 0.25], [0.0, 0.0]]
    """
    counts = np.asarray(counts)
    if normalize is None:
        return counts
    with np.errstate(all="ignore"):
        if normalize == "true":
            rates = counts / counts.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            rates = counts / counts.sum(axis=0, keepdims=True)
        else:
            rates = counts / counts.sum()
    return np.nan_to_num(rates)


def cell_labels(matrix: np.ndarray, normalize) -> list:
    """The text drawn in each cell: the count, or the rate with two decimals."""
    if normalize is None:
        return [[str(int(v)) for v in row] for row in matrix]
    return [[f"{float(v):.2f}" for v in row] for row in matrix]


class _MatrixView(anywidget.AnyWidget):
    """The browser part: the table, the counts/rates toggle and the colour scale."""

    _esm, _css = widget_assets("confusion")
    class_names = traitlets.List(traitlets.Unicode(), help="Class names, in index order.").tag(
        sync=True
    )
    normalize = traitlets.Unicode(
        None, allow_none=True, help="None (counts), 'true' (rows) or 'pred' (columns)."
    ).tag(sync=True)
    counts = traitlets.List(help="K×K counts: rows true classes, columns predicted.").tag(
        sync=True
    )
    labels = traitlets.List(help="K×K texts drawn in the cells.").tag(sync=True)
    shade = traitlets.List(help="K×K colour values in [0, 1] (rates).").tag(sync=True)
    selected = traitlets.List(help="[true, pred] the browser shows, None for any class; "
                              "[] before the first click.").tag(sync=True)
    img_type = traitlets.Unicode("", help="The browser's image type (A, C or M), or ''.").tag(
        sync=True)
    caption = traitlets.Unicode(help="Line under the title.").tag(sync=True)


class ConfusionMatrixWidget(ipywidgets.VBox):
    """A confusion matrix to click: each cell opens the image browser on its images.

    The matrix shows counts or rates (``normalize``: None, "true" for rates per
    true class, "pred" per predicted class, as scikit-learn's
    ``confusion_matrix``); cells are coloured by their rate. :meth:`select` (what
    a click does) shows the images of one (true, predicted) pair in an
    :class:`~dl_notebook.widgets.browser.ImageBrowser` below the matrix.

    Args:
        display: a ``ConfusionMatrixDisplay`` (``res.confusion_matrix(...)``).

    Attributes:
        result: the evaluation result behind the matrix.
        matrix_display: the display given.
        view: the anywidget that draws the matrix.
        browser: the ImageBrowser, None before the first :meth:`select`.
        normalize: None, "true" or "pred"; the view's toggle sets it too.
        matrix: the numbers drawn (counts or rates).

    Example:
        >>> from dl_notebook.evaluate import EvaluationResult
        >>> x = np.zeros((4, 8, 8, 1), np.float32)
        >>> res = EvaluationResult([0, 1, 0, 1], [[.9, .1], [.2, .8], [.4, .6], [.7, .3]],
        ...                        class_names=["cat", "dog"], data=(x, [0, 1, 0, 1]))
        >>> widget = ConfusionMatrixWidget(res.confusion_matrix())
        >>> widget.matrix.tolist(), widget.browser is None
        ([[1, 1], [1, 1]], True)
        >>> widget.select("cat", "dog").indices.tolist()
        [2]
        >>> sorted(widget.show_all("M").indices.tolist()), widget.view.selected
        ([2, 3], [None, None])
        >>> widget.select_class(pred_class="cat").summary
        'Misclassified · pred cat · 1 image · page 1/1'
        >>> widget.normalize = "true"; widget.view.labels
        [['0.50', '0.50'], ['0.50', '0.50']]
    """

    normalize = traitlets.Unicode(
        None, allow_none=True,
        help="None (counts), 'true' (rates per row), 'pred' (per column) or 'all'.",
    )

    def __init__(self, display):
        self.matrix_display = display
        self.result = display.result
        self.browser = None
        names = [str(name) for name in display.class_names]
        if getattr(display, "normalize", None) is None:
            counts = np.asarray(display.matrix)
        else:
            counts = np.asarray(self.result.confusion_matrix(normalize=None).matrix)
        self._counts = counts.astype(np.int64)
        total = int(self._counts.sum())
        accuracy = np.trace(self._counts) / total if total else 0.0
        self.view = _MatrixView(
            class_names=names,
            counts=self._counts.tolist(),
            caption=f"{total:,} images · accuracy {accuracy:.1%} · "
            "click a cell, a class name or “All …” to browse the images",
        )
        super().__init__(children=[self.view], layout=ipywidgets.Layout(width="100%"))
        self.view.on_msg(self._on_message)
        self.normalize = getattr(display, "normalize", None)
        self._draw()
        traitlets.link((self, "normalize"), (self.view, "normalize"))

    @property
    def matrix(self) -> np.ndarray:
        """The numbers drawn: counts, or rates per ``normalize`` (as scikit-learn's)."""
        return normalized(self._counts, self.normalize)

    def select(self, true_class, pred_class) -> ImageBrowser:
        """Show the images of true class *true_class* predicted as *pred_class* below the matrix.

        Classes are names or indices (what a click on a cell does). The first call
        makes the browser; later ones re-filter it. Returns the browser.
        """
        true = class_index(self.result, true_class, "true_class")
        pred = class_index(self.result, pred_class, "pred_class")
        return self._show(img_type="A", true_class=true, pred_class=pred)

    def show_all(self, img_type="M") -> ImageBrowser:
        """Show every misclassified (``"M"``), correct (``"C"``) or (``"A"``) image, any class.

        What the "All misclassified" and "All correct" buttons do. Returns the browser.
        """
        if not isinstance(img_type, str) or img_type.upper() not in ("A", "C", "M"):
            raise InvalidArgumentError(
                f"img_type must be 'A' (all), 'C' (correct) or 'M' (misclassified); got "
                f"{img_type!r}."
            )
        return self._show(img_type=img_type.upper(), true_class=None, pred_class=None)

    def select_class(self, true_class=None, pred_class=None) -> ImageBrowser:
        """Show the images of one true class, or of one predicted class, of the browser's type.

        What a click on a row's or a column's class name does: the other class
        becomes "any"; the type (all, correct, misclassified) stays. Returns the browser.
        """
        if (true_class is None) == (pred_class is None):
            raise InvalidArgumentError("Give one class: true_class or pred_class.")
        true = None if true_class is None else class_index(self.result, true_class, "true_class")
        pred = None if pred_class is None else class_index(self.result, pred_class, "pred_class")
        return self._show(true_class=true, pred_class=pred)

    def _show(self, **wanted) -> ImageBrowser:
        if self.browser is None:
            self.browser = ImageBrowser(self.result, sort="confidence", **wanted)
            self.browser.observe(self._follow_browser, ["img_type", "true_class", "pred_class"])
            self.children = (self.view, self.browser)
        else:
            self.browser.set_filter(**wanted)
        self._follow_browser()
        return self.browser

    def _follow_browser(self, _change=None) -> None:
        """Mark what the browser shows (its filter may change from its own controls)."""
        browser = self.browser
        with self.view.hold_sync():
            self.view.selected = [browser.true_class, browser.pred_class]
            self.view.img_type = browser.img_type

    @traitlets.validate("normalize")
    def _check_normalize(self, proposal):
        value = proposal["value"]
        if value not in NORMALIZE:
            raise InvalidArgumentError(
                f"normalize must be None, 'true', 'pred' or 'all'; got {value!r}."
            )
        return value

    @traitlets.observe("normalize")
    def _normalize_changed(self, _change):
        if hasattr(self, "view"):
            self._draw()

    def _draw(self) -> None:
        matrix = self.matrix
        shade = normalized(self._counts, "pred" if self.normalize == "pred" else "true")
        with self.view.hold_sync():
            self.view.labels = cell_labels(matrix, self.normalize)
            self.view.shade = np.round(shade, 4).tolist()

    def _on_message(self, _widget, content, _buffers) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "select":
            self.select(int(content["true"]), int(content["pred"]))
        elif kind == "all":
            self.show_all(str(content.get("img_type", "M")))
        elif kind == "class":
            self.select_class(content.get("true"), content.get("pred"))
