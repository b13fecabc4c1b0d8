"""LiveDashboard in a real Chromium: live updates and Stop during a threaded ``fit``, in Voila and JupyterLab."""

from __future__ import annotations

import pytest
from _browser import open_notebook, run_cell, wait_for_kernel, write_notebook

PAGE_TIMEOUT_MS = 45_000
STOP_TIMEOUT_MS = 10_000

SETUP = """\
import threading

import ipywidgets as widgets
from sklearn.datasets import load_digits

from dl_notebook._keras import keras
from dl_notebook.widgets.live import LiveDashboard

k = keras()
digits = load_digits()
x = (digits.data / 16.0).astype("float32")
y = digits.target
k.utils.set_random_seed(0)
model = k.Sequential([k.Input((64,)), k.layers.Dense(32, activation="relu"),
                      k.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
dash = LiveDashboard(title="Digits, tiny dense net")


def run_fit():
    model.fit(x[:1400], y[:1400], validation_data=(x[1400:], y[1400:]), epochs=200,
              batch_size=16, verbose=0, callbacks=[dash])
"""

VOILA_CELL = """\
train = widgets.Button(description="Train", button_style="primary")


def start(_):
    train.disabled = True
    threading.Thread(target=run_fit, daemon=True).start()


train.on_click(start)
display(widgets.VBox([train, dash.widget]))
"""

LAB_CELL = """\
print("hello")
dash.show()
threading.Thread(target=run_fit, daemon=True).start()
"""


def progress(page):
    return page.evaluate(
        """() => {
            const p = document.querySelector('.dln-progress');
            const root = document.querySelector('.dln-live');
            return {epoch: +p.dataset.epoch, batch: +p.dataset.batch,
                    points: +(root.dataset.points || 0),
                    status: document.querySelector('.dln-status').textContent,
                    button: document.querySelector('.dln-stop').textContent};
        }"""
    )


def wait_for_training(page, min_epoch=2):
    page.wait_for_function(
        """(minEpoch) => {
            const p = document.querySelector('.dln-progress');
            const root = document.querySelector('.dln-live');
            return p && root && +p.dataset.batch > 0 && +p.dataset.epoch >= minEpoch
                && +(root.dataset.points || 0) > 10;
        }""",
        arg=min_epoch,
        timeout=PAGE_TIMEOUT_MS,
    )


def stop_and_check(page, screenshot):
    page.click(".dln-stop")
    page.wait_for_function(  # the status and the button are two updates: wait for both
        "() => document.querySelector('.dln-status').textContent === 'Stopped'"
        " && document.querySelector('.dln-stop').textContent === 'Stopped'",
        timeout=STOP_TIMEOUT_MS,
    )
    stopped = progress(page)
    page.wait_for_timeout(1500)
    later = progress(page)
    page.screenshot(path=str(screenshot), full_page=True)
    assert stopped["button"] == "Stopped"
    assert (later["epoch"], later["batch"]) == (stopped["epoch"], stopped["batch"]), (
        f"training went on after Stop: {stopped} then {later}"
    )
    assert later["epoch"] < 200
    return later


@pytest.mark.browser
@pytest.mark.timeout(120)
def test_voila_train_button_runs_a_live_fit_that_stop_ends(voila_server, page, tmp_path):
    notebook = write_notebook(tmp_path / "live.ipynb", SETUP, VOILA_CELL)
    page.goto(voila_server(notebook), timeout=PAGE_TIMEOUT_MS)
    try:
        page.get_by_role("button", name="Train").wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        page.locator(".dln-live").wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        assert progress(page)["status"] == "Waiting for training"
        height_before = page.locator(".dln-live").bounding_box()["height"]
        page.get_by_role("button", name="Train").click()
        wait_for_training(page)
        page.screenshot(path=str(tmp_path / "voila-running.png"), full_page=True)
        assert page.locator(".dln-live").bounding_box()["height"] == height_before
        assert page.locator(".dln-panel").count() >= 3  # loss, accuracy, learning rate
        stop_and_check(page, tmp_path / "voila-stopped.png")
    finally:
        page.screenshot(path=str(tmp_path / "voila-final.png"), full_page=True)
    assert page.errors == [], f"page errors: {page.errors}"


@pytest.mark.browser
@pytest.mark.timeout(120)
def test_jupyterlab_cell_fit_in_a_thread_updates_live_and_stops(jupyterlab_server, page, tmp_path):
    root = tmp_path / "lab"
    root.mkdir()
    write_notebook(root / "live.ipynb", SETUP + "\n" + LAB_CELL)
    url = jupyterlab_server(root) + "lab/tree/live.ipynb"
    try:
        open_notebook(page, url, timeout_ms=PAGE_TIMEOUT_MS)
        run_cell(page, 0, timeout_ms=PAGE_TIMEOUT_MS)
        page.locator(".dln-live").wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        wait_for_training(page)
        page.screenshot(path=str(tmp_path / "lab-running.png"), full_page=True)
        stop_and_check(page, tmp_path / "lab-stopped.png")
        outputs = page.locator(".jp-Cell .jp-OutputArea-output")
        assert outputs.filter(has_text="hello").count() == 1, "the dashboard cleared other output"
        assert outputs.filter(has=page.locator(".dln-live")).count() == 1
    finally:
        page.screenshot(path=str(tmp_path / "lab-final.png"), full_page=True)
    assert page.errors == [], f"page errors: {page.errors}"


DN_FIT_CELL = """\
import dl_notebook as dn
from sklearn.datasets import load_digits

digits = load_digits()
data = dn.ImageDataset.from_arrays(digits.images * 16, digits.target, normalize="unit")
net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(8, 8, 1)), dn.layers.Dense(32),
                            dn.layers.OutputLayer(10)])
print("hello")
hist = net.fit(data, epochs=200, batch_size=16, seed=0)  # trains in the background
"""

DN_CHECK_CELL = """\
hist.wait()
print("reason:", hist.stop_reason, "| epochs:", len(hist.frame))
"""


@pytest.mark.browser
@pytest.mark.timeout(150)
def test_jupyterlab_network_fit_shows_the_dashboard_and_stop_ends_it(jupyterlab_server, page,
                                                                      tmp_path):
    root = tmp_path / "lab"
    root.mkdir()
    write_notebook(root / "fit.ipynb", DN_FIT_CELL, DN_CHECK_CELL)
    url = jupyterlab_server(root) + "lab/tree/fit.ipynb"
    try:
        open_notebook(page, url, timeout_ms=PAGE_TIMEOUT_MS)
        run_cell(page, 0, timeout_ms=PAGE_TIMEOUT_MS)
        page.locator(".dln-live").wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        wait_for_training(page)
        # the cell has finished: the kernel is idle while it trains
        wait_for_kernel(page, timeout_ms=PAGE_TIMEOUT_MS)
        stop_and_check(page, tmp_path / "dn-stopped.png")
        run_cell(page, 1, timeout_ms=PAGE_TIMEOUT_MS)  # the check cell
        reason = page.locator(".jp-Cell .jp-OutputArea-output").filter(has_text="reason:")
        reason.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        assert "reason: stopped" in reason.inner_text()
        outputs = page.locator(".jp-Cell .jp-OutputArea-output")
        assert outputs.filter(has_text="hello").count() == 1, "the dashboard cleared other output"
    finally:
        page.screenshot(path=str(tmp_path / "dn-final.png"), full_page=True)
    assert page.errors == [], f"page errors: {page.errors}"
