"""What a network says about data: evaluation and feature maps (mixed into ``Network``).

The work lives in :mod:`dl_notebook.evaluate` and :mod:`dl_notebook.explain`;
these methods are the network's doors to it.
"""

from __future__ import annotations

__all__ = ["AnalysisMixin"]


class AnalysisMixin:
    """``evaluate``, ``get_feature_maps`` and ``get_features`` of a :class:`Network`."""

    def evaluate(self, data, batch_size=256, *, class_names=None):
        """Score *data* once and return an :class:`~dl_notebook.evaluate.EvaluationResult`.

        Arguments: see :func:`dl_notebook.evaluate.evaluate`.
        """
        from ..evaluate import evaluate

        return evaluate(self, data, batch_size=batch_size, class_names=class_names)

    def get_feature_maps(self, image, layer):
        """The activations of *layer* for one image, with a grid display (DLPy ``feature_maps``)."""
        from ..explain.feature_maps import feature_maps

        return feature_maps(self, image, layer)

    def get_features(self, data, layer, batch_size=256):
        """The activations of *layer* for every example of *data*, as ``(X, y)``."""
        from ..explain.feature_maps import features

        return features(self, data, layer, batch_size=batch_size)
