"""Views of an EvaluationResult: images, model inputs, thumbnails, browser pages, the confusion
matrix display (picture and notebook bundle), ROC / PR curves, DLPy's figures, heatmaps."""

from __future__ import annotations

import io

import nbformat
import numpy as np
import pytest
from _evaluate import SIZE, evaluation_fixtures
from _nets import assert_one_sentence
from nbclient import NotebookClient
from PIL import Image
from sklearn import metrics

import dl_notebook as dn
from dl_notebook import _views
from dl_notebook.evaluate import (
    ConfusionMatrixDisplay,
    EvaluationResult,
    PrecisionRecallDisplay,
    RocCurveDisplay,
)

trained, res = evaluation_fixtures()


def png_image(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return np.asarray(Image.open(io.BytesIO(data)))


# -- images ------------------------------------------------------------------------------------
def test_image_is_the_model_input_before_normalisation(res, trained):
    _, _, test = trained
    raw, _ = test.subset([0, 5]).to_numpy(normalized=False)
    for row, i in enumerate([0, 5]):
        img = res.image(i)
        assert img.shape == (SIZE, SIZE, 1) and img.dtype == np.uint8
        np.testing.assert_array_equal(img, raw[row].astype(np.uint8))
    np.testing.assert_array_equal(res.image(-1), res.image(len(res) - 1))
    with pytest.raises(dn.InvalidArgumentError) as err:
        res.image(len(res))
    assert_one_sentence(err.value, f"0..{len(res) - 1}")


@pytest.mark.parametrize("resize", ["stretch", "pad", "crop"])
def test_image_follows_the_dataset_resize_rule(resize):
    rows, cols = np.mgrid[0:20, 0:30]
    x = np.zeros((3, 20, 30, 3), np.uint8)
    x[..., 0] = rows * 12  # smooth ramps and a bright bar the resize must keep in place
    x[..., 1] = cols * 8
    x[:, 8:12, 10:20, 2] = 255
    ds = dn.ImageDataset.from_arrays(x, [0, 1, 0], image_size=(10, 12), resize=resize)
    res = EvaluationResult(ds.labels, np.full((3, 2), 0.5), data=ds)
    pipeline, _ = ds.to_numpy(normalized=False)
    img = res.image(1)
    assert img.shape == (10, 12, 3) and img.dtype == np.uint8
    # PIL's resize for display against the pipeline's TensorFlow resize: close, not equal
    assert np.abs(img.astype(float) - pipeline[1]).mean() < 12


def test_model_input_is_what_the_network_scored(res, trained):
    net, _, _ = trained
    idx = res.select("M")[:4]
    batch = res.model_input(idx)
    assert batch.shape == (len(idx), SIZE, SIZE, 1) and batch.dtype == np.float32
    assert 0 <= batch.min() and batch.max() <= 1  # normalize="unit"
    np.testing.assert_allclose(net.to_keras().predict(batch, verbose=0), res.proba[idx],
                               atol=1e-5)


def test_thumbnail_fits_its_box(res):
    thumb = png_image(res.thumbnail(3, size=64))
    assert thumb.shape[:2] == (64, 64)
    assert png_image(res.thumbnail(3, size=10)).shape[:2] == (10, 10)
    assert res.thumbnail(3, size=64) is res.thumbnail(3, size=64)  # kept, not redrawn
    wide = EvaluationResult([0, 1], np.full((2, 2), 0.5),
                            data=(np.zeros((2, 20, 40, 3), np.float32), [0, 1]))
    assert png_image(wide.thumbnail(0, size=96)).shape == (48, 96, 3)
    with pytest.raises(dn.InvalidArgumentError) as err:
        res.thumbnail(0, size=0)
    assert_one_sentence(err.value, "size")


# -- browser pages -----------------------------------------------------------------------------
def test_page_items(res):
    idx = res.select("A", sort="loss")
    page = res.page(idx, page=0, page_size=24, thumb_size=48)
    assert [item["index"] for item in page] == idx[:24].tolist()
    first = page[0]
    assert set(first) == {"index", "true", "pred", "correct", "confidence", "loss", "top",
                          "thumbnail"}
    i = first["index"]
    assert first["true"] == res.class_names[res.y_true[i]]
    assert first["pred"] == res.class_names[res.y_pred[i]]
    assert first["correct"] == (res.y_true[i] == res.y_pred[i])
    assert first["confidence"] == pytest.approx(res.proba[i].max(), abs=1e-6)
    assert first["loss"] == pytest.approx(res.loss[i], abs=1e-6) == pytest.approx(res.loss.max())
    assert len(first["top"]) == 5 and first["top"][0] == [first["pred"], first["confidence"]]
    assert [p for _, p in first["top"]] == sorted((p for _, p in first["top"]), reverse=True)
    assert png_image(first["thumbnail"]).shape[:2] == (48, 48)


def test_page_bounds(res):
    idx = res.select("M")
    last = (len(idx) - 1) // 5
    assert len(res.page(idx, page=last, page_size=5)) == len(idx) - 5 * last
    assert res.page(np.zeros(0, np.int64)) == []
    for bad, words in [(dict(page=last + 1, page_size=5), [f"0..{last}"]),
                       (dict(page=-1, page_size=5), ["page must"]),
                       (dict(page_size=0), ["page_size"])]:
        with pytest.raises(dn.InvalidArgumentError) as err:
            res.page(idx, **bad)
        assert_one_sentence(err.value, *words)
    with pytest.raises(dn.InvalidArgumentError) as err:
        res.page([len(res)])
    assert_one_sentence(err.value, "indices")


def test_browse_opens_the_registered_view_or_says_what_to_install(res):
    cls = _views.view_class("browser")
    if cls is not None:
        browser = res.browse(img_type="m", sort="loss", page_size=6)
        assert isinstance(browser, cls)
        np.testing.assert_array_equal(browser.indices, res.select("M", sort="loss"))
    saved = _views._views.get("browser")
    _views.register_view("browser", "anywidget.no_such_module:ImageBrowser")  # as if missing
    try:
        with pytest.raises(dn.MissingDependencyError) as err:
            res.browse()
    finally:
        if saved is not None:
            _views.register_view("browser", saved)
    assert_one_sentence(err.value, "ipywidgets", "anywidget")
    with pytest.raises(dn.InvalidArgumentError):
        res.browse(img_type="Q")


# -- confusion matrix display -------------------------------------------------------------------
def test_confusion_display_draws_names_values_and_colour_bar(res):
    cm = res.confusion_matrix()
    assert isinstance(cm, ConfusionMatrixDisplay) and cm.figure_ is cm.ax_.figure
    assert [t.get_text() for t in cm.ax_.get_xticklabels()] == res.class_names
    assert [t.get_text() for t in cm.ax_.get_yticklabels()] == res.class_names
    texts = [t.get_text() for t in cm.ax_.texts]
    assert texts == [str(v) for v in cm.matrix.ravel()]
    assert len(cm.figure_.axes) == 2  # the matrix and its colour bar
    np.testing.assert_array_equal(cm.im_.get_array(), cm.matrix)
    rates = res.confusion_matrix(normalize="true")
    assert rates.ax_.texts[0].get_text() == f"{rates.matrix[0, 0]:.2f}"
    assert png_image(cm._repr_png_()).ndim == 3


def test_confusion_display_outside_a_kernel_is_a_picture(res):
    bundle = res.confusion_matrix()._repr_mimebundle_()
    assert set(bundle) == {"image/png", "text/plain"}
    import base64

    png_image(base64.b64decode(bundle["image/png"]))
    assert bundle["text/plain"] == "<ConfusionMatrixDisplay 10x10, counts>"


def test_confusion_display_plots_into_given_axes():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.subplots()
    cm = ConfusionMatrixDisplay.from_predictions([0, 1, 2, 2], [0, 2, 2, 2], ax=ax,
                                                 normalize="pred")
    assert cm.ax_ is ax and cm.figure_ is fig
    np.testing.assert_allclose(cm.matrix, metrics.confusion_matrix([0, 1, 2, 2], [0, 2, 2, 2],
                                                                   normalize="pred"))
    with pytest.raises(dn.InvalidArgumentError) as err:
        ConfusionMatrixDisplay.from_predictions([0], [0], normalize="rows")
    assert_one_sentence(err.value, "normalize")


def test_confusion_widget_comes_from_the_registered_view(res):
    cls = _views.view_class("confusion")
    if cls is None:
        with pytest.raises(dn.MissingDependencyError):
            res.confusion_matrix().widget()
        return
    cm = res.confusion_matrix()
    widget = cm.widget()
    assert isinstance(widget, cls) and cm.widget() is widget
    assert widget.result is res


def test_confusion_display_in_a_kernel_bundles_the_widget_with_the_picture(tmp_path,
                                                                            jupyter_env,
                                                                            monkeypatch):
    if _views.view_class("confusion") is None:
        pytest.skip("the confusion matrix widget (ipywidgets, anywidget) is not installed")
    for key, value in jupyter_env.items():
        monkeypatch.setenv(key, value)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import numpy as np\n"
        "from dl_notebook.evaluate import EvaluationResult\n"
        "x = np.zeros((4, 8, 8, 1), np.float32)\n"
        "res = EvaluationResult([0, 1, 0, 1], [[.9, .1], [.2, .8], [.4, .6], [.7, .3]],\n"
        "                       class_names=['cat', 'dog'], data=(x, [0, 1, 0, 1]))\n"
        "res.confusion_matrix()"
    )])
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    data = nb.cells[0].outputs[-1]["data"]
    assert "application/vnd.jupyter.widget-view+json" in data
    import base64

    png_image(base64.b64decode(data["image/png"]))


