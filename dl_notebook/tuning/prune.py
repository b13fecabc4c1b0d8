"""``dn.prune``: magnitude pruning of a network on Keras 3, masks kept while it fine-tunes.

Pruning sets the smallest weights of the Dense and convolution kernels to zero
(DLPy's ``dlPrune``). ``prune(net, sparsity=0.5, data=train)`` prunes *net* in
place and fine-tunes it with its own ``fit``: a Keras callback
(:class:`~dl_notebook.tuning._masks.MaskKeeper`) multiplies every pruned
kernel by its mask after each training batch, so pruned weights stay exactly
zero, and they stay zero in every exported file (``.keras``, ONNX).

Schedules: ``"polynomial"`` raises the sparsity from 0 to the target along
Zhu & Gupta's (2017) curve s_t = s_f + (s_0 − s_f)(1 − t/T)^3 over the
fine-tuning batches, as TensorFlow Model Optimization's ``PolynomialDecay``
does, so the network adapts while it loses weights; ``"constant"`` prunes to
the target at once and fine-tunes with the masks fixed. Without data the
network is pruned once, with no fine-tuning.

The output layer is left whole by default: it is small (pruning it saves few
weights) and every class depends on it, so pruning it costs accuracy first; the
pruning guides of TensorFlow Model Optimization skip it for the same reason.
``layers=[...]`` names the layers to prune instead.

Why not TensorFlow Model Optimization (``tfmot``): its pruning wrappers work
only with the legacy ``tf_keras`` package, not with Keras 3 models
(keras-team/keras#23082, tensorflow/model-optimization#1119), so the masks are
kept here with a plain Keras callback that works with any Keras 3 model.
"""

from __future__ import annotations

import html
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from ..errors import DLError, InvalidArgumentError
from ._masks import MaskKeeper, check_fraction, prunable_kernels

__all__ = ["PruneResult", "prune"]

METHODS = ("magnitude", "global")
SCHEDULES = ("polynomial", "constant")


