"""Train / validation / test splits of a labelled dataset (DLPy ``two_way_split``, ``three_way_split``).

The functions work on any dataset with ``len(ds)``, ``ds.labels`` (one
value per item) and ``ds.subset(indices)``; the parts they return are of
the same kind as the dataset given.

Two optional attributes change how a dataset is split:

- ``task == "regression"``: the labels are continuous, so ``stratify``
  stratifies on quantile bins of the labels (up to 10 bins of equal size)
  instead of on the values themselves.
- ``split_mode == "ordered"`` (e.g. a time series): the items are taken in
  the dataset's order (training first, then validation, then test), with
  no shuffling and no stratification, and ``split_gap`` items are left
  out at each boundary so that consecutive parts share no underlying row.
"""

from __future__ import annotations

from collections import deque
from typing import Protocol

import numpy as np

from ..errors import InvalidArgumentError

__all__ = ["two_way_split", "three_way_split"]


class Splittable(Protocol):
    """What a dataset needs to offer to be split."""

    labels: np.ndarray

    def __len__(self) -> int: ...

    def subset(self, indices): ...


def _check_rates(rates):
    for name, rate in rates.items():
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate < 100:
            raise InvalidArgumentError(
                f"{name} is a percentage and must lie between 0 and 100; got {rate!r}."
            )
    if sum(rates.values()) >= 100:
        raise InvalidArgumentError(
            f"{' + '.join(rates)} must add up to less than 100 so that some training data "
            f"is left; got {sum(rates.values())}."
        )


def _augment(extra, open_cells, left, cap, col):
    """Find one augmenting path (class -> part, possibly moving items between classes)."""
    came_to_part, came_to_class = {}, {}
    queue = deque()
    for g in np.flatnonzero(left > 0):
        came_to_class[int(g)] = None
        queue.append(int(g))
    while queue:
        g = queue.popleft()
        for p in np.flatnonzero(open_cells[g] & ~extra[g]):
            p = int(p)
            if p in came_to_part:
                continue
            came_to_part[p] = g
            if col[p] < cap[p]:
                col[p] += 1
                while True:
                    g = came_to_part[p]
                    extra[g, p] = True
                    prev = came_to_class[g]
                    if prev is None:
                        left[g] -= 1
                        return True
                    extra[g, prev] = False
                    p = prev
            for g2 in np.flatnonzero(extra[:, p]):
                if int(g2) not in came_to_class:
                    came_to_class[int(g2)] = p
                    queue.append(int(g2))
    return False


def _allocate(sizes, fractions):
    """Items per (class, part): each within one of exact, and each part's total too.

    Every cell gets the floor of its exact share; the items left in each class
    are then handed out as a small flow problem, first up to the floor of each
    part's exact total, then up to its ceiling (a controlled rounding).
    """
    exact = np.outer(sizes, fractions)
    floors = np.floor(exact + 1e-9).astype(int)
    open_cells = exact - floors > 1e-9
    left = np.asarray(sizes) - floors.sum(axis=1)
    totals = exact.sum(axis=0)
    col = np.zeros(len(fractions), int)
    extra = np.zeros_like(open_cells)
    for bound in (np.floor(totals + 1e-9), np.ceil(totals - 1e-9)):
        cap = bound.astype(int) - floors.sum(axis=0)
        while left.sum() and _augment(extra, open_cells, left, cap, col):
            pass
    for g in np.flatnonzero(left > 0):  # not reached for consistent inputs; stay safe
        free = np.flatnonzero(open_cells[g] & ~extra[g])[: left[g]]
        extra[g, free] = True
    return floors + extra


def _split_indices(labels, rates, seed, stratify):
    """Index arrays of the parts: training first, then one per rate, each sorted."""
    rng = np.random.default_rng(seed)
    fractions = np.array([100.0 - sum(rates)] + list(rates)) / 100.0
    if stratify:
        groups = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    else:
        groups = [np.arange(len(labels))]
    allocation = _allocate([len(g) for g in groups], fractions)
    parts = [[] for _ in fractions]
    for group, counts in zip(groups, allocation):
        shuffled = rng.permutation(group)
        for part, chunk in zip(parts, np.split(shuffled, np.cumsum(counts)[:-1])):
            part.append(chunk)
    return [np.sort(np.concatenate(p)) for p in parts]


MAX_QUANTILE_BINS = 10


