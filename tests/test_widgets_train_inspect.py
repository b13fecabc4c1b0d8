"""TrainInspectApp driven from Python: the data root's refusals, real tiny runs on digits, Stop."""

from __future__ import annotations

import os
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from dl_notebook.errors import InvalidArgumentError  # noqa: E402
from dl_notebook.widgets._data_root import class_folders, resolve_inside  # noqa: E402
from dl_notebook.widgets._training_run import one_line  # noqa: E402
from dl_notebook.widgets.train_inspect import OTHER, TrainInspectApp  # noqa: E402

RUN_TIMEOUT = 300  # seconds; a tiny run takes a few


def write_class_folders(folder, classes=("cat", "dog"), n=3, size=8):
    for c, name in enumerate(classes):
        (folder / name).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            pixels = np.full((size, size, 3), 40 * c + i, dtype=np.uint8)
            Image.fromarray(pixels).save(folder / name / f"{i}.png")
    return folder


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    """A data root with a small class-folder dataset, and a folder outside it."""
    base = tmp_path_factory.mktemp("roots")
    root = base / "data"
    write_class_folders(root / "pets")
    write_class_folders(base / "outside" / "secret")
    (root / "escape").symlink_to(base / "outside" / "secret", target_is_directory=True)
    (root / "notes").mkdir()
    return root


@pytest.fixture(scope="module")
def app(data_root):
    """One app on that root; the training tests share it (its runs follow each other)."""
    app = TrainInspectApp(data_root=data_root, image_size=16, epochs=2, batch_size=64,
                          valid_rate=10, test_rate=20, seed=0)
    yield app
    app.stop()
    app.wait(RUN_TIMEOUT)


