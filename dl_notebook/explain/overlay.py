"""Drawing a heatmap over its image, as a colour blend (no TensorFlow needed)."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError, ShapeError

__all__ = ["colormap_colors", "overlay", "resize_map"]


def resize_map(heatmap, size):
    """Bilinear resize of one 2-D map to ``(height, width)``, pixel centres aligned.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.explain.overlay import resize_map
        >>> resize_map(np.array([[0.0, 1.0]]), (1, 4)).round(2).tolist()
        [[0.0, 0.25, 0.75, 1.0]]
    """
    heatmap = np.asarray(heatmap, dtype=np.float32)
    h, w = heatmap.shape
    out_h, out_w = size
    if (h, w) == (out_h, out_w):
        return heatmap.copy()

    def axis(n_in, n_out):
        pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        low = np.floor(pos).astype(int)
        high = np.minimum(low + 1, n_in - 1)
        return low, high, (pos - low).astype(np.float32)

    y0, y1, fy = axis(h, out_h)
    x0, x1, fx = axis(w, out_w)
    top = heatmap[y0][:, x0] * (1 - fx) + heatmap[y0][:, x1] * fx
    bottom = heatmap[y1][:, x0] * (1 - fx) + heatmap[y1][:, x1] * fx
    return top * (1 - fy[:, None]) + bottom * fy[:, None]


def _as_uint8_image(image):
    img = np.asarray(image)
    if img.ndim == 3 and img.shape[-1] in (1, 3, 4):
        img = img[..., :3]
    elif img.ndim != 2:
        raise ShapeError(
            f"overlay takes one H×W×C image (C = 1 or 3) or an H×W gray image; got shape "
            f"{img.shape}."
        )
    if img.dtype != np.uint8:
        img = img.astype(np.float32)
        scale = 255.0 if img.size and img.max() <= 1.0 else 1.0
        img = np.clip(np.rint(img * scale), 0, 255).astype(np.uint8)
    if img.ndim == 2 or img.shape[-1] == 1:
        img = np.repeat(img.reshape(*img.shape[:2], 1), 3, axis=-1)
    return img


def _colormap(cmap):
    import matplotlib

    try:
        return matplotlib.colormaps[cmap]
    except (KeyError, ValueError, TypeError):
        raise InvalidArgumentError(
            f"cmap must be a matplotlib colormap name such as 'jet' or 'viridis'; got {cmap!r}."
        ) from None


def colormap_colors(cmap="jet", n=9):
    """*n* colours of *cmap* from 0 to 1, as CSS hex strings (a colour scale for a page).

    Args:
        cmap: a matplotlib colormap name (the one :func:`overlay` blends).
        n: how many colours, evenly spaced (at least 2).

    Example:
        >>> from dl_notebook.explain.overlay import colormap_colors
        >>> colormap_colors("gray", n=3)
        ['#000000', '#808080', '#ffffff']
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise InvalidArgumentError(f"n must be an integer of at least 2; got {n!r}.")
    colormap = _colormap(cmap)
    rgb = np.rint(colormap(np.linspace(0.0, 1.0, n))[:, :3] * 255).astype(int)
    return ["#{:02x}{:02x}{:02x}".format(*c) for c in rgb]


def overlay(image, heatmap, alpha=0.45, cmap="jet"):
    """Blend *heatmap* (coloured with *cmap*) over *image*; returns a uint8 ``H×W×3`` image.

    Args:
        image: uint8 ``H×W×C`` (C = 1 or 3) or ``H×W``; float images in [0, 1]
            or [0, 255] are converted.
        heatmap: an ``H'×W'`` map with values in [0, 1], resized (bilinear) to
            ``H×W``.
        alpha: weight of the heatmap colour, from 0 (image only) to 1.
        cmap: a matplotlib colormap name.

    Example:
        >>> import numpy as np, dl_notebook as dn
        >>> image = np.zeros((4, 4, 1), dtype=np.uint8)
        >>> out = dn.explain.overlay(image, np.ones((2, 2)), alpha=1.0, cmap="gray")
        >>> out.shape, out.dtype.name, int(out.min())
        ((4, 4, 3), 'uint8', 255)
    """
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 <= alpha <= 1:
        raise InvalidArgumentError(f"alpha must be a number from 0 to 1; got {alpha!r}.")
    colormap = _colormap(cmap)
    img = _as_uint8_image(image)
    heat = np.asarray(heatmap, dtype=np.float32)
    if heat.ndim == 3 and heat.shape[0] == 1:
        heat = heat[0]
    if heat.ndim != 2:
        raise ShapeError(f"overlay takes one 2-D heatmap; got shape {heat.shape}.")
    heat = np.clip(np.nan_to_num(resize_map(heat, img.shape[:2])), 0.0, 1.0)
    colour = colormap(heat)[..., :3] * 255.0
    blend = (1.0 - alpha) * img.astype(np.float32) + alpha * colour
    return np.clip(np.rint(blend), 0, 255).astype(np.uint8)
