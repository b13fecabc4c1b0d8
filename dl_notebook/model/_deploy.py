"""A network's doors to other runtimes (mixed into ``Network``): export, predict, ONNX import.

The work lives in :mod:`dl_notebook.io`; these methods only call it.
"""

from __future__ import annotations

__all__ = ["DeployMixin"]


class DeployMixin:
    """``export``, ``predict`` and ``from_onnx`` of a Network."""

    def export(self, path, format=None, **options):
        """Write the network to *path* for another runtime; see :func:`dl_notebook.io.export.export`."""
        from ..io.export import export

        return export(self, path, format=format, **options)

    def predict(self, data, batch_size=256, **options):
        """One row per example: the predicted class and each class's probability.

        See :func:`dl_notebook.io.score.predict`.
        """
        from ..io.score import predict

        return predict(self, data, batch_size=batch_size, **options)

    @classmethod
    def from_onnx(cls, path, name=None):
        """An editable network with the layers and weights of the ONNX file *path*.

        See :func:`dl_notebook.io.onnx_import.onnx_to_keras`.
        """
        from ..io.onnx_import import onnx_to_keras

        return cls.from_keras(onnx_to_keras(path), name=name)
