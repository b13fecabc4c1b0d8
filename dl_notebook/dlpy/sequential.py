"""DLPy's ``dlpy.sequential``: a model built layer after layer."""

from __future__ import annotations

from .model import Model

__all__ = ["Sequential"]


class Sequential(Model):
    """DLPy's ``Sequential(conn, layers=None, model_table=None)``: each layer reads the last one.

    Every core and DLPy model method works (``fit`` with DLPy's arguments,
    ``print_summary``, ``plot_network``, ``count_params`` …); a layer with
    ``src_layers=`` reads those layers instead, so residual blocks can be built.

    Args:
        conn: a :class:`~dl_notebook.dlpy.Connection` (or anything); ignored.
        layers: layers to add in order.
        model_table: the model's name.

    Example:
        >>> from dl_notebook import dlpy
        >>> from dl_notebook.dlpy.layers import InputLayer, Conv2d, Pooling, Dense, OutputLayer
        >>> model = dlpy.Sequential(dlpy.connect(), model_table="simple_cnn")
        >>> model.add(InputLayer(1, 8, 8, scale=1 / 16))
        >>> model.add(Conv2d(8, 3))
        >>> model.add(Pooling(2))
        >>> model.add(Dense(16))
        >>> model.add(OutputLayer(act="softmax", n=10))
        >>> model.compile()
        >>> model.name, model.count_params()
        ('simple_cnn', 2314)
    """

    _chains = True

    def __init__(self, conn=None, layers=None, model_table=None):
        super().__init__(conn, model_table=model_table)
        for layer in layers or []:
            self.add(layer)
