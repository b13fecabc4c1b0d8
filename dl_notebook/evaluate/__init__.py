"""Evaluating a classifier: score the data once, then look at the result many ways.

``net.evaluate(data)`` runs the network over the data in batches and
returns an :class:`EvaluationResult` (DLPy ``evaluate``): accuracy, a
per-class report, the confusion matrix (DLPy ``valid_conf_mat``), ROC and
precision-recall curves, correctly (``C``) and misclassified (``M``)
examples, the largest losses, DLPy's ``plot_evaluate_res`` and
``heat_map_analysis`` figures and, in a notebook, an image browser.
"""

from __future__ import annotations

from ._predict import score
from .confusion import ConfusionMatrixDisplay
from .curves import PrecisionRecallDisplay, RocCurveDisplay
from .result import EvaluationResult

__all__ = [
    "ConfusionMatrixDisplay",
    "EvaluationResult",
    "PrecisionRecallDisplay",
    "RocCurveDisplay",
    "evaluate",
]


def evaluate(net, data, batch_size=256, *, class_names=None) -> EvaluationResult:
    """Score every example of *data* with *net* once and return an :class:`EvaluationResult`.

    A training run still going in the background is waited for first.

    Args:
        net: a ``dn.Network`` (or a ``keras.Model``) with one input and one
            classifier output: K softmax units, K logits, or one sigmoid unit
            (binary; its probabilities become two columns).
        data: a dl_notebook classification dataset (an ``ImageDataset``,
            ``TabularDataset``, ``TextDataset``, ...), a batched
            ``tf.data.Dataset`` of ``(inputs, labels)`` in a fixed order, or an
            ``(x, y)`` pair of arrays. Labels may be class ids or one-hot rows.
        batch_size: examples per inference batch.
        class_names: names of the classes when *data* has none.

    Example:
        >>> import numpy as np, dl_notebook as dn
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(2,), name="x"),
        ...                             dn.layers.OutputLayer(2, name="out")])
        >>> res = net.evaluate((np.eye(2, dtype="float32"), [0, 1]))
        >>> res.proba.shape, res.y_true.tolist()
        ((2, 2), [0, 1])
    """
    scores = score(net, data, batch_size=batch_size, class_names=class_names)
    return EvaluationResult(scores.y_true, scores.proba, scores.class_names, network=net,
                            data=data, inputs=scores.inputs)
