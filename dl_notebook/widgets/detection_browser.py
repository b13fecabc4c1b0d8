"""A detection browser: pages of images with their true and predicted boxes, filtered by error.

:class:`DetectionBrowser` shows a detector's boxes over the images, one page
at a time: the ground truth dashed, the predictions solid with their class
and score. Its filters are those of
:func:`~dl_notebook.evaluate.detection_errors.detection_errors`: images with
**missed** boxes (ground truth no detection of its class found at IoU ≥ 0.5),
**false** boxes (detections that match nothing), **badly placed** boxes (the
right class at 0.1 ≤ IoU < 0.5), or all images; each filter shows how many
boxes and images it holds, and a class picker narrows them to one class. Box
colours say what each box is: found (yellow, dashed) or missed (red, dashed)
ground truth, matched (green), badly placed (orange) or false (red)
detections. As in the image browser (:mod:`.browser`), the kernel holds the
state and makes only the current page's thumbnails; ``_detection_browser.js``
draws the boxes over them as SVG and sends what the user does as messages.
"""

from __future__ import annotations

import numpy as np
import traitlets

from dl_notebook.errors import InvalidArgumentError
from dl_notebook.evaluate._detection_figures import _rgb_uint8
from dl_notebook.evaluate._images import png_bytes
from dl_notebook.evaluate.detection import _read_images
from dl_notebook.evaluate.detection_errors import detection_errors
from dl_notebook.widgets._assets import widget_assets
from dl_notebook.widgets._paging import PagedBrowser, data_url, is_int
from dl_notebook.widgets.browser import class_index

__all__ = ["DetectionBrowser"]

_KEEP = object()  # set_filter: leave this part of the filter as it is
SHOW = {"all": "All images", "missed": "Missed boxes", "false": "False boxes",
        "poor": "Badly placed boxes"}


def _plural(n, word):
    return f"{n:,} {word}{'' if n == 1 else 'es' if word.endswith('x') else 's'}"


