"""One entry to every heatmap method, chosen by name (what figures and browsers call)."""

from __future__ import annotations

import inspect

from ..errors import InvalidArgumentError

__all__ = ["heatmaps", "METHODS"]

METHODS = ("gradcam", "gradcam++", "occlusion", "saliency")
_ALIASES = {"grad-cam": "gradcam", "gradcam_plus_plus": "gradcam++", "grad-cam++": "gradcam++",
            "gradcampp": "gradcam++", "smoothgrad": "saliency"}


def _function(method):
    from .gradcam import gradcam, gradcam_plus_plus
    from .occlusion import occlusion
    from .saliency import saliency

    return {"gradcam": gradcam, "gradcam++": gradcam_plus_plus, "occlusion": occlusion,
            "saliency": saliency}[method]


def heatmaps(model, images, method="gradcam", class_index=None, **options):
    """Heatmaps ``(N, H, W)`` in [0, 1] by *method*: ``"gradcam"``, ``"gradcam++"``,
    ``"occlusion"`` or ``"saliency"``.

    *options* go to the method (``layer=``, ``batch_size=``, ``mask_size=``,
    ``step=``, ``samples=``, ``noise=``, ``seed=``); see
    :func:`~dl_notebook.explain.gradcam`, :func:`~dl_notebook.explain.occlusion` and
    :func:`~dl_notebook.explain.saliency`.

    Example:
        >>> import numpy as np, dl_notebook as dn
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(8, 8, 1)),
        ...                             dn.layers.Conv2d(2, 3, name="conv1"),
        ...                             dn.layers.OutputLayer(2, name="out")])
        >>> x = np.random.rand(2, 8, 8, 1)
        >>> [dn.explain.heatmaps(net, x, m).shape for m in dn.explain.METHODS]
        [(2, 8, 8), (2, 8, 8), (2, 8, 8), (2, 8, 8)]
    """
    key = method.lower().strip() if isinstance(method, str) else method
    key = _ALIASES.get(key, key)
    if key not in METHODS:
        raise InvalidArgumentError(
            f"Unknown heatmap method {method!r}; use one of {', '.join(map(repr, METHODS))}."
        )
    fn = _function(key)
    accepted = set(inspect.signature(fn).parameters) - {"model", "images", "class_index"}
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise InvalidArgumentError(
            f"Method {key!r} takes no option {', '.join(map(repr, unknown))}; it takes "
            f"{', '.join(sorted(accepted))}."
        )
    return fn(model, images, class_index=class_index, **options)
