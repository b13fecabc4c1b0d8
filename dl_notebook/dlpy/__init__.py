"""DLPy's names, arguments and stateful models over the core API.

DLPy code runs with its imports changed from ``dlpy`` to
``dl_notebook.dlpy`` and the CAS connection made by :func:`connect`::

    from dl_notebook import dlpy
    from dl_notebook.dlpy import Sequential
    from dl_notebook.dlpy.layers import InputLayer, Conv2d, Pooling, Dense, OutputLayer
    s = dlpy.connect()
    model = Sequential(s, model_table="simple_cnn")

Everything here delegates to the core (:mod:`dl_notebook`); nothing in the
core imports this package.
"""

from __future__ import annotations

from . import (
               applications,
               blocks,
               images,
               layers,
               lr_scheduler,
               metrics,
               model,
               model_conversion,
               splitting,
               timeseries,
)
from .images import ImageTable
from .layers import Input, Tensor
from .model import Model
from .network import Connection, Network, connect
from .sequential import Sequential

__all__ = ["Connection", "ImageTable", "Input", "Model", "Network", "Sequential", "Tensor",
           "applications", "blocks", "connect", "images", "layers", "lr_scheduler", "metrics",
           "model", "model_conversion", "splitting", "timeseries"]
