"""The one-line status of a dashboard: a sentence coloured by its kind, never a traceback.

Example:
    >>> from dl_notebook.widgets._status_line import StatusLine
    >>> line = StatusLine()
    >>> line.guard(int, "seven")
    >>> line.kind, line.text
    ('error', "ValueError: invalid literal for int() with base 10: 'seven'")
    >>> 'data-kind="error"' in line.value
    True
"""

from __future__ import annotations

import html

import ipywidgets

from dl_notebook.widgets._training_run import one_line

__all__ = ["StatusLine"]

COLORS = {"error": "#b91c1c", "stopped": "#b45309", "finished": "#1d4ed8", "running": "#15803d"}


class StatusLine(ipywidgets.HTML):
    """An HTML line showing one message; ``kind`` (idle, running, error, …) sets its colour.

    Attributes:
        text: the message shown.
        kind: its kind (``data-kind`` of the element, for pages and tests).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.text, self.kind = "", "idle"

    def say(self, text: str, kind: str = "info") -> None:
        """Show *text* as a message of *kind*."""
        self.text, self.kind = str(text), kind
        color = COLORS.get(kind, "inherit")
        self.value = (f'<div class="dln-ti-message" data-kind="{kind}" '
                      f'style="color: {color}">{html.escape(self.text)}</div>')

    def guard(self, action, *args):
        """Run ``action(*args)``; any error becomes the line (an error kind), never a traceback."""
        try:
            return action(*args)
        except Exception as err:  # noqa: BLE001 - students see one line, never a traceback
            self.say(one_line(err), "error")
            return None
