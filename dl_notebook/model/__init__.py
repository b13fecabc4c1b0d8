"""The editable network: a DAG of named layers that becomes a Keras model."""

from .network import Network
from .sequential import Sequential

__all__ = ["Network", "Sequential"]
