"""dn.evaluate_segmentation against scikit-learn and keras.metrics.MeanIoU; the mask figure."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, jaccard_score

import dl_notebook as dn


@pytest.fixture(scope="module")
def shapes_masks():
    """Shapes masks (0 background, 1..3 shapes) and a prediction: shifted, with some noise."""
    data = dn.datasets.shapes(n=6, image_size=32, kind="segment",
                              classes=("circle", "square", "triangle"), seed=1)
    rng = np.random.default_rng(0)
    predicted = np.roll(data.masks, shift=2, axis=2).astype(np.int64)
    flip = rng.random(predicted.shape) < 0.05
    predicted[flip] = rng.integers(0, 4, int(flip.sum()))
    return data, data.masks.astype(np.int64), predicted


def test_matches_scikit_learn_on_flattened_masks(shapes_masks):
    data, truth, predicted = shapes_masks
    res = dn.evaluate_segmentation(truth, predicted, 4, class_names=data.class_names)
    t, p = truth.reshape(-1), predicted.reshape(-1)
    np.testing.assert_array_equal(res.confusion_matrix, confusion_matrix(t, p, labels=range(4)))
    np.testing.assert_allclose(res.iou, jaccard_score(t, p, labels=range(4), average=None))
    assert res.pixel_accuracy == pytest.approx(np.mean(t == p))
    assert res.class_names == ["background", "circle", "square", "triangle"]
    assert res.per_class["n_pixels"].tolist() == np.bincount(t, minlength=4).tolist()
    assert 0.3 < res.mean_iou < 0.95  # shifted masks: clearly imperfect, clearly not random


def test_probabilities_match_keras_mean_iou(shapes_masks):
    import keras

    _, truth, predicted = shapes_masks
    rng = np.random.default_rng(1)
    proba = rng.random((*truth.shape, 4)).astype(np.float32) * 0.5
    np.put_along_axis(proba, predicted[..., None], 1.0, axis=-1)  # argmax is the prediction
    metric = keras.metrics.MeanIoU(num_classes=4)
    metric.update_state(truth, predicted)
    res = dn.evaluate_segmentation(truth[..., None], proba, 4)
    assert res.mean_iou == pytest.approx(float(metric.result()), abs=1e-6)
    assert res.mean_iou == dn.evaluate_segmentation(truth, predicted, 4).mean_iou


def test_absent_classes_are_nan_and_left_out_and_ignore_index_skips_pixels():
    truth = np.array([[[0, 0, 1, 255]]])
    predicted = np.array([[[0, 1, 1, 2]]])
    res = dn.evaluate_segmentation(truth, predicted, 4, ignore_index=255)
    assert res.confusion_matrix.sum() == 3
    iou = res.iou
    assert iou[0] == pytest.approx(1 / 2) and iou[1] == pytest.approx(1 / 2)
    assert np.isnan(iou[2]) and np.isnan(iou[3])
    assert res.mean_iou == pytest.approx(0.5)
    assert res.pixel_accuracy == pytest.approx(2 / 3)
    assert "mean IoU 0.5000" in repr(res) and "<table>" in res._repr_html_()


@pytest.mark.parametrize("truth, predicted, n_classes, message", [
    (np.zeros((1, 4, 4), int), np.zeros((1, 4, 5), int), 2, "shape of true_masks"),
    (np.zeros((1, 4, 4), int), np.full((1, 4, 4), 3), 2, "class id 3, outside 0..1"),
    (np.zeros((1, 4, 4), int), np.full((1, 4, 4), 0.5), 2, "class ids or"),
    (np.zeros((1, 4, 4), int), np.zeros((1, 4, 4), int), 0, "positive integer"),
])
def test_bad_input_is_one_sentence(truth, predicted, n_classes, message):
    with pytest.raises(dn.DLError, match=message):
        dn.evaluate_segmentation(truth, predicted, n_classes)


def test_class_names_need_every_class():
    with pytest.raises(dn.InvalidArgumentError, match="class_names must give 3 names"):
        dn.evaluate_segmentation(np.zeros((1, 2, 2), int), np.zeros((1, 2, 2), int), 3,
                                 class_names=["a"])


def test_segmentation_figure_has_three_columns_and_a_legend_of_classes(shapes_masks):
    data, truth, predicted = shapes_masks
    shown = dn.display_segmentation_results(data.images, truth, predicted, data.class_names, n=3)
    assert shown.ax_.shape == (3, 3)
    assert [t.get_text() for t in shown.legend_.get_texts()] == list(data.class_names)
    assert shown.ax_[0, 2].get_title().startswith("predicted (IoU ")
    painted = shown.ax_[0, 1].get_images()[0].get_array()
    objects = truth[0] > 0
    assert np.any(painted[objects] != data.images[0][objects])  # objects are coloured
    np.testing.assert_array_equal(painted[~objects], data.images[0][~objects])  # background not
    assert dn.display_segmentation_results(data.images, truth, n=2).ax_.shape == (2, 2)
