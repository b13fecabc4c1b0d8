"""dl_notebook: a notebook-native deep-learning workbench on Keras.

Importing the package is quick: TensorFlow loads at the first call that
needs it.

Example:
    >>> import dl_notebook as dn
    >>> net = dn.Sequential(name="lenet")
    >>> net.add(dn.layers.InputLayer(shape=(32, 32, 1)))
    >>> net.add(dn.layers.Conv2d(6, 5, act="relu", name="conv1"))
    >>> net.add(dn.layers.OutputLayer(10))
    >>> net.count_params() == net.to_keras().count_params()
    True
"""

from . import data, layers
from .data import (
    ImageDataset,
    TabularDataset,
    TextDataset,
    TimeSeriesDataset,
    datasets,
    three_way_split,
    two_way_split,
)
from .errors import (
    DLError,
    InvalidArgumentError,
    LayerNotFoundError,
    MissingDependencyError,
    NetworkEditError,
    ShapeError,
)
from .model import Network, Sequential

__version__ = "0.1.0"

__all__ = [
    "DLError",
    "ImageDataset",
    "InvalidArgumentError",
    "LayerNotFoundError",
    "MissingDependencyError",
    "Network",
    "NetworkEditError",
    "Sequential",
    "ShapeError",
    "TabularDataset",
    "TextDataset",
    "TimeSeriesDataset",
    "data",
    "datasets",
    "layers",
    "three_way_split",
    "two_way_split",
]
