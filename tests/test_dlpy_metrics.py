"""dl_notebook.dlpy.metrics equals scikit-learn on the same inputs, by column name or array."""

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics

from dl_notebook.dlpy import metrics as dm
from dl_notebook.errors import InvalidArgumentError


@pytest.fixture(scope="module")
def scored():
    rng = np.random.default_rng(0)
    truth = rng.choice(["cat", "dog"], size=60)
    p_dog = np.clip((truth == "dog") * 0.3 + rng.random(60) * 0.7, 0, 1)
    pred = np.where(p_dog > 0.5, "dog", "cat")
    return pd.DataFrame({"_label_": truth, "I__label_": pred, "P__label_dog": p_dog})


def test_classification_scores_equal_sklearn(scored):
    t, p, s = scored["_label_"], scored["I__label_"], scored["P__label_dog"]
    cm = dm.confusion_matrix("_label_", "I__label_", castable=scored)
    np.testing.assert_array_equal(cm.to_numpy(), metrics.confusion_matrix(t, p))
    assert cm.index.tolist() == ["cat", "dog"]
    assert dm.accuracy_score("_label_", "I__label_", castable=scored) == \
        pytest.approx(metrics.accuracy_score(t, p))
    assert dm.f1_score(t, p, pos_label="dog") == \
        pytest.approx(metrics.f1_score(t, p, pos_label="dog"))
    positives = (t == "dog").astype(int)
    assert dm.roc_auc_score("_label_", "P__label_dog", castable=scored, pos_label="dog") == \
        pytest.approx(metrics.roc_auc_score(positives, s))
    assert dm.average_precision_score(t.to_numpy(), s.to_numpy(), pos_label="dog") == \
        pytest.approx(metrics.average_precision_score(positives, s))


def test_curves_carry_sklearn_areas(scored):
    t, s = scored["_label_"], scored["P__label_dog"]
    roc = dm.plot_roc("_label_", "P__label_dog", "dog", castable=scored, figsize=(4, 4))
    assert roc.scores["dog"] == pytest.approx(metrics.roc_auc_score(t == "dog", s))
    assert tuple(roc.figure_.get_size_inches()) == (4, 4)
    pr = dm.plot_precision_recall(t, s, pos_label="dog")
    assert pr.scores["dog"] == pytest.approx(metrics.average_precision_score(t == "dog", s))


def test_regression_scores_equal_sklearn():
    rng = np.random.default_rng(1)
    y = rng.random(30) * 10
    df = pd.DataFrame({"y": y, "p": y + rng.normal(size=30)})
    for name in ("explained_variance_score", "mean_absolute_error", "mean_squared_error",
                 "r2_score"):
        assert getattr(dm, name)("y", "p", castable=df) == \
            pytest.approx(getattr(metrics, name)(df["y"], df["p"]))


def test_bad_input_is_one_sentence():
    with pytest.raises(InvalidArgumentError, match="castable="):
        dm.accuracy_score("a", "b")
    with pytest.raises(InvalidArgumentError, match="pos_label 'x'"):
        dm.roc_auc_score([0, 1], [0.2, 0.3], pos_label="x")
