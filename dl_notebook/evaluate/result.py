"""EvaluationResult: a network's predictions on a dataset, scored once, seen many ways.

The counterpart of DLPy's ``evaluate`` / ``valid_conf_mat`` /
``plot_evaluate_res`` and fastai's ``ClassificationInterpretation``. The
result keeps the labels, class probabilities and per-example losses; the
metrics, tables, figures and the image browser all read those arrays and
never run the model again (heatmaps are the one exception: they run it
once per example and method, then are kept).
"""

from __future__ import annotations

import html

import numpy as np

from ..errors import InvalidArgumentError
from ._images import ImagesMixin, image_source, new_thumb_cache
from .gallery import FiguresMixin

__all__ = ["EvaluationResult"]

_IMG_TYPES = {"a": "A", "all": "A", "c": "C", "correct": "C", "m": "M", "misclassified": "M"}
_SORTS = (None, "confidence", "loss")
_EPS = 1e-7  # probabilities are clipped here for the loss, as Keras' cross-entropy does


class EvaluationResult(ImagesMixin, FiguresMixin):
    """Predictions of a classifier on a dataset: metrics, C/M selection and views.

    Made by ``net.evaluate(data)`` (which scores every example once) or
    directly from labels and probabilities.

    Args:
        y_true: N true class ids.
        proba: N×K class probabilities.
        class_names: K class names (default ``"0"``, ``"1"``, ...).
        network: the network that made the predictions (for heatmaps).
        data: the evaluated data: an ``ImageDataset`` or ``(x, y)`` arrays
            give the image views their images.

    Attributes:
        y_true, y_pred: N int64 class ids (true and predicted, the arg max).
        proba: N×K float32 probabilities.
        loss: N float32 per-example cross-entropy, ``-log p(true class)``.

    Example:
        >>> from dl_notebook.evaluate import EvaluationResult
        >>> res = EvaluationResult([0, 1, 1, 0], [[.8, .2], [.3, .7], [.6, .4], [.9, .1]],
        ...                        class_names=["cat", "dog"])
        >>> res
        <EvaluationResult: 4 examples, accuracy 0.7500, 2 classes (cat, dog)>
        >>> res.misclassified().tolist(), res.correct().tolist()
        ([2], [0, 1, 3])
    """

    def __init__(self, y_true, proba, class_names=None, *, network=None, data=None,
                 inputs=None):
        proba = np.asarray(proba, dtype=np.float32)
        if proba.ndim != 2 or proba.shape[1] < 2:
            raise InvalidArgumentError(
                f"proba must be an N×K array of class probabilities (K >= 2); got shape "
                f"{proba.shape}."
            )
        y_true = np.asarray(y_true).reshape(-1)
        n, k = proba.shape
        if len(y_true) != n:
            raise InvalidArgumentError(
                f"y_true has {len(y_true)} labels but proba has {n} rows; give one label each."
            )
        if y_true.dtype.kind not in "iu" or (n and (y_true.min() < 0 or y_true.max() >= k)):
            raise InvalidArgumentError(f"y_true must hold class ids in 0..{k - 1}.")
        if class_names is None:
            class_names = [str(c) for c in range(k)]
        if len(class_names) != k:
            raise InvalidArgumentError(
                f"Got {len(class_names)} class names for {k} classes; give one name per column "
                "of proba."
            )
        self.y_true = y_true.astype(np.int64)
        self.proba = proba
        self.y_pred = proba.argmax(axis=1).astype(np.int64)
        p_true = proba[np.arange(n), self.y_true].astype(np.float64)
        self.loss = (-np.log(np.clip(p_true, _EPS, 1.0))).astype(np.float32)
        self.class_names = [str(c) for c in class_names]
        self.network = network
        self.data = data
        if inputs is None and isinstance(data, (tuple, list)) and len(data) == 2:
            inputs = np.asarray(data[0])
        self._images = image_source(data, inputs)
        self._heatmap_cache = {}
        self._thumb_cache = new_thumb_cache()

    # ----------------------------------------------------------------- metrics
    def __len__(self):
        return len(self.y_true)

    @property
    def accuracy(self) -> float:
        """Share of examples whose prediction is the true class."""
        return float(np.mean(self.y_true == self.y_pred)) if len(self) else float("nan")

    def top_k_accuracy(self, k=5) -> float:
        """Share of examples whose true class is among the *k* most probable ones.

        Example:
            >>> from dl_notebook.evaluate import EvaluationResult
            >>> res = EvaluationResult([1, 0], [[.5, .3, .2], [.1, .6, .3]])
            >>> res.top_k_accuracy(1), res.top_k_accuracy(2), res.top_k_accuracy(3)
            (0.0, 0.5, 1.0)
        """
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise InvalidArgumentError(f"k must be a positive integer; got {k!r}.")
        # most probable first; ties go to the higher class id, as scikit-learn's score
        ranked = np.argsort(self.proba, axis=1, kind="mergesort")[:, ::-1][:, :int(k)]
        return float(np.mean(np.any(ranked == self.y_true[:, None], axis=1)))

    def report(self):
        """Precision, recall, f1 and support per class, plus macro and weighted averages.

        A pandas DataFrame with one row per class name and rows ``"macro avg"``
        and ``"weighted avg"``, computed by scikit-learn's
        ``precision_recall_fscore_support`` (0 where a class is never predicted).

        Example:
            >>> from dl_notebook.evaluate import EvaluationResult
            >>> res = EvaluationResult([0, 1, 1], [[.8, .2], [.3, .7], [.6, .4]],
            ...                        class_names=["cat", "dog"])
            >>> res.report().loc["dog", ["precision", "recall", "support"]].tolist()
            [1.0, 0.5, 2.0]
        """
        import pandas as pd
        from sklearn.metrics import precision_recall_fscore_support

        labels = np.arange(len(self.class_names))
        args = dict(labels=labels, zero_division=0)
        p, r, f, s = precision_recall_fscore_support(self.y_true, self.y_pred, **args)
        frame = pd.DataFrame({"precision": p, "recall": r, "f1": f, "support": s},
                             index=pd.Index(self.class_names, name="class"))
        for average in ("macro", "weighted"):
            p, r, f, _ = precision_recall_fscore_support(self.y_true, self.y_pred,
                                                         average=average, **args)
            frame.loc[f"{average} avg"] = [p, r, f, int(s.sum())]
        frame["support"] = frame["support"].astype(np.int64)
        return frame

    def _counts(self):
        k = len(self.class_names)
        flat = np.bincount(self.y_true * k + self.y_pred, minlength=k * k)
        return flat.reshape(k, k)

    def misclassified(self):
        """Positions of the examples whose prediction is wrong (DLPy ``img_type="M"``)."""
        return np.flatnonzero(self.y_true != self.y_pred)

    def correct(self):
        """Positions of the examples whose prediction is right (DLPy ``img_type="C"``)."""
        return np.flatnonzero(self.y_true == self.y_pred)

    def most_confused(self, n=10):
        """The *n* most frequent mistakes as a DataFrame ``true, predicted, count``.

        Example:
            >>> from dl_notebook.evaluate import EvaluationResult
            >>> res = EvaluationResult([0, 0, 1], [[.4, .6], [.3, .7], [.1, .9]],
            ...                        class_names=["cat", "dog"])
            >>> res.most_confused().values.tolist()
            [['cat', 'dog', 2]]
        """
        import pandas as pd

        counts = self._counts()
        np.fill_diagonal(counts, 0)
        flat = counts.ravel()
        order = np.argsort(-flat, kind="stable")
        order = order[flat[order] > 0][:max(0, int(n))]
        k = len(self.class_names)
        return pd.DataFrame({
            "true": [self.class_names[c // k] for c in order],
            "predicted": [self.class_names[c % k] for c in order],
            "count": flat[order].astype(np.int64),
        })

    def top_losses(self, n=10):
        """The *n* examples with the largest loss (fastai ``top_losses``), as a DataFrame.

        Columns: ``index`` (position in the data), ``true``, ``predicted``,
        ``probability`` (of the prediction) and ``loss`` (``-log p(true)``).
        """
        import pandas as pd

        order = np.argsort(-self.loss, kind="stable")[:max(0, int(n))]
        return pd.DataFrame({
            "index": order,
            "true": [self.class_names[c] for c in self.y_true[order]],
            "predicted": [self.class_names[c] for c in self.y_pred[order]],
            "probability": self.proba[order, self.y_pred[order]],
            "loss": self.loss[order],
        })

    # ----------------------------------------------------------------- selection
    def _class_ids(self, value, name):
        values = value if isinstance(value, (list, tuple, np.ndarray)) else [value]
        ids = []
        for v in values:
            if isinstance(v, str):
                if v not in self.class_names:
                    shown = self.class_names[:20] + (["..."] if len(self.class_names) > 20 else [])
                    raise InvalidArgumentError(
                        f"Unknown class {v!r} for {name}; use one of {shown} or a class index."
                    )
                ids.append(self.class_names.index(v))
            elif isinstance(v, (int, np.integer)) and not isinstance(v, bool) \
                    and 0 <= v < len(self.class_names):
                ids.append(int(v))
            else:
                raise InvalidArgumentError(
                    f"{name} must be a class name or an index in 0..{len(self.class_names) - 1}; "
                    f"got {v!r}."
                )
        return ids

    def select(self, img_type="A", true_class=None, pred_class=None, sort=None):
        """Positions of the examples of one kind, optionally filtered by class and sorted.

        Args:
            img_type: ``"A"`` all, ``"C"`` correctly classified, ``"M"``
                misclassified (any letter case).
            true_class, pred_class: a class name or index (or a list of them)
                the true label / the prediction must be.
            sort: None (data order), ``"confidence"`` (most confident
                prediction first) or ``"loss"`` (largest loss first).

        Example:
            >>> from dl_notebook.evaluate import EvaluationResult
            >>> res = EvaluationResult([0, 1, 1, 0], [[.8, .2], [.3, .7], [.6, .4], [.9, .1]],
            ...                        class_names=["cat", "dog"])
            >>> res.select("c", sort="confidence").tolist()
            [3, 0, 1]
            >>> res.select(true_class="dog", pred_class="cat").tolist()
            [2]
        """
        kind = _IMG_TYPES.get(img_type.lower()) if isinstance(img_type, str) else None
        if kind is None:
            raise InvalidArgumentError(
                f"img_type must be 'A' (all), 'C' (correct) or 'M' (misclassified); got "
                f"{img_type!r}."
            )
        if sort not in _SORTS:
            raise InvalidArgumentError(
                f"sort must be None, 'confidence' or 'loss'; got {sort!r}."
            )
        mask = np.ones(len(self), bool)
        if kind == "C":
            mask = self.y_true == self.y_pred
        elif kind == "M":
            mask = self.y_true != self.y_pred
        if true_class is not None:
            mask &= np.isin(self.y_true, self._class_ids(true_class, "true_class"))
        if pred_class is not None:
            mask &= np.isin(self.y_pred, self._class_ids(pred_class, "pred_class"))
        idx = np.flatnonzero(mask)
        if sort == "confidence":
            idx = idx[np.argsort(-self.proba[idx, self.y_pred[idx]], kind="stable")]
        elif sort == "loss":
            idx = idx[np.argsort(-self.loss[idx], kind="stable")]
        return idx

    # ----------------------------------------------------------------- displays
    def confusion_matrix(self, normalize=None, *, cmap="Blues"):
        """The confusion matrix (DLPy ``valid_conf_mat``) as a display.

        In a notebook it is interactive (click a cell to browse its images)
        when the widget libraries are installed; elsewhere a picture.

        Args:
            normalize: None (counts), ``"true"`` (rows sum to 1: recall),
                ``"pred"`` (columns sum to 1: precision) or ``"all"``.
            cmap: matplotlib colour map.

        Example:
            >>> from dl_notebook.evaluate import EvaluationResult
            >>> res = EvaluationResult([0, 1, 1], [[.8, .2], [.3, .7], [.6, .4]])
            >>> res.confusion_matrix().matrix.tolist()
            [[1, 0], [1, 1]]
        """
        from .confusion import ConfusionMatrixDisplay

        return ConfusionMatrixDisplay.from_result(self, normalize=normalize, cmap=cmap)

    def roc_curve(self, *, classes=None, ax=None):
        """ROC curves with their AUC: the positive class when binary, else one per class."""
        from .curves import RocCurveDisplay

        return RocCurveDisplay.from_result(self, classes=classes, ax=ax)

    def precision_recall_curve(self, *, classes=None, ax=None):
        """Precision-recall curves with average precision (AP), as :meth:`roc_curve`."""
        from .curves import PrecisionRecallDisplay

        return PrecisionRecallDisplay.from_result(self, classes=classes, ax=ax)

    def __repr__(self):
        names = ", ".join(self.class_names[:6]) + (", ..." if len(self.class_names) > 6 else "")
        return (f"<EvaluationResult: {len(self):,} examples, accuracy {self.accuracy:.4f}, "
                f"{len(self.class_names)} classes ({names})>")

    def _repr_html_(self):
        rows = [("examples", f"{len(self):,}"), ("accuracy", f"{self.accuracy:.4f}")]
        if len(self.class_names) > 2:
            rows.append(("top-2 accuracy", f"{self.top_k_accuracy(2):.4f}"))
        rows += [("misclassified", f"{len(self.misclassified()):,}"),
                 ("mean loss", f"{float(np.mean(self.loss)) if len(self) else 0.0:.4f}"),
                 ("classes", ", ".join(self.class_names[:12])
                  + (f", ... ({len(self.class_names)})" if len(self.class_names) > 12 else ""))]
        body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                       f"<td style='text-align:left'>{html.escape(v)}</td></tr>" for k, v in rows)
        return f"<table><caption>EvaluationResult</caption>{body}</table>"
