"""two_way_split / three_way_split: disjoint, stratified, deterministic parts of a dataset."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import dl_notebook as dn
from dl_notebook.data import ImageDataset, three_way_split, two_way_split


def _dataset(counts=(50, 30, 20)):
    labels = np.repeat(np.arange(len(counts)), counts)
    x = np.arange(len(labels), dtype=np.float32).reshape(-1, 1, 1, 1)  # pixel = item number
    return ImageDataset.from_arrays(x, labels, class_names=[f"c{i}" for i in range(len(counts))],
                                    normalize=None)


def _ids(part):
    """The original item numbers a part holds (read back from its pixels)."""
    return part._arrays[:, 0, 0, 0].astype(int)


class Items:
    """The smallest dataset the split functions accept: len, labels, subset."""

    def __init__(self, labels, ids=None):
        self.labels = np.asarray(labels)
        self.ids = np.arange(len(labels)) if ids is None else ids

    def __len__(self):
        return len(self.labels)

    def subset(self, indices):
        return Items(self.labels[indices], self.ids[indices])


def test_two_way_split_is_disjoint_complete_and_stratified():
    ds = _dataset()
    train, test = two_way_split(ds, test_rate=20, seed=7)
    assert isinstance(train, ImageDataset) and isinstance(test, ImageDataset)
    assert (len(train), len(test)) == (80, 20)
    ids_train, ids_test = set(_ids(train)), set(_ids(test))
    assert not ids_train & ids_test
    assert ids_train | ids_test == set(range(100))
    assert np.bincount(test.labels).tolist() == [10, 6, 4]
    assert train.class_names == ds.class_names
    # labels travel with their images
    assert (ds.labels[_ids(test)] == test.labels).all()


def test_three_way_split_proportions_within_one_item_per_class():
    counts = (37, 23, 11)
    ds = _dataset(counts)
    train, valid, test = three_way_split(ds, valid_rate=16, test_rate=20, seed=123)
    parts = {"train": (train, 64), "valid": (valid, 16), "test": (test, 20)}
    seen = []
    for part, rate in parts.values():
        per_class = np.bincount(part.labels, minlength=3)
        exact = np.array(counts) * rate / 100
        assert (np.abs(per_class - exact) < 1).all(), (per_class, exact)
        seen.extend(_ids(part).tolist())
    assert sorted(seen) == list(range(sum(counts)))


def test_same_seed_same_split_other_seed_other_split():
    ds = _dataset()
    first = [_ids(p) for p in three_way_split(ds, seed=1)]
    again = [_ids(p) for p in three_way_split(ds, seed=1)]
    other = [_ids(p) for p in three_way_split(ds, seed=2)]
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


def test_unstratified_split_uses_exact_total_sizes():
    ds = Items(np.array([0] * 9 + [1]))
    train, test = two_way_split(ds, test_rate=30, seed=0, stratify=False)
    assert (len(train), len(test)) == (7, 3)
    assert not set(train.ids) & set(test.ids)


def test_split_works_on_any_object_with_len_labels_subset():
    ds = Items(np.arange(40) % 4)
    train, valid, test = three_way_split(ds, valid_rate=25, test_rate=25, seed=3)
    assert isinstance(train, Items)
    assert [len(train), len(valid), len(test)] == [20, 10, 10]
    for part in (valid, test):
        assert (np.abs(np.bincount(part.labels) - 2.5) < 1).all()


def test_split_of_a_folder_dataset_keeps_paths(tmp_path):
    for cls in ("a", "b"):
        (tmp_path / cls).mkdir()
        for i in range(5):
            Image.new("L", (3, 3), i * 40).save(tmp_path / cls / f"{i}.png")
    ds = ImageDataset.from_folder(tmp_path, verbose=False)
    train, test = two_way_split(ds, test_rate=40, seed=0)
    assert len(test) == 4 and np.bincount(test.labels).tolist() == [2, 2]
    assert set(train.paths).isdisjoint(test.paths)
    assert set(train.paths) | set(test.paths) == set(ds.paths)


@pytest.mark.parametrize("call,words", [
    (lambda ds: two_way_split(ds, test_rate=-5), "between 0 and 100"),
    (lambda ds: two_way_split(ds, test_rate=0), "between 0 and 100"),
    (lambda ds: two_way_split(ds, test_rate="20"), "between 0 and 100"),
    (lambda ds: three_way_split(ds, valid_rate=50, test_rate=50), "less than 100"),
    (lambda ds: three_way_split(ds, valid_rate=60, test_rate=45), "less than 100"),
    (lambda ds: three_way_split(_dataset((20, 2)), seed=0), "Class 'c1' has only 2"),
    (lambda ds: two_way_split(_dataset((20, 1))), "stratify=False"),
    (lambda ds: two_way_split(Items([0, 1]), test_rate=1, stratify=False), "empty"),
    (lambda ds: two_way_split([1, 2, 3]), "Cannot split a list"),
])
def test_invalid_splits_raise_clear_errors(call, words):
    with pytest.raises(dn.InvalidArgumentError) as info:
        call(_dataset())
    assert words in str(info.value)
    assert str(info.value).endswith(".")


def test_many_random_splits_stay_within_one_item_of_exact():
    rng = np.random.default_rng(0)
    for _ in range(200):
        counts = rng.integers(10, 40, size=rng.integers(2, 6))
        valid_rate, test_rate = (int(r) for r in rng.integers(10, 45, size=2))
        labels = np.repeat(np.arange(len(counts)), counts)
        parts = three_way_split(Items(labels), valid_rate, test_rate, seed=int(rng.integers(99)))
        rates = (100 - valid_rate - test_rate, valid_rate, test_rate)
        ids = np.concatenate([p.ids for p in parts])
        assert sorted(ids.tolist()) == list(range(len(labels)))
        for part, rate in zip(parts, rates):
            per_class = np.bincount(part.labels, minlength=len(counts))
            assert (np.abs(per_class - counts * rate / 100) < 1).all()
            assert abs(len(part) - len(labels) * rate / 100) < 1 + 1e-9


# ----------------------------------------------------------------- regression targets
class Targets(Items):
    """A regression dataset: continuous labels."""

    task = "regression"

    def subset(self, indices):
        return Targets(self.labels[indices], self.ids[indices])


def test_regression_targets_are_stratified_on_quantile_bins():
    values = np.random.default_rng(4).lognormal(size=200)
    ds = Targets(values)
    train, valid, test = three_way_split(ds, valid_rate=20, test_rate=20, seed=5)
    assert [len(train), len(valid), len(test)] == [120, 40, 40]
    ids = np.concatenate([p.ids for p in (train, valid, test)])
    assert sorted(ids.tolist()) == list(range(200))
    deciles = np.quantile(values, np.linspace(0, 1, 11)[1:-1])
    for part, share in ((train, 0.6), (valid, 0.2), (test, 0.2)):
        per_bin = np.bincount(np.searchsorted(deciles, part.labels, side="right"), minlength=10)
        assert (np.abs(per_bin - 20 * share) < 1).all(), per_bin
    again = three_way_split(ds, valid_rate=20, test_rate=20, seed=5)
    assert all(np.array_equal(a.ids, b.ids) for a, b in zip((train, valid, test), again))


def test_regression_split_works_with_few_items_and_without_stratify():
    ds = Targets(np.linspace(0, 1, 7))
    assert [len(p) for p in three_way_split(ds, 30, 30, seed=0)] == [3, 2, 2]
    train, test = two_way_split(Targets(np.arange(10.0) / 3), stratify=False, seed=0)
    assert (len(train), len(test)) == (8, 2)


# ----------------------------------------------------------------- ordered (time series) splits
def _rows(part):
    """Every row a time-series part touches: its windows' rows and label rows."""
    first, label = part.window_rows.T
    return [set(range(a, b + 1)) for a, b in zip(first, label)]


