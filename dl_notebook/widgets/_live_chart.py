"""The browser part of the live dashboard: the synced traits ``_live.js`` draws.

Example:
    >>> from dl_notebook.widgets._live_chart import LiveChart, status_kind
    >>> from dl_notebook.train.status import RunStatus
    >>> LiveChart(stop_button=False).stop_button, status_kind(RunStatus.STOPPED)
    (False, 'stopped')
"""

from __future__ import annotations

import anywidget
import traitlets

from dl_notebook.train.status import RunStatus
from dl_notebook.widgets._assets import widget_assets

__all__ = ["LiveChart", "status_kind"]

_KINDS = {  # the status line's colour for each RunStatus
    RunStatus.RUNNING: "running", RunStatus.COMPLETED: "finished",
    RunStatus.EARLY_STOPPED: "finished", RunStatus.STOPPED: "stopped",
    RunStatus.INTERRUPTED: "stopped", RunStatus.DIVERGED: "error", RunStatus.FAILED: "error",
}


def status_kind(status: RunStatus) -> str:
    """The status line's kind (its colour) for a :class:`~dl_notebook.train.RunStatus`."""
    return _KINDS[status]


class LiveChart(anywidget.AnyWidget):
    """Canvases, progress bar, status line and (unless an app has its own) a Stop button."""

    _esm, _css = widget_assets("live")
    title = traitlets.Unicode("Training", help="Heading of the dashboard.").tag(sync=True)
    status = traitlets.Unicode("Waiting for training", help="Status line text.").tag(sync=True)
    status_kind = traitlets.Unicode(
        "idle", help="idle, running, stopping, stopped, finished or error."
    ).tag(sync=True)
    progress = traitlets.Dict(help="epoch, epochs, batch, steps, eta_s, samples_per_s.").tag(
        sync=True
    )
    stop_button = traitlets.Bool(
        True, help="Draw the Stop button (False where the page has its own)."
    ).tag(sync=True)
