"""Why a network predicts what it does: heatmaps over the input and what its layers compute.

* :func:`gradcam`, :func:`gradcam_plus_plus`: gradient-weighted class
  activation maps of a convolutional layer (default: the last one, also
  inside a nested backbone);
* :func:`occlusion`: what the prediction loses when patches are hidden
  (DLPy ``heat_map_analysis``);
* :func:`saliency`: SmoothGrad pixel saliency;
* :func:`heatmaps`: any of them by name; :mod:`~dl_notebook.explain.registry`:
  the one list of those names (a new method registers itself there);
  :func:`overlay`: a heatmap drawn over its image;
* :func:`feature_maps` and :func:`features`: a layer's activations for one
  image (a grid display) or a whole dataset (a feature table); networks
  offer them as ``net.get_feature_maps`` and ``net.get_features``.

Every heatmap is a float32 ``(N, H, W)`` array in [0, 1] at the input size.
Each method runs in one compiled TensorFlow function per model (and
layer), traced once and reused.
"""

from . import registry
from ._target import ExplainTarget, target_layer
from .feature_maps import FeatureMaps, feature_maps, features
from .gradcam import gradcam, gradcam_plus_plus
from .heatmaps import heatmaps
from .occlusion import occlusion
from .overlay import overlay
from .registry import ExplainMethod
from .saliency import saliency

__all__ = [
    "METHODS",
    "ExplainMethod",
    "ExplainTarget",
    "FeatureMaps",
    "feature_maps",
    "features",
    "gradcam",
    "gradcam_plus_plus",
    "heatmaps",
    "occlusion",
    "overlay",
    "registry",
    "saliency",
    "target_layer",
]


def __getattr__(name):
    if name == "METHODS":  # the names registered now, methods added later included
        return registry.names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
