"""The *Train and inspect* dashboard (notebooks/dashboards/train_inspect.ipynb) in Voila and Chromium.

One page load: the page renders without page errors and shows one Stop button; Train
with two epochs draws them on the live chart (the fixed learning rate with one clean
tick) and ends with the confusion matrix; a clicked cell shows that cell's images in
the browser below it, each index on its own line under the image; "Correct" on an
off-diagonal cell shows that true class's correct images; "All misclassified" shows
every mistake across cells, and a class name narrows it; the heatmap toggle overlays
the thumbnails and shows its colour scale; a second run stopped mid-way stops with
fewer epochs than asked. Screenshots go to
``test-results/train_inspect/`` (ignored by git) and to the test's temporary folder.
"""

from __future__ import annotations

import shutil

import pytest

from conftest import NOTEBOOKS_DIR, REPO_ROOT

DASHBOARD = NOTEBOOKS_DIR / "dashboards" / "train_inspect.ipynb"
ARTIFACTS = REPO_ROOT / "test-results" / "train_inspect"
PAGE_TIMEOUT_MS = 120_000
RUN_TIMEOUT_MS = 120_000
ACTION_TIMEOUT_MS = 60_000
STOP_TIMEOUT_MS = 30_000
LONG_RUN = 200


class Shots:
    """Full-page screenshots, kept in the test's folder and in test-results/."""

    def __init__(self, page, tmp_path):
        self.page, self.tmp_path = page, tmp_path
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, name):
        path = self.tmp_path / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        shutil.copy(path, ARTIFACTS / path.name)


def app_status(page):
    return page.evaluate(
        """() => {
            const m = document.querySelector('.dln-ti-status .dln-ti-message');
            return m ? {text: m.textContent, kind: m.dataset.kind} : null;
        }"""
    )


def live(page):
    return page.evaluate(
        """() => {
            const p = document.querySelector('.dln-progress');
            const root = document.querySelector('.dln-live');
            return {epoch: +p.dataset.epoch, batch: +p.dataset.batch,
                    points: +(root.dataset.points || 0), status: root.dataset.status,
                    panels: [...root.querySelectorAll('.dln-panel')].map(p => p.dataset.panel)};
        }"""
    )


def wait_for_app_status(page, kinds, timeout=RUN_TIMEOUT_MS):
    page.wait_for_function(
        """(kinds) => {
            const m = document.querySelector('.dln-ti-status .dln-ti-message');
            return m && kinds.includes(m.dataset.kind);
        }""",
        arg=list(kinds),
        timeout=timeout,
    )
    return app_status(page)


def set_control(page, css, value):
    """Set an ipywidgets Dropdown (a <select>) or number box of the app, as a user does."""
    control = page.locator(f".dln-ti-{css}")
    select = control.locator("select")
    if select.count():
        select.select_option(label=str(value))
    else:
        box = control.locator("input")
        box.fill(str(value))
        box.press("Enter")


def visible_stop_buttons(page):
    return page.evaluate(
        """() => [...document.querySelectorAll('button')]
            .filter(b => b.offsetParent !== null && /^\\s*Stop/.test(b.textContent)).length"""
    )


def wait_for_browser(page, n_images, img_type):
    page.wait_for_function(
        """([n, type]) => {
            const root = document.querySelector('.dln-train-inspect .dln-browser');
            return root && +root.dataset.nImages === n && root.dataset.imgType === type
                && root.dataset.busy === 'false'
                && root.querySelectorAll('.dln-card').length === Math.min(n, 24);
        }""",
        arg=[n_images, img_type],
        timeout=ACTION_TIMEOUT_MS,
    )