# -- curves ------------------------------------------------------------------------------------
def test_roc_and_pr_curves_per_class_match_sklearn(res):
    roc = res.roc_curve()
    assert isinstance(roc, RocCurveDisplay) and roc.ax_.figure is roc.figure_
    assert list(roc.roc_auc) == res.class_names
    for c, name in enumerate(res.class_names):
        positives = res.y_true == c
        assert roc.roc_auc[name] == pytest.approx(metrics.roc_auc_score(positives,
                                                                        res.proba[:, c]))
        fpr, tpr, _ = metrics.roc_curve(positives, res.proba[:, c])
        np.testing.assert_allclose(roc.fpr[name], fpr)
        np.testing.assert_allclose(roc.tpr[name], tpr)
    legend = [t.get_text() for t in roc.ax_.get_legend().get_texts()]
    assert legend[0] == f"0 (AUC = {roc.roc_auc['0']:.3f})" and len(legend) == 10
    pr = res.precision_recall_curve(classes=["3", 8])
    assert isinstance(pr, PrecisionRecallDisplay) and list(pr.average_precision) == ["3", "8"]
    for name in ("3", "8"):
        c = int(name)
        assert pr.average_precision[name] == pytest.approx(
            metrics.average_precision_score(res.y_true == c, res.proba[:, c]))
    assert "AP = " in pr.ax_.get_legend().get_texts()[0].get_text()


