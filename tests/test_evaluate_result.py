"""net.evaluate and EvaluationResult: one scoring pass, metrics against scikit-learn, C/M
selection, losses, binary and logit outputs, other data forms, waiting for a background fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _evaluate import SIZE, evaluation_fixtures, small_cnn
from _nets import assert_one_sentence
from sklearn import metrics

import dl_notebook as dn
from dl_notebook.evaluate import EvaluationResult

L = dn.layers
trained, res = evaluation_fixtures(batch_size=64)


# -- the scoring pass -----------------------------------------------------------------------
def test_result_holds_one_pass_of_the_model(trained, res):
    net, _, test = trained
    x, y = test.to_numpy()
    expected = net.to_keras().predict(x, verbose=0)
    assert isinstance(res, EvaluationResult)
    assert res.network is net and res.data is test
    assert res.proba.shape == (len(test), 10) and res.proba.dtype == np.float32
    np.testing.assert_allclose(res.proba, expected, atol=1e-5)
    np.testing.assert_array_equal(res.y_true, y)
    np.testing.assert_array_equal(res.y_pred, expected.argmax(axis=1))
    assert res.y_true.dtype == res.y_pred.dtype == np.int64
    assert res.class_names == test.class_names == [str(d) for d in range(10)]
    assert res.accuracy > 0.7  # 10 classes: chance is 0.1


def test_views_read_the_stored_predictions_and_never_run_the_model(trained):
    net, _, test = trained
    model = net.to_keras()
    calls = []
    model.predict_on_batch = lambda x, _f=model.predict_on_batch: calls.append(len(x)) or _f(x)
    try:
        res = net.evaluate(test, batch_size=100)
    finally:
        del model.predict_on_batch
    assert calls == [100, 100, 100, len(test) - 300]  # one pass, in batches
    before = (res.confusion_matrix().matrix.copy(), res.report(), res.top_losses(20),
              res.most_confused(), [{k: v for k, v in item.items() if k != "thumbnail"}
                                    for item in res.page(res.select("M"), page_size=len(res))])
    saved = model.get_weights()
    try:  # a model that now says "class 0" for everything
        model.set_weights([np.zeros_like(w) for w in saved])
        assert model.predict(test.to_numpy()[0][:5], verbose=0).argmax(axis=1).tolist() == [0] * 5
        after = (res.confusion_matrix().matrix, res.report(), res.top_losses(20),
                 res.most_confused(), [{k: v for k, v in item.items() if k != "thumbnail"}
                                       for item in res.page(res.select("M"), page_size=len(res))])
    finally:
        model.set_weights(saved)
    np.testing.assert_array_equal(before[0], after[0])
    for b, a in zip(before[1:4], after[1:4]):
        pd.testing.assert_frame_equal(b, a)
    assert before[4] == after[4] and len(before[4]) == len(res.misclassified())
    assert res.confusion_matrix().matrix.trace() == len(res.correct())


# -- metrics against scikit-learn --------------------------------------------------------------
@pytest.mark.parametrize("normalize", [None, "true", "pred", "all"])
def test_confusion_matrix_equals_sklearn(res, normalize):
    expected = metrics.confusion_matrix(res.y_true, res.y_pred, labels=range(10),
                                        normalize=normalize)
    cm = res.confusion_matrix(normalize=normalize)
    np.testing.assert_array_equal(cm.matrix, expected)
    assert cm.normalize == normalize and cm.result is res and cm.class_names == res.class_names


def test_misclassified_and_correct_split_the_examples(res):
    wrong, right = res.misclassified(), res.correct()
    np.testing.assert_array_equal(wrong, np.flatnonzero(res.y_true != res.y_pred))
    np.testing.assert_array_equal(right, np.flatnonzero(res.y_true == res.y_pred))
    assert len(wrong) > 0 and len(right) > 0
    assert sorted(np.concatenate([wrong, right]).tolist()) == list(range(len(res)))
    assert np.all(res.y_true[wrong] != res.y_pred[wrong])


def test_accuracy_and_top_k_match_sklearn(res):
    assert res.accuracy == pytest.approx(metrics.accuracy_score(res.y_true, res.y_pred))
    for k in (1, 2, 3, 5):
        expected = metrics.top_k_accuracy_score(res.y_true, res.proba, k=k, labels=range(10))
        assert res.top_k_accuracy(k) == pytest.approx(expected), k
    assert res.top_k_accuracy(1) == pytest.approx(res.accuracy)
    assert res.top_k_accuracy(10) == 1.0
    with pytest.raises(dn.InvalidArgumentError) as err:
        res.top_k_accuracy(0)
    assert_one_sentence(err.value, "k must be")


def test_report_matches_sklearn(res):
    report = res.report()
    expected = metrics.classification_report(res.y_true, res.y_pred, output_dict=True,
                                             zero_division=0)
    assert list(report.columns) == ["precision", "recall", "f1", "support"]
    assert list(report.index) == res.class_names + ["macro avg", "weighted avg"]
    for name in res.class_names + ["macro avg", "weighted avg"]:
        row = expected[name]
        assert report.loc[name, "precision"] == pytest.approx(row["precision"])
        assert report.loc[name, "recall"] == pytest.approx(row["recall"])
        assert report.loc[name, "f1"] == pytest.approx(row["f1-score"])
        assert report.loc[name, "support"] == row["support"]


def test_most_confused_follows_the_matrix(res):
    counts = res.confusion_matrix().matrix.copy()
    np.fill_diagonal(counts, 0)
    table = res.most_confused(n=100)
    assert list(table.columns) == ["true", "predicted", "count"]
    assert table["count"].sum() == counts.sum() == len(res.misclassified())
    assert table["count"].is_monotonic_decreasing and (table["count"] > 0).all()
    for true, pred, count in table.itertuples(index=False):
        assert counts[res.class_names.index(true), res.class_names.index(pred)] == count
    top = res.most_confused(n=3)
    assert len(top) == min(3, len(table)) and top["count"].iloc[0] == counts.max()


def test_top_losses_are_the_largest_cross_entropies(res):
    loss = -np.log(res.proba[np.arange(len(res)), res.y_true].astype(np.float64))
    np.testing.assert_allclose(res.loss, np.minimum(loss, -np.log(1e-7)), rtol=1e-5, atol=1e-6)
    table = res.top_losses(n=15)
    assert list(table.columns) == ["index", "true", "predicted", "probability", "loss"]
    assert table["loss"].is_monotonic_decreasing
    np.testing.assert_array_equal(table["index"], np.argsort(-res.loss, kind="stable")[:15])
    np.testing.assert_allclose(table["loss"], res.loss[table["index"]])
    first = int(table["index"].iloc[0])
    assert table["true"].iloc[0] == res.class_names[res.y_true[first]]
    assert table["probability"].iloc[0] == pytest.approx(res.proba[first].max())
    assert table["loss"].iloc[0] >= res.loss.max() - 1e-6


# -- selection ---------------------------------------------------------------------------------
def test_select_filters_and_sorts(res):
    np.testing.assert_array_equal(res.select("A"), np.arange(len(res)))
    np.testing.assert_array_equal(res.select("m"), res.misclassified())
    np.testing.assert_array_equal(res.select("C"), res.correct())
    by_name = res.select("A", true_class="8")
    np.testing.assert_array_equal(by_name, np.flatnonzero(res.y_true == 8))
    np.testing.assert_array_equal(res.select("a", true_class=8), by_name)
    both = res.select("M", true_class=["9", 4], pred_class="8")
    expected = np.flatnonzero((res.y_true != res.y_pred) & np.isin(res.y_true, [9, 4])
                              & (res.y_pred == 8))
    np.testing.assert_array_equal(both, expected)
    conf = res.select("c", sort="confidence")
    assert sorted(conf.tolist()) == res.correct().tolist()
    assert np.all(np.diff(res.proba[conf, res.y_pred[conf]]) <= 0)
    by_loss = res.select("A", pred_class=3, sort="loss")
    assert np.all(res.y_pred[by_loss] == 3) and np.all(np.diff(res.loss[by_loss]) <= 0)


@pytest.mark.parametrize("kwargs, words", [
    ({"img_type": "X"}, ["img_type", "'M'"]),
    ({"true_class": "cat"}, ["Unknown class 'cat'", "true_class"]),
    ({"pred_class": 10}, ["pred_class", "0..9"]),
    ({"sort": "size"}, ["sort must be"]),
])
def test_select_errors_are_one_sentence(res, kwargs, words):
    with pytest.raises(dn.InvalidArgumentError) as err:
        res.select(**kwargs)
    assert_one_sentence(err.value, *words)


# -- other outputs and data forms ---------------------------------------------------------------
def _two_digits(trained):
    _, train, test = trained
    pick = lambda ds: ds.subset(np.isin(ds.labels, [3, 8]))  # noqa: E731
    x, y = pick(train).to_numpy()
    xt, yt = pick(test).to_numpy()
    return x, (y == 8).astype("int32"), xt, (yt == 8).astype("int32")


def test_binary_sigmoid_output_gives_two_columns(trained):
    x, y, xt, yt = _two_digits(trained)
    net = small_cnn(name="three_or_eight", classes=1, act="sigmoid")
    net.fit((x, y), epochs=3, batch_size=32, seed=0, live=False, background=False)
    res = net.evaluate((xt, yt), class_names=["three", "eight"])
    p = net.to_keras().predict(xt, verbose=0)[:, 0]
    np.testing.assert_allclose(res.proba[:, 1], p, atol=1e-6)
    np.testing.assert_allclose(res.proba.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(res.y_pred, (p > 0.5).astype(int))
    assert res.class_names == ["three", "eight"] and res.accuracy > 0.8
    roc = res.roc_curve()
    assert list(roc.roc_auc) == ["eight"]  # the positive class only
    assert roc.roc_auc["eight"] == pytest.approx(metrics.roc_auc_score(yt, p))
    pr = res.precision_recall_curve()
    assert pr.average_precision["eight"] == pytest.approx(
        metrics.average_precision_score(yt, p))


def test_logit_output_goes_through_softmax(trained):
    _, train, _ = trained
    net = small_cnn(name="logits", act=None)
    x, y = train.subset(np.arange(64)).to_numpy()
    logits = net.to_keras().predict(x, verbose=0)
    res = net.evaluate((x, y))
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(res.proba, expected / expected.sum(axis=1, keepdims=True),
                               atol=1e-6)


def test_tf_dataset_arrays_and_dataset_agree(trained, res):
    import tensorflow as tf

    net, _, test = trained
    x, y = test.to_numpy()
    from_arrays = net.evaluate((x[..., 0], y))  # (N, H, W) images get their channel axis
    from_tf = net.evaluate(tf.data.Dataset.from_tensor_slices((x, np.eye(10)[y])).batch(50),
                           class_names=test.class_names)
    for other in (from_arrays, from_tf):
        np.testing.assert_allclose(other.proba, res.proba, atol=1e-5)
        np.testing.assert_array_equal(other.y_true, res.y_true)
    assert from_tf.class_names == res.class_names and from_arrays.class_names[0] == "0"
    assert from_arrays.image(0).shape == (SIZE, SIZE, 1)
    with pytest.raises(dn.InvalidArgumentError) as err:
        from_tf.image(0)
    assert_one_sentence(err.value, "ImageDataset")
    with pytest.raises(dn.InvalidArgumentError) as err:
        net.evaluate(tf.data.Dataset.from_tensor_slices((x, y)))
    assert_one_sentence(err.value, "batch it first")


def test_tabular_classifier_and_its_image_views(tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    df["kind"] = np.where(df["a"] + df["b"] > 0, "high", "low")
    ds = dn.TabularDataset.from_dataframe(df, "kind", verbose=False)
    net = dn.Sequential(layers=[L.InputLayer(shape=ds.input_shape, name="row"),
                                L.OutputLayer(2, name="out")])
    net.fit(ds, epochs=20, batch_size=32, solver=dn.solvers.Adam(0.05), seed=0, live=False,
            background=False)
    res = net.evaluate(ds)
    assert res.class_names == ["high", "low"] and res.accuracy > 0.85
    assert res.report().loc["macro avg", "f1"] > 0.85
    for call in (lambda: res.image(0), lambda: res.page(res.select("A")),
                 lambda: res.thumbnail(0), lambda: res.plot_evaluate_res()):
        with pytest.raises(dn.InvalidArgumentError) as err:
            call()
        assert_one_sentence(err.value, "shows images", "ImageDataset")


@pytest.mark.parametrize("data, words", [
    ("folder", ["dl_notebook dataset", "str"]),
    ((np.zeros((3, 16, 16, 1)), [0, 1]), ["3 examples", "2 labels"]),
    ((np.zeros((2, 16, 16, 1)), [0, 12]), ["0 to 12", "10 classes"]),
    ((np.zeros((2, 16, 16, 1)), [0.5, 1]), ["class ids"]),
    ((np.zeros((0, 16, 16, 1)), []), ["no examples"]),
])
def test_bad_data_is_one_sentence(trained, data, words):
    net, _, _ = trained
    with pytest.raises(dn.InvalidArgumentError) as err:
        net.evaluate(data)
    assert_one_sentence(err.value, *words)


def test_regression_data_and_class_count_mismatch(trained):
    net, _, _ = trained
    df = pd.DataFrame({"a": np.arange(20.0), "y": np.arange(20.0) * 0.5})
    reg = dn.TabularDataset.from_dataframe(df, "y", task="regression", verbose=False)
    with pytest.raises(dn.InvalidArgumentError) as err:
        net.evaluate(reg)
    assert_one_sentence(err.value, "regression")
    three = dn.ImageDataset.from_arrays(np.zeros((6, SIZE, SIZE)), ["a", "b", "c"] * 2)
    with pytest.raises(dn.InvalidArgumentError) as err:
        net.evaluate(three)
    assert_one_sentence(err.value, "3 classes", "scores 10")


def test_evaluate_waits_for_a_background_fit(trained):
    _, train, test = trained
    net = small_cnn(name="background")
    hist = net.fit(train, epochs=2, batch_size=64, seed=0, live=False, background=True)
    res = net.evaluate(test)
    assert not hist.running and hist.frame["epoch"].tolist() == [1, 2]
    x, _ = test.to_numpy()
    np.testing.assert_allclose(res.proba, net.to_keras().predict(x, verbose=0), atol=1e-5)


# -- the result itself ------------------------------------------------------------------------
def test_repr_and_html_summary(res):
    text = repr(res)
    assert text.startswith(f"<EvaluationResult: {len(res)} examples, accuracy {res.accuracy:.4f}")
    assert "10 classes (0, 1, 2" in text
    html = res._repr_html_()
    assert "<table>" in html and f"{res.accuracy:.4f}" in html
    assert f"<td style='text-align:left'>{len(res.misclassified())}</td>" in html


def test_made_from_arrays_and_checked():
    res = EvaluationResult([0, 2], [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], class_names="abc")
    assert res.class_names == ["a", "b", "c"] and res.accuracy == 1.0
    assert res.loss.tolist() == pytest.approx([-np.log(0.7), -np.log(0.8)])
    with pytest.raises(dn.InvalidArgumentError) as err:
        EvaluationResult([0, 3], [[0.5, 0.5], [0.5, 0.5]])
    assert_one_sentence(err.value, "0..1")
    with pytest.raises(dn.InvalidArgumentError) as err:
        EvaluationResult([0], [[0.5, 0.5]], class_names=["only"])
    assert_one_sentence(err.value, "1 class names")
