"""The pictures behind an evaluation: display images, model inputs, thumbnails, heatmaps, pages.

An :class:`~dl_notebook.evaluate.EvaluationResult` reaches its images
through a source: an ``ImageDataset`` (files or arrays, decoded one at a
time) or the image arrays it was evaluated on. Pages of the image browser
decode only their own images, so turning a page costs the same for 100 or
100,000 examples.
"""

from __future__ import annotations

import io
from collections import OrderedDict

import numpy as np

from .. import _views
from ..errors import InvalidArgumentError, MissingDependencyError

__all__ = ["ImagesMixin", "image_source", "png_bytes"]

_THUMB_CACHE = 1024  # thumbnails kept per result (a few KB each)
_TOP = 5  # probabilities listed per example


def _fitted(img, size, rule):
    """*img* (uint8 H×W×C) at *size* = (height, width) by the dataset's resize rule."""
    from PIL import Image, ImageOps

    height, width = size
    if img.shape[:2] == (height, width):
        return img
    pil = Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img)
    if rule == "pad":  # keep the aspect, black borders (tf.image.resize_with_pad)
        pil = ImageOps.pad(pil, (width, height), method=Image.BILINEAR, color=0)
    elif rule == "crop":  # cover the size, cut the centre
        pil = ImageOps.fit(pil, (width, height), method=Image.BILINEAR)
    else:
        pil = pil.resize((width, height), Image.BILINEAR)
    out = np.asarray(pil)
    return out[..., None] if out.ndim == 2 else out


def _to_uint8(img):
    """A model input image as uint8 for display: 0..255 kept, 0..1 scaled, else stretched."""
    img = np.asarray(img)
    if img.dtype == np.uint8:
        return img
    img = img.astype(np.float64)
    low, high = (float(img.min()), float(img.max())) if img.size else (0.0, 0.0)
    if low >= 0 and high <= 1:
        img = img * 255.0
    elif low < 0 or high > 255:
        img = (img - low) * (255.0 / (high - low)) if high > low else np.zeros_like(img)
    return np.rint(np.clip(img, 0, 255)).astype(np.uint8)


class _DatasetImages:
    """Images of an ``ImageDataset``: decoded one at a time, resized like its pipeline."""

    def __init__(self, ds):
        self.ds = ds
        self.size = tuple(ds.image_size)

    def image(self, i):
        return _fitted(self.ds._raw_image(i), self.size, self.ds.resize)

    def model_input(self, idx):
        return self.ds.subset(idx).to_numpy()[0]


class _ArrayImages:
    """Images held as the array the model was evaluated on (N×H×W×C)."""

    def __init__(self, x):
        self.x = x
        self.size = tuple(x.shape[1:3])

    def image(self, i):
        return _to_uint8(self.x[i])

    def model_input(self, idx):
        return np.asarray(self.x[idx], dtype=np.float32)


def image_source(data, inputs):
    """Where a result's images come from, or None when its examples are not images."""
    if hasattr(data, "_raw_image") and getattr(data, "image_size", None) is not None:
        return _DatasetImages(data)
    if inputs is not None and inputs.ndim == 4 and inputs.shape[-1] in (1, 3):
        return _ArrayImages(inputs)
    return None


def png_bytes(img, size=None) -> bytes:
    """PNG of a uint8 H×W×C image, scaled to fit a *size* × *size* box (None: as it is).

    Small images are enlarged with square pixels (a digit stays sharp);
    large ones are shrunk smoothly.

    Example:
        >>> import numpy as np
        >>> png_bytes(np.zeros((8, 4, 1), np.uint8), size=32)[:4]
        b'\\x89PNG'
    """
    from PIL import Image

    img = np.asarray(img)
    pil = Image.fromarray(img[..., 0] if img.ndim == 3 and img.shape[-1] == 1 else img)
    if size is not None:
        height, width = img.shape[:2]
        scale = size / max(height, width)
        new = (max(1, round(width * scale)), max(1, round(height * scale)))
        if new != (width, height):
            pil = pil.resize(new, Image.NEAREST if scale >= 2 else Image.BILINEAR)
    out = io.BytesIO()
    pil.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InvalidArgumentError(f"{name} must be a positive integer; got {value!r}.")
    return int(value)


