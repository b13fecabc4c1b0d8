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
