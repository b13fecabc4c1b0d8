"""RunStatus: how a training run stands, as one value instead of words to parse.

Example:
    >>> from dl_notebook.train.status import RunStatus
    >>> RunStatus.STOPPED.ended, RunStatus.RUNNING.ended
    (True, False)
    >>> RunStatus("stopped") is RunStatus.STOPPED
    True
"""

from __future__ import annotations

import enum

__all__ = ["RunStatus"]


class RunStatus(str, enum.Enum):
    """The state of a ``fit`` run (``TrainingHistory.status``).

    ``RUNNING`` while it trains; when it has ended, one of:

    * ``COMPLETED``: every epoch ran;
    * ``EARLY_STOPPED``: early stopping (``Optimizer(stagnation=)`` or a
      Keras ``EarlyStopping``) ended it;
    * ``STOPPED``: a Stop (``hist.stop()``, the ``stop_event=`` of ``fit``,
      a Stop button, or a callback that set ``model.stop_training``);
    * ``INTERRUPTED``: a KeyboardInterrupt (the notebook's interrupt);
    * ``DIVERGED``: a non-finite loss (the last finite weights are put back);
    * ``FAILED``: an error was raised inside the run.

    The values are lower-case words, so ``RunStatus("stopped")`` works and a
    status compares equal to its word.

    Example:
        >>> from dl_notebook.train import RunStatus
        >>> [s.value for s in RunStatus if s.ended and not s.failed]
        ['completed', 'early_stopped', 'stopped', 'interrupted']
    """

    RUNNING = "running"
    COMPLETED = "completed"
    EARLY_STOPPED = "early_stopped"
    STOPPED = "stopped"
    INTERRUPTED = "interrupted"
    DIVERGED = "diverged"
    FAILED = "failed"

    @property
    def ended(self) -> bool:
        """True for every status but ``RUNNING``."""
        return self is not RunStatus.RUNNING

    @property
    def failed(self) -> bool:
        """True when the run ended on an error or a non-finite loss."""
        return self in (RunStatus.DIVERGED, RunStatus.FAILED)

    def __str__(self) -> str:
        return self.value
