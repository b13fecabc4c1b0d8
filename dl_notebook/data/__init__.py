"""Data: labelled image datasets, train / validation / test splits, bundled datasets.

Example:
    >>> import numpy as np
    >>> from dl_notebook.data import ImageDataset, two_way_split
    >>> ds = ImageDataset.from_arrays(np.zeros((10, 4, 4)), ["a", "b"] * 5)
    >>> train, test = two_way_split(ds, test_rate=20, seed=0)
    >>> len(train), len(test)
    (8, 2)
"""

from . import datasets
from .detection import DetectionDataset
from .images import ImageDataset
from .segmentation import SegmentationDataset
from .splits import three_way_split, two_way_split
from .tabular import TabularDataset
from .text import TextDataset
from .timeseries import TimeSeriesDataset

__all__ = [
    "DetectionDataset", "ImageDataset", "SegmentationDataset", "TabularDataset", "TextDataset",
    "TimeSeriesDataset", "datasets", "three_way_split", "two_way_split",
]
