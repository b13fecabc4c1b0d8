"""``dn.layers``: layer specs with DLPy names and Keras underneath.

The names of :mod:`dl_notebook.model.layers`: every layer type (``__all__``),
and what a new layer type declares and checks with.
"""

from .model import layers as _layers

globals().update({k: v for k, v in vars(_layers).items() if not k.startswith("_")})
__all__ = list(_layers.__all__)
