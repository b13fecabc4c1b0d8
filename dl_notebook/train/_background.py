"""A run that may go on in a background thread: whether it runs, and its start and end.

:class:`~dl_notebook.train.history.TrainingHistory` (a ``fit``) and
:class:`~dl_notebook.tuning.result.TuneResult` (a search) are such handles: the
notebook reads them while the thread works.

Example:
    >>> import threading
    >>> run = BackgroundRun()
    >>> gate = threading.Event()
    >>> run._start(threading.Thread(target=lambda: (gate.wait(), run._finish())))
    >>> run.running
    True
    >>> gate.set(); run._thread.join(); run.running
    False
"""

from __future__ import annotations

import threading

__all__ = ["BackgroundRun"]


class BackgroundRun:
    """The state of a run started in a thread: running until :meth:`_finish` is called."""

    def __init__(self):
        self._done = threading.Event()
        self._done.set()
        self._thread = None

    @property
    def running(self) -> bool:
        """True while the run goes on in a background thread."""
        return not self._done.is_set()

    def _start(self, thread) -> None:
        """Start *thread*, the run (it calls :meth:`_finish` when it ends)."""
        self._thread = thread
        self._done.clear()
        thread.start()

    def _finish(self) -> None:
        self._done.set()