class ImagesMixin:
    """Image access of an evaluation result (mixed into ``EvaluationResult``)."""

    def _require_images(self, what):
        if self._images is None:
            raise InvalidArgumentError(
                f"{what} shows images; evaluate an ImageDataset or image arrays (N×H×W×C) to "
                "use it."
            )
        return self._images

    def _index(self, i):
        n = len(self.y_true)
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not -n <= i < n:
            raise InvalidArgumentError(f"The example index must lie in 0..{n - 1}; got {i!r}.")
        return int(i) % n

    def _index_array(self, indices):
        idx = np.asarray(indices)
        n = len(self.y_true)
        if idx.dtype == bool and idx.shape == (n,):  # a mask, e.g. res.y_true == 3
            idx = np.flatnonzero(idx)
        if idx.ndim == 0:
            idx = idx.reshape(1)
        if idx.size == 0:
            return np.zeros(0, np.int64)
        if idx.dtype.kind not in "iu" or idx.ndim != 1 or idx.min() < -n or idx.max() >= n:
            raise InvalidArgumentError(
                f"indices must be example positions in 0..{n - 1}, e.g. res.select('M')."
            )
        return idx.astype(np.int64) % n

    def image(self, i):
        """Example *i* as a uint8 ``H×W×C`` image at the model's input size (for display).

        Example:
            >>> import numpy as np
            >>> from dl_notebook.evaluate import EvaluationResult
            >>> x = np.zeros((2, 6, 6, 1), np.float32)
            >>> res = EvaluationResult([0, 1], [[0.9, 0.1], [0.2, 0.8]], data=(x, [0, 1]))
            >>> res.image(1).shape, res.image(1).dtype.name
            ((6, 6, 1), 'uint8')
        """
        return self._require_images("image()").image(self._index(i))

    def model_input(self, indices):
        """The examples at *indices* as the float32 batch the model takes (normalised)."""
        return self._require_images("model_input()").model_input(self._index_array(indices))

    def heatmaps(self, indices, method="gradcam", **options):
        """Heatmaps ``(n, H, W)`` in [0, 1] of the predicted classes, computed once per example.

        Args:
            indices: example positions (e.g. ``res.select("M")[:8]``).
            method: the name of a registered heatmap method
                (:func:`dl_notebook.explain.registry.names`: ``"gradcam"``,
                ``"gradcam++"``, ``"occlusion"``, ``"saliency"``, ...). A method
                that needs the ground truth gets the true class ids as ``labels=``.
            **options: passed on to the method (e.g. ``layer=``).
        """
        from ..explain import heatmaps, registry

        self._require_images("heatmaps()")
        entry = registry.get(method)
        if self.network is None:
            raise InvalidArgumentError(
                "Heatmaps need the network; make the result with net.evaluate(data)."
            )
        idx = self._index_array(indices)
        key = (entry.name, tuple(sorted(options.items())))
        cache = self._heatmap_cache.setdefault(key, {})
        missing = [i for i in dict.fromkeys(idx.tolist()) if i not in cache]
        if missing:
            missing_idx = np.asarray(missing, np.int64)
            if entry.needs_ground_truth:
                options = {**options, "labels": self.y_true[missing_idx]}
            maps = heatmaps(self.network, self.model_input(missing_idx), method=entry.name,
                            class_index=self.y_pred[missing_idx], **options)
            for i, heat in zip(missing, np.asarray(maps, np.float32)):
                cache[i] = heat
        if not idx.size:
            return np.zeros((0, *self._images.size), np.float32)
        return np.stack([cache[i] for i in idx.tolist()])

    def thumbnail(self, i, size=96, heatmap=None):
        """PNG bytes of example *i* in a *size* × *size* box, with a heatmap overlay if named.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.evaluate import EvaluationResult
            >>> x = np.zeros((2, 8, 8, 3), np.float32)
            >>> res = EvaluationResult([0, 1], [[0.9, 0.1], [0.2, 0.8]], data=(x, [0, 1]))
            >>> res.thumbnail(0, size=32)[:4]
            b'\\x89PNG'
        """
        i = self._index(i)
        size = _positive_int(size, "size")
        key = (i, size, heatmap)
        cache = self._thumb_cache
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        img = self._require_images("thumbnail()").image(i)
        if heatmap is not None:
            from ..explain import overlay

            img = overlay(img, self.heatmaps([i], heatmap)[0])
        data = png_bytes(img, size)
        cache[key] = data
        if len(cache) > _THUMB_CACHE:
            cache.popitem(last=False)
        return data

    def page(self, indices, page=0, page_size=24, thumb_size=96, heatmap=None):
        """One page of the image browser: a dict per example on page *page* of *indices*.

        Each dict holds ``index``, ``true`` and ``pred`` (class names),
        ``correct``, ``confidence`` (probability of the prediction), ``loss``,
        ``top`` (up to five ``[class name, probability]``, most likely first)
        and ``thumbnail`` (PNG bytes). Only the page's images are decoded.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.evaluate import EvaluationResult
            >>> x = np.zeros((3, 4, 4, 1), np.float32)
            >>> res = EvaluationResult([0, 1, 1], [[.9, .1], [.6, .4], [.3, .7]],
            ...                        class_names=["cat", "dog"], data=(x, [0, 1, 1]))
            >>> item = res.page(res.select("M"))[0]
            >>> item["index"], item["true"], item["pred"], item["top"]
            (1, 'dog', 'cat', [['cat', 0.6], ['dog', 0.4]])
        """
        self._require_images("page()")
        page_size = _positive_int(page_size, "page_size")
        idx = self._index_array(indices)
        n_pages = max(1, -(-len(idx) // page_size))
        if isinstance(page, bool) or not isinstance(page, (int, np.integer)) \
                or not 0 <= page < n_pages:
            raise InvalidArgumentError(f"page must lie in 0..{n_pages - 1}; got {page!r}.")
        chunk = idx[int(page) * page_size:(int(page) + 1) * page_size]
        if heatmap is not None and chunk.size:
            self.heatmaps(chunk, heatmap)  # the whole page in one batch
        proba = self.proba[chunk]
        top = np.argsort(-proba, axis=1, kind="stable")[:, :_TOP]
        names = self.class_names
        items = []
        for row, i in enumerate(chunk.tolist()):
            true, pred = int(self.y_true[i]), int(self.y_pred[i])
            items.append({
                "index": i,
                "true": names[true],
                "pred": names[pred],
                "correct": true == pred,
                "confidence": round(float(self.proba[i, pred]), 6),
                "loss": round(float(self.loss[i]), 6),
                "top": [[names[c], round(float(proba[row, c]), 6)] for c in top[row]],
                "thumbnail": self.thumbnail(i, thumb_size, heatmap),
            })
        return items

    def browse(self, img_type="A", true_class=None, pred_class=None, sort="confidence",
               page_size=24):
        """An image browser (a notebook widget) of the examples chosen as in :meth:`select`.

        Each image shows its true class, the prediction and its top
        probabilities; the browser pages through the selection and can
        overlay heatmaps. It needs ipywidgets and anywidget.
        """
        self._require_images("browse()")
        self.select(img_type, true_class, pred_class, sort)  # check the arguments first
        _positive_int(page_size, "page_size")
        cls = _views.view_class("browser")
        if cls is None:
            raise MissingDependencyError(
                "The image browser is a notebook widget; install ipywidgets and anywidget "
                "(pip install ipywidgets anywidget) to use it."
            )
        return cls(self, img_type=img_type, true_class=true_class, pred_class=pred_class,
                   sort=sort, page_size=page_size)


def new_thumb_cache():
    """An empty least-recently-used store of thumbnails."""
    return OrderedDict()
