"""TrainingHistory: the frame, the running state, waiting, awaiting and its pictures."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading

import pytest

from dl_notebook.train.history import TrainingHistory

ROWS = [{"epoch": 1, "val_accuracy": 0.5, "accuracy": 0.4, "loss": 1.0, "val_loss": 1.1,
         "learning_rate": 0.01, "seconds": 0.5},
        {"epoch": 2, "val_accuracy": 0.7, "accuracy": 0.6, "loss": 0.8, "val_loss": 0.9,
         "learning_rate": 0.01, "seconds": 0.4}]


def test_frame_columns_in_reading_order():
    hist = TrainingHistory(ROWS)
    assert list(hist.frame.columns) == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy",
                                        "learning_rate", "seconds"]
    assert list(TrainingHistory().frame.columns) == ["epoch", "loss"]
    assert "<table" in hist._repr_html_() and "2 epochs" in repr(hist)


def run_in_thread(hist, rows):
    gate = threading.Event()

    def work():
        gate.wait(30)
        for row in rows:
            hist._append(row)
        hist._finish()

    hist._start(threading.Thread(target=work, daemon=True))
    return gate


def test_wait_and_await_a_running_history():
    hist = TrainingHistory()
    gate = run_in_thread(hist, ROWS)
    assert hist.running and "running" in hist._repr_html_()
    gate.set()
    assert hist.wait() is hist and not hist.running and len(hist) == 2

    hist = TrainingHistory()
    gate = run_in_thread(hist, ROWS[:1])

    async def main():
        gate.set()
        return await hist

    # In a fresh thread: the browser tests' Playwright keeps an event loop in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, main()).result() is hist and len(hist) == 1


def test_wait_raises_what_the_run_raised():
    hist = TrainingHistory()
    hist.error = ValueError("bad batch")
    with pytest.raises(ValueError, match="bad batch"):
        hist.wait()


def test_stop_sets_the_event():
    hist = TrainingHistory()
    hist.stop()
    assert hist.stop_event.is_set()


def test_plot_training_history():
    display = TrainingHistory(ROWS).plot_training_history()
    labels = [line.get_label() for line in display.ax_.get_lines()]
    assert labels == ["loss", "val_loss", "accuracy", "val_accuracy"]
    assert display._repr_png_()[:4] == b"\x89PNG" and display.figure_ is display.ax_.figure