def wait_until(condition, timeout=RUN_TIMEOUT, what="condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


# ---------------------------------------------------------------------- the data root
@pytest.mark.parametrize("path", ["/", "..", "../outside/secret", "pets/../../outside"])
def test_paths_outside_the_root_are_refused_in_the_status_line(app, path):
    app.use_folder(path)
    assert app.dataset.value == OTHER and app.path.layout.display is None
    assert app.status_kind == "error"
    assert "outside the data root" in app.status_text and "\n" not in app.status_text
    assert str(app.data_root) in app.status_text
    assert "Traceback" not in app.status.value


def test_a_symlink_escaping_the_root_is_refused(app, data_root):
    assert (data_root / "escape" / "cat").is_dir()  # the link itself works
    app.use_folder("escape")
    assert app.status_kind == "error" and "outside the data root" in app.status_text
    app.use_folder(str(data_root / "escape" / "cat"))
    assert app.status_kind == "error" and "outside the data root" in app.status_text
    with pytest.raises(InvalidArgumentError, match="outside the data root"):
        resolve_inside("escape", data_root)


def test_folders_inside_the_root_are_offered_and_accepted(app, data_root):
    listed = {label: value for label, value in app.dataset.options}
    assert "pets" in listed and "digits (bundled)" in listed
    assert "escape" not in listed and "notes" not in listed  # a symlink out; no classes
    assert [p.name for p in class_folders(data_root)] == ["pets"]
    app.use_folder("pets")
    assert app.status_kind == "idle" and "2 class folders" in app.status_text
    app.use_folder("notes")
    assert app.status_kind == "error" and "one sub-folder of images per class" in app.status_text
    app.use_folder("missing")
    assert app.status_kind == "error" and "does not exist" in app.status_text


def test_train_with_a_refused_folder_starts_nothing(app):
    app.use_folder("../outside/secret")
    assert app.train() is False
    assert not app.running and app.status_kind == "error"
    assert "outside the data root" in app.status_text
    assert not app.train_button.disabled


def test_settings_errors_land_in_the_status_line(app):
    app.dataset.value = "digits"
    app.valid_rate.value, app.test_rate.value = 40, 50
    try:
        assert app.train() is False
        assert not app.running and app.status_kind == "error"
        assert "leave at least 20%" in app.status_text
    finally:
        app.valid_rate.value, app.test_rate.value = 10, 20


def test_the_page_has_one_stop_button_the_apps(app):
    """The live chart inside the app draws no Stop of its own; the app's Stop reaches it."""
    assert app.live.chart.stop_button is False and app.stop_button.description == "Stop"
    buttons = [w for w in app.widget.children if hasattr(w, "children")]
    stops = [b for box in buttons for b in box.children
             if getattr(b, "description", None) == "Stop"]
    assert stops == [app.stop_button]


def test_one_line_messages_have_no_traceback():
    assert one_line(InvalidArgumentError("Give a folder.")) == "Give a folder."
    assert one_line(RuntimeError("boom\n  at line 3")) == "RuntimeError: boom at line 3"
    assert one_line(KeyError()) == "KeyError"


# ---------------------------------------------------------------------- real runs
def test_a_tiny_run_on_digits_ends_with_a_clickable_confusion_matrix(app):
    from dl_notebook.widgets.confusion import ConfusionMatrixWidget

    app.dataset.value = "digits"
    app.architecture.value = "lenet5"
    app.epochs.value = 2
    app.train()
    assert app.running and app.train_button.disabled and not app.stop_button.disabled
    assert all(widget.disabled for widget in app._inputs)
    assert app.wait(RUN_TIMEOUT)
    assert app.status_kind == "finished", app.status_text
    assert app.status_text.startswith("Trained 2 epochs; test accuracy")
    assert len(app.history.frame) == 2 and "val_loss" in app.history.frame
    assert app.live.state["status"] == "Finished" and app.live.state["epoch"] == 2
    train, valid, test = app.splits
    assert app.network.name == "lenet5"
    assert app.network["input1"].output_shape == (None, 16, 16, 1)
    assert len(app.result) == len(test) and len(train) + len(valid) + len(test) == 1797
    assert abs(len(test) - 0.2 * 1797) < 10 and abs(len(valid) - 0.1 * 1797) < 10
    assert app.result.accuracy > 0.2  # ten classes: chance is 0.1
    assert isinstance(app.confusion, ConfusionMatrixWidget)
    assert app.results.children == (app.confusion,)
    assert f"{100 * app.result.accuracy:.1f}%" in app.accuracy.value
    counts = app.confusion.matrix
    true, pred = np.unravel_index(np.argmax(counts), counts.shape)
    browser = app.confusion.select(int(true), int(pred))
    assert len(browser.indices) == counts[true, pred] > 0
    assert not app.train_button.disabled and app.stop_button.disabled


def test_stop_mid_run_stops_and_still_evaluates(app):
    app.dataset.value = "digits"
    app.architecture.value = "small_cnn"
    app.epochs.value = 200
    try:
        app.train()
        wait_until(lambda: app.live.state["running"] and app.live.state["batch"] >= 1,
                   what="the first batches")
        app.stop()
        assert app.wait(RUN_TIMEOUT)
    finally:
        app.epochs.value = 2
    assert app.history.stop_reason == "stopped"
    assert len(app.history.frame) < 200
    assert app.status_kind == "stopped", app.status_text
    assert app.status_text.startswith(f"Stopped in epoch {len(app.history.frame)} of 200;")
    assert app.live.state["status"] == "Stopped"
    assert app.network.name == "small_cnn" and app.confusion is not None


def test_stop_right_after_train_is_not_lost(app):
    app.dataset.value = "digits"
    app.epochs.value = 200
    try:
        app.train()
        app.stop()  # usually while the data still loads
        assert app.wait(RUN_TIMEOUT)
    finally:
        app.epochs.value = 2
    assert app.status_kind == "stopped", app.status_text
    assert app.status_text.startswith("Stopped")


def test_an_error_inside_the_run_lands_in_the_status_line(app, data_root):
    bad = data_root / "broken"
    for name in ("a", "b"):
        (bad / name).mkdir(parents=True, exist_ok=True)
        (bad / name / "0.png").write_bytes(b"not a png")
    app.use_folder("broken")
    app.train()
    assert app.wait(RUN_TIMEOUT)
    assert app.status_kind == "error" and "\n" not in app.status_text
    assert app.status_text and "Traceback" not in app.status.value
    assert app.last_error is not None
    assert not app.train_button.disabled  # ready for another try


def test_the_model_builder_network_trains_or_explains_its_shape_error(app):
    pytest.importorskip("dl_notebook.widgets.builder")
    app.dataset.value = "digits"
    app.image_size.value = 16
    assert "builder" in dict(app.architecture.options).values()
    app.architecture.value = "builder"
    assert app.builder_box.layout.display is None and app.builder is not None
    assert app.builder.network["input1"].output_shape == (None, 16, 16, 1)
    app.image_size.value = 24  # the builder's network still takes 16×16 images
    try:
        app.train()
        assert app.wait(RUN_TIMEOUT)
    finally:
        app.image_size.value = 16
        app.architecture.value = "lenet5"
    assert app.status_kind == "error", app.status_text
    assert "\n" not in app.status_text and "Traceback" not in app.status.value
    assert app.builder_box.layout.display == "none"


def test_train_while_running_says_so(app):
    app.dataset.value = "digits"
    app.epochs.value = 200
    try:
        assert app.train() is True
        assert app.train() is False  # the status line said "press Stop first"
        assert app.running
    finally:
        app.stop()
        app.wait(RUN_TIMEOUT)
        app.epochs.value = 2