@dataclass(repr=False)
class PruneResult:
    """What :func:`prune` did to a network.

    Attributes:
        layers: a DataFrame, one row per pruned kernel: ``layer``, ``kernel``,
            ``weights``, ``zeros``, ``sparsity``.
        sparsity: the fraction of zeros over all pruned kernels.
        accuracy_before, accuracy_after: accuracy on the validation data (the
            training data without it) before pruning and after fine-tuning;
            None without data or for a network that is not a classifier.
        history: the fine-tuning :class:`~dl_notebook.TrainingHistory` (None without data).
        schedule: a DataFrame of the mask updates: ``step`` (batches done),
            ``target`` sparsity and the ``sparsity`` the masks reached.
        method, target: the pruning method and the asked sparsity.

    Example:
        >>> import pandas as pd
        >>> from dl_notebook.tuning.prune import PruneResult
        >>> table = pd.DataFrame({"layer": ["fc1"], "kernel": ["kernel"], "weights": [100],
        ...                       "zeros": [50], "sparsity": [0.5]})
        >>> PruneResult(table, 0.5, 0.95, 0.94, target=0.5)
        <PruneResult: 50.0% of 100 weights zero in 1 kernel (target 50%); accuracy 0.9500 -> 0.9400>
    """

    layers: object
    sparsity: float
    accuracy_before: float | None = None
    accuracy_after: float | None = None
    history: object = None
    schedule: object = None
    method: str = "magnitude"
    target: float = field(default=0.5)

    @property
    def weights(self) -> int:
        """Number of weights in the pruned kernels."""
        return int(self.layers["weights"].sum())

    def _accuracy_text(self) -> str:
        if self.accuracy_before is None or self.accuracy_after is None:
            return ""
        return f"; accuracy {self.accuracy_before:.4f} -> {self.accuracy_after:.4f}"

    def __repr__(self):
        n = len(self.layers)
        return (f"<PruneResult: {self.sparsity:.1%} of {self.weights:,} weights zero in {n} "
                f"kernel{'' if n == 1 else 's'} (target {self.target:.0%})"
                f"{self._accuracy_text()}>")

    def _repr_html_(self):
        rows = [("sparsity", f"{self.sparsity:.1%} of {self.weights:,} weights "
                             f"(target {self.target:.0%}, {self.method})")]
        if self.accuracy_before is not None and self.accuracy_after is not None:
            rows.append(("accuracy", f"{self.accuracy_before:.4f} before, "
                                     f"{self.accuracy_after:.4f} after"))
        if self.history is not None:
            rows.append(("fine-tuning", f"{len(self.history.frame)} epochs"))
        head = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                       f"<td style='text-align:left'>{html.escape(v)}</td></tr>" for k, v in rows)
        table = self.layers.to_html(index=False, float_format=lambda v: f"{v:.4f}")
        return f"<table><caption>PruneResult</caption>{head}</table>{table}"

    def plot(self, *, ax=None):
        """A bar chart of the sparsity of each pruned kernel, the target as a line.

        Args:
            ax: a matplotlib axes to draw into (default: a new figure).

        Returns:
            a display with ``.figure_`` and ``.ax_`` that shows as PNG.

        Example:
            >>> import pandas as pd
            >>> from dl_notebook.tuning.prune import PruneResult
            >>> table = pd.DataFrame({"layer": ["fc1", "fc2"], "kernel": ["kernel"] * 2,
            ...                       "weights": [10, 10], "zeros": [5, 5], "sparsity": [0.5, 0.5]})
            >>> PruneResult(table, 0.5).plot().ax_.get_ylabel()
            'sparsity'
        """
        from .._display import FigureDisplay

        if ax is None:
            from matplotlib.figure import Figure

            fig = Figure(figsize=(max(3.0, 0.6 * len(self.layers) + 1.5), 3.0))
            ax = fig.subplots()
        labels = [layer if kernel == "kernel" else f"{layer}\n{kernel.replace('_kernel', '')}"
                  for layer, kernel in zip(self.layers["layer"], self.layers["kernel"])]
        ax.bar(range(len(labels)), self.layers["sparsity"], color="#4c78a8")
        ax.axhline(self.target, color="#e45756", linestyle="--", linewidth=1,
                   label=f"target {self.target:.0%}")
        ax.set_xticks(range(len(labels)), labels, rotation=45 if len(labels) > 6 else 0)
        ax.set_ylim(0, 1)
        ax.set_ylabel("sparsity")
        ax.legend(loc="lower right", fontsize="small")
        return FigureDisplay(ax.figure, ax)


def _check_choice(value, name, choices):
    if value not in choices:
        raise InvalidArgumentError(
            f"{name} must be one of {', '.join(repr(c) for c in choices)}; got {value!r}."
        )
    return value


