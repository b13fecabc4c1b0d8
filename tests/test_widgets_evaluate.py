"""The confusion-matrix widget and the image browser, driven in Python over a real evaluation.

A tiny convolutional network is trained on scikit-learn's digits (8x8x1) and evaluated on
held-out digits; the widgets are driven through their Python methods and through the
messages their browser parts send (``_handle_custom_msg``, the path a comm message takes).
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import base64  # noqa: E402
import io  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.metrics import confusion_matrix  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.errors import InvalidArgumentError  # noqa: E402
from dl_notebook.widgets.browser import ImageBrowser  # noqa: E402
from dl_notebook.widgets.confusion import ConfusionMatrixWidget  # noqa: E402

L = dn.layers
N_TRAIN = 1200


@pytest.fixture(scope="module")
def res():
    """Evaluation of a tiny conv net (2 epochs: a few dozen mistakes) on 597 held-out digits."""
    d = load_digits()
    data = dn.ImageDataset.from_arrays(d.images * 16, d.target)
    train, test = data.subset(np.arange(N_TRAIN)), data.subset(np.arange(N_TRAIN, len(data)))
    net = dn.Sequential(layers=[
        L.InputLayer(shape=(8, 8, 1), name="pixels"),
        L.Conv2d(8, 3, act="relu", name="conv1"),
        L.Pooling(2, name="pool1"),
        L.OutputLayer(10, name="out"),
    ])
    net.fit(train, epochs=2, batch_size=64, solver=dn.solvers.Adam(0.01), seed=0,
            live=False, background=False)
    result = net.evaluate(test)
    assert 5 <= len(result.misclassified()) <= len(test) // 2  # something to browse in each kind
    return result


def sklearn_matrix(res, normalize=None):
    return confusion_matrix(res.y_true, res.y_pred, labels=range(len(res.class_names)),
                            normalize=normalize)


def png_pixels(data_url):
    assert data_url.startswith("data:image/png;base64,")
    png = base64.b64decode(data_url.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def sent_messages(widget):
    """Record what *widget* sends to its browser part."""
    sent = []
    original = widget.send

    def send(content, buffers=None):
        sent.append(content)
        return original(content, buffers)

    widget.send = send
    return sent


def largest_off_diagonal(counts):
    off = counts - np.diag(np.diag(counts))
    t, p = np.unravel_index(np.argmax(off), off.shape)
    assert off[t, p] > 0
    return int(t), int(p)


# -- confusion matrix ----------------------------------------------------------------------
def test_the_display_makes_the_widget_and_its_cells_match_sklearn(res):
    widget = res.confusion_matrix().widget()
    assert isinstance(widget, ConfusionMatrixWidget)
    counts = sklearn_matrix(res)
    np.testing.assert_array_equal(widget.matrix, counts)
    assert widget.view.counts == counts.tolist()
    assert widget.view.labels == [[str(c) for c in row] for row in counts]
    assert widget.view.class_names == [str(n) for n in res.class_names]
    assert widget.browser is None and widget.children == (widget.view,)
    accuracy = np.trace(counts) / counts.sum()
    assert f"accuracy {accuracy:.1%}" in widget.view.caption


def test_select_shows_exactly_the_cell_images(res):
    widget = ConfusionMatrixWidget(res.confusion_matrix())
    counts = sklearn_matrix(res)
    off = largest_off_diagonal(counts)
    zero = tuple(int(v) for v in np.argwhere(counts == 0)[0])
    browser = None
    for t, p in (off, (3, 3), zero):
        shown = widget.select(t, p)
        browser = browser or shown
        assert shown is browser is widget.browser  # made once, then re-filtered
        assert widget.children == (widget.view, browser)
        np.testing.assert_array_equal(np.sort(browser.indices), res.select(true_class=t,
                                                                           pred_class=p))
        np.testing.assert_array_equal(browser.indices,
                                      res.select(true_class=t, pred_class=p, sort="confidence"))
        assert len(browser.indices) == browser.n_images == counts[t, p]
        assert widget.view.selected == [t, p]
        assert all(item["true"] == res.class_names[t] and item["pred"] == res.class_names[p]
                   for item in browser.items)
        assert len(browser.items) == min(counts[t, p], browser.page_size)
        assert browser.page == 0 and browser.img_type == "A"
    assert "0 images" in browser.summary

    # A click arrives as a message from the view; class names work as well as indices.
    t, p = off
    widget.view._handle_custom_msg({"type": "select", "true": t, "pred": p}, [])
    assert widget.view.selected == [t, p] and len(browser.indices) == counts[t, p]
    name_t, name_p = res.class_names[t], res.class_names[p]
    widget.select(name_t, name_p)
    assert browser.summary.startswith(f"All images · true {name_t} → pred {name_p} · ")
    with pytest.raises(InvalidArgumentError, match="true_class"):
        widget.select(len(res.class_names), 0)
    assert widget.view.selected == [t, p]


def test_normalize_toggle_draws_sklearn_rates(res):
    widget = ConfusionMatrixWidget(res.confusion_matrix())
    for normalize in ("true", "pred", None, "all"):
        widget.normalize = normalize
        expected = sklearn_matrix(res, normalize)
        np.testing.assert_allclose(widget.matrix, expected, rtol=0, atol=1e-12)
        drawn = np.array([[float(text) for text in row] for row in widget.view.labels])
        np.testing.assert_allclose(drawn, expected, rtol=0, atol=0.0051)  # 2 decimals; 0.975 -> 0.97
        assert widget.view.normalize == normalize
    # The toggle in the view sets the view's trait (as a comm update would).
    widget.view.set_state({"normalize": "pred"})
    assert widget.normalize == "pred"
    expected = sklearn_matrix(res, "pred")
    assert widget.view.labels == [[f"{v:.2f}" for v in row] for row in expected]
    shade = np.array(widget.view.shade)
    assert shade.min() >= 0 and shade.max() <= 1
    np.testing.assert_allclose(shade.sum(axis=0)[expected.sum(axis=0) > 0], 1, atol=0.01)
    with pytest.raises(InvalidArgumentError, match="normalize"):
        widget.normalize = "rows"
    assert widget.normalize == "pred"

    # A display made with rates starts with rates and still counts images per cell.
    rated = ConfusionMatrixWidget(res.confusion_matrix(normalize="true"))
    assert rated.normalize == "true" and rated.view.counts == sklearn_matrix(res).tolist()


# -- image browser ---------------------------------------------------------------------------
def test_paging_visits_every_index_exactly_once(res):
    browser = res.browse("A", page_size=100)
    assert isinstance(browser, ImageBrowser)
    n = len(res.y_true)
    assert browser.n_images == n and browser.n_pages == -(-n // 100)
    seen = []
    for page in range(browser.n_pages):
        assert browser.page == page
        assert browser.summary.endswith(f"page {page + 1}/{browser.n_pages}")
        assert len(browser.thumbnails) == len(browser.items)
        seen.extend(item["index"] for item in browser.items)
        browser.next_page()
    assert seen == browser.indices.tolist()
    assert sorted(seen) == list(range(n))
    confidence = [res.proba[i, res.y_pred[i]] for i in seen]
    assert confidence == sorted(confidence, reverse=True)  # sort="confidence"
    item = browser.items[-1]
    assert set(item) == {"index", "true", "pred", "correct", "confidence", "loss", "top"}
    assert 1 <= len(item["top"]) <= 5 and item["top"][0][0] == item["pred"]
    assert png_pixels(browser.thumbnails[-1]).shape == (96, 96, 3)


def test_prev_next_go_and_keys_stay_within_the_pages(res):
    browser = ImageBrowser(res, "A", page_size=50)
    last = browser.n_pages - 1
    assert last >= 2
    browser.prev_page()
    assert browser.page == 0
    browser.go(-3)
    assert browser.page == 0
    browser.go(last + 5)
    assert browser.page == last
    browser.next_page()
    assert browser.page == last
    assert len(browser.items) == len(res.y_true) - 50 * last
    browser.page = 1  # the trait itself is clamped too
    assert browser.page == 1 and browser.items[0]["index"] == browser.indices[50]
    with pytest.raises(InvalidArgumentError, match="page"):
        browser.go("2")

    # What the keys and buttons send: a page number, answered by "ready".
    sent = sent_messages(browser)
    for target, expected in ((2, 2), (last + 1, last), (-1, 0), (1, 1)):
        browser._handle_custom_msg({"type": "go", "page": target}, [])
        assert browser.page == expected
    assert sent == [{"type": "ready"}] * 4
    assert browser.error == ""


def test_set_filter_correct_and_misclassified(res):
    browser = ImageBrowser(res, "A", page_size=30)
    browser.go(2)
    browser.set_filter(img_type="c")
    assert browser.page == 0 and browser.img_type == "C"
    np.testing.assert_array_equal(browser.indices, res.select("C", sort="confidence"))
    assert browser.summary.startswith(f"Correctly classified · {len(res.correct()):,} images")
    assert browser.items and all(item["correct"] for item in browser.items)

    browser.set_filter(img_type="M", sort="loss")
    np.testing.assert_array_equal(browser.indices, res.select("M", sort="loss"))
    assert browser.filter == {"img_type": "M", "true_class": None, "pred_class": None,
                              "sort": "loss"}
    assert browser.items and not any(item["correct"] for item in browser.items)
    losses = [item["loss"] for item in browser.items]
    assert losses == sorted(losses, reverse=True)

    # Parts not given stay; a class filter narrows the kind.
    t = int(res.y_true[browser.indices[0]])
    browser.set_filter(true_class=t)
    np.testing.assert_array_equal(browser.indices, res.select("M", true_class=t, sort="loss"))
    assert f"Misclassified · true {res.class_names[t]} · " in browser.summary

    # The view's image-type toggle; a bad value leaves everything as it was.
    browser._handle_custom_msg({"type": "filter", "img_type": "C"}, [])
    np.testing.assert_array_equal(browser.indices, res.select("C", true_class=t, sort="loss"))
    before = browser.indices.copy()
    with pytest.raises(InvalidArgumentError, match="img_type"):
        browser.set_filter(img_type="X")
    np.testing.assert_array_equal(browser.indices, before)
    assert browser.img_type == "C"


def test_heatmap_toggle_overlays_the_page_thumbnails(res):
    browser = res.browse("M", page_size=6)
    plain = list(browser.thumbnails)
    items = list(browser.items)
    assert len(plain) == 6

    browser.heatmap = "gradcam"
    gradcam = list(browser.thumbnails)
    assert browser.items == items and len(gradcam) == 6 and not browser.busy
    for before, after in zip(plain, gradcam):
        assert before != after
        assert np.abs(png_pixels(before) - png_pixels(after)).mean() > 5

    sent = sent_messages(browser)
    browser._handle_custom_msg({"type": "heatmap", "method": "occlusion"}, [])
    assert browser.heatmap == "occlusion" and sent == [{"type": "ready"}]
    occlusion = list(browser.thumbnails)
    assert all(a != b and a != c for a, b, c in zip(occlusion, plain, gradcam))

    browser.next_page()  # the heatmap stays on for the next page
    assert browser.page == 1 and browser.heatmap == "occlusion"
    browser.prev_page()
    assert browser.thumbnails == occlusion

    browser._handle_custom_msg({"type": "heatmap", "method": None}, [])
    assert browser.heatmap is None and browser.thumbnails == plain
    with pytest.raises(InvalidArgumentError, match="heatmap"):
        browser.heatmap = "lime"
    assert browser.heatmap is None
    browser._handle_custom_msg({"type": "heatmap", "method": "lime"}, [])  # shown, not raised
    assert "heatmap" in browser.error and browser.heatmap is None


def test_browser_arguments_are_checked(res):
    with pytest.raises(InvalidArgumentError, match="page_size"):
        ImageBrowser(res, page_size=0)
    with pytest.raises(InvalidArgumentError, match="img_type"):
        ImageBrowser(res, img_type="wrong")
    with pytest.raises(InvalidArgumentError, match="pred_class"):
        ImageBrowser(res, pred_class="eleven")
    browser = ImageBrowser(res, "C", true_class=0, pred_class=1)
    assert browser.n_images == 0 and browser.n_pages == 1 and browser.items == []
    assert browser.summary == (f"Correctly classified · true {res.class_names[0]} → pred "
                               f"{res.class_names[1]} · 0 images · page 1/1")


# -- across cells: "All misclassified", classes, and toggles that never dead-end ---------------
def test_correct_on_an_off_diagonal_cell_shows_that_true_class_correct_images(res):
    widget = ConfusionMatrixWidget(res.confusion_matrix())
    t, p = largest_off_diagonal(sklearn_matrix(res))
    browser = widget.select(t, p)
    browser._handle_custom_msg({"type": "filter", "img_type": "C"}, [])  # the Show toggle
    np.testing.assert_array_equal(browser.indices, res.select("C", true_class=t,
                                                              sort="confidence"))
    assert browser.n_images == np.sum((res.y_true == t) & (res.y_pred == t)) > 0
    assert (browser.true_class, browser.pred_class) == (t, None)
    assert widget.view.selected == [t, None] and widget.view.img_type == "C"  # the row is marked
    # Misclassified on a diagonal cell: the true class's mistakes, not an empty page.
    widget.select(t, t)
    browser.set_filter(img_type="M")
    np.testing.assert_array_equal(np.sort(browser.indices), res.select("M", true_class=t))
    # A class picked in the browser wins over the class it contradicts, then over the type;
    # all three given stay as given.
    browser._handle_custom_msg({"type": "filter", "pred_class": t}, [])
    assert (browser.img_type, browser.true_class, browser.pred_class) == ("M", None, t)
    np.testing.assert_array_equal(np.sort(browser.indices), res.select("M", pred_class=t))
    browser.set_filter(true_class=t, pred_class=t)
    assert browser.img_type == "A" and browser.n_images == sklearn_matrix(res)[t, t]
    browser.set_filter(img_type="C", true_class=t, pred_class=p)
    assert browser.n_images == 0 and "0 images" in browser.summary


def test_all_misclassified_and_all_correct_span_every_cell_and_filter_by_class(res):
    widget = ConfusionMatrixWidget(res.confusion_matrix())
    t, p = largest_off_diagonal(sklearn_matrix(res))
    widget.select(t, p)
    widget.view._handle_custom_msg({"type": "all", "img_type": "M"}, [])  # the button
    browser = widget.browser
    np.testing.assert_array_equal(browser.indices, res.select("M", sort="confidence"))
    assert browser.summary.startswith(f"Misclassified · {len(res.misclassified()):,} images")
    assert widget.view.selected == [None, None] and widget.view.img_type == "M"
    assert {(i["true"], i["pred"]) for i in browser.items} > {(res.class_names[t],
                                                               res.class_names[p])}
    # A class name of the matrix narrows the type shown to one true or predicted class.
    widget.view._handle_custom_msg({"type": "class", "pred": p}, [])
    np.testing.assert_array_equal(browser.indices, res.select("M", pred_class=p,
                                                              sort="confidence"))
    assert widget.view.selected == [None, p]
    widget.view._handle_custom_msg({"type": "class", "true": t}, [])
    np.testing.assert_array_equal(browser.indices, res.select("M", true_class=t,
                                                              sort="confidence"))
    assert widget.view.selected == [t, None]
    # The browser's own class pickers: "any" is None.
    browser._handle_custom_msg({"type": "filter", "true_class": None}, [])
    assert len(browser.indices) == len(res.misclassified())
    widget.show_all("C")
    np.testing.assert_array_equal(browser.indices, res.select("C", sort="confidence"))
    assert all(item["correct"] for item in browser.items)
    with pytest.raises(InvalidArgumentError, match="img_type"):
        widget.show_all("X")
    with pytest.raises(InvalidArgumentError, match="one class"):
        widget.select_class()


def test_the_browser_sends_class_names_and_the_heatmap_colour_scale(res):
    browser = ImageBrowser(res, "M", page_size=4)
    assert browser.class_names == [str(n) for n in res.class_names]
    assert browser.heat_colors[0] == "#000080" and browser.heat_colors[-1] == "#800000"  # jet
    assert len(browser.heat_colors) == 9