def browser_state(locator):
    return locator.evaluate(
        """root => ({
            nImages: +root.dataset.nImages, busy: root.dataset.busy,
            heatmap: root.dataset.heatmap,
            summary: root.querySelector('.dln-br-summary').textContent,
            cards: [...root.querySelectorAll('.dln-card')].map(card => ({
                true: card.querySelector('.dln-card-true b').textContent,
                pred: card.querySelector('.dln-card-pred b').textContent,
                src: card.querySelector('img.dln-thumb').src,
            })),
        })"""
    )


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_voila_train_inspect_trains_stops_and_inspects(voila_server, jupyter_env, page,
                                                       tmp_path):
    data_root = tmp_path / "data"
    data_root.mkdir()
    jupyter_env["DL_NOTEBOOK_DATA_ROOT"] = str(data_root)  # the kernel reads it
    shot = Shots(page, tmp_path)
    page.set_viewport_size({"width": 1280, "height": 2600})  # Voila scrolls inside the page
    page.goto(voila_server(DASHBOARD), timeout=PAGE_TIMEOUT_MS)
    try:
        page.locator(".dln-train-inspect .dln-live").wait_for(state="visible",
                                                             timeout=PAGE_TIMEOUT_MS)
        page.locator(".dln-ti-train").wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        assert app_status(page)["text"].startswith("Pick a dataset")
        shown = page.evaluate("() => document.body.innerText")  # visible text only
        assert "TrainInspectApp" not in shown and "import " not in shown  # no code visible
        assert page.get_by_text("Traceback").count() == 0
        assert visible_stop_buttons(page) == 1  # the app's; the live chart's own is hidden
        shot("train-inspect-loaded")

        # Run 1: two epochs of LeNet-5 on 16x16 digits.
        set_control(page, "size", 16)
        set_control(page, "batch", 64)
        set_control(page, "epochs", 2)
        page.locator(".dln-ti-train button, button.dln-ti-train").first.click()
        status = wait_for_app_status(page, ("finished", "stopped", "error"))
        shot("train-inspect-trained")
        assert status["kind"] == "finished", status["text"]
        assert status["text"].startswith("Trained 2 epochs; test accuracy")
        drawn = live(page)
        assert drawn["status"] == "finished" and drawn["epoch"] == 2
        assert {"loss", "accuracy"} <= set(drawn["panels"])  # per-epoch panels drawn
        assert drawn["points"] >= 2 * 2  # loss and accuracy: at least one point per epoch
        # Adam at a fixed 0.001: a flat line with one tick at its value, not 1.10e-3 … 0.95e-3
        lr_ticks = page.locator('.dln-panel[data-panel="learning rate"]').get_attribute(
            "data-y-ticks")
        assert lr_ticks == "0.001", lr_ticks
        assert visible_stop_buttons(page) == 1

        # The confusion matrix: click a non-empty cell; its images show below.
        page.locator(".dln-cm-cell").first.wait_for(state="visible", timeout=ACTION_TIMEOUT_MS)
        cells = page.locator(".dln-cm-cell").evaluate_all(
            "cells => cells.map(td => [+td.dataset.true, +td.dataset.pred, +td.dataset.count])"
        )
        assert len(cells) == 100 and sum(c for _, _, c in cells) > 300
        off = [cell for cell in cells if cell[0] != cell[1] and 0 < cell[2] <= 24]
        t, p, count = max(off or [c for c in cells if c[2]], key=lambda cell: cell[2])
        page.locator(f'.dln-cm-cell[data-true="{t}"][data-pred="{p}"]').click()
        browser = page.locator(".dln-train-inspect .dln-browser")
        browser.wait_for(state="visible", timeout=ACTION_TIMEOUT_MS)
        page.wait_for_function(
            """([n]) => {
                const root = document.querySelector('.dln-train-inspect .dln-browser');
                return root && +root.dataset.nImages === n && root.dataset.busy === 'false'
                    && root.querySelectorAll('.dln-card').length === Math.min(n, 24);
            }""",
            arg=[count],
            timeout=ACTION_TIMEOUT_MS,
        )
        before = browser_state(browser)
        assert before["nImages"] == count and len(before["cards"]) == min(count, 24)
        assert all(c["true"] == str(t) and c["pred"] == str(p) for c in before["cards"])
        # Each card's index is a line of its own under the image, never over it.
        boxes = browser.locator(".dln-card").evaluate_all(
            """cards => cards.map(card => {
                const img = card.querySelector('img.dln-thumb').getBoundingClientRect();
                const index = card.querySelector('.dln-card-index').getBoundingClientRect();
                return [img.bottom, index.top, index.height, card.querySelector(
                    '.dln-card-index').textContent];
            })"""
        )
        assert all(top >= bottom and height > 0 and text.startswith("#")
                   for bottom, top, height, text in boxes), boxes
        shot("train-inspect-cell")

        # "Correct" on this off-diagonal cell: the correct images of its true class.
        grid = {(a, b): n for a, b, n in cells}
        browser.locator('.dln-br-seg-btn[data-value="C"]').click()
        wait_for_browser(page, grid[t, t], "C")
        assert all(c["true"] == c["pred"] == str(t) for c in browser_state(browser)["cards"])
        marked = f"{t}," if t != p else f"{t},{t}"  # the row: its class name is marked
        assert page.locator(".dln-cm").get_attribute("data-selected") == marked
        # "All misclassified": every mistake, across cells; a predicted class narrows it.
        wrong = sum(n for a, b, n in cells if a != b)
        page.locator('.dln-cm-all-btn[data-value="M"]').click()
        wait_for_browser(page, wrong, "M")
        shown = browser_state(browser)["cards"]
        assert all(c["true"] != c["pred"] for c in shown)
        assert len({(c["true"], c["pred"]) for c in shown}) > 1  # more than one cell
        shot("train-inspect-all-misclassified")
        page.locator(f'.dln-cm-col[data-pred="{p}"]').click()
        wait_for_browser(page, sum(n for a, b, n in cells if b == p and a != b), "M")
        assert all(c["pred"] == str(p) != c["true"] for c in browser_state(browser)["cards"])
        page.locator(f'.dln-cm-cell[data-true="{t}"][data-pred="{p}"]').click()
        wait_for_browser(page, count, "A")

        # The heatmap toggle overlays Grad-CAM on the thumbnails.
        browser.get_by_role("button", name="Grad-CAM", exact=True).click()
        page.wait_for_function(
            """(first) => {
                const root = document.querySelector('.dln-train-inspect .dln-browser');
                const img = root.querySelector('img.dln-thumb');
                return root.dataset.heatmap === 'gradcam' && root.dataset.busy === 'false'
                    && img && img.src !== first;
            }""",
            arg=before["cards"][0]["src"],
            timeout=ACTION_TIMEOUT_MS,
        )
        after = browser_state(browser)
        assert all(a["src"] != b["src"] for a, b in zip(after["cards"], before["cards"]))
        scale = browser.locator(".dln-br-scale")  # the colour scale of the overlay
        assert scale.is_visible() and "low" in scale.inner_text() and "high" in scale.inner_text()
        assert "linear-gradient" in scale.locator(".dln-br-scale-strip").evaluate(
            "s => getComputedStyle(s).backgroundImage")
        shot("train-inspect-heatmap")

        # Run 2: Stop pressed mid-run stops it, with fewer epochs than asked.
        set_control(page, "epochs", LONG_RUN)
        page.locator(".dln-ti-train button, button.dln-ti-train").first.click()
        page.wait_for_function(
            """() => {
                const p = document.querySelector('.dln-progress');
                const root = document.querySelector('.dln-live');
                return root.dataset.status === 'running' && +p.dataset.batch > 0;
            }""",
            timeout=RUN_TIMEOUT_MS,
        )
        page.locator(".dln-ti-stop button, button.dln-ti-stop").first.click()
        status = wait_for_app_status(page, ("stopped", "finished", "error"),
                                     timeout=STOP_TIMEOUT_MS + RUN_TIMEOUT_MS)
        shot("train-inspect-stopped")
        assert status["kind"] == "stopped", status["text"]
        epochs_done = int(status["text"].split("Stopped in epoch ")[1].split(" of ")[0])
        assert 1 <= epochs_done < LONG_RUN and f" of {LONG_RUN};" in status["text"]
        assert live(page)["status"] == "stopped"
        page.locator(".dln-cm-cell").first.wait_for(state="visible", timeout=ACTION_TIMEOUT_MS)
    finally:
        shot("train-inspect-final")
    assert page.get_by_text("Traceback").count() == 0
    assert page.errors == [], f"page errors: {page.errors}"


