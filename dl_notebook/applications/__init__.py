"""Ready-made networks (DLPy ``applications``), each returned as an editable ``dn.Network``.

Every function builds a fresh network from dl_notebook layers with
explicit layer names, so the result can be edited by name (``insert``,
``remove``, ``switch``) before or after training, like any network a
user builds by hand. Image classifiers whose architecture is in
``keras.applications`` have Keras' layer names and parameter counts, so
weight files made for Keras load by name (``pretrained_weights=`` or
``net.load_weights``). Nothing here downloads weights.

Every module of this package is imported here and each builder it
registers with :func:`~dl_notebook.applications._zoo.application` becomes a
name of ``dn.applications``; :func:`catalog` lists them.

Example:
    >>> import dl_notebook as dn
    >>> net = dn.applications.LeNet5(n_classes=10, input_shape=(32, 32, 1))
    >>> net.insert(dn.layers.BN(name="bn1"), after="conv1")
    >>> net.layer_names[:3]
    ['input1', 'conv1', 'bn1']
"""

from __future__ import annotations

import importlib as _importlib
import pkgutil as _pkgutil

from ._classifier import PREPROCESSING
from ._zoo import Application, Recipe, catalog, dashboard_choices, find, fitting

for _module in _pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        _importlib.import_module(f"{__name__}.{_module.name}")

_builders = {a.function.__name__: a.function for a in catalog().values()}
globals().update(_builders)

__all__ = [*_builders, "Application", "PREPROCESSING", "Recipe", "catalog", "dashboard_choices",
           "find", "fitting"]
