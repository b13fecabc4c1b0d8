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

import importlib as _importlib

# _keras first: it watches for TensorFlow's first import, to hold back its C++ start-up notices.
from . import _keras, _views, callbacks, data, layers, train  # noqa: F401 (_keras)
from .data import (
    DetectionDataset,
    ImageDataset,
    SegmentationDataset,
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
from .train import Optimizer, RunStatus, TrainingHistory

# The composition root names the notebook views; core code never imports widgets.
_views.register_view("live", "dl_notebook.widgets.live:LiveDashboard")
_views.register_view("confusion", "dl_notebook.widgets.confusion:ConfusionMatrixWidget")
_views.register_view("browser", "dl_notebook.widgets.browser:ImageBrowser")
_views.register_view("tune", "dl_notebook.widgets.tune:TuneDashboard")
_views.register_view("detection_browser", "dl_notebook.widgets.detection_browser:DetectionBrowser")

__version__ = "0.1.0"

__all__ = [
    "DLError",
    "DetectionDataset",
    "ImageDataset",
    "InvalidArgumentError",
    "LayerNotFoundError",
    "MissingDependencyError",
    "Network",
    "NetworkEditError",
    "Optimizer",
    "RunStatus",
    "SegmentationDataset",
    "Sequential",
    "ShapeError",
    "TabularDataset",
    "TextDataset",
    "TimeSeriesDataset",
    "TrainingHistory",
    "applications",
    "browse_detections",
    "callbacks",
    "data",
    "datasets",
    "detection_errors",
    "display_object_detections",
    "display_segmentation_results",
    "distribute",
    "evaluate_detections",
    "evaluate_segmentation",
    "explain",
    "get_anchors",
    "layers",
    "lr_find",
    "plot_anchors",
    "prune",
    "schedules",
    "score",
    "solvers",
    "three_way_split",
    "train",
    "tune",
    "two_way_split",
    "update_batch_norm",
]


_FUNCTIONS = {  # public functions that live deeper, as "module:function"
    "lr_find": "train.lr_find:lr_find",
    "update_batch_norm": "train.batch_norm:update_batch_norm",
    "score": "io.score:score",
    "tune": "tuning.search:tune",
    "prune": "tuning.prune:prune",
    "get_anchors": "data.anchors:get_anchors",
    "plot_anchors": "data.anchors:plot_anchors",
    "evaluate_detections": "evaluate.detection:evaluate_detections",
    "evaluate_segmentation": "evaluate.segmentation:evaluate_segmentation",
    "display_object_detections": "evaluate._detection_figures:display_object_detections",
    "display_segmentation_results": "evaluate._detection_figures:display_segmentation_results",
    "detection_errors": "evaluate.detection_errors:detection_errors",
    "browse_detections": "evaluate.detection_errors:browse_detections",
}


def __getattr__(name):  # these import Keras, so they load on first access
    if name in ("solvers", "schedules"):
        return _importlib.import_module(f"{__name__}.train.{name}")
    if name in ("explain", "applications"):
        return _importlib.import_module(f"{__name__}.{name}")
    if name == "distribute":
        return _importlib.import_module(f"{__name__}.train.distribute")
    if name in _FUNCTIONS:
        module, _, attr = _FUNCTIONS[name].partition(":")
        return getattr(_importlib.import_module(f"{__name__}.{module}"), attr)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():  # the lazily imported names too, for dn.<TAB>
    return sorted(set(globals()) | set(__all__))


def load_ipython_extension(ipython):
    """``%load_ext dl_notebook``: register the ``%dl`` and ``%%dl`` magics."""
    from .magics import load_ipython_extension as load

    load(ipython)
