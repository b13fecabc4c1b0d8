"""The clickable confusion matrix and the image browser in Voila, in a real Chromium.

One notebook trains a tiny conv net on digits, evaluates it and shows
``res.confusion_matrix()`` and ``res.browse("M")``; one page load then checks that a
clicked cell shows exactly its images, that the heatmap toggle overlays the
thumbnails and that the arrow key pages.
"""

from __future__ import annotations

import pytest
from _browser import printed, write_notebook

PAGE_TIMEOUT_MS = 120_000
ACTION_TIMEOUT_MS = 60_000
PAGE_SIZE = 6

SETUP = """\
import json

import keras
import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import confusion_matrix

import dl_notebook as dn

keras.utils.set_random_seed(0)  # the same starting weights at every run
L = dn.layers
d = load_digits()
data = dn.ImageDataset.from_arrays(d.images * 16, d.target)
train, test = data.subset(np.arange(1200)), data.subset(np.arange(1200, len(data)))
net = dn.Sequential(layers=[L.InputLayer(shape=(8, 8, 1), name="pixels"),
                            L.Conv2d(8, 3, act="relu", name="conv1"),
                            L.Pooling(2, name="pool1"),
                            L.OutputLayer(10, name="out")])
net.fit(train, epochs=2, batch_size=64, solver=dn.solvers.Adam(0.01), seed=0,
        live=False, background=False)
res = net.evaluate(test)
counts = confusion_matrix(res.y_true, res.y_pred, labels=range(10))
print("COUNTS=" + json.dumps(counts.tolist()))
print("MISCLASSIFIED=%d" % len(res.misclassified()))
"""
MATRIX_CELL = "res.confusion_matrix()"
BROWSER_CELL = f'res.browse("M", page_size={PAGE_SIZE})'

CM_BROWSER = ".widget-vbox:has(.dln-cm) .dln-browser"
M_BROWSER = ".dln-browser:not(.widget-vbox:has(.dln-cm) .dln-browser)"


def wait_for_summary(page, selector, text):
    """Wait until the browser at *selector* shows a page whose header contains *text*."""
    page.wait_for_function(
        """([selector, text]) => {
            const root = document.querySelector(selector);
            return root && root.querySelector('.dln-br-summary').textContent.includes(text);
        }""",
        arg=[selector, text],
        timeout=ACTION_TIMEOUT_MS,
    )


def browser_state(locator):
    return locator.evaluate(
        """root => ({
            page: +root.dataset.page, nPages: +root.dataset.nPages,
            nImages: +root.dataset.nImages, busy: root.dataset.busy,
            heatmap: root.dataset.heatmap,
            summary: root.querySelector('.dln-br-summary').textContent,
            pageNo: root.querySelector('.dln-br-pageno').textContent,
            cards: [...root.querySelectorAll('.dln-card')].map(card => ({
                index: +card.dataset.index,
                correct: card.dataset.correct,
                true: card.querySelector('.dln-card-true b').textContent,
                pred: card.querySelector('.dln-card-pred b').textContent,
                predColor: getComputedStyle(card.querySelector('.dln-card-pred b')).color,
                bars: card.querySelectorAll('.dln-bar-row').length,
                src: card.querySelector('img.dln-thumb').src,
            })),
        })"""
    )


