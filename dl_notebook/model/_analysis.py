"""What a network says about data: evaluation and feature maps (mixed into ``Network``).

The work lives in :mod:`dl_notebook.evaluate` and :mod:`dl_notebook.explain`;
these methods are the network's doors to it. ``to_keras`` and
:meth:`~AnalysisMixin.layer_output` make a network an
:class:`~dl_notebook.explain.ExplainTarget`: the explanation methods take it
without importing the network classes.
"""

from __future__ import annotations

__all__ = ["AnalysisMixin"]


class AnalysisMixin:
    """``evaluate``, ``get_feature_maps``, ``get_features`` and ``layer_output`` of a Network."""

    def layer_output(self, name):
        """The output tensor of layer *name* in the graph of ``to_keras()``, or None.

        None when the network has no layer called *name*. This is how
        explanations reach a layer of the network by its name
        (:class:`~dl_notebook.explain.ExplainTarget`).

        Example:
            >>> import dl_notebook as dn
            >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(4,), name="x"),
            ...                             dn.layers.Dense(3, name="fc")])
            >>> tuple(net.layer_output("fc").shape), net.layer_output("nope")
            ((None, 3), None)
        """
        if not isinstance(name, str) or name not in self:
            return None
        self.to_keras()  # the tensors belong to the model built last
        return self[name]._tensor

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
