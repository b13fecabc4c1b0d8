"""The tuning dashboard: what it shows as trials start, report epochs and finish, Stop, and
the history a view that renders later receives."""

from __future__ import annotations

import threading

from dl_notebook import _views
from dl_notebook.widgets.tune import TuneDashboard


def _row(number, value, state="complete"):
    return {"number": number, "params": {"units": 8 + number}, "value": value, "state": state,
            "seconds": 0.5, "epochs": 2, "curve": [value / 2, value]}


def test_the_dashboard_is_the_registered_tune_view():
    assert _views.view_class("tune") is TuneDashboard


def test_trials_fill_the_table_and_the_best_follows_the_direction():
    sent = []
    dash = TuneDashboard(metric="val_loss", direction="minimize", params=["units"], trials=3,
                         auto_show=False)
    dash.chart.send = sent.append
    dash.trial_started(0, {"units": 8})
    assert dash.state["running"] == 0 and dash.state["status_kind"] == "running"
    dash.epoch_end(0, 1, 0.9)
    dash.trial_finished(_row(0, 0.9))
    dash.trial_started(1, {"units": 9})
    dash.trial_finished(_row(1, 0.4))
    dash.trial_finished(_row(2, 0.1, "pruned"))
    state = dash.state
    assert (state["trials"], state["finished"], state["best"]) == (3, 3, 0.4)
    assert [m["type"] for m in sent] == ["start", "point", "trial", "start", "trial", "trial"]
    assert sent[1] == {"type": "point", "number": 0, "epoch": 1, "value": 0.9}
    dash.search_finished("Search finished.")
    assert dash.chart.status_kind == "finished"


def test_stop_sets_the_event_and_a_late_view_gets_the_history():
    event = threading.Event()
    sent = []
    dash = TuneDashboard(params=["units"], trials=2, stop_event=event, auto_show=False)
    dash.chart.send = sent.append
    dash.trial_finished(_row(0, float("nan"), "fail"))
    dash.trial_started(1, {"units": 9})
    dash.epoch_end(1, 1, 0.5)
    dash._on_message(dash.chart, {"type": "stop"}, [])
    assert event.is_set() and dash.chart.status_kind == "stopping"
    dash._on_message(dash.chart, {"type": "sync"}, [])
    history = sent[-1]
    assert history["type"] == "history" and history["rows"][0]["value"] is None
    assert history["running"] == {"number": 1, "params": {"units": 9}, "curve": [0.5]}
    dash.search_finished("Search stopped.", stopped=True)
    assert dash.chart.status_kind == "stopped"
