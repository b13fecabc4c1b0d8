"""dn.get_anchors (k-means on box sizes with 1 - IoU) and dn.plot_anchors."""

from __future__ import annotations

import numpy as np
import pytest

import dl_notebook as dn
from dl_notebook.data.anchors import AnchorBoxes
from dl_notebook.errors import InvalidArgumentError


def _truth(sizes):
    """One image holding boxes of the given (width, height), all at the origin."""
    sizes = np.asarray(sizes, np.float32)
    return [{"boxes": np.concatenate([np.zeros_like(sizes), sizes], axis=1)}]


def test_known_clusters_are_found_in_grid_cells():
    rng = np.random.default_rng(0)
    tall = rng.normal([20, 60], 1.5, (40, 2))    # 20x60 pixels: 1.25 x 3.75 cells of 16
    wide = rng.normal([80, 24], 1.5, (40, 2))    # 5 x 1.5 cells
    small = rng.normal([16, 16], 1.0, (40, 2))   # 1 x 1 cell
    result = dn.get_anchors(_truth(np.vstack([tall, wide, small])), n_anchors=3, grid=13,
                            image_size=208)
    assert isinstance(result, AnchorBoxes) and result.anchors.dtype == np.float32
    # sorted by area: the small cluster, then the tall one, then the wide one
    np.testing.assert_allclose(result.anchors, [[1, 1], [1.25, 3.75], [5, 1.5]], atol=0.08)
    assert result.mean_iou > 0.9
    anchors, mean_iou = result  # unpacks as (anchors, mean_iou)
    assert mean_iou == result.mean_iou
    # widths count columns, heights rows
    wide_grid = dn.get_anchors(_truth(np.vstack([tall, wide, small])), n_anchors=3,
                               grid=(13, 26), image_size=208)
    np.testing.assert_allclose(wide_grid.anchors, anchors * [2, 1], rtol=1e-5)


def test_mean_iou_rises_with_the_number_of_anchors_on_shapes():
    data = dn.datasets.shapes(n=120, image_size=64, kind="detect", seed=2,
                              classes=("circle", "ellipse", "star", "square"))
    ds = data.to_dataset()
    runs = {k: dn.get_anchors(ds, n_anchors=k) for k in (1, 2, 3, 5, 9)}
    ious = [runs[k].mean_iou for k in sorted(runs)]
    assert all(b > a for a, b in zip(ious, ious[1:])), ious
    assert ious[0] < 0.7 < ious[-1]
    five = runs[5].anchors
    assert five.shape == (5, 2)
    assert np.all(np.diff(five.prod(axis=1)) >= 0)  # sorted by area
    # in cells of a 13-grid: the boxes are 5 to 28 pixels of a 64-pixel image
    assert 13 * 5 / 64 <= five.min() and five.max() <= 13 * 28 / 64
    np.testing.assert_array_equal(dn.get_anchors(ds, n_anchors=5).anchors, five)  # seeded
    # the mean IoU is what the anchors give the boxes
    wh = np.concatenate([t["boxes"][:, 2:] - t["boxes"][:, :2] for t in ds.ground_truth()])
    cells = wh / 64 * 13
    inter = np.minimum(cells[:, None, 0], five[:, 0]) * np.minimum(cells[:, None, 1], five[:, 1])
    union = cells.prod(axis=1)[:, None] + five.prod(axis=1) - inter
    assert abs((inter / union).max(axis=1).mean() - runs[5].mean_iou) < 1e-4


def test_plot_and_refusals():
    result = dn.get_anchors(_truth([[10, 20], [30, 12], [16, 16]]), n_anchors=3, grid=4,
                            image_size=64)
    shown = dn.plot_anchors(result, grid=4)
    assert len(shown.ax_.patches) == 3 and "mean IoU" in shown.ax_.get_title()
    widths = sorted(round(p.get_width(), 3) for p in shown.ax_.patches)
    assert widths == sorted(round(w * 32, 3) for w in result.anchors[:, 0])
    with pytest.raises(InvalidArgumentError, match="fewer than n_anchors=4"):
        dn.get_anchors(_truth([[10, 20], [30, 12], [16, 16]]), n_anchors=4, image_size=64)
    with pytest.raises(InvalidArgumentError, match="image_size"):
        dn.get_anchors(_truth([[10, 20]]), n_anchors=1)
    with pytest.raises(InvalidArgumentError, match="grid"):
        dn.get_anchors(_truth([[10, 20]]), n_anchors=1, grid=0, image_size=64)
    with pytest.raises(InvalidArgumentError, match="anchors must be"):
        dn.plot_anchors(np.ones(3))
