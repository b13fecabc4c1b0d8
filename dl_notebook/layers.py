"""``dn.layers``: layer specs with DLPy names and Keras underneath."""

from .model.layers import *  # noqa: F403
from .model.layers import __all__  # noqa: F401