def test_curves_plot_into_given_axes_and_skip_absent_classes():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.subplots()
    y = [0, 0, 1, 1]
    proba = [[.8, .1, .1], [.5, .3, .2], [.2, .7, .1], [.3, .3, .4]]
    roc = RocCurveDisplay.from_predictions(y, proba, ["a", "b", "c"], ax=ax)
    assert roc.ax_ is ax and roc.figure_ is fig
    assert list(roc.roc_auc) == ["a", "b"] and roc.skipped == ["c"]  # no example of "c"
    again = roc.plot(ax=Figure().subplots())
    assert again is roc and again.ax_ is not ax and len(again.lines_) == 2
    with pytest.raises(dn.InvalidArgumentError) as err:
        RocCurveDisplay.from_predictions(y, proba, ["a", "b", "c"], classes=["z"])
    assert_one_sentence(err.value, "classes")


# -- DLPy figures ------------------------------------------------------------------------------
def test_plot_evaluate_res_shows_images_and_top_probabilities(res):
    fig = res.plot_evaluate_res(img_type="M", n_images=3)
    assert fig.ax_.shape == (3, 2)
    chosen = res.select("M")[:3]
    for (ax_img, ax_bar), i in zip(fig.ax_, chosen):
        label, pred = res.class_names[res.y_true[i]], res.class_names[res.y_pred[i]]
        assert ax_img.get_title() == f"label: {label}\npredicted: {pred}"
        bars = [p.get_width() for p in ax_bar.patches]
        np.testing.assert_allclose(bars, np.sort(res.proba[i])[::-1][:5], rtol=1e-6)
        assert ax_bar.get_yticklabels()[0].get_text() == pred
    some = res.plot_evaluate_res("c", n_images=4, label_class="7", randomize=True, seed=3)
    again = res.plot_evaluate_res("c", n_images=4, label_class="7", randomize=True, seed=3)
    titles = [ax.get_title() for ax in some.ax_[:, 0]]
    assert titles == [ax.get_title() for ax in again.ax_[:, 0]]
    assert all(t == "label: 7\npredicted: 7" for t in titles)
    with pytest.raises(dn.InvalidArgumentError) as err:
        res.plot_evaluate_res("M", label_class="5", predicted_class="5")
    assert_one_sentence(err.value, "No example")


