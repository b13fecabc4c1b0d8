"""An image browser over an evaluation result: pages of thumbnails with their predictions.

:class:`ImageBrowser` shows the examples an
:class:`~dl_notebook.evaluate.EvaluationResult` selects (all, correct or
misclassified, optionally one true and one predicted class), one page at a time:
each card has the thumbnail, its index in the data under it, the true label, the
prediction (red when wrong), the confidence and the top-5 probabilities. The header
shows the filter as controls (Show: All / Correct / Misclassified; True and
Predicted: a class or any), and a colour scale while a heatmap is overlaid. Only the current page's thumbnails are
made, by the result's ``page(...)``; a toggle overlays the heatmaps of any
method registered in :mod:`dl_notebook.explain.registry` (the page receives
their names and titles in the ``methods`` trait), computed for the whole page
in one batch. The kernel holds the state
(``indices``, ``page``); the browser part (``_browser.js``) draws the synced
traits and sends what the user does as messages, so it also works in Voila,
where views render after the notebook has run.
"""

from __future__ import annotations

import math
import weakref

import numpy as np
import traitlets

from dl_notebook.errors import InvalidArgumentError
from dl_notebook.explain import registry
from dl_notebook.explain.overlay import colormap_colors
from dl_notebook.widgets._assets import widget_assets
from dl_notebook.widgets._paging import PagedBrowser, data_url, is_int

__all__ = ["ImageBrowser"]

_KEEP = object()  # set_filter: leave this part of the filter as it is
_TYPE_LABELS = {"A": "All images", "C": "Correctly classified", "M": "Misclassified"}
_OPEN: weakref.WeakSet = weakref.WeakSet()  # browsers whose method list follows the registry


def heatmap_methods() -> list:
    """The heatmap methods a browser offers: name, title and needs of each registered method.

    Example:
        >>> [m["title"] for m in heatmap_methods()][:2]
        ['Grad-CAM', 'Grad-CAM++']
    """
    return [method.as_dict() for method in registry.methods()]


def _follow_registry():
    methods = heatmap_methods()
    for browser in list(_OPEN):
        browser.methods = methods


registry.on_change(_follow_registry)


def class_index(result, value, what="class") -> int:
    """The index of a class given by name or index, checked against ``result.class_names``."""
    names = [str(name) for name in result.class_names]
    if is_int(value) and 0 <= int(value) < len(names):
        return int(value)
    if isinstance(value, str) and value in names:
        return names.index(value)
    raise InvalidArgumentError(
        f"{what} must be a class name or an index from 0 to {len(names) - 1}; got {value!r}."
    )


def _finite(value):
    value = float(value)
    return value if math.isfinite(value) else None


def _item(entry: dict) -> dict:
    """One page entry as JSON-safe values, without the PNG bytes."""
    return {
        "index": int(entry["index"]),
        "true": str(entry["true"]),
        "pred": str(entry["pred"]),
        "correct": bool(entry["correct"]),
        "confidence": _finite(entry["confidence"]),
        "loss": _finite(entry["loss"]),
        "top": [[str(name), _finite(p)] for name, p in entry["top"]],
    }


