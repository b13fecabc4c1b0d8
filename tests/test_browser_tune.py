"""TuneDashboard in a real Chromium: a two-trial dn.tune run by a Voila notebook's cell fills
the trials table, shows the Stop button and ends finished, without page errors."""

from __future__ import annotations

import pytest
from _browser import write_notebook
from _tune_data import DIGITS_MLP

PAGE_TIMEOUT_MS = 60_000

CELL = DIGITS_MLP + """

# in a kernel the search runs in the background and its live view is shown at once
res = dn.tune(make_net, train, valid, space={{"units": (8, 16, "int")}}, trials=2,
              max_epochs=1, batch_size=64, seed=0, storage={storage!r})
"""


def view(page):
    return page.evaluate(
        """() => {
            const root = document.querySelector('.dln-tune');
            return {rows: +(root.dataset.rows || 0), status: root.dataset.status,
                    complete: root.querySelectorAll('tr[data-state="complete"]').length,
                    stop: root.querySelector('.dln-stop').textContent,
                    text: root.querySelector('.dln-status').textContent};
        }"""
    )


@pytest.mark.browser
@pytest.mark.timeout(150)
def test_voila_cell_search_fills_the_table_and_shows_stop(voila_server, page, tmp_path):
    notebook = write_notebook(tmp_path / "tune.ipynb",
                              CELL.format(storage=str(tmp_path / "search.journal")))
    page.goto(voila_server(notebook), timeout=PAGE_TIMEOUT_MS)
    try:
        page.locator(".dln-tune").wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
        assert page.locator(".dln-tune .dln-stop").is_visible()
        page.wait_for_function(
            """() => {
                const root = document.querySelector('.dln-tune');
                return root && root.dataset.rows === '2' && root.dataset.status === 'finished';
            }""",
            timeout=PAGE_TIMEOUT_MS,
        )
        shown = view(page)
        assert shown["complete"] == 2 and shown["stop"] == "Stop"
        assert "finished" in shown["text"].lower()
        assert page.locator(".dln-tune canvas").count() == 2  # best so far, learning curves
    finally:
        page.screenshot(path=str(tmp_path / "tune-final.png"), full_page=True)
    assert page.errors == [], f"page errors: {page.errors}"
