"""What ``fit`` feeds Keras: data as ``tf.data`` or arrays, checked against the network.

Also infers the loss and metrics from the output layer and the labels.
Every mismatch a user can make (label range, one-hot width, input shape)
fails here, before training starts, with a one-sentence message.
"""

from __future__ import annotations

import math
import warnings
import weakref

import numpy as np

from .._keras import keras
from ..data._base import ready
from ..errors import InvalidArgumentError, ShapeError

_LOSSES = {"mse": "mse", "mae": "mae", "huber": "huber", "poisson": "poisson"}


def _fmt(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


class FitData:
    """One data argument of fit, normalised: kind, sample shape, labels, size."""

    def __init__(self, data, what="data"):
        import tensorflow as tf

        self.what = what
        self.source = data
        self.task = None
        self.first_inputs = None
        if hasattr(data, "to_tf_dataset") and hasattr(data, "labels"):
            self.kind = "dataset"
            self.size = len(data)
            self.labels = np.asarray(data.labels)
            self.task = getattr(data, "task", None)
            self.sample_shape = tuple(data.input_shape) if hasattr(data, "input_shape") else None
        elif isinstance(data, tf.data.Dataset):
            self.kind = "tf"
            spec = data.element_spec
            if not isinstance(spec, tuple) or len(spec) < 2:
                raise InvalidArgumentError(
                    f"The {what} tf.data.Dataset must yield (inputs, labels) batches; "
                    f"it yields {spec}."
                )
            self.sample_shape = tuple(spec[0].shape[1:]) if hasattr(spec[0], "shape") else None
            count = int(data.cardinality())
            self.size = None
            self.batches = count if count >= 0 else None
            first = next(iter(data.take(1)), None)
            self.labels = None if first is None else np.asarray(first[1])
            self.first_inputs = None if first is None else first[0]
        elif isinstance(data, (tuple, list)) and len(data) == 2:
            x, y = np.asarray(data[0]), np.asarray(data[1])
            if len(x) != len(y):
                raise InvalidArgumentError(
                    f"The {what} has {len(x)} inputs but {len(y)} labels; give one label each."
                )
            self.kind = "arrays"
            self.x, self.labels, self.size = x, y, len(x)
            self.sample_shape = tuple(x.shape[1:])
        else:
            raise InvalidArgumentError(
                f"The {what} must be a dl_notebook dataset, a batched tf.data.Dataset or an "
                f"(x, y) pair of arrays; got {type(data).__name__}."
            )

    def check_input(self, net_shape, input_name):
        """Raise when the samples cannot go into the network's input of *net_shape*."""
        have = self.sample_shape
        if have is None:
            return
        if (self.kind == "arrays" and len(have) + 1 == len(net_shape) and net_shape[-1] == 1
                and _fits(have, net_shape[:-1])):
            self.x = self.x[..., None]  # (N, H, W) images for an (H, W, 1) input
            self.sample_shape = have = have + (1,)
        if not _fits(have, net_shape):
            raise ShapeError(
                f"The {self.what} has samples of shape {_fmt(have)} but the network's input "
                f"{input_name!r} takes {_fmt(net_shape)}; reshape the data or change the "
                f"InputLayer."
            )

    def value_range(self):
        """``(min, max)`` of the inputs where they are cheap to see, else None.

        Arrays: the first 1,024 samples; a tf.data.Dataset: its first batch;
        a dl_notebook dataset: its first batch of 32.
        """
        if self.kind == "arrays":
            x = self.x[:1024]
        elif self.kind == "tf":
            x = self.first_inputs
        else:
            try:
                x = next(iter(self.source.to_tf_dataset(batch_size=32).take(1)))[0]
            except Exception:  # an unreadable first batch is reported when training reads it
                return None
        try:
            x = np.asarray(x, dtype="float64")
        except (TypeError, ValueError):  # text, several inputs
            return None
        if x.size == 0 or not np.isfinite(x).all():
            return None
        return float(x.min()), float(x.max())

    def batches_per_epoch(self, batch_size):
        if self.kind == "tf":
            return self.batches
        return max(1, math.ceil(self.size / batch_size))

    def keras_args(self, batch_size, seeds=None):
        """``fit`` keyword arguments that feed this data (training when *seeds* is given)."""
        import tensorflow as tf

        if self.kind == "tf":
            return {"x": self.source}
        if seeds is None:  # unseeded: each epoch reshuffled by Keras / tf.data
            if self.kind == "arrays":
                return {"x": self.x, "y": self.labels, "batch_size": batch_size}
            # Repeated with a known epoch length: Keras then never runs out of data
            # (a dataset that drops unreadable files has no known length).
            return {"x": self.source.to_tf_dataset(batch_size=batch_size, shuffle=True).repeat(),
                    "steps_per_epoch": self.batches_per_epoch(batch_size)}
        # Seeded: epoch e is shuffled with seeds[e] whatever ran before it, so a resumed
        # run sees the same batches as an uninterrupted one. One stream for all epochs.
        if self.kind == "arrays":
            base = tf.data.Dataset.from_tensor_slices((self.x, self.labels))
            size = self.size

            def epoch(seed):
                return base.shuffle(size, seed=seed).batch(batch_size)
        else:
            source = self.source

            def epoch(seed):
                return source.to_tf_dataset(batch_size=batch_size, shuffle=True, seed=seed)
        stream = tf.data.Dataset.from_tensor_slices(tf.constant(seeds, tf.int64))
        # Repeated so that files found unreadable while training (one batch fewer) never
        # leave Keras short of data in the last epoch.
        return {"x": ready(stream.flat_map(epoch).repeat()),
                "steps_per_epoch": self.batches_per_epoch(batch_size)}

    def validation(self, batch_size):
        """``fit`` keyword arguments that feed this data as validation data."""
        if self.kind == "tf":
            return {"validation_data": self.source}
        if self.kind == "arrays":
            return {"validation_data": (self.x, self.labels)}
        return {"validation_data": self.source.to_tf_dataset(batch_size=batch_size).repeat(),
                "validation_steps": self.batches_per_epoch(batch_size)}


_WARNED = weakref.WeakSet()  # networks already told that their data looks scaled


def _pixel_scaling(spec):
    """How an InputLayer turns pixel values 0..255 into small numbers, or None when it does not."""
    scale = getattr(spec, "scale", None)
    if scale is not None:
        factors = np.ravel(np.asarray(scale, dtype=float))
        if np.all((factors > 0) & (factors * 255 <= 2.5)):  # 1/255, 1/127.5
            return f"multiplies its input by {float(factors[0]):.4g}"
        return None
    offsets = getattr(spec, "offsets", None)
    if offsets is not None and np.max(np.abs(np.asarray(offsets, dtype=float))) > 2:
        means = ", ".join(f"{v:g}" for v in np.ravel(np.asarray(offsets, dtype=float))[:3])
        return f"subtracts pixel means ({means})"
    return None


def warn_if_prescaled(net, data: FitData, notes=None) -> None:
    """Warn once per network when its input layer rescales pixels but *data* is within 0..1.

    Args:
        net: the network (one input).
        data: the training data.
        notes: a list the sentence is appended to as well.

    Example:
        >>> import warnings, numpy as np, dl_notebook as dn
        >>> from dl_notebook.train._fit_data import FitData, warn_if_prescaled
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(4,), scale=1 / 255),
        ...                             dn.layers.OutputLayer(2)])
        >>> data = FitData((np.full((8, 4), 0.5), np.zeros(8, int)))
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     warn_if_prescaled(net, data)
        >>> "scale=1" in str(caught[0].message)
        True
    """
    if len(net.input_names) != 1 or net in _WARNED:
        return
    spec = net[net.input_names[0]]
    how = _pixel_scaling(spec)
    if how is None:
        return
    seen = data.value_range()
    if seen is None or not (0 <= seen[0] and 0 < seen[1] <= 1):
        return
    message = (
        f"The input layer {spec.name!r} expects pixel values 0..255 (it {how}) but the "
        f"{data.what} is already within 0..1 (largest value {seen[1]:.3g}), so the network "
        f"sees values near 0 and may not learn; pass pixel values 0..255, or build the input "
        f"layer with scale=1 (e.g. dn.applications.LeNet5(scale=1))."
    )
    _WARNED.add(net)
    if notes is not None:
        notes.append(message)
    warnings.warn(message, UserWarning, stacklevel=4)


def _fits(have, want) -> bool:
    return len(have) == len(want) and all(w is None or h is None or h == w
                                          for h, w in zip(have, want))


def _is_integer_labels(y) -> bool:
    if np.issubdtype(y.dtype, np.integer) or y.dtype == bool:
        return True
    return np.issubdtype(y.dtype, np.floating) and bool(np.all(np.mod(y, 1) == 0))


def infer_loss(net, data: FitData, loss=None, metrics=None):
    """``(loss, metrics)`` for compiling *net*'s model on *data* (explicit ones win)."""
    k = keras()
    if len(net.output_names) != 1:
        if loss is None:
            raise InvalidArgumentError(
                f"The network has {len(net.output_names)} outputs; give loss= (one per output)."
            )
        return loss, metrics or []
    spec = net[net.output_names[0]]
    units = spec.output_shape[-1]
    layer = spec.keras_layers[-1] if spec.keras_layers else None
    act = getattr(spec, "act", None) or getattr(getattr(layer, "activation", None), "__name__",
                                                None)
    error = getattr(spec, "error", None)
    y = data.labels
    if loss is not None:
        _check_pointwise_loss(loss, y, units, spec.name)
        if metrics is None:
            name = loss if isinstance(loss, str) else type(loss).__name__
            metrics = ["accuracy"] if "entropy" in name.lower() else []
        return loss, metrics
    logits = act in (None, "linear", "identity")
    where = f"output layer {spec.name!r}"
    if error in _LOSSES or (error is None and (data.task == "regression" or (
            y is not None and data.task is None and not _is_integer_labels(y) and y.ndim < 2))):
        if y is not None and y.ndim == 1 and units not in (None, 1):
            raise InvalidArgumentError(
                f"The labels hold one value per example but the {where} has {units} units; "
                f"give labels of shape (N, {units}) or give the output one unit."
            )
        return _LOSSES.get(error, "mse"), (["mae"] if metrics is None else metrics)
    metrics = ["accuracy"] if metrics is None else metrics
    if y is None:  # an empty tf.data.Dataset: nothing to check
        return k.losses.SparseCategoricalCrossentropy(from_logits=logits), metrics
    if units == 1 or (act == "sigmoid" and y.ndim == 2 and y.shape[-1] == units):
        if y.size and not np.isin(np.unique(y), (0, 1)).all():
            raise InvalidArgumentError(
                f"The {where} has {units} sigmoid unit(s) for 0/1 labels but the labels hold "
                f"other values ({_values(y)}); use 0/1 labels or one unit per class with "
                f"softmax."
            )
        return k.losses.BinaryCrossentropy(from_logits=logits), metrics
    per_step = y.ndim == len(spec.output_shape) - 1 and _is_integer_labels(y)  # one per token
    if y.ndim >= 2 and y.shape[-1] > 1 and not per_step:  # one-hot rows
        if y.shape[-1] != units:
            raise InvalidArgumentError(
                f"The labels are one-hot rows of {y.shape[-1]} classes but the {where} has "
                f"{units} units; give it {y.shape[-1]} units or fix the labels."
            )
        return k.losses.CategoricalCrossentropy(from_logits=logits), metrics
    if not _is_integer_labels(y):
        raise InvalidArgumentError(
            f"The labels are not class numbers ({_values(y)}) but the {where} classifies; give "
            f"integer labels 0..{units - 1} or pass loss= (e.g. 'mse')."
        )
    if y.size and (y.min() < 0 or y.max() >= units):
        raise InvalidArgumentError(
            f"The labels go from {int(y.min())} to {int(y.max())} but the {where} has {units} "
            f"units (classes 0..{units - 1}); give it {int(y.max()) + 1} units or fix the labels."
        )
    return k.losses.SparseCategoricalCrossentropy(from_logits=logits), metrics


_POINTWISE = {"mse", "mae", "mape", "msle", "huber", "poisson", "log_cosh", "logcosh",
              "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
              "mean_squared_logarithmic_error", "meansquarederror", "meanabsoluteerror",
              "meanabsolutepercentageerror", "meansquaredlogarithmicerror"}


def _check_pointwise_loss(loss, y, units, name) -> None:
    """Refuse a per-unit loss (mse, mae, …) given one label per example for several units."""
    key = (loss if isinstance(loss, str) else type(loss).__name__).lower()
    if key not in _POINTWISE or y is None or y.ndim != 1 or units in (None, 1):
        return
    raise InvalidArgumentError(
        f"The loss {loss if isinstance(loss, str) else type(loss).__name__} compares each of "
        f"the {units} units of output layer {name!r} with a label, but the labels hold one "
        f"value per example; give labels of shape (N, {units}) (one-hot for classes), or "
        f"leave out loss= to train the class numbers with cross-entropy."
    )


def _values(y) -> str:
    values = np.unique(y)
    shown = ", ".join(f"{v:g}" for v in values[:4].astype(float))
    return shown + (", ..." if len(values) > 4 else "")
