"""Layer specs with DLPy names and Keras underneath (``dn.layers``).

Every public module of this package is imported here, and every layer type
it defines (a :class:`Layer` subclass that declares ``keywords``) becomes a
name of ``dn.layers``: a new layer type is one new file. Any
``keras.layers.Layer`` may also be added to a network as it is. What a layer
type declares (:class:`Arg`, :class:`Keyword`, :data:`REQUIRED`) and the
argument checks its constructor may use (``check_activation``,
``check_rate``, ``check_positive_int``) are here too; ``__all__`` lists the
layer types.

Example:
    >>> import dl_notebook as dn
    >>> {"Conv2d", "Dense", "Res"} <= set(dn.layers.__all__)
    True
"""

import importlib as _importlib
import pkgutil as _pkgutil

from .base import (  # noqa: F401 (names of dn.layers for authors of layer types)
    Layer,
    check_activation,
    check_positive_int,
    check_rate,
)
from .describe import REQUIRED, Arg, Keyword  # noqa: F401
from .describe import layer_types as _layer_types

for _module in _pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_") and _module.name not in ("base", "describe"):
        _importlib.import_module(f"{__name__}.{_module.name}")

_types = {cls.__name__: cls for cls in _layer_types() if cls.__module__.startswith(__name__)}
globals().update(_types)

FullyConnected = _types["Dense"]  # DLPy name

__all__ = ["Layer", *_types, "FullyConnected"]
