"""One entry to every heatmap method, chosen by name (what figures and browsers call)."""

from __future__ import annotations

import inspect

from ..errors import InvalidArgumentError
from . import registry

__all__ = ["heatmaps"]


def _check_options(method, options):
    """Raise when *method*'s function takes none of some *options* (unless it takes ``**``)."""
    params = inspect.signature(method.function).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    accepted = set(params) - {"model", "images", "class_index"}
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise InvalidArgumentError(
            f"Method {method.name!r} takes no option {', '.join(map(repr, unknown))}; it takes "
            f"{', '.join(sorted(accepted)) or 'no options'}."
        )


def heatmaps(model, images, method="gradcam", class_index=None, **options):
    """Heatmaps ``(N, H, W)`` in [0, 1] by the name of a registered *method*.

    The methods are those of :func:`dl_notebook.explain.registry.methods`:
    ``"gradcam"``, ``"gradcam++"``, ``"occlusion"``, ``"saliency"``
    (SmoothGrad) and any registered since; names are case-blind and take
    aliases (``"grad-cam"``, ``"smoothgrad"``).

    Args:
        model: a ``dn.Network`` or a ``keras.Model`` (one image input, a
            ``(batch, classes)`` output).
        images: an ``(N, H, W, C)`` batch the model takes, or one image.
        method: the method's name.
        class_index: None (each image's predicted class), an integer, or one
            integer per image.
        **options: passed to the method (``layer=``, ``batch_size=``,
            ``mask_size=``, ``step=``, ``samples=``, ``noise=``, ``seed=``);
            see :func:`~dl_notebook.explain.gradcam`,
            :func:`~dl_notebook.explain.occlusion` and
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
    entry = registry.get(method)
    _check_options(entry, options)
    return entry.function(model, images, class_index=class_index, **options)
