"""DLPy's ``dlpy.lr_scheduler``: learning-rate policies counted in epochs, as DLPy counts them.

Each scheduler is a dict of DLPy's settings (as in DLPy). At ``fit`` time,
when the number of batches per epoch is known, :meth:`to_core` turns it
into a core schedule of :mod:`dl_notebook.train.schedules`, which counts
batches: ``StepLR(learning_rate, gamma, step_size)`` drops the rate every
*step_size* **epochs**, ``MultiStepLR`` after the listed epochs, and
``CyclicLR`` follows DLPy's per-batch triangle, whose half cycle is
``int(ceil(rows / batch_size) * factor)`` batches.

Example:
    >>> from dl_notebook.dlpy.lr_scheduler import StepLR
    >>> sched = StepLR(learning_rate=0.1, gamma=0.5, step_size=2)
    >>> lr = sched.to_core(steps_per_epoch=10, epochs=6)
    >>> [round(float(lr(epoch * 10)), 4) for epoch in range(6)]
    [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
"""

from __future__ import annotations

import math

from ..errors import InvalidArgumentError

__all__ = ["FixedLR", "StepLR", "MultiStepLR", "PolynomialLR", "ReduceLROnPlateau",
           "CyclicLR", "FCMPLR"]


class _LRScheduler(dict):
    """DLPy's settings of a learning-rate policy (a dict, as in DLPy)."""

    def __init__(self, learning_rate_policy=None, learning_rate=None, gamma=None, steps=None,
                 step_size=None, power=None, fcmp_learning_rate=None):
        super().__init__(learning_rate_policy=learning_rate_policy, learning_rate=learning_rate,
                         gamma=gamma, steps=steps, step_size=step_size, power=power,
                         fcmp_learning_rate=fcmp_learning_rate)

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def to_core(self, steps_per_epoch, epochs):
        """The core learning rate (a number or a schedule counting batches) for one run.

        Args:
            steps_per_epoch: batches per epoch of the run.
            epochs: epochs of the run.

        Example:
            >>> from dl_notebook.dlpy.lr_scheduler import FixedLR
            >>> FixedLR(0.01).to_core(steps_per_epoch=5, epochs=2)
            0.01
        """
        from ..train import schedules

        policy = str(self["learning_rate_policy"] or "fixed").lower()
        rate = 0.001 if self["learning_rate"] is None else float(self["learning_rate"])
        gamma = 0.1 if self["gamma"] is None else self["gamma"]
        if policy == "fixed":
            return rate
        if policy == "step":
            return schedules.StepLR(rate, gamma, self["step_size"] or 10,
                                    steps_per_epoch=steps_per_epoch)
        if policy == "multistep":
            return schedules.MultiStepLR(rate, gamma, list(self["steps"] or ()),
                                         steps_per_epoch=steps_per_epoch)
        if policy == "poly":
            return schedules.PolynomialLR(rate, self["power"] or 1.0,
                                          max_steps=steps_per_epoch * epochs)
        raise InvalidArgumentError(
            f"learning_rate_policy {policy.upper()!r} is not supported here; use FIXED, STEP, "
            f"MULTISTEP or POLY (or a dl_notebook.dlpy.lr_scheduler class)."
        )

    def callbacks(self):
        """Keras callbacks the policy needs during the run (none for most)."""
        return []


class FCMPLR(_LRScheduler):
    """DLPy's ``FCMPLR``: refused, since FCMP functions are SAS code run by a CAS server."""

    def __init__(self, conn=None, fcmp_learning_rate=None, learning_rate=0.001, gamma=0.1,
                 step_size=10):
        raise InvalidArgumentError(
            "FCMPLR runs SAS FCMP code on a CAS server, which is not available here; use "
            "StepLR, MultiStepLR, PolynomialLR, CyclicLR or a dn.schedules schedule."
        )