def test_heatmaps_are_cached_per_example_and_method(res, trained):
    net, _, _ = trained
    first = res.heatmaps([0, 1], "gradcam")
    assert first.shape == (2, SIZE, SIZE) and first.dtype == np.float32
    assert 0 <= first.min() and first.max() <= 1
    expected = dn.explain.heatmaps(net, res.model_input([0, 1]), method="gradcam",
                                   class_index=res.y_pred[[0, 1]])
    np.testing.assert_allclose(first, expected, atol=1e-5)
    model = net.to_keras()
    saved = model.get_weights()
    try:  # kept maps come back unchanged even though the model now differs
        model.set_weights([w * 0.5 for w in saved])
        np.testing.assert_array_equal(res.heatmaps([1, 0], "gradcam"), first[::-1])
    finally:
        model.set_weights(saved)
    overlay = png_image(res.thumbnail(0, size=SIZE, heatmap="gradcam"))
    assert overlay.shape == (SIZE, SIZE, 3)
    items = res.page(res.select("M"), page_size=4, thumb_size=32, heatmap="occlusion")
    assert all(png_image(item["thumbnail"]).shape == (32, 32, 3) for item in items)


def test_heat_map_analysis_rows(res):
    fig = res.heat_map_analysis(img_type="M", method="gradcam", n_images=2)
    assert fig.ax_.shape == (2, 3)
    i = res.select("M")[0]
    row = fig.ax_[0]
    np.testing.assert_allclose(row[1].images[0].get_array(), res.heatmaps([i], "gradcam")[0])
    assert row[0].get_title().startswith(f"label: {res.class_names[res.y_true[i]]}")
    assert row[2].get_title().endswith(f"{res.proba[i].max():.3f}")
    # every heatmap has its colour bar: the jet scale from 0 to 1 that the overlay blends
    assert len(fig.colorbars_) == 2 and len(fig.figure_.axes) == 2 * 3 + 2
    for bar, (_, ax_map, _) in zip(fig.colorbars_, fig.ax_):
        assert bar.mappable is ax_map.images[0] and bar.cmap.name == "jet"
        assert (bar.vmin, bar.vmax) == (0, 1)
        assert [t.get_text() for t in bar.ax.get_yticklabels()] == ["0.0", "0.5", "1.0"]
    with pytest.raises(dn.InvalidArgumentError):
        res.heat_map_analysis(method="nope", n_images=1)


def _rows_shown(fig):
    """The grey images of a heat_map_analysis figure, one per row."""
    return [row[0].images[0].get_array() for row in fig.ax_]


def test_dl_gradcam_and_heatmap_show_misclassified_images_unless_asked(res):
    from dl_notebook.magics.commands import COMMANDS, run_line

    ns = {"digits_cnn_result": res}
    for kind, want in (("M", 3), ("C", 2), ("A", 2)):
        assert len(res.select(kind)) >= want
    cases = [("gradcam digits_cnn --n 3", "M"), ("heatmap digits_cnn --method gradcam++ --n 2",
                                                 "M"),
             ("gradcam digits_cnn --img-type A --n 2", "A"),
             ("heatmap digits_cnn --img-type c --n 2", "C")]
    for line, kind in cases:
        fig = run_line(ns, line)
        shown = _rows_shown(fig)
        expected = res.select(kind)[:len(shown)].tolist()
        assert len(shown) == int(line.split("--n ")[1])
        for got, i in zip(shown, expected):
            np.testing.assert_array_equal(got, res.image(i)[..., 0])
        assert all(res.y_true[i] != res.y_pred[i] for i in expected) == (kind == "M")
    for name in ("gradcam", "heatmap"):  # the help says so, once, where the command is declared
        spec = COMMANDS[name].spec
        assert "misclassified ones unless --img-type" in spec.help
        option = next(o for o in spec.options if o.name == "img-type")
        assert "misclassified (the default)" in option.help