@pytest.mark.browser
@pytest.mark.timeout(240)
def test_voila_matrix_click_browses_the_cell_and_browser_pages_with_heatmaps(
    voila_server, page, tmp_path
):
    notebook = write_notebook(tmp_path / "evaluate.ipynb", SETUP, MATRIX_CELL, BROWSER_CELL)
    page.goto(voila_server(notebook), timeout=PAGE_TIMEOUT_MS)
    try:
        page.locator(".dln-cm-cell").first.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        m_browser = page.locator(M_BROWSER)
        m_browser.locator(".dln-card").first.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        page.screenshot(path=str(tmp_path / "evaluate-loaded.png"), full_page=True)
        values = printed(page, "COUNTS", "MISCLASSIFIED")
        counts, misclassified = values["COUNTS"], values["MISCLASSIFIED"]
        assert misclassified > PAGE_SIZE, "the model makes too few mistakes to page through"

        # The drawn matrix: one cell per class pair, the texts are the counts.
        drawn = page.locator(".dln-cm-cell").evaluate_all(
            "cells => cells.map(td => [+td.dataset.true, +td.dataset.pred, td.textContent])"
        )
        assert len(drawn) == 100
        assert all(counts[t][p] == int(text) for t, p, text in drawn)

        # Click the largest off-diagonal cell that fits on one page (24 images): the
        # browser below shows exactly its images.
        cells = [(t, p) for t in range(10) for p in range(10)
                 if t != p and 0 < counts[t][p] <= 24]
        assert cells, f"no off-diagonal cell with 1 to 24 images: {counts}"
        t, p = max(cells, key=lambda cell: counts[cell[0]][cell[1]])
        count = counts[t][p]
        page.locator(f'.dln-cm-cell[data-true="{t}"][data-pred="{p}"]').click()
        cm_browser = page.locator(CM_BROWSER)
        cm_browser.wait_for(state="visible", timeout=ACTION_TIMEOUT_MS)
        wait_for_summary(page, CM_BROWSER, f"true {t} → pred {p} · {count} image")
        state = browser_state(cm_browser)
        assert len(state["cards"]) == min(count, 24) == count == state["nImages"]
        assert all(card["true"] == str(t) and card["pred"] == str(p) for card in state["cards"])
        assert f"true {t} → pred {p} · {count} image" in state["summary"]
        assert all(card["predColor"] == "rgb(220, 38, 38)" for card in state["cards"])
        assert page.locator(".dln-cm-selected").count() == 1
        assert page.locator(f'.dln-cm-selected[data-true="{t}"][data-pred="{p}"]').count() == 1

        # A diagonal cell re-filters the same browser.
        diagonal = counts[t][t]
        page.locator(f'.dln-cm-cell[data-true="{t}"][data-pred="{t}"]').click()
        wait_for_summary(page, CM_BROWSER, f"true {t} → pred {t} · {diagonal} image")
        state = browser_state(cm_browser)
        assert len(state["cards"]) == min(diagonal, 24) and state["nImages"] == diagonal
        assert all(card["correct"] == "true" for card in state["cards"])
        assert page.locator(CM_BROWSER).count() == 1

        # The misclassified browser: the heatmap toggle overlays every thumbnail.
        before = browser_state(m_browser)
        assert before["summary"].startswith(f"Misclassified · {misclassified} images")
        assert len(before["cards"]) == PAGE_SIZE
        assert all(card["correct"] == "false" and card["bars"] >= 2 for card in before["cards"])
        m_browser.get_by_role("button", name="Grad-CAM", exact=True).click()
        page.wait_for_function(
            f"""(first) => {{
                const root = document.querySelector('{M_BROWSER}');
                const img = root.querySelector('img.dln-thumb');
                return root.dataset.heatmap === 'gradcam' && root.dataset.busy === 'false'
                    && img.src !== first;
            }}""",
            arg=before["cards"][0]["src"],
            timeout=ACTION_TIMEOUT_MS,
        )
        after = browser_state(m_browser)
        page.screenshot(path=str(tmp_path / "evaluate-gradcam.png"), full_page=True)
        assert [c["index"] for c in after["cards"]] == [c["index"] for c in before["cards"]]
        assert all(a["src"] != b["src"] for a, b in zip(after["cards"], before["cards"]))

        # Keyboard: → on the focused browser goes to page 2.
        m_browser.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            f"""() => {{
                const root = document.querySelector('{M_BROWSER}');
                return root.dataset.page === '1' && root.dataset.busy === 'false';
            }}""",
            timeout=ACTION_TIMEOUT_MS,
        )
        second = browser_state(m_browser)
        assert second["pageNo"].startswith("Page 2 / ")
        assert f"page 2/{second['nPages']}" in second["summary"]
        assert not {c["index"] for c in second["cards"]} & {c["index"] for c in before["cards"]}
        page.keyboard.press("ArrowLeft")
        page.wait_for_function(
            f"() => document.querySelector('{M_BROWSER}').dataset.page === '0'",
            timeout=ACTION_TIMEOUT_MS,
        )
    finally:
        page.screenshot(path=str(tmp_path / "evaluate-final.png"), full_page=True)
    assert page.errors == [], f"page errors: {page.errors}"