class FixedLR(_LRScheduler):
    """A constant learning rate (DLPy ``FixedLR``).

    Example:
        >>> from dl_notebook.dlpy.lr_scheduler import FixedLR
        >>> FixedLR(0.01)["learning_rate_policy"]
        'FIXED'
    """

    def __init__(self, learning_rate=0.001):
        super().__init__(learning_rate_policy="FIXED", learning_rate=learning_rate)


class StepLR(_LRScheduler):
    """Multiply the rate by *gamma* every *step_size* epochs (DLPy ``StepLR``).

    The rate in epoch *e* (from 0) is ``learning_rate * gamma ** (e // step_size)``.

    Example:
        >>> from dl_notebook.dlpy.lr_scheduler import StepLR
        >>> StepLR(learning_rate=1e-4, gamma=0.1, step_size=2)["step_size"]
        2
    """

    def __init__(self, learning_rate=0.001, gamma=0.1, step_size=10):
        super().__init__(learning_rate_policy="STEP", learning_rate=learning_rate, gamma=gamma,
                         step_size=step_size)


class MultiStepLR(_LRScheduler):
    """Multiply the rate by *gamma* after each epoch count in *steps* (DLPy ``MultiStepLR``).

    Example:
        >>> from dl_notebook.dlpy.lr_scheduler import MultiStepLR
        >>> lr = MultiStepLR(1.0, 0.5, [1, 3]).to_core(steps_per_epoch=4, epochs=5)
        >>> [float(lr(epoch * 4)) for epoch in range(5)]
        [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, learning_rate, gamma, steps):
        super().__init__(learning_rate_policy="MULTISTEP", learning_rate=learning_rate,
                         gamma=gamma, steps=steps)


class PolynomialLR(_LRScheduler):
    """Polynomial decay to 0 over the run (DLPy ``PolynomialLR``), applied per batch.

    Example:
        >>> from dl_notebook.dlpy.lr_scheduler import PolynomialLR
        >>> lr = PolynomialLR(1.0, 2).to_core(steps_per_epoch=5, epochs=2)
        >>> float(lr(0)), float(lr(5))
        (1.0, 0.25)
    """

    def __init__(self, learning_rate, power):
        super().__init__(learning_rate_policy="POLY", learning_rate=learning_rate, power=power)


class ReduceLROnPlateau(_LRScheduler):
    """Multiply the rate by *gamma* when the training loss stops improving (DLPy's policy).

    As DLPy's: after more than *patience* epochs without a lower loss the
    rate is multiplied by *gamma*, then *cool_down_iters* epochs pass before
    counting again (Keras' ``ReduceLROnPlateau`` on ``"loss"`` with
    ``patience + 1``).

    Args:
        conn: ignored.
        learning_rate: the starting rate.
        gamma: the factor, in (0, 1).
        cool_down_iters: epochs to wait after a reduction.
        patience: epochs without improvement tolerated.

    Example:
        >>> from dl_notebook.dlpy.lr_scheduler import ReduceLROnPlateau
        >>> cb, = ReduceLROnPlateau(None, 0.01, gamma=0.5, patience=2).callbacks()
        >>> cb.monitor, cb.factor, cb.patience
        ('loss', 0.5, 3)
    """

    def __init__(self, conn, learning_rate, gamma=0.1, cool_down_iters=10, patience=10):
        super().__init__(learning_rate_policy="FIXED", learning_rate=learning_rate, gamma=gamma)
        self["cool_down_iters"], self["patience"] = cool_down_iters, patience

    def callbacks(self):
        from ..train.plateau import ReduceLROnPlateau as Plateau

        return [Plateau(monitor="loss", factor=self["gamma"], patience=self["patience"] + 1,
                        cooldown=self["cool_down_iters"], min_delta=0.0)]


def _rows(data):
    """Number of examples in DLPy-style *data* (a dataset, an ImageTable, arrays, a DataFrame)."""
    inner = getattr(data, "dataset", data)
    if isinstance(inner, (tuple, list)) and len(inner) == 2:
        inner = inner[0]
    try:
        return len(inner)
    except TypeError:
        raise InvalidArgumentError(
            f"CyclicLR needs data whose size is known (a dataset, an ImageTable, arrays or a "
            f"DataFrame); got {type(data).__name__}."
        ) from None


class CyclicLR(_LRScheduler):
    """DLPy's triangular cyclic rate between *learning_rate* and *max_lr*, per batch.

    With ``nb = ceil(rows / batch_size)`` batches per epoch and a half
    cycle of ``step = int(nb * factor)`` batches, batch *b* of epoch *e*
    (both from 0) trains at ``learning_rate + (max_lr - learning_rate) *
    max(0, 1 - x)``, where ``t = nb * e + b``, ``cycle = floor(t / (2 step) +
    1)`` and ``x = |t / step - 2 cycle + 1|``.

    Args:
        conn: ignored.
        data: the training data (its number of rows sets the cycle).
        batch_size: DLPy's batch size (``mini_batch_size`` times threads and workers).
        factor: epochs in half a cycle.
        learning_rate: the lowest rate.
        max_lr: the highest rate.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.dlpy.lr_scheduler import CyclicLR
        >>> sched = CyclicLR(None, (np.zeros((8, 2)), np.zeros(8)), 4, 1.0, 0.1, 0.5)
        >>> lr = sched.to_core(steps_per_epoch=2, epochs=3)
        >>> [round(float(lr(t)), 3) for t in range(6)]
        [0.1, 0.3, 0.5, 0.3, 0.1, 0.3]
    """

    def __init__(self, conn, data, batch_size, factor, learning_rate, max_lr):
        super().__init__(learning_rate_policy="CYCLIC", learning_rate=learning_rate)
        if not isinstance(batch_size, int) or batch_size < 1:
            raise InvalidArgumentError(
                f"CyclicLR: batch_size must be a positive integer; got {batch_size!r}."
            )
        self["batches_per_epoch"] = math.ceil(_rows(data) / batch_size)
        self["step_size"] = int(self["batches_per_epoch"] * factor)
        if self["step_size"] < 1:
            raise InvalidArgumentError(
                f"CyclicLR: factor {factor!r} makes half a cycle shorter than one batch; "
                f"give a larger factor."
            )
        self["factor"], self["max_lr"] = factor, max_lr

    def to_core(self, steps_per_epoch, epochs):
        from ..train.schedules import CyclicLR as Cyclic

        cyclic = Cyclic(self["learning_rate"], self["max_lr"], step_size=self["step_size"])
        if steps_per_epoch == self["batches_per_epoch"]:
            return cyclic  # the optimizer's step is DLPy's batch count
        return _recount(cyclic, steps_per_epoch, self["batches_per_epoch"])


def _recount(schedule, steps_per_epoch, dlpy_batches):
    """*schedule* at DLPy's batch count ``dlpy_batches * epoch + batch`` of each step."""
    from ..train.schedules import keras

    ops = keras.ops

    class _DLPyBatchCount(keras.optimizers.schedules.LearningRateSchedule):
        def __init__(self, schedule, steps_per_epoch, dlpy_batches):
            self.schedule = schedule
            self.steps_per_epoch, self.dlpy_batches = steps_per_epoch, dlpy_batches

        def __call__(self, step):
            step = ops.cast(step, "float32")
            epoch = ops.floor(step / self.steps_per_epoch)
            return self.schedule(self.dlpy_batches * epoch
                                 + (step - epoch * self.steps_per_epoch))

        def get_config(self):  # copied in one process only (Keras clones optimizers)
            return {"schedule": self.schedule, "steps_per_epoch": self.steps_per_epoch,
                    "dlpy_batches": self.dlpy_batches}

    return _DLPyBatchCount(schedule, steps_per_epoch, dlpy_batches)