def architecture_list(page):
    return page.evaluate(
        """() => {
            const s = document.querySelector('.dln-ti-arch select');
            const text = o => o.textContent.replace(/\u00a0/g, ' ');  // ipywidgets: nbsp
            return {labels: [...s.options].map(text), selected: text(s.options[s.selectedIndex])};
        }"""
    )


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_voila_architecture_list_is_the_networks_with_a_recipe_and_follows_the_image_size(
        voila_server, jupyter_env, page, tmp_path):
    """What the page offers is ``dashboard_choices``; the fallback is in test_widgets_zoo."""
    from dl_notebook.applications import dashboard_choices

    data_root = tmp_path / "data"
    data_root.mkdir()
    jupyter_env["DL_NOTEBOOK_DATA_ROOT"] = str(data_root)
    page.set_viewport_size({"width": 1280, "height": 1600})
    page.goto(voila_server(DASHBOARD), timeout=PAGE_TIMEOUT_MS)
    shot = Shots(page, tmp_path)

    def offered(size):
        return [e.title for e in dashboard_choices((size, size, 1)).values()] + [builder]

    try:
        page.locator(".dln-ti-arch select").wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        builder = "From the model builder"
        assert architecture_list(page) == {"labels": offered(32), "selected": "LeNet-5"}
        assert "ResNet-152" not in offered(32)  # in the zoo, but no tested recipe
        page.locator(".dln-ti-arch select").select_option(label="Small\xa0CNN")
        for size in (16, 224):
            set_control(page, "size", size)
            page.wait_for_function(
                """(want) => {
                    const s = document.querySelector('.dln-ti-arch select');
                    const labels = [...s.options].map(o => o.textContent.replace(/\u00a0/g, ' '));
                    return labels.join('|') === want.join('|');
                }""",
                arg=offered(size),
                timeout=ACTION_TIMEOUT_MS,
            )
            assert architecture_list(page)["selected"] == "Small CNN"  # it still fits: kept
    finally:
        shot("train-inspect-architectures")
    assert page.get_by_text("Traceback").count() == 0
    assert page.errors == [], f"page errors: {page.errors}"
