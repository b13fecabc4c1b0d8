"""The learning-rate range test (Smith 2017): which learning rate to train with.

:func:`lr_find` trains a network for a few batches while the learning rate
grows exponentially from ``start_lr`` to ``end_lr``, records the loss of each
batch, and puts the network's weights back afterwards. The result is an
:class:`LRFinderResult` display: the smoothed loss against the learning rate
(log axis) and a suggestion, the rate where the smoothed loss falls fastest.
"""

from __future__ import annotations

import contextlib
import math
import numbers

import numpy as np

from .._display import FigureDisplay
from .._keras import keras, keras_model_of
from ..errors import InvalidArgumentError

__all__ = ["lr_find", "LRFinderResult"]

_SMOOTHING = 0.98  # exponential moving average of the batch losses (with bias correction)
_EXPLODES = 4.0  # stop when the smoothed loss exceeds this many times the best one


class LRFinderResult(FigureDisplay):
    """The outcome of :func:`lr_find`: losses per learning rate and a suggested rate.

    Attributes:
        lrs: the learning rate of each batch (NumPy array).
        losses: the smoothed loss after each batch.
        raw_losses: the loss of each batch as measured.
        suggestion: the learning rate where the smoothed loss falls fastest
            (steepest negative slope against log(lr)), or None when it never falls.

    ``plot(ax=None)`` draws the curve (setting ``figure_`` and ``ax_``) and
    returns the result; in a notebook it shows as a PNG.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.train.lr_find import LRFinderResult
        >>> lrs = np.logspace(-4, 0, 5)
        >>> res = LRFinderResult(lrs, [2.0, 1.9, 1.0, 0.8, 3.0])
        >>> float(res.suggestion)
        0.01
        >>> res.plot().ax_.get_xscale()
        'log'
    """

    def __init__(self, lrs, losses, raw_losses=None):
        self.lrs = np.asarray(lrs, dtype=float)
        self.losses = np.asarray(losses, dtype=float)
        self.raw_losses = self.losses if raw_losses is None else np.asarray(raw_losses, float)
        self.suggestion = _steepest(self.lrs, self.losses)
        self.figure_ = None
        self.ax_ = None

    def plot(self, *, ax=None):
        """Draw the smoothed loss against the learning rate; returns self.

        Args:
            ax: a matplotlib Axes to draw into; a new figure when None.
        """
        if ax is None:
            from matplotlib.figure import Figure

            figure = Figure(figsize=(6, 4))
            ax = figure.subplots()
        ax.plot(self.lrs, self.losses, color="C0", label="smoothed loss")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss")
        if self.suggestion is not None:
            at = int(np.argmin(np.abs(self.lrs - self.suggestion)))
            ax.plot([self.suggestion], [self.losses[at]], "o", color="C3",
                    label=f"suggestion {self.suggestion:.2g}")
        ax.legend(loc="best")
        ax.set_title("Learning-rate range test")
        self.figure_, self.ax_ = ax.figure, ax
        return self

    def _repr_png_(self):
        if self.figure_ is None:
            self.plot()
        return super()._repr_png_()

    def __repr__(self):
        tried = (f"{self.lrs[0]:.2g}..{self.lrs[-1]:.2g}" if len(self.lrs) else "none")
        shown = "None" if self.suggestion is None else f"{self.suggestion:.3g}"
        return f"<LRFinderResult: {len(self.lrs)} batches, lr {tried}, suggestion {shown}>"


def _steepest(lrs, losses):
    """The learning rate where *losses* falls fastest against log(lr), or None."""
    finite = np.isfinite(losses)
    lrs, losses = lrs[finite], losses[finite]
    if len(lrs) < 3:
        return None
    slope = np.gradient(losses, np.log(lrs))
    best = int(np.argmin(slope))
    return float(lrs[best]) if slope[best] < 0 else None


# -- arguments ---------------------------------------------------------------------------
def _positive(value, name):
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not (
            math.isfinite(value) and value > 0):
        raise InvalidArgumentError(f"lr_find: {name} must be a positive number; got {value!r}.")
    return float(value)


def _keras_model(net):
    model = keras_model_of(net, "lr_find")
    return model, (None if model is net else net)


def _batches(data, batch_size):
    """A repeating ``tf.data.Dataset`` of ``(x, y)`` batches."""
    import tensorflow as tf

    if hasattr(data, "to_tf_dataset"):
        ds = data.to_tf_dataset(batch_size, shuffle=True, seed=0)
    elif isinstance(data, tf.data.Dataset):
        ds = data
    elif isinstance(data, (tuple, list)) and len(data) == 2:
        x, y = (np.asarray(part) for part in data)
        if len(x) != len(y) or not len(x):
            raise InvalidArgumentError(
                f"lr_find: x and y need the same, non-zero number of rows; got {len(x)} and "
                f"{len(y)}."
            )
        ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=0)
        ds = ds.batch(batch_size)
    else:
        raise InvalidArgumentError(
            "lr_find: data must be a dl_notebook dataset, a batched tf.data.Dataset or "
            f"an (x, y) pair; got {type(data).__name__}."
        )
    spec = ds.element_spec
    if not isinstance(spec, tuple) or len(spec) < 2:
        raise InvalidArgumentError(
            "lr_find: the tf.data.Dataset must yield (inputs, labels) batches."
        )
    return ds.repeat(), spec[1]


def _activation(model):
    layer = model.outputs[0]._keras_history[0] if model.outputs else model.layers[-1]
    k = keras()
    if isinstance(layer, k.layers.Softmax):
        return "softmax"
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", str(activation or "")).lower()