def _check_count(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InvalidArgumentError(
            f"{name} must be an integer of at least {minimum}; got {value!r}."
        )
    return int(value)


@contextmanager
def _quiet_tensorflow():
    """Hold back TensorFlow's retracing warnings (a new predict function per evaluation)."""
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _accuracy(net, data, batch_size):
    """Accuracy of *net* on *data*, or None for a network that is not a classifier."""
    if data is None:
        return None
    try:
        with _quiet_tensorflow():
            return float(net.evaluate(data, batch_size=max(batch_size, 256)).accuracy)
    except DLError:
        outputs = net.to_keras().outputs
        if len(outputs) == 1 and outputs[0].shape[-1] > 1:
            raise  # a classifier that cannot score this data: say why
        return None


def _table(kernels):
    import pandas as pd

    rows = []
    for kernel in kernels:
        values = np.asarray(kernel.variable)
        zeros = int(values.size - np.count_nonzero(values))
        rows.append({"layer": kernel.layer, "kernel": kernel.name, "weights": int(values.size),
                     "zeros": zeros, "sparsity": zeros / max(values.size, 1)})
    return pd.DataFrame(rows, columns=["layer", "kernel", "weights", "zeros", "sparsity"])


def prune(net, sparsity=0.5, *, method="magnitude", schedule="polynomial", fine_tune_epochs=2,
          data=None, valid=None, layers=None, batch_size=32, solver=None, frequency=None,
          seed=None, live=False) -> PruneResult:
    """Prune *net* in place to *sparsity* and fine-tune it on *data* (DLPy ``dlPrune``).

    The kernels of the Dense and convolution layers (both kernels of separable
    convolutions) lose their smallest weights; biases, batch normalisation and,
    by default, the output layer are kept (see the module notes). While the
    network fine-tunes the pruned weights stay exactly zero.

    Args:
        net: the ``dn.Network`` to prune (changed in place).
        sparsity: the fraction of zero weights to reach, strictly between 0 and 1.
        method: ``"magnitude"`` (each layer to *sparsity*) or ``"global"`` (one
            magnitude threshold over all chosen layers: layers differ, the total
            reaches *sparsity*).
        schedule: ``"polynomial"`` (from 0 to *sparsity* along a cubic over the
            fine-tuning batches) or ``"constant"`` (all at once, then fine-tune).
        fine_tune_epochs: epochs of fine-tuning on *data* (0: prune once).
        data: training data for fine-tuning, in the forms ``net.fit`` takes;
            None prunes once to *sparsity* without fine-tuning.
        valid: validation data for fine-tuning and for the accuracies (else *data*).
        layers: names of the layers to prune (default: every Dense and
            convolution layer except the output layer).
        batch_size, solver, seed, live: as in ``net.fit`` (``live=False``: silent).
        frequency: batches between mask updates of the polynomial schedule
            (None: about 20 updates over the fine-tuning).

    Returns:
        a :class:`PruneResult`: sparsity per kernel and overall, accuracy before
        and after, the fine-tuning history and the schedule's mask updates.

    Example:
        >>> import numpy as np, dl_notebook as dn
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(8,)), dn.layers.Dense(16),
        ...                             dn.layers.OutputLayer(2)])
        >>> result = dn.prune(net, sparsity=0.75)
        >>> result.layers[["layer", "weights", "zeros"]].values.tolist()
        [['fc1', 128, 96]]
        >>> float(result.sparsity), int((net.get_weights()[0] == 0).sum())
        (0.75, 96)
    """
    from ..model import Network

    if not isinstance(net, Network):
        raise InvalidArgumentError(f"prune takes a dn.Network; got {type(net).__name__}.")
    sparsity = check_fraction(sparsity)
    _check_choice(method, "method", METHODS)
    _check_choice(schedule, "schedule", SCHEDULES)
    epochs = _check_count(fine_tune_epochs, "fine_tune_epochs", 0)
    if frequency is not None:
        frequency = _check_count(frequency, "frequency", 1)

    kernels = prunable_kernels(net, layers)
    scored = valid if valid is not None else data
    before = _accuracy(net, scored, batch_size)
    keeper = MaskKeeper(kernels, sparsity, method=method, schedule=schedule,
                        frequency=frequency)
    history = None
    try:
        if data is not None and epochs:
            history = net.fit(data, valid, epochs=epochs, batch_size=batch_size, solver=solver,
                              callbacks=[keeper], live=live, seed=seed, background=False)
    finally:  # also after an interrupted or failed run: the network ends pruned
        with net.lease.hold():
            keeper.finish()
    import pandas as pd

    table = _table(kernels)
    schedule_log = pd.DataFrame(keeper.log, columns=["step", "target", "sparsity"])
    return PruneResult(layers=table, sparsity=float(table["zeros"].sum() / table["weights"].sum()),
                       accuracy_before=before, accuracy_after=_accuracy(net, scored, batch_size),
                       history=history, schedule=schedule_log, method=method, target=sparsity)
