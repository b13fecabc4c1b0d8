"""Anchor boxes for YOLO-style detectors: k-means on box sizes with ``1 - IoU`` as distance.

YOLOv2 picks its anchors this way: every ground-truth box is moved to the
origin, so that only its width and height count, and boxes are clustered
with the distance ``1 - IoU(box, centre)``, which does not favour large
boxes as the Euclidean distance would.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..errors import InvalidArgumentError

__all__ = ["AnchorBoxes", "get_anchors", "plot_anchors"]

_RESTARTS = 5  # k-means runs from different seeds; the best mean IoU is kept


class AnchorBoxes(NamedTuple):
    """What :func:`get_anchors` returns: ``anchors, mean_iou = dn.get_anchors(data)``.

    Attributes:
        anchors: ``(n_anchors, 2)`` float32 (width, height) in grid cells,
            sorted by area (what a YOLO head takes).
        mean_iou: mean over the boxes of their best IoU with an anchor.
    """

    anchors: np.ndarray
    mean_iou: float

    def __repr__(self):
        pairs = ", ".join(f"({w:.2f}, {h:.2f})" for w, h in self.anchors)
        return f"AnchorBoxes(anchors=[{pairs}], mean_iou={self.mean_iou:.3f})"


def _iou(wh, centres):
    """IoU of boxes ``(N, 2)`` with centres ``(K, 2)``, all centred at the origin: ``(N, K)``."""
    inter = (np.minimum(wh[:, None, 0], centres[None, :, 0])
             * np.minimum(wh[:, None, 1], centres[None, :, 1]))
    union = (wh[:, 0] * wh[:, 1])[:, None] + (centres[:, 0] * centres[:, 1])[None, :] - inter
    return inter / union


def _kmeans(wh, k, rng, max_iter=300):
    """One k-means run with k-means++ seeding; returns (centres, mean IoU)."""
    centres = wh[[rng.integers(len(wh))]]
    for _ in range(1, k):
        far = 1.0 - _iou(wh, centres).max(axis=1)
        total = far.sum()
        pick = rng.choice(len(wh), p=far / total) if total > 0 else rng.integers(len(wh))
        centres = np.vstack([centres, wh[pick]])
    assign = None
    for _ in range(max_iter):
        iou = _iou(wh, centres)
        new = iou.argmax(axis=1)
        if assign is not None and np.array_equal(new, assign):
            break
        assign = new
        best = iou.max(axis=1)
        for j in range(k):
            members = wh[assign == j]
            if len(members):
                centres[j] = members.mean(axis=0)
            else:  # an empty cluster restarts at the box that fits its centre worst
                worst = int(best.argmin())
                centres[j], best[worst] = wh[worst], 1.0
    return centres, float(_iou(wh, centres).max(axis=1).mean())


def _check_grid(grid):
    if isinstance(grid, (int, np.integer)) and not isinstance(grid, bool):
        grid = (grid, grid)
    if (not isinstance(grid, (tuple, list)) or len(grid) != 2 or not all(
            isinstance(g, (int, np.integer)) and not isinstance(g, bool) and g > 0
            for g in grid)):
        raise InvalidArgumentError(
            f"grid must be a positive integer or (rows, columns), e.g. 13; got {grid!r}.")
    return int(grid[0]), int(grid[1])


def _box_sizes(data, image_size):
    """Width and height of every box as a fraction of its image: ``(N, 2)`` float64."""
    if hasattr(data, "ground_truth"):
        truth, image_size = data.ground_truth(), data.image_size
    elif isinstance(data, (list, tuple)) and all(isinstance(t, dict) for t in data):
        truth = data
        if image_size is None:
            raise InvalidArgumentError(
                "get_anchors needs image_size=(height, width) with a list of ground truths.")
    else:
        raise InvalidArgumentError(
            "data must be a DetectionDataset or a list of {'boxes': ...} dicts (one per image); "
            f"got {type(data).__name__}.")
    if isinstance(image_size, (int, np.integer)):
        image_size = (image_size, image_size)
    boxes = np.concatenate([np.zeros((0, 4)), *(np.asarray(t["boxes"], np.float64).reshape(-1, 4)
                                               for t in truth)])
    wh = np.stack([(boxes[:, 2] - boxes[:, 0]) / image_size[1],
                   (boxes[:, 3] - boxes[:, 1]) / image_size[0]], axis=1)
    return wh[(wh > 0).all(axis=1)]


def get_anchors(data, n_anchors=5, grid=13, seed=0, *, image_size=None) -> AnchorBoxes:
    """Anchor sizes for a YOLO head, by k-means on the boxes with ``1 - IoU`` as distance.

    Args:
        data: a :class:`~dl_notebook.data.DetectionDataset`, or a list with
            one ``{"boxes": (N, 4) xyxy pixels}`` dict per image (then give
            ``image_size``).
        n_anchors: number of anchors (clusters).
        grid: cells of the head's output grid, an integer or ``(rows, columns)``;
            widths are counted in columns, heights in rows.
        seed: seed of the k-means starts (the same seed gives the same anchors).
        image_size: ``(height, width)`` of the images, for a list of ground truths.

    Returns:
        :class:`AnchorBoxes`: ``anchors`` ``(n_anchors, 2)`` float32 (width,
        height) in grid cells (``box size / image size * grid``), sorted by
        area, and ``mean_iou``, the mean of each box's best IoU with an anchor.

    Example:
        >>> import numpy as np
        >>> boxes = [{"boxes": np.array([[0, 0, 32, 64], [0, 0, 32, 64], [0, 0, 128, 32]])}]
        >>> anchors, mean_iou = get_anchors(boxes, n_anchors=2, grid=4, image_size=128)
        >>> anchors.tolist(), mean_iou
        ([[1.0, 2.0], [4.0, 1.0]], 1.0)
    """
    if isinstance(n_anchors, bool) or not isinstance(n_anchors, (int, np.integer)) \
            or n_anchors < 1:
        raise InvalidArgumentError(f"n_anchors must be a positive integer; got {n_anchors!r}.")
    rows, columns = _check_grid(grid)
    wh = _box_sizes(data, image_size)
    if len(np.unique(wh, axis=0)) < n_anchors:
        raise InvalidArgumentError(
            f"The data has {len(np.unique(wh, axis=0))} different box sizes, fewer than "
            f"n_anchors={n_anchors}; ask for fewer anchors.")
    rng = np.random.default_rng(seed)
    centres, mean_iou = max((_kmeans(wh, int(n_anchors), rng) for _ in range(_RESTARTS)),
                            key=lambda run: run[1])
    cells = centres * [columns, rows]
    cells = cells[np.argsort(cells[:, 0] * cells[:, 1], kind="stable")]
    return AnchorBoxes(cells.astype(np.float32), round(mean_iou, 6))


def plot_anchors(anchors, image_size=None, grid=13):
    """A figure of the anchors as boxes centred on the image, over the grid's cells.

    Args:
        anchors: an :class:`AnchorBoxes` or an ``(n, 2)`` array of (width,
            height) in grid cells.
        image_size: ``(height, width)`` in pixels; None takes 32 pixels per cell.
        grid: cells of the grid, an integer or ``(rows, columns)``.

    Example:
        >>> import numpy as np
        >>> plot_anchors(np.array([[1.0, 2.0], [3.0, 1.5]]), grid=4)
        <FigureDisplay 4x4 in>
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    from .._display import FigureDisplay

    title = "Anchors"
    if isinstance(anchors, AnchorBoxes):
        title = f"{len(anchors.anchors)} anchors, mean IoU {anchors.mean_iou:.3f}"
        anchors = anchors.anchors
    anchors = np.asarray(anchors, np.float64)
    if anchors.ndim != 2 or anchors.shape[1] != 2 or not (anchors > 0).all():
        raise InvalidArgumentError(
            f"anchors must be an (n, 2) array of positive (width, height); got shape "
            f"{anchors.shape}.")
    rows, columns = _check_grid(grid)
    if image_size is None:
        image_size = (32 * rows, 32 * columns)
    elif isinstance(image_size, (int, np.integer)):
        image_size = (image_size, image_size)
    height, width = image_size
    cell_h, cell_w = height / rows, width / columns
    fig = Figure(figsize=(4, 4 * height / width))
    ax = fig.subplots()
    for r in range(rows + 1):
        ax.axhline(r * cell_h, color="0.85", linewidth=0.6)
    for c in range(columns + 1):
        ax.axvline(c * cell_w, color="0.85", linewidth=0.6)
    for k, (w, h) in enumerate(anchors):
        pw, ph = w * cell_w, h * cell_h
        ax.add_patch(Rectangle((width / 2 - pw / 2, height / 2 - ph / 2), pw, ph, fill=False,
                               edgecolor=f"C{k % 10}", linewidth=1.8,
                               label=f"{w:.2f} x {h:.2f} cells"))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="upper right")
    return FigureDisplay(fig, ax)
