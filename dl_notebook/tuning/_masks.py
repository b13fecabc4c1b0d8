"""Pruning masks: the kernels to prune, masks that zero their smallest weights, and the
Keras callback that keeps those zeros while a network fine-tunes.

A *kernel* is the weight matrix of a Dense or convolution layer (both kernels of a
separable convolution); biases and batch-normalisation weights are never pruned. A mask
holds 1 where a weight is kept and 0 where it is pruned; applying it multiplies the
variable by it in place, so pruned weights are exactly zero.

This module imports Keras: :mod:`dl_notebook.tuning.prune` loads it when pruning starts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._keras import keras as _load_keras
from ..errors import InvalidArgumentError

keras = _load_keras()  # pruning-only module: Keras (and TensorFlow) load with it

__all__ = ["Kernel", "MaskKeeper", "global_masks", "magnitude_masks", "polynomial_sparsity",
           "prunable_kernels"]

_KERNELS = (  # Keras layer class -> the attributes holding its prunable kernels
    ("SeparableConv1D", ("depthwise_kernel", "pointwise_kernel")),
    ("SeparableConv2D", ("depthwise_kernel", "pointwise_kernel")),
    ("DepthwiseConv1D", ("kernel",)),
    ("DepthwiseConv2D", ("kernel",)),
    ("Conv1D", ("kernel",)), ("Conv2D", ("kernel",)), ("Conv3D", ("kernel",)),
    ("Conv1DTranspose", ("kernel",)), ("Conv2DTranspose", ("kernel",)),
    ("Conv3DTranspose", ("kernel",)),
    ("Dense", ("kernel",)),
)


@dataclass
class Kernel:
    """One prunable kernel: the network layer it belongs to, its name and its variable."""

    layer: str  # the network's layer name
    name: str  # "kernel", "depthwise_kernel", "pointwise_kernel"
    variable: object  # the Keras variable

    @property
    def size(self) -> int:
        """Number of weights in the kernel."""
        return math.prod(self.variable.shape)


def _kernel_attrs(keras_layer) -> tuple:
    for class_name, attrs in _KERNELS:
        cls = getattr(keras.layers, class_name, None)
        if cls is not None and isinstance(keras_layer, cls):
            return attrs
    return ()


def _layer_kernels(spec) -> list:
    return [Kernel(spec.name, attr, getattr(layer, attr))
            for layer in spec.keras_layers for attr in _kernel_attrs(layer)
            if getattr(layer, attr, None) is not None]


def _output_producers(net, kernels_of) -> set:
    """The layers whose kernels make the outputs: outputs, or the last weighted layer before each."""
    feeds = {name: [] for name in net.layer_names}
    for src, dst in net.edges:
        feeds[dst].append(src)
    found, todo, seen = set(), list(net.output_names), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if kernels_of[name]:
            found.add(name)
        else:  # an activation, flatten or softmax after the last weighted layer
            todo.extend(feeds[name])
    return found


def prunable_kernels(net, layers=None) -> list:
    """The kernels to prune in *net*, in the network's layer order.

    Args:
        net: a ``dn.Network`` (its Keras model is built here).
        layers: names of the network's layers to prune; None for every Dense and
            convolution layer except the ones that make the output.

    Returns:
        a list of :class:`Kernel`.

    Example:
        >>> import dl_notebook as dn
        >>> from dl_notebook.tuning._masks import prunable_kernels
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(4,)), dn.layers.Dense(3),
        ...                             dn.layers.OutputLayer(2)])
        >>> [(k.layer, k.name, k.size) for k in prunable_kernels(net)]
        [('fc1', 'kernel', 12)]
    """
    net.to_keras()
    kernels_of = {spec.name: _layer_kernels(spec) for spec in net}
    weighted = [name for name in net.layer_names if kernels_of[name]]
    if layers is None:
        skip = _output_producers(net, kernels_of)
        chosen = [name for name in weighted if name not in skip]
        if not chosen:
            raise InvalidArgumentError(
                f"Network {net.name!r} has no Dense or convolution layer to prune besides the "
                f"output layer; name the layers to prune with layers=[...]."
            )
        return [k for name in chosen for k in kernels_of[name]]
    if isinstance(layers, str):
        layers = [layers]
    if not list(layers):
        raise InvalidArgumentError("layers= names no layer; give at least one layer name.")
    for name in layers:
        if name not in kernels_of:
            raise InvalidArgumentError(
                f"Network {net.name!r} has no layer {name!r}; the layers with kernels to "
                f"prune are {', '.join(weighted) or 'none'}."
            )
        if not kernels_of[name]:
            raise InvalidArgumentError(
                f"Layer {name!r} has no Dense or convolution kernel to prune; the layers with "
                f"kernels are {', '.join(weighted) or 'none'}."
            )
    chosen = set(layers)
    return [k for name in weighted if name in chosen for k in kernels_of[name]]


def polynomial_sparsity(step, total, final, initial=0.0, power=3) -> float:
    """Zhu & Gupta's (2017) sparsity at *step* of *total*: s_f + (s_0 − s_f)(1 − t/T)^power.

    Args:
        step: steps done so far (t), clipped to ``[0, total]``.
        total: steps of the whole schedule (T).
        final: the sparsity reached at *total* (s_f).
        initial: the sparsity at step 0 (s_0).
        power: the exponent (3, as in the paper and tfmot's ``PolynomialDecay``).

    Example:
        >>> from dl_notebook.tuning._masks import polynomial_sparsity
        >>> [round(polynomial_sparsity(t, 10, 0.8), 4) for t in (0, 5, 10)]
        [0.0, 0.7, 0.8]
    """
    progress = min(max(step / total, 0.0), 1.0) if total > 0 else 1.0
    return final + (initial - final) * (1.0 - progress) ** power


def magnitude_masks(arrays, sparsities) -> list:
    """Per array, a 0/1 mask zeroing its ``round(s * size)`` smallest magnitudes.

    Args:
        arrays: the kernels' values (NumPy arrays).
        sparsities: one fraction of weights to prune per array (or one for all).

    Example:
        >>> import numpy as np
        >>> from dl_notebook.tuning._masks import magnitude_masks
        >>> magnitude_masks([np.array([0.3, -0.1, 2.0, -0.5])], 0.5)[0].tolist()
        [0.0, 0.0, 1.0, 1.0]
    """
    if np.isscalar(sparsities):
        sparsities = [sparsities] * len(arrays)
    masks = []
    for array, sparsity in zip(arrays, sparsities):
        flat = np.abs(np.asarray(array, dtype=np.float64)).ravel()
        mask = np.ones(flat.size, dtype=np.float32)
        mask[np.argsort(flat, kind="stable")[:round(sparsity * flat.size)]] = 0.0
        masks.append(mask.reshape(np.shape(array)))
    return masks


def global_masks(arrays, sparsity) -> list:
    """Masks zeroing the ``round(sparsity * total)`` smallest magnitudes over all *arrays*.

    Layers with many small weights lose more of them than layers with few.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.tuning._masks import global_masks
        >>> [m.tolist() for m in global_masks([np.array([0.1, 0.2]), np.array([3.0, 4.0])], 0.5)]
        [[0.0, 0.0], [1.0, 1.0]]
    """
    flat = np.concatenate([np.abs(np.asarray(a, dtype=np.float64)).ravel() for a in arrays])
    keep = np.ones(flat.size, dtype=np.float32)
    keep[np.argsort(flat, kind="stable")[:round(sparsity * flat.size)]] = 0.0
    bounds = np.cumsum([0] + [np.size(a) for a in arrays])
    return [keep[start:end].reshape(np.shape(a))
            for a, start, end in zip(arrays, bounds[:-1], bounds[1:])]


class MaskKeeper(keras.callbacks.Callback):
    """Prunes kernels to a sparsity and keeps the pruned weights at zero while training.

    After every training batch each kernel is multiplied by its mask
    (``variable.assign(variable * mask)``), so the optimizer cannot revive a
    pruned weight. With ``schedule="polynomial"`` the masks are recomputed from
    the weights' magnitudes every *frequency* batches, following
    :func:`polynomial_sparsity` from 0 to *sparsity* over the run's batches;
    with ``"constant"`` they are set to *sparsity* when training begins. When
    training ends (or stops early) the masks are brought to *sparsity*. Each
    mask update is logged in :attr:`log` as ``(step, target, reached)``.

    The number of batches comes from Keras (``params["steps"] * epochs``); for
    data of unknown length it is counted during the first epoch, whose masks
    stay as they are.

    Args:
        kernels: the :class:`Kernel` list to prune.
        sparsity: the final fraction of zero weights (0 < sparsity < 1).
        method: ``"magnitude"`` (per layer) or ``"global"`` (one threshold).
        schedule: ``"polynomial"`` or ``"constant"``.
        frequency: batches between mask updates (None: about 20 updates per run).

    Example:
        >>> import numpy as np, dl_notebook as dn
        >>> from dl_notebook.tuning._masks import MaskKeeper, prunable_kernels
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(4,)), dn.layers.Dense(10),
        ...                             dn.layers.OutputLayer(2)])
        >>> keeper = MaskKeeper(prunable_kernels(net), 0.5)
        >>> keeper.update(0.5); int((net.get_weights()[0] == 0).sum())
        20
    """

    def __init__(self, kernels, sparsity, method="magnitude", schedule="polynomial",
                 frequency=None):
        super().__init__()
        self.kernels = list(kernels)
        self.sparsity = float(sparsity)
        self.method = method
        self.schedule = schedule
        self.frequency = frequency
        self.masks = None
        self.log = []
        self.step = 0
        self.total = None
        self._target = None  # the sparsity of the current masks

    # -- masks ------------------------------------------------------------------------------
    def update(self, sparsity) -> None:
        """Compute masks at *sparsity* from the kernels' magnitudes and apply them."""
        arrays = [keras.ops.convert_to_numpy(k.variable) for k in self.kernels]
        if self.method == "global":
            masks = global_masks(arrays, sparsity)
        else:
            masks = magnitude_masks(arrays, sparsity)
        self.masks = [keras.ops.convert_to_tensor(m, dtype=k.variable.dtype)
                      for m, k in zip(masks, self.kernels)]
        self._target = sparsity
        self.apply()
        zeros = sum(int(m.size - np.count_nonzero(m)) for m in masks)
        self.log.append((self.step, float(sparsity), zeros / max(sum(m.size for m in masks), 1)))

    def apply(self) -> None:
        """Multiply each kernel by its mask, in place."""
        for kernel, mask in zip(self.kernels, self.masks or []):
            kernel.variable.assign(kernel.variable * mask)

    def finish(self) -> None:
        """Bring the masks to the final sparsity (when not there yet) and apply them."""
        if self._target != self.sparsity:
            self.update(self.sparsity)
        else:
            self.apply()

    # -- Keras hooks ------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self.step = 0
        steps, epochs = self.params.get("steps"), self.params.get("epochs") or 1
        self.total = steps * epochs if steps else None
        if self.frequency is None and self.total:
            self.frequency = max(1, self.total // 20)
        self.update(0.0 if self.schedule == "polynomial" else self.sparsity)

    def on_epoch_end(self, epoch, logs=None):
        if self.total is None and epoch == 0:  # data of unknown length: count one epoch
            self.total = max(self.step * (self.params.get("epochs") or 1), 1)
            if self.frequency is None:
                self.frequency = max(1, self.total // 20)

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if (self.schedule == "polynomial" and self.total is not None
                and (self.step % self.frequency == 0 or self.step == self.total)):
            self.update(polynomial_sparsity(self.step, self.total, self.sparsity))
        else:
            self.apply()

    def on_train_end(self, logs=None):
        self.finish()


def check_fraction(sparsity) -> float:
    """*sparsity* as a float in (0, 1), or an InvalidArgumentError.

    Example:
        >>> from dl_notebook.tuning._masks import check_fraction
        >>> check_fraction(0.25)
        0.25
    """
    if (isinstance(sparsity, bool) or not isinstance(sparsity, (int, float, np.number))
            or not 0 < float(sparsity) < 1):
        raise InvalidArgumentError(
            f"sparsity must be a fraction strictly between 0 and 1, such as 0.5; got "
            f"{sparsity!r}."
        )
    return float(sparsity)
