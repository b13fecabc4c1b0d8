"""TabularDataset: standardised numbers, one-hot nominals, missing values, the fitted encoding."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dl_notebook as dn
from dl_notebook.data import three_way_split, two_way_split
from dl_notebook.data.tabular import TabularDataset


def _table(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "age": rng.normal(40, 10, n).round(1),
        "city": rng.choice(["paris", "oslo", "rome"], n),
        "member": rng.choice([True, False], n),
        "zone": rng.integers(1, 4, n),  # numbers that name a category
        "flat": np.full(n, 7.0),
        "species": rng.choice(["setosa", "virginica"], n),
    })


def test_numbers_are_standardised_and_nominals_one_hot_in_sorted_order():
    df = _table()
    ds = TabularDataset.from_dataframe(df, "species", nominals=["zone"])
    assert ds.feature_names == [
        "age", "city=oslo", "city=paris", "city=rome", "member=False", "member=True",
        "zone=1", "zone=2", "zone=3", "flat",
    ]
    x, y = ds.to_numpy()
    assert x.dtype == np.float32 and x.shape == (60, 10) and ds.input_shape == (10,)
    age = x[:, 0]
    assert abs(age.mean()) < 1e-5 and abs(age.std() - 1) < 1e-5
    expected = (df["age"] - df["age"].mean()) / df["age"].std(ddof=0)
    np.testing.assert_allclose(age, expected, rtol=1e-5, atol=1e-5)
    assert (x[:, -1] == 0).all()  # constant column: std taken as 1
    assert ds.preprocessing["stds"]["flat"] == 1.0
    one_hot = x[:, 1:9]
    assert set(np.unique(one_hot)) == {0.0, 1.0}
    assert (one_hot[:, 0:3].sum(axis=1) == 1).all()
    assert ((x[:, 1:4].argmax(axis=1) == np.searchsorted(["oslo", "paris", "rome"], df["city"]))
            .all())
    assert ds.preprocessing["vocabularies"] == {
        "city": ["oslo", "paris", "rome"], "member": [False, True], "zone": [1, 2, 3]}
    assert ds.task == "classification" and ds.class_names == ["setosa", "virginica"]
    assert (np.array(ds.class_names)[y] == df["species"]).all()
    assert "60 rows" in repr(ds) and "2 classes" in repr(ds)


@pytest.mark.parametrize("policy,fill", [("mean", 2.0), ("median", 1.5), ("zero", 0.0)])
def test_missing_numbers_are_filled_by_the_policy(policy, fill):
    df = pd.DataFrame({"v": [1.0, 1.5, np.nan, 3.5], "c": ["a", None, "b", "a"],
                       "y": ["p", "q", "p", "q"]})
    ds = TabularDataset.from_dataframe(df, "y", missing=policy)
    x, _ = ds.to_numpy()
    mean, std = 2.0, np.std([1.0, 1.5, 3.5])
    assert ds.preprocessing["fill"]["v"] == fill
    assert x[2, 0] == pytest.approx((fill - mean) / std, abs=1e-6)
    assert x[1, 1:].tolist() == [0.0, 0.0]  # a missing category is a row of zeros
    assert len(ds) == 4


def test_drop_policy_drops_rows_and_says_how_many(capsys):
    df = pd.DataFrame({"v": [1.0, np.nan, 3.0, 4.0, 5.0], "c": ["a", "b", None, "a", "b"],
                       "other": [1, 2, 3, 4, np.nan], "y": [0.1, 0.2, 0.3, 0.4, 0.5]})
    ds = TabularDataset.from_dataframe(df, "y", inputs=["v", "c"], missing="drop")
    assert capsys.readouterr().out == "Dropped 2 of 5 rows with missing values.\n"
    assert len(ds) == 3 and ds.dropped == 2
    np.testing.assert_allclose(ds.labels, [0.1, 0.4, 0.5], rtol=1e-6)
    quiet = TabularDataset.from_dataframe(df, "y", inputs=["v", "c"], missing="drop",
                                          verbose=False)
    assert capsys.readouterr().out == "" and len(quiet) == 3


def test_rows_without_a_target_are_dropped_under_every_policy(capsys):
    df = pd.DataFrame({"v": [1.0, 2.0, 3.0, 4.0], "y": ["a", None, "b", "a"]})
    ds = TabularDataset.from_dataframe(df, "y")
    assert "Dropped 1 of 4 rows with no value in 'y'." in capsys.readouterr().out
    assert ds.labels.tolist() == [0, 1, 0]


@pytest.mark.parametrize("values,task,names", [
    (["a", "b", "a", "b"], "classification", ["a", "b"]),
    ([True, False, True, True], "classification", ["False", "True"]),
    ([3, 1, 2, 3], "classification", ["1", "2", "3"]),
    ([3.0, 1.0, np.nan, 3.0], "classification", ["1.0", "3.0"]),  # ints made float by a gap
    ([0.5, 1.25, 2.0, 3.0], "regression", None),
])
def test_task_follows_the_target(values, task, names):
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "t": values})
    ds = TabularDataset.from_dataframe(df, "t", verbose=False)
    assert ds.task == task and ds.class_names == names


def test_many_integer_values_are_a_regression_target_and_task_overrides():
    df = pd.DataFrame({"x": np.arange(50.0), "t": np.arange(50) * 3})
    ds = TabularDataset.from_dataframe(df, "t")
    assert ds.task == "regression" and ds.class_names is None
    assert ds.labels.dtype == np.float32 and ds.labels[-1] == 147.0
    assert TabularDataset.from_dataframe(df, "t", task="classification").class_names[:2] == [
        "0", "3"]
    few = pd.DataFrame({"x": [1.0, 2.0, 3.0], "t": [1, 2, 1]})
    assert TabularDataset.from_dataframe(few, "t", task="regression").task == "regression"
    assert TabularDataset.from_dataframe(few, "t", nominals=["t"]).task == "classification"


def test_transform_and_subsets_use_the_fitted_encoding():
    df = _table()
    ds = TabularDataset.from_dataframe(df, "species", nominals=["zone"])
    x, _ = ds.to_numpy()
    np.testing.assert_array_equal(ds.transform(df.drop(columns="species")), x)
    part = ds.subset([5, 2, 9])
    assert part.preprocessing is ds.preprocessing and part.feature_names == ds.feature_names
    np.testing.assert_array_equal(part.to_numpy()[0], x[[5, 2, 9]])
    np.testing.assert_array_equal(part.transform(df.iloc[[5, 2, 9]]), x[[5, 2, 9]])
    assert part.labels.tolist() == ds.labels[[5, 2, 9]].tolist()
    new = pd.DataFrame({"age": [np.nan, 40.0], "city": ["lima", "rome"], "member": [None, True],
                        "zone": [9, 2], "flat": [7.0, 100.0]})
    out = ds.transform(new)
    assert out.shape == (2, 10) and out.dtype == np.float32
    assert out[0, 0] == pytest.approx(0.0, abs=1e-6)  # filled with the training mean
    assert out[0, 1:9].tolist() == [0.0] * 8  # unseen or missing categories: zeros
    assert out[1, 1:9].tolist() == [0, 0, 1, 0, 1, 0, 1, 0]
    assert out[1, 9] == 93.0  # (100 - 7) / 1
    with pytest.raises(dn.InvalidArgumentError, match="no input column 'zone'"):
        ds.transform(new.drop(columns="zone"))


def test_from_csv_reads_and_encodes(tmp_path):
    path = tmp_path / "flowers.csv"
    _table(20).to_csv(path, index=False)
    ds = TabularDataset.from_csv(path, "species", inputs=["age", "city"])
    assert ds.feature_names == ["age", "city=oslo", "city=paris", "city=rome"]
    assert len(ds) == 20
    with pytest.raises(dn.InvalidArgumentError, match="does not exist"):
        TabularDataset.from_csv(tmp_path / "nope.csv", "species")


def test_tf_dataset_batches_every_row_once():
    ds = TabularDataset.from_dataframe(_table(50), "species")
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds.to_tf_dataset(batch_size=16)])
    assert [len(y) for y in ys] == [16, 16, 16, 2]
    np.testing.assert_array_equal(np.concatenate(xs), ds.to_numpy()[0])
    assert ys[0].dtype == np.int32
    shuffled = np.concatenate([y.numpy() for _, y in ds.to_tf_dataset(50, shuffle=True, seed=1)])
    assert sorted(shuffled.tolist()) == sorted(ds.labels.tolist())


def test_a_small_network_learns_a_tabular_rule():
    from dl_notebook._keras import keras

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300),
                       "colour": rng.choice(["red", "green"], 300)})
    df["label"] = np.where((df["a"] + df["b"] > 0) == (df["colour"] == "red"), "yes", "no")
    train, test = two_way_split(TabularDataset.from_dataframe(df, "label"), 25, seed=0)
    k = keras()
    k.utils.set_random_seed(0)
    model = k.Sequential([k.Input(train.input_shape), k.layers.Dense(16, activation="relu"),
                          k.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=k.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(train.to_tf_dataset(32, shuffle=True, seed=0), epochs=30, shuffle=False,
              verbose=0)
    _, accuracy = model.evaluate(test.to_tf_dataset(), verbose=0)
    assert accuracy > 0.85


def test_splits_of_a_tabular_dataset():
    df = _table(100)
    ds = TabularDataset.from_dataframe(df, "species")
    train, valid, test = three_way_split(ds, 20, 20, seed=0)
    assert [len(p) for p in (train, valid, test)] == [60, 20, 20]
    assert all(isinstance(p, TabularDataset) for p in (train, valid, test))
    reg = TabularDataset.from_dataframe(df, "age")
    assert reg.task == "regression"
    train, test = two_way_split(reg, 20, seed=0)  # stratified on quantile bins, no error
    assert (len(train), len(test)) == (80, 20)


@pytest.mark.parametrize("call,words", [
    (lambda df: TabularDataset.from_dataframe(df, "specie"), "closest is 'species'"),
    (lambda df: TabularDataset.from_dataframe(df, "zzz"), "use one of ['age'"),
    (lambda df: TabularDataset.from_dataframe(df, "species", inputs=["agee"]),
     "no input column 'agee'; the closest is 'age'"),
    (lambda df: TabularDataset.from_dataframe(df, "species", nominals=["cty"]),
     "no nominal column"),
    (lambda df: TabularDataset.from_dataframe(df, "species", inputs=["age", "species"]),
     "cannot also be an input"),
    (lambda df: TabularDataset.from_dataframe(df.iloc[:0], "species"), "no rows"),
    (lambda df: TabularDataset.from_dataframe(df.assign(species="x"), "species"),
     "only one class ('x')"),
    (lambda df: TabularDataset.from_dataframe(df, "species", missing="ffill"),
     "missing must be"),
    (lambda df: TabularDataset.from_dataframe(df, "species", task="ranking"), "task must be"),
    (lambda df: TabularDataset.from_dataframe(df, "city", task="regression"),
     "does not hold numbers"),
    (lambda df: TabularDataset.from_dataframe(
        df.assign(when=pd.date_range("2024-01-01", periods=len(df))), "species"),
     "Column 'when' holds datetime64"),
    (lambda df: TabularDataset.from_dataframe(
        df.assign(name=[f"n{i}" for i in range(len(df))]), "species"), "too many to one-hot"),
    (lambda df: TabularDataset.from_dataframe(
        df.assign(age=np.nan, species=["a", "b"] * (len(df) // 2)), "species",
        missing="drop", verbose=False), "Every row has a missing value"),
    (lambda df: TabularDataset.from_dataframe(df.values, "species"), "pandas DataFrame"),
    (lambda df: TabularDataset.from_dataframe(df, "species").subset([500]), "must lie in"),
])
def test_mistakes_raise_one_clear_sentence(call, words):
    with pytest.raises(dn.InvalidArgumentError) as info:
        call(_table(120))
    message = str(info.value)
    assert words in message
    assert message.endswith(".") and message.count(". ") == 0, message