def _quantile_bins(values, n_parts):
    """Bin number of each value: equal-size bins of the sorted values, each holding >= n_parts."""
    n = len(values)
    n_bins = max(1, min(MAX_QUANTILE_BINS, n // n_parts))
    ranks = np.empty(n, dtype=np.int64)
    ranks[np.argsort(values, kind="stable")] = np.arange(n)
    return ranks * n_bins // n


def _ordered_indices(n, rates, gap):
    """Consecutive index ranges of the parts in order, *gap* indices left out between parts."""
    fractions = np.array([100.0 - sum(rates)] + list(rates)) / 100.0
    usable = n - gap * (len(fractions) - 1)
    if usable < len(fractions):
        raise InvalidArgumentError(
            f"The dataset has {n} items, too few for {len(fractions)} parts with {gap} items "
            "left out between parts; use more data, a shorter sequence_length or horizon, or "
            "fewer parts."
        )
    sizes = _allocate([usable], fractions)[0]
    parts, start = [], 0
    for size in sizes:
        parts.append(np.arange(start, start + size))
        start += size + gap
    return parts


def _check_gap(ds):
    gap = getattr(ds, "split_gap", 0)
    if isinstance(gap, bool) or not isinstance(gap, (int, np.integer)) or gap < 0:
        raise InvalidArgumentError(
            f"The dataset's split_gap must be a non-negative integer; got {gap!r}."
        )
    return int(gap)


def _check_dataset(ds, n_parts, stratify):
    for attr in ("labels", "subset"):
        if not hasattr(ds, attr):
            raise InvalidArgumentError(
                f"Cannot split a {type(ds).__name__}: give a dataset such as "
                "ImageDataset (it needs len(), .labels and .subset())."
            )
    labels = np.asarray(ds.labels).reshape(-1)
    if len(labels) != len(ds):
        raise InvalidArgumentError("The dataset's labels must have one value per item.")
    if len(labels) < n_parts:
        raise InvalidArgumentError(
            f"The dataset has {len(labels)} items; it needs at least {n_parts} to split."
        )
    if stratify and getattr(ds, "task", None) == "regression":
        return _quantile_bins(labels.astype(np.float64), n_parts)
    if stratify:
        values, counts = np.unique(labels, return_counts=True)
        if counts.min() < n_parts:
            names = getattr(ds, "class_names", None)
            small = values[np.argmin(counts)]
            if names is not None and 0 <= small < len(names):
                name = names[small]
            else:
                name = "no box" if small == -1 else small
            raise InvalidArgumentError(
                f"Class {name!r} has only {counts.min()} item(s), too few for {n_parts} parts; "
                "add images, merge classes or pass stratify=False."
            )
    return labels


def _split(ds, rates, seed, stratify):
    _check_rates(rates)
    if getattr(ds, "split_mode", "random") == "ordered":
        _check_dataset(ds, len(rates) + 1, False)
        parts = _ordered_indices(len(ds), list(rates.values()), _check_gap(ds))
    else:
        strata = _check_dataset(ds, len(rates) + 1, stratify)
        parts = _split_indices(strata, list(rates.values()), seed, stratify)
    for name, part in zip(["training", *rates], parts):
        if len(part) == 0:
            raise InvalidArgumentError(
                f"The {name.replace('_rate', '')} part would be empty; raise its rate or use "
                "more data."
            )
    return tuple(ds.subset(p) for p in parts)


def two_way_split(ds, test_rate=20, seed=None, stratify=True):
    """Split a dataset into training and test parts.

    Items are shuffled with *seed*; with ``stratify`` each class is split
    on its own so that every part has (to within one item per class) the
    same class proportions. A regression dataset is stratified on quantile
    bins of its targets. A dataset with ``split_mode = "ordered"`` (a
    :class:`~dl_notebook.data.TimeSeriesDataset`) is split in its order
    instead: the earliest items train, ``split_gap`` items are left out
    between the parts, and *seed* and *stratify* are not used.

    Args:
        ds: a dataset with ``len``, ``labels`` and ``subset`` (e.g. an ImageDataset).
        test_rate: percentage of items for testing (DLPy's ``test_rate``).
        seed: random seed; the same seed gives the same split.
        stratify: keep the class proportions in both parts.

    Returns:
        ``(train, test)``, datasets of the same kind as *ds*.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.data import ImageDataset, two_way_split
        >>> ds = ImageDataset.from_arrays(np.zeros((10, 2, 2)), [0, 1] * 5)
        >>> train, test = two_way_split(ds, test_rate=20, seed=1)
        >>> len(train), len(test)
        (8, 2)
    """
    return _split(ds, {"test_rate": test_rate}, seed, stratify)


def three_way_split(ds, valid_rate=20, test_rate=20, seed=None, stratify=True):
    """Split a dataset into training, validation and test parts.

    Works like :func:`two_way_split` with one more part; an ordered dataset
    gives training, then validation, then test, in its order.

    Args:
        ds: a dataset with ``len``, ``labels`` and ``subset`` (e.g. an ImageDataset).
        valid_rate: percentage of items for validation.
        test_rate: percentage of items for testing.
        seed: random seed; the same seed gives the same split.
        stratify: keep the class proportions in every part.

    Returns:
        ``(train, valid, test)``, datasets of the same kind as *ds*.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.data import ImageDataset, three_way_split
        >>> ds = ImageDataset.from_arrays(np.zeros((20, 2, 2)), [0, 1] * 10)
        >>> [len(p) for p in three_way_split(ds, 20, 30, seed=0)]
        [10, 4, 6]
    """
    return _split(ds, {"valid_rate": valid_rate, "test_rate": test_rate}, seed, stratify)