def _check_no_leak(parts):
    for i, earlier in enumerate(parts):
        earlier_rows = set().union(*_rows(earlier))
        for later in parts[i + 1:]:
            later_labels = set(later.window_rows[:, 1].tolist())
            assert not later_labels & earlier_rows  # no later label inside an earlier window
            assert not set().union(*_rows(later)) & earlier_rows  # nor any other shared row
            assert earlier.window_rows[:, 1].max() < later.window_rows[:, 0].min()


def test_ordered_split_keeps_time_order_and_leaves_a_gap():
    from dl_notebook.data.timeseries import TimeSeriesDataset

    ds = TimeSeriesDataset.from_arrays(np.sin(np.arange(120) / 5), 0, sequence_length=8,
                                       horizon=3)
    assert ds.split_mode == "ordered" and ds.split_gap == 10
    train, valid, test = three_way_split(ds, valid_rate=20, test_rate=20, seed=1)
    starts = [p.window_rows[:, 0] for p in (train, valid, test)]
    assert all((np.diff(s) == 1).all() for s in starts)  # consecutive windows, in order
    usable = len(ds) - 2 * ds.split_gap
    assert [len(train), len(valid), len(test)] == [round(usable * 0.6), round(usable * 0.2),
                                                   round(usable * 0.2)]
    assert starts[1][0] - starts[0][-1] == ds.split_gap + 1
    assert starts[2][0] - starts[1][-1] == ds.split_gap + 1
    assert starts[2][-1] == len(ds) - 1
    _check_no_leak([train, valid, test])
    # the gap is no wider than needed: the last window left out shares the training's label row
    assert starts[1][0] - 1 == train.window_rows[-1, 1]
    # deterministic: no randomness, the seed and stratify change nothing
    for other in (three_way_split(ds, 20, 20, seed=99), three_way_split(ds, 20, 20,
                                                                        stratify=False)):
        assert all(np.array_equal(a.window_rows, b.window_rows)
                   for a, b in zip((train, valid, test), other))