class DetectionBrowser(PagedBrowser):
    """Page through a detector's boxes: missed, false and badly placed ones, or all.

    Args:
        images: the images (``(N, H, W, C)`` array or list, 0..255 or 0..1),
            or a ``DetectionDataset`` (decoded a page at a time).
        ground_truth: one dict per image with ``boxes`` (xyxy pixels of the
            image shown) and ``labels``.
        predictions: one dict per image with ``boxes``, ``labels`` and
            ``scores`` (``net.predict_boxes(images)``).
        class_names: the class names; default the dataset's, else the ids.
        show: ``"all"``, ``"missed"``, ``"false"`` or ``"poor"`` (badly placed).
        class_id: a class name or id: only images with such boxes; None for any.
        page_size: images per page (1 to 200).
        thumb_size: image side in pixels (32 to 640).
        iou, poor: the IoU thresholds of :func:`detection_errors`.
        score_threshold: predictions scored lower are left out.

    Attributes:
        errors: :func:`detection_errors` of the predictions kept, per image.
        indices: the images the filter selects, in order.
        counts: per filter ``{"boxes": n, "images": n}`` (for the class picked).
        items: the current page's images: their boxes, with their status.

    Example:
        >>> import numpy as np
        >>> images = np.zeros((3, 32, 32, 3), np.uint8)
        >>> truth = [{"boxes": [[2, 2, 12, 12]], "labels": [0]}] * 3
        >>> found = [{"boxes": [[2, 2, 12, 12]], "labels": [0], "scores": [0.9]},
        ...          {"boxes": [[20, 20, 30, 30]], "labels": [1], "scores": [0.8]},
        ...          {"boxes": [[5, 5, 15, 15]], "labels": [0], "scores": [0.7]}]
        >>> browser = DetectionBrowser(images, truth, found, ["ring", "star"], page_size=2)
        >>> browser.counts["missed"], browser.n_pages
        ({'boxes': 2, 'images': 2}, 2)
        >>> browser.set_filter(show="false"); browser.summary
        'False boxes · 1 box in 1 image · page 1/1'
    """

    _esm, _css = widget_assets("detection_browser", "browser")

    show = traitlets.Unicode("all", help="all, missed, false or poor.").tag(sync=True)
    class_id = traitlets.Int(None, allow_none=True, help="Class shown, or None for any "
                             "(read-only).").tag(sync=True)
    class_names = traitlets.List(traitlets.Unicode(), help="Class names, in id order.").tag(
        sync=True)
    counts = traitlets.Dict(help="Per filter: boxes and images (read-only).").tag(sync=True)

    def __init__(self, images, ground_truth, predictions, class_names=None, show="all",
                 class_id=None, page_size=12, *, thumb_size=192, iou=0.5, poor=0.1,
                 score_threshold=0.0):
        if not is_int(page_size) or not 1 <= page_size <= 200:
            raise InvalidArgumentError(
                f"page_size must be an integer from 1 to 200; got {page_size!r}.")
        if not is_int(thumb_size) or not 32 <= thumb_size <= 640:
            raise InvalidArgumentError(
                f"thumb_size must be an integer from 32 to 640 pixels; got {thumb_size!r}.")
        if len(images) != len(ground_truth):
            raise InvalidArgumentError(
                f"There are {len(images)} images but {len(ground_truth)} ground-truth entries; "
                "give one per image.")
        truths = _read_images(ground_truth, "ground_truth", with_scores=False)
        found = [(b[s >= score_threshold], lab[s >= score_threshold], s[s >= score_threshold])
                 for b, lab, s in _read_images(predictions, "predictions", with_scores=True)]
        self._truth = [{"boxes": b, "labels": lab} for b, lab, _ in truths]
        self._found = [{"boxes": b, "labels": lab, "scores": s} for b, lab, s in found]
        self.errors = detection_errors(self._truth, self._found, iou=iou, poor=poor)
        if class_names is None:
            class_names = getattr(images, "class_names", None)
        if class_names is None:
            largest = max((int(e["labels"].max()) for e in self._truth + self._found
                           if len(e["labels"])), default=-1)
            class_names = [str(i) for i in range(largest + 1)]
        super().__init__(page_size=int(page_size), thumb_size=int(thumb_size),
                         class_names=[str(name) for name in class_names])
        self.images = images
        self.set_filter(show=show, class_id=class_id)

    @classmethod
    def from_network(cls, net, data, score_threshold=0.3, iou_threshold=0.45, **options):
        """A browser of *net*'s boxes on *data* (a ``DetectionDataset``).

        Args:
            net: a detection network (``net.predict_boxes``).
            data: a ``DetectionDataset``; its ``ground_truth()`` is compared.
            score_threshold, iou_threshold: as for ``net.predict_boxes``.
            **options: the other arguments of :class:`DetectionBrowser`.
        """
        predictions = net.predict_boxes(data, score_threshold=score_threshold,
                                        iou_threshold=iou_threshold)
        return cls(data, data.ground_truth(), predictions, data.class_names, **options)

    # ----------------------------------------------------------------- public API
    def set_filter(self, *, show=_KEEP, class_id=_KEEP):
        """Select other images (a part not given stays as it is) and go to the first page.

        Args:
            show: ``"all"``, ``"missed"``, ``"false"`` or ``"poor"``.
            class_id: a class name or id, or None for any class.
        """
        show = self.show if show is _KEEP else str(show).lower()
        if show not in SHOW:
            raise InvalidArgumentError(
                f"show must be one of {', '.join(map(repr, SHOW))}; got {show!r}.")
        if class_id is _KEEP:
            class_id = self.class_id
        elif class_id is not None:
            class_id = class_index(self, class_id, "class_id")
        per_image = {kind: self._boxes_of(kind, class_id) for kind in SHOW}
        counts = {kind: {"boxes": int(sum(n)), "images": int(np.count_nonzero(n))}
                  for kind, n in per_image.items()}
        if class_id is None:
            counts["all"]["images"] = len(self._truth)
        indices = np.flatnonzero(per_image[show]) if show != "all" or class_id is not None \
            else np.arange(len(self._truth))
        self._select(indices, show=show, class_id=class_id, counts=counts)

    # ------------------------------------------------------------------ internals
    def _boxes_of(self, kind, class_id):
        """Per image the number of boxes of *kind* (of class *class_id*, or any)."""
        counts = []
        for truth, found, errors in zip(self._truth, self._found, self.errors):
            if kind == "all":
                labels = np.concatenate([truth["labels"], found["labels"]])
            elif kind == "missed":
                labels = truth["labels"][errors["missed"]]
            else:
                labels = found["labels"][errors[kind]]
            counts.append(len(labels) if class_id is None else int(np.sum(labels == class_id)))
        return np.asarray(counts, dtype=np.int64)

    def _image(self, i):
        if hasattr(self.images, "ground_truth"):  # a DetectionDataset: decode this one
            return _rgb_uint8(self.images[i]["image"])
        return _rgb_uint8(self.images[i])

    def _item(self, i, image):
        truth, found, errors = self._truth[i], self._found[i], self.errors[i]
        missed = set(errors["missed"].tolist())
        status = {int(d): kind for kind in ("false", "poor", "matched") for d in errors[kind]}
        return {
            "index": int(i), "height": int(image.shape[0]), "width": int(image.shape[1]),
            "truth": [{"box": [round(float(v), 2) for v in box], "label": int(label),
                       "status": "missed" if g in missed else "found"}
                      for g, (box, label) in enumerate(zip(truth["boxes"], truth["labels"]))],
            "pred": [{"box": [round(float(v), 2) for v in box], "label": int(label),
                      "score": round(float(score), 4), "status": status[d]}
                     for d, (box, label, score) in enumerate(zip(found["boxes"], found["labels"],
                                                                 found["scores"]))],
            "counts": {kind: len(errors[kind]) for kind in ("missed", "false", "poor")},
        }

    def _summary(self) -> str:
        parts = [SHOW[self.show]]
        if self.class_id is not None:
            parts.append(self.class_names[self.class_id])
        if self.show == "all":
            parts.append(_plural(self.n_images, "image"))
        else:
            count = self.counts[self.show]
            parts.append(f"{_plural(count['boxes'], 'box')} in {_plural(count['images'], 'image')}")
        parts.append(f"page {self.page + 1}/{self.n_pages}")
        return " · ".join(parts)

    def _load_page(self) -> None:
        self.busy = True
        try:
            start = self.page * self.page_size
            items, thumbnails = [], []
            for i in self._indices[start:start + self.page_size]:
                image = self._image(int(i))
                items.append(self._item(int(i), image))
                thumbnails.append(data_url(png_bytes(image, size=self.thumb_size)))
            self._show_page(items, thumbnails)
        finally:
            self.busy = False

    def _act(self, kind, content) -> None:
        if kind == "filter":
            self.set_filter(**{key: content[key] for key in ("show", "class_id") if key in content})
