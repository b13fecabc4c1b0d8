"""Drawing the synthetic shapes of :func:`dl_notebook.datasets.shapes`, with exact masks.

Shapes are rasterised as boolean masks at pixel centres, so every box and
mask handed out is the exact ground truth of what was drawn.
"""

from __future__ import annotations

import numpy as np


def _polygon(px, py, vertices):
    """Even-odd point-in-polygon test of the points (px, py)."""
    inside = np.zeros(px.shape, dtype=bool)
    xj, yj = vertices[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        for xi, yi in vertices:
            crosses = (yi > py) != (yj > py)
            x_at = (xj - xi) * (py - yi) / (yj - yi) + xi
            inside ^= crosses & (px < x_at)
            xj, yj = xi, yi
    return inside


def _regular(n, radius, angle, inner=None):
    """Vertices of a regular polygon (or a star when *inner* is given), centred on 0."""
    count = 2 * n if inner else n
    steps = angle - np.pi / 2 + np.arange(count) * (2 * np.pi / count)
    radii = np.full(count, radius, dtype=float)
    if inner:
        radii[1::2] = inner * radius
    return list(zip(radii * np.cos(steps), radii * np.sin(steps)))


def _shape_mask(name, dx, dy, r, angle):
    """Pixels of shape *name* of half-extent *r*, at offsets (dx, dy) from its centre."""
    if name == "circle":
        return dx * dx + dy * dy <= r * r
    if name == "square":
        side = 0.85 * r
        return (np.abs(dx) <= side) & (np.abs(dy) <= side)
    if name in ("plus", "cross"):
        if name == "cross":  # the plus turned by 45 degrees
            dx, dy = (dx + dy) / np.sqrt(2), (dy - dx) / np.sqrt(2)
        arm = r / 3.0
        return ((np.abs(dx) <= r) & (np.abs(dy) <= arm)) | ((np.abs(dy) <= r) & (np.abs(dx) <= arm))
    if name == "ellipse":
        u = dx * np.cos(angle) + dy * np.sin(angle)
        v = -dx * np.sin(angle) + dy * np.cos(angle)
        return (u / r) ** 2 + (v / (0.5 * r)) ** 2 <= 1.0
    if name == "triangle":
        return _polygon(dx, dy, _regular(3, r, angle))
    if name == "star":
        return _polygon(dx, dy, _regular(5, r, angle, inner=0.45))
    raise AssertionError(name)  # names are checked before drawing


def _shape_colour(rng, background):
    """A random colour at least 120 apart (RGB distance) from *background*."""
    while True:
        colour = rng.integers(0, 256, 3).astype(float)
        if np.linalg.norm(colour - background) >= 120:
            return colour


def draw_image(rng, size, class_ids, classes, noise, single):
    """One image: returns (uint8 image, uint8 mask, boxes)."""
    h, w = size
    side = min(h, w)
    low, high = (0.15, 0.35) if single else (0.08, 0.2)
    background = rng.integers(0, 256, 3).astype(float)
    image = np.empty((h, w, 3), dtype=float)
    image[:] = background
    mask = np.zeros((h, w), dtype=np.uint8)
    boxes, taken = [], []
    ys, xs = np.mgrid[0:h, 0:w] + 0.5  # pixel centres
    for class_id in class_ids:
        for _ in range(100):
            r = max(3.0, rng.uniform(low, high) * side)
            cx = rng.uniform(r + 1, w - r - 1)
            cy = rng.uniform(r + 1, h - r - 1)
            # The square around the shape, one pixel wider, must meet no other.
            square = (cx - r - 1, cy - r - 1, cx + r + 1, cy + r + 1)
            if all(
                square[2] <= o[0] or o[2] <= square[0] or square[3] <= o[1] or o[3] <= square[1]
                for o in taken
            ):
                break
        else:
            continue  # no room left: the image gets fewer objects
        angle = rng.uniform(0, 2 * np.pi)
        x0, y0 = max(int(square[0]), 0), max(int(square[1]), 0)
        x1, y1 = min(int(np.ceil(square[2])), w), min(int(np.ceil(square[3])), h)
        inside = _shape_mask(classes[class_id], xs[y0:y1, x0:x1] - cx,
                             ys[y0:y1, x0:x1] - cy, r, angle)
        if not inside.any():  # pragma: no cover - r >= 3 always covers a pixel centre
            continue
        taken.append(square)
        colour = _shape_colour(rng, background)
        image[y0:y1, x0:x1][inside] = colour
        mask[y0:y1, x0:x1][inside] = class_id + 1
        rows, cols = np.nonzero(inside)
        boxes.append((int(class_id), int(x0 + cols.min()), int(y0 + rows.min()),
                      int(x0 + cols.max() + 1), int(y0 + rows.max() + 1)))
    if noise:
        image += rng.normal(0.0, noise * 255.0, image.shape)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8), mask, boxes
