"""DLPy's ``dlpy.model``: the stateful ``Model`` and its training settings."""

from __future__ import annotations

from .network import Network

__all__ = ["Model"]


class Model(Network):
    """DLPy's ``Model``: a network that trains, scores and keeps its results.

    A :class:`dl_notebook.Network` underneath, so every core method works.

    Args:
        conn: a :class:`~dl_notebook.dlpy.Connection` (or anything); ignored.
        model_table: the model's name.

    Example:
        >>> from dl_notebook import dlpy
        >>> dlpy.Model(dlpy.connect(), model_table="m").name
        'm'
    """

    def __init__(self, conn=None, inputs=None, outputs=None, model_table=None,
                 model_weights=None, *, name=None, layers=None):
        super().__init__(conn, model_table=model_table, name=name, layers=layers)