class ImageBrowser(PagedBrowser):
    """Page through the images an evaluation selects, with predictions and heatmaps.

    The filter is the one of ``result.select(img_type, true_class, pred_class,
    sort)``; pages hold ``page_size`` images and are numbered from 0 (the header
    shows them from 1). Prev/Next, the arrow keys and PageUp/PageDown (when the
    browser has the keyboard focus), :meth:`next_page`, :meth:`prev_page` and
    :meth:`go` all stay within the pages. Setting :attr:`heatmap` (or pressing the
    toggle) redraws the page's thumbnails with that heatmap overlaid.

    Args:
        result: an ``EvaluationResult`` (``net.evaluate(data)``).
        img_type: "A" (all), "C" (correctly classified) or "M" (misclassified).
        true_class, pred_class: a class name or index, or None for any.
        sort: None, "confidence" (most confident first) or "loss" (largest first).
        page_size: images per page (1 to 500).
        thumb_size: thumbnail side in pixels (16 to 512).

    Attributes:
        result: the evaluation result shown.
        page: the current page (0-based); setting it clamps it to the pages.
        n_pages: the number of pages (at least 1).
        n_images: the number of images the filter selects.
        items: the current page's entries of ``result.page(...)``, without the PNG bytes.
        heatmap: None or the name of a registered heatmap method ("gradcam", ...).
        methods: the registered heatmap methods (``name``, ``title``, ...) the
            page offers; a method registered later is added.
        summary: the header line, e.g. "Misclassified · true 3 → pred 8 · 37 images · page 2/4".

    Example:
        >>> import numpy as np
        >>> from dl_notebook.evaluate import EvaluationResult
        >>> x = np.zeros((4, 8, 8, 1), np.float32)
        >>> res = EvaluationResult([0, 1, 0, 1], [[.9, .1], [.2, .8], [.4, .6], [.7, .3]],
        ...                        class_names=["cat", "dog"], data=(x, [0, 1, 0, 1]))
        >>> browser = ImageBrowser(res, page_size=3)
        >>> browser.n_images, browser.n_pages, len(browser.items)
        (4, 2, 3)
        >>> browser.next_page(); browser.next_page(); browser.page
        1
        >>> browser.set_filter(img_type="M"); browser.summary
        'Misclassified · 2 images · page 1/1'

        A filter that could match nothing by its own terms adapts the parts not
        given: "Correct" on the images of true cat predicted as dog keeps the
        true class, so it shows the correct cats.

        >>> browser.set_filter(img_type="A", true_class="cat", pred_class="dog")
        >>> browser.set_filter(img_type="C"); browser.summary
        'Correctly classified · true cat · 1 image · page 1/1'
    """

    _esm, _css = widget_assets("browser")

    img_type = traitlets.Unicode("A", help="A (all), C (correct) or M (misclassified).").tag(
        sync=True
    )
    true_class = traitlets.Int(None, allow_none=True, help="Index of the true class shown, or "
                               "None for any (read-only).").tag(sync=True)
    pred_class = traitlets.Int(None, allow_none=True, help="Index of the predicted class "
                               "shown, or None for any (read-only).").tag(sync=True)
    class_names = traitlets.List(traitlets.Unicode(), help="Class names, in index order.").tag(
        sync=True)
    heat_colors = traitlets.List(traitlets.Unicode(), help="The heatmap colour scale, low to "
                                 "high (CSS colours).").tag(sync=True)
    heatmap = traitlets.Unicode(
        None, allow_none=True, help="Heatmap overlaid on the thumbnails, or None."
    ).tag(sync=True)
    methods = traitlets.List(
        traitlets.Dict(), help="Heatmap methods offered: name, title, description, needs."
    ).tag(sync=True)

    def __init__(self, result, img_type="A", true_class=None, pred_class=None,
                 sort="confidence", page_size=24, *, thumb_size=96):
        if not is_int(page_size) or not 1 <= page_size <= 500:
            raise InvalidArgumentError(
                f"page_size must be an integer from 1 to 500; got {page_size!r}."
            )
        if not is_int(thumb_size) or not 16 <= thumb_size <= 512:
            raise InvalidArgumentError(
                f"thumb_size must be an integer from 16 to 512 pixels; got {thumb_size!r}."
            )
        super().__init__(page_size=int(page_size), thumb_size=int(thumb_size),
                         methods=heatmap_methods(), heat_colors=colormap_colors(),
                         class_names=[str(name) for name in result.class_names])
        _OPEN.add(self)
        self.result = result
        self._filter = {"img_type": "A", "true_class": None, "pred_class": None, "sort": None}
        self.set_filter(img_type=img_type, true_class=true_class, pred_class=pred_class,
                        sort=sort)

    # ----------------------------------------------------------------- public API
    @property
    def filter(self) -> dict:
        """The current filter: img_type, true_class, pred_class and sort."""
        return dict(self._filter)

    def set_filter(self, *, img_type=_KEEP, true_class=_KEEP, pred_class=_KEEP, sort=_KEEP):
        """Select other images (the parts not given stay as they are) and go to the first page.

        When the new filter contradicts itself (correct images of a true class
        predicted as another, or misclassified ones of the same true and predicted
        class), a part not given gives way: the predicted class (else the true
        class) is dropped, or, when both classes are given, the type becomes "A".

        Args:
            img_type: "A", "C" or "M" (lower case accepted).
            true_class, pred_class: a class name or index, or None for any.
            sort: None, "confidence" or "loss".
        """
        wanted, given = dict(self._filter), set()
        for key, value in (("img_type", img_type), ("true_class", true_class),
                           ("pred_class", pred_class), ("sort", sort)):
            if value is not _KEEP:
                wanted[key] = value
                given.add(key)
        indices = np.asarray(self.result.select(**wanted), dtype=np.int64)  # validates
        wanted["img_type"] = str(wanted["img_type"]).upper()
        if self._contradicts(wanted):
            if "pred_class" not in given:
                wanted["pred_class"] = None
            elif "true_class" not in given:
                wanted["true_class"] = None
            elif "img_type" not in given:
                wanted["img_type"] = "A"
            indices = np.asarray(self.result.select(**wanted), dtype=np.int64)
        self._filter = wanted
        self._select(indices, img_type=wanted["img_type"],
                     true_class=self._single(wanted["true_class"]),
                     pred_class=self._single(wanted["pred_class"]))

    # ------------------------------------------------------------------ internals
    def _single(self, value):
        """The index of one class, or None for any class (or several)."""
        if value is None or isinstance(value, (list, tuple, np.ndarray)):
            return None
        return class_index(self.result, value)

    def _contradicts(self, wanted) -> bool:
        true, pred = self._single(wanted["true_class"]), self._single(wanted["pred_class"])
        if true is None or pred is None:
            return False
        kind = wanted["img_type"]
        return (kind == "C" and true != pred) or (kind == "M" and true == pred)

    @traitlets.validate("heatmap")
    def _check_heatmap(self, proposal):
        value = proposal["value"]
        if value in (None, "", "none", "None"):
            return None
        return registry.get(value).name  # an unknown name: "Unknown heatmap method ..."

    @traitlets.observe("heatmap")
    def _heatmap_changed(self, change):
        try:
            self._load_page()
        except Exception:
            self.set_trait("heatmap", change["old"])  # keep what is shown and what is set alike
            raise

    def _class_name(self, value):
        return None if value is None else str(self.result.class_names[class_index(self.result,
                                                                                   value)])

    def _summary(self) -> str:
        parts = [_TYPE_LABELS.get(self._filter["img_type"], self._filter["img_type"])]
        true = self._class_name(self._filter["true_class"])
        pred = self._class_name(self._filter["pred_class"])
        if true is not None and pred is not None:
            parts.append(f"true {true} → pred {pred}")
        elif true is not None:
            parts.append(f"true {true}")
        elif pred is not None:
            parts.append(f"pred {pred}")
        parts.append(f"{self.n_images:,} image{'' if self.n_images == 1 else 's'}")
        parts.append(f"page {self.page + 1}/{self.n_pages}")
        return " · ".join(parts)

    def _load_page(self) -> None:
        """Make the current page's entries and thumbnails (heatmaps in one batch)."""
        self.busy = True
        try:
            entries = []
            if len(self._indices):
                entries = self.result.page(self._indices, self.page, page_size=self.page_size,
                                           thumb_size=self.thumb_size, heatmap=self.heatmap)
            items = [_item(entry) for entry in entries]
            self._show_page(items, [data_url(entry["thumbnail"]) for entry in entries])
        finally:
            self.busy = False

    def _act(self, kind, content) -> None:
        if kind == "heatmap":
            self.heatmap = content.get("method")
        elif kind == "filter":
            keys = ("img_type", "true_class", "pred_class")
            self.set_filter(**{key: content[key] for key in keys if key in content})