def _infer_loss(model, net, label_spec):
    """Sparse CE for softmax + integer labels, CE for one-hot, binary CE for sigmoid, else mse."""
    if net is not None and net.output_names:
        error = getattr(net[net.output_names[0]], "error", None)
        if error in ("mse", "mae", "huber", "poisson"):
            return error
    k = keras()
    activation = _activation(model)
    integer = label_spec.dtype.is_integer
    units = model.outputs[0].shape[-1] if model.outputs else None
    if activation == "softmax":
        if integer:
            return k.losses.SparseCategoricalCrossentropy()
        return k.losses.CategoricalCrossentropy()
    if activation == "sigmoid":
        return k.losses.BinaryCrossentropy()
    if integer and units and units > 1:
        return k.losses.SparseCategoricalCrossentropy(from_logits=True)
    return k.losses.MeanSquaredError()


# -- the test -----------------------------------------------------------------------------
def lr_find(net, data, start_lr=1e-7, end_lr=10.0, num_steps=100, batch_size=32, solver=None,
            loss=None):
    """Run a learning-rate range test and return its losses and a suggested rate.

    Trains *net* for up to *num_steps* batches with a learning rate that grows
    exponentially from *start_lr* to *end_lr* (one value per batch), records the
    loss, smooths it (exponential moving average, factor 0.98) and stops early
    once the smoothed loss exceeds 4× the best one so far (or is not finite).
    The network's weights are put back afterwards, so it is as before the call;
    the optimizer is a fresh one made from *solver*. A ``dn.Network`` is held
    for the test like a ``fit`` holds it: it waits for a running fit to end,
    and edits and fits from other threads wait for the test.

    Args:
        net: a ``dn.Network`` or a ``keras.Model``.
        data: a dl_notebook dataset (read with ``to_tf_dataset(batch_size,
            shuffle=True, seed=0)``), a batched ``tf.data.Dataset`` of
            ``(x, y)``, or an ``(x, y)`` pair of arrays.
        start_lr, end_lr: the first and last learning rates (0 < start < end).
        num_steps: the number of batches (≥ 5); the data repeats when shorter.
        batch_size: the batch size for datasets and arrays.
        solver: a ``dn.solvers`` solver, a name or a Keras optimizer (default Adam);
            its learning rate is replaced.
        loss: a Keras loss (name or object); inferred when None: sparse
            cross-entropy for a softmax output with integer labels, cross-entropy
            with one-hot labels, binary cross-entropy for sigmoid, else mse.

    Returns:
        LRFinderResult: ``.lrs``, ``.losses`` (smoothed), ``.suggestion``, ``.plot()``.

    Example:
        >>> import numpy as np, dl_notebook as dn
        >>> from dl_notebook.train.lr_find import lr_find
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(4,)), dn.layers.OutputLayer(3)])
        >>> x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
        >>> res = lr_find(net, (x, (x[:, 0] > 0).astype("int32")), num_steps=20, batch_size=16)
        >>> len(res.lrs) <= 20 and float(res.lrs[0]) == 1e-7
        True
    """
    start_lr, end_lr = _positive(start_lr, "start_lr"), _positive(end_lr, "end_lr")
    if end_lr <= start_lr:
        raise InvalidArgumentError(
            f"lr_find: end_lr ({end_lr:g}) must be larger than start_lr ({start_lr:g})."
        )
    if not isinstance(num_steps, numbers.Integral) or isinstance(num_steps, bool) or num_steps < 5:
        raise InvalidArgumentError(f"lr_find: num_steps must be an integer ≥ 5; got {num_steps!r}.")
    if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or batch_size < 1:
        raise InvalidArgumentError(
            f"lr_find: batch_size must be a positive integer; got {batch_size!r}."
        )
    lease = getattr(net, "lease", None)  # a Network: no fit or edit while the test runs
    with lease.hold() if lease is not None else contextlib.nullcontext():
        return _range_test(net, data, start_lr, end_lr, num_steps, batch_size, solver, loss)


def _range_test(net, data, start_lr, end_lr, num_steps, batch_size, solver, loss):
    import tensorflow as tf

    from .solvers import as_keras_optimizer

    model, network = _keras_model(net)
    batches, label_spec = _batches(data, int(batch_size))
    k = keras()
    loss_fn = _infer_loss(model, network, label_spec) if loss is None else k.losses.get(loss)
    optimizer = as_keras_optimizer(solver, lr_scheduler=start_lr)  # always a fresh optimizer
    lrs = start_lr * (end_lr / start_lr) ** (np.arange(num_steps) / (num_steps - 1))

    saved = model.get_weights()
    variables = model.trainable_variables
    optimizer.build(variables)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            value = loss_fn(y, model(x, training=True))
        optimizer.apply_gradients(zip(tape.gradient(value, variables), variables))
        return value

    tried, raw, smoothed = [], [], []
    average, best = 0.0, math.inf
    try:
        for i, (x, y) in enumerate(batches.take(num_steps)):
            optimizer.learning_rate = float(lrs[i])
            value = float(train_step(x, y))
            tried.append(float(lrs[i]))
            raw.append(value)
            if not math.isfinite(value):
                smoothed.append(math.inf)
                break
            average = _SMOOTHING * average + (1 - _SMOOTHING) * value
            current = average / (1 - _SMOOTHING ** (i + 1))
            smoothed.append(current)
            best = min(best, current)
            if i > 0 and current > _EXPLODES * best:
                break
    finally:
        model.set_weights(saved)
    return LRFinderResult(tried, smoothed, raw_losses=raw)
