"""TrainingLease: who may change a Network right now, a training run or an edit.

Also :class:`TrainingMixin`, the Network methods that train and set weights
through the lease (``fit``, ``running``, ``get_weights``, ``set_weights``).

A :class:`~dl_notebook.Network` owns one lease. ``fit`` claims it for its
run (:meth:`TrainingLease.claim`), hands it to the training thread when it
trains in the background (:meth:`TrainingLease.hand_to`) and releases it
when the run ends, however it ends (:meth:`TrainingLease.release`). Every
change to the network (edits, ``freeze`` / ``unfreeze``, setting weights,
building the Keras model) holds the lease for its duration
(:meth:`TrainingLease.hold`).

The rule: whoever finds the lease taken by another thread **waits** until
it is free. So a second ``fit`` starts when the first has ended, and an
edit made while a run trains happens after the run. The thread that holds
the lease (the training thread, a callback inside it) is never made to
wait for itself; only a ``fit`` started from inside the running one is
refused, with :class:`~dl_notebook.errors.NetworkEditError`.

Example:
    >>> from dl_notebook.model._lease import TrainingLease
    >>> lease, run = TrainingLease("net"), "run 1"
    >>> lease.claim(run); lease.run
    'run 1'
    >>> with lease.hold():  # the holder's own thread goes on
    ...     lease.run
    'run 1'
    >>> lease.release(run); lease.run is None
    True
"""

from __future__ import annotations

import functools
import threading
from contextlib import contextmanager

from ..errors import NetworkEditError

__all__ = ["TrainingLease", "TrainingMixin", "holds_lease"]


class TrainingLease:
    """The lock a Network's training run and its edits take, one at a time.

    Args:
        name: the network's name, for messages.

    Example:
        >>> from dl_notebook.model._lease import TrainingLease
        >>> lease = TrainingLease("tiny")
        >>> lease.run is None and lease.holder is None
        True
    """

    def __init__(self, name: str):
        self.name = name
        self._cond = threading.Condition(threading.Lock())
        self._holder = None  # the thread that holds the lease
        self._depth = 0  # nested hold() blocks of the holder
        self._run = None  # the run (a TrainingHistory) that holds it

    @property
    def run(self):
        """The training run holding the lease (a ``TrainingHistory``), or None."""
        return self._run

    @property
    def holder(self):
        """The thread holding the lease, or None."""
        return self._holder

    def _wait_free(self) -> None:  # call with self._cond held
        me = threading.current_thread()
        while self._holder is not None and self._holder is not me:
            self._cond.wait()

    def wait(self) -> None:
        """Block until no other thread holds the lease (returns at once in the holder)."""
        with self._cond:
            self._wait_free()

    @contextmanager
    def hold(self):
        """Hold the lease for a block: wait for a running fit to end, then keep others out."""
        with self._cond:
            self._wait_free()
            self._holder = threading.current_thread()
            self._depth += 1
        try:
            yield self
        finally:
            with self._cond:
                self._depth -= 1
                if self._depth == 0 and self._run is None:
                    self._holder = None
                    self._cond.notify_all()

    def claim(self, run) -> None:
        """Take the lease for *run*, waiting while another thread holds it.

        Raises:
            NetworkEditError: when the calling thread is the running fit itself.
        """
        with self._cond:
            if self._run is not None and self._holder is threading.current_thread():
                raise NetworkEditError(
                    f"Cannot start a fit of {self.name!r} from inside its running fit; "
                    f"start it after the run ends (hist.wait())."
                )
            self._wait_free()
            self._holder = threading.current_thread()
            self._run = run

    def hand_to(self, thread) -> None:
        """Give the claimed lease to *thread* (the background training thread)."""
        with self._cond:
            self._holder = thread

    def release(self, run) -> None:
        """Free the lease that *run* claimed (nothing happens when *run* does not hold it)."""
        with self._cond:
            if self._run is not run:
                return
            self._run = None
            if self._depth == 0 or self._holder is not threading.current_thread():
                self._holder, self._depth = None, 0
            self._cond.notify_all()

    def __repr__(self):
        state = "free" if self._holder is None else (
            "training" if self._run is not None else "editing")
        return f"<TrainingLease {self.name!r}: {state}>"


def holds_lease(method):
    """Decorate a Network method so that it runs holding the network's lease."""

    @functools.wraps(method)
    def holding(self, *args, **kwargs):
        with self.lease.hold():
            return method(self, *args, **kwargs)

    return holding


class TrainingMixin:
    """``fit``, ``running`` and ``lease`` of a :class:`~dl_notebook.Network`."""

    @property
    def lease(self) -> TrainingLease:
        """The lease a ``fit`` run and every change take, one at a time (see the class notes)."""
        return self._lease

    @property
    def running(self):
        """The :class:`~dl_notebook.TrainingHistory` of the ``fit`` running now, or None.

        Example:
            >>> import dl_notebook as dn
            >>> dn.Sequential(name="idle").running is None
            True
        """
        return self._lease.run

    def fit(self, data, valid_data=None, epochs=10, batch_size=32, solver=None, lr_scheduler=None,
            optimizer=None, callbacks=None, live=None, checkpoint_dir=None, resume=False,
            seed=None, strategy=None, loss=None, metrics=None, background=None, stop_event=None):
        """Train the network (DLPy ``fit``); returns a :class:`~dl_notebook.TrainingHistory`.

        In a notebook it trains in the background and returns the running history at
        once. A second ``fit`` while one runs waits for it to end (see the class notes).
        Arguments: see :func:`dl_notebook.train.fit.fit`.

        Example:
            >>> import numpy as np, dl_notebook as dn
            >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(2,)), dn.layers.Dense(2)])
            >>> net.fit((np.eye(2), [0, 1]), epochs=2, live=False).frame["epoch"].tolist()
            [1, 2]
        """
        from ..train.fit import fit

        return fit(self, data, valid_data, epochs=epochs, batch_size=batch_size, solver=solver,
                   lr_scheduler=lr_scheduler, optimizer=optimizer, callbacks=callbacks, live=live,
                   checkpoint_dir=checkpoint_dir, resume=resume, seed=seed, strategy=strategy,
                   loss=loss, metrics=metrics, background=background, stop_event=stop_event)