def test_ordered_splits_never_share_rows_for_many_shapes():
    from dl_notebook.data.timeseries import TimeSeriesDataset

    rng = np.random.default_rng(0)
    for _ in range(60):
        length, horizon, stride = (int(v) for v in rng.integers(1, 9, size=3))
        n_rows = int(rng.integers(length + horizon + 40, 300))
        ds = TimeSeriesDataset.from_arrays(rng.normal(size=(n_rows, 2)), 1, length,
                                           horizon=horizon, stride=stride)
        valid_rate, test_rate = (int(r) for r in rng.integers(10, 40, size=2))
        parts = three_way_split(ds, valid_rate, test_rate)
        _check_no_leak(parts)
        # and the gap is the smallest that works: one window fewer would share a row
        for earlier, later in zip(parts, parts[1:]):
            last, first = earlier.window_rows[-1], later.window_rows[0]
            assert first[0] - last[0] == stride * (ds.split_gap + 1)
            assert first[0] - stride <= last[1]
        two = two_way_split(ds, test_rate)
        _check_no_leak(two)


def test_ordered_split_of_a_classification_series_does_not_stratify():
    from dl_notebook.data.timeseries import TimeSeriesDataset

    codes = np.array([0] * 40 + [1] * 5)  # class 1 only at the end: stratifying would fail
    ds = TimeSeriesDataset.from_arrays(codes, 0, 3)
    train, test = two_way_split(ds, test_rate=20, stratify=True)
    assert train.labels.tolist() == [0] * len(train)
    assert test.labels[-1] == 1


def test_ordered_split_of_a_too_short_series_says_so():
    from dl_notebook.data.timeseries import TimeSeriesDataset

    ds = TimeSeriesDataset.from_arrays(np.arange(30.0), 0, 10, horizon=2)  # 19 windows, gap 11
    with pytest.raises(dn.InvalidArgumentError, match="too few for 3 parts with 11 items left "
                                                      "out between parts"):
        three_way_split(ds)
    train, test = two_way_split(ds, test_rate=30)
    assert (len(train), len(test)) == (6, 2)
