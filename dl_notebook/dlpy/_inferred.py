"""Layers whose sizes DLPy reads from the training table: made at the first ``fit``.

DLPy lets ``InputLayer(std='STD')`` leave out the input's shape and
``OutputLayer(act='softmax')`` leave out ``n``: the CAS server reads them,
and the standardising statistics, from the table given to ``fit``. Here
those calls return an :class:`InferredInput` or :class:`InferredOutput`
placeholder; a DLPy-style model holds it (and every layer added after it)
until ``fit`` knows the data, then adds the core layers they become.

Statistics, per channel (the last axis) of the training inputs after ``scale``:

- ``'STD'``: ``offsets`` = the mean and ``norm_stds`` = the standard deviation;
- ``'MIDRANGE'``: ``offsets`` = the midrange ``(max + min) / 2`` and
  ``norm_stds`` = the half range ``(max - min) / 2``, so inputs span
  [-1, 1] (SAS's MIDRANGE standardisation).

A constant channel gets a divisor of 1.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError
from ..model import layers as core

__all__ = ["InferredInput", "InferredNetwork", "InferredOutput", "build_pending", "data_facts",
           "hold", "is_inferred", "source_name"]

_STATISTICS = ("STD", "MIDRANGE")


def is_inferred(layer) -> bool:
    """True for a layer that waits for the training data.

    Example:
        >>> from dl_notebook.dlpy.layers import InputLayer
        >>> is_inferred(InputLayer(std="STD")), is_inferred(InputLayer(3, 8, 8))
        (True, False)
    """
    return isinstance(layer, (InferredInput, InferredOutput, InferredNetwork))


class _Inferred:
    """What the two placeholders share: a name, DLPy's ``src_layers`` and the layer made."""

    type_name = "Inferred"

    def __init__(self, name=None, src_layers=None):
        self.name = name
        self._src_layers = list(src_layers) if src_layers else None
        self.resolved = None

    def __call__(self, inputs=None):
        raise InvalidArgumentError(
            f"{type(self).__name__[8:]}Layer without its size is made from the training data; "
            f"give the size to call it on tensors, or add it with model.add."
        )

    def __repr__(self):
        return f"{type(self).__name__}({self.name or 'unnamed'}: set at the first fit)"


class InferredInput(_Inferred):
    """An ``InputLayer`` whose shape and/or statistics come from the first training data.

    Args:
        n_channels, width, height: the shape where known (all None: from the data).
        std: ``'STD'``, ``'MIDRANGE'`` or None (no statistics).
        scale, offsets, norm_stds: as the core ``InputLayer``; ``std`` fills
            ``offsets`` and ``norm_stds``.
        name: the layer's name.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.dlpy._inferred import InferredInput
        >>> x = np.array([[0.0, 10.0], [2.0, 30.0]])
        >>> layer = InferredInput(std="MIDRANGE").resolve(x)
        >>> layer.shape, layer.offsets, layer.std
        ((2,), [1.0, 20.0], [1.0, 10.0])
    """

    def __init__(self, n_channels=None, width=None, height=None, std=None, scale=None,
                 offsets=None, norm_stds=None, name=None):
        super().__init__(name)
        std = None if std is None or str(std).upper() == "NONE" else str(std).upper()
        if std is not None and std not in _STATISTICS:
            raise InvalidArgumentError(
                f"InputLayer: std must be 'STD', 'MIDRANGE' or 'NONE'; got {std!r}."
            )
        if std is not None and (offsets is not None or norm_stds is not None):
            raise InvalidArgumentError(
                "InputLayer: give std= or offsets=/norm_stds=, not both."
            )
        self.n_channels, self.width, self.height = n_channels, width, height
        self.std, self.scale, self.offsets, self.norm_stds = std, scale, offsets, norm_stds

    def _shape(self, x):
        if self.width is None:
            return tuple(x.shape[1:]) if self.n_channels is None else (self.n_channels,)
        return (self.height or self.width, self.width, self.n_channels or 3)

    def resolve(self, x):
        """The core ``InputLayer`` for training inputs *x* (an array, examples first)."""
        x = np.asarray(x, dtype="float64")
        if x.ndim < 2:
            raise InvalidArgumentError("InputLayer: the training inputs need one row per example.")
        shape, offsets, stds = self._shape(x), self.offsets, self.norm_stds
        if shape != tuple(x.shape[1:]):
            raise InvalidArgumentError(
                f"InputLayer: the layer's shape {shape} differs from the data's {x.shape[1:]}."
            )
        if self.std is not None:
            values = x.reshape(-1, x.shape[-1]) * (1.0 if self.scale is None else self.scale)
            if self.std == "STD":
                offsets, stds = values.mean(axis=0), values.std(axis=0)
            else:
                low, high = values.min(axis=0), values.max(axis=0)
                offsets, stds = (high + low) / 2, (high - low) / 2
            stds = np.where(stds > 0, stds, 1.0)
            offsets, stds = offsets.round(7).tolist(), stds.round(7).tolist()
        self.resolved = core.InputLayer(shape=shape, scale=self.scale, offsets=offsets, std=stds,
                                        name=self.name)
        return self.resolved


class InferredOutput(_Inferred):
    """An ``OutputLayer`` whose ``n`` is the data's number of classes (1 for a regression).

    Args:
        act, error, include_bias: as the core ``OutputLayer``.
        name, src_layers: its name and DLPy's inputs.

    Example:
        >>> from dl_notebook.dlpy._inferred import InferredOutput
        >>> InferredOutput(act="softmax").resolve(n_classes=3, n_values=1).n
        3
        >>> InferredOutput(act=None, error="normal").resolve(n_classes=None, n_values=1).n
        1
    """

    def __init__(self, act="softmax", error="auto", include_bias=True, name=None,
                 src_layers=None):
        super().__init__(name, src_layers)
        self.act, self.error, self.include_bias = act, error, include_bias

    def resolve(self, n_classes, n_values):
        """The core ``OutputLayer``: *n_classes* outputs (a classifier) or *n_values*."""
        regression = self.act in (None, "identity", "linear") or n_classes is None
        self.resolved = core.OutputLayer(n_values if regression else n_classes, act=self.act,
                                         error=self.error, include_bias=self.include_bias,
                                         name=self.name)
        return self.resolved


class InferredNetwork(_Inferred):
    """A whole network made from the training data (DLPy's ``TextClassification``).

    Args:
        build: ``build(data, n_classes)`` returning a core network for core
            training *data* with *n_classes* classes.
        name: what it is, for ``repr``.

    Example:
        >>> import dl_notebook as dn
        >>> from dl_notebook.dlpy._inferred import InferredNetwork
        >>> layer = InferredNetwork(lambda data, n: dn.Sequential(layers=[
        ...     dn.layers.InputLayer(shape=(2,)), dn.layers.OutputLayer(n)]), name="tiny")
        >>> layer.build(None, 3).layer_names
        ['input1', 'output1']
    """

    def __init__(self, build, name=None):
        super().__init__(name)
        self.build = build


def data_facts(data):
    """``(x, n_classes, n_values)`` of core training *data*, for the placeholders.

    *n_classes* is None for a regression (a float target); *n_values* is the
    number of values per example of the target.

    Args:
        data: a core dataset or ``(x, y)`` arrays.

    Example:
        >>> import numpy as np
        >>> x, n_classes, n_values = data_facts((np.zeros((4, 3)), np.array([0, 2, 1, 0])))
        >>> x.shape, n_classes, n_values
        ((4, 3), 3, 1)
    """
    from ._data import arrays

    x, y = arrays(data)
    y = np.asarray(y)
    names = getattr(data, "class_names", None)
    if getattr(data, "task", None) == "regression" or (names is None and y.dtype.kind == "f"):
        return x, None, 1 if y.ndim == 1 else int(np.prod(y.shape[1:]))
    n_classes = len(names) if names else int(y.max()) + 1
    return x, n_classes, 1


def hold(model, layer, inputs) -> bool:
    """Keep *layer* for the first fit when it, or a layer before it, waits for the data.

    Returns True when the layer was kept (not added yet).

    Args:
        model: a DLPy-style network.
        layer, inputs: as ``model.add``.

    Example:
        >>> from dl_notebook import dlpy
        >>> from dl_notebook.dlpy.layers import Dense, InputLayer
        >>> model = dlpy.Sequential(None, [InputLayer(std="STD"), Dense(4)])
        >>> len(model), len(model.pending_layers)
        (0, 2)
    """
    if not (model.pending_layers or is_inferred(layer)):
        return False
    model.pending_layers.append((layer, inputs))
    return True


def build_pending(model, data) -> None:
    """Add the layers kept by :func:`hold`, their sizes read from core training *data*.

    Args:
        model: a DLPy-style network.
        data: the training data in a core form (a dataset or ``(x, y)`` arrays).

    Example:
        >>> import numpy as np
        >>> from dl_notebook import dlpy
        >>> from dl_notebook.dlpy.layers import InputLayer, OutputLayer
        >>> model = dlpy.Sequential(None, [InputLayer(std="STD"), OutputLayer(act="softmax")])
        >>> build_pending(model, (np.ones((4, 5)), np.array([0, 1, 2, 1])))
        >>> model.to_keras().output_shape
        (None, 3)
    """
    if not model.pending_layers:
        return
    pending, model.pending_layers = model.pending_layers, []
    x, n_classes, n_values = data_facts(data)
    for layer, inputs in pending:
        if isinstance(layer, InferredNetwork):
            model._take_over(layer.build(data, n_classes))
            continue
        if isinstance(layer, InferredInput):
            layer = layer.resolve(x)
        elif isinstance(layer, InferredOutput):
            sources = layer._src_layers
            layer = layer.resolve(n_classes, n_values)
            layer._src_layers = sources
        model.add(layer, inputs)


def source_name(layer):
    """The name of a ``src_layers`` entry: a layer, a placeholder's layer, or a name.

    Example:
        >>> source_name("conv1")
        'conv1'
    """
    if is_inferred(layer):
        layer = layer.resolved if layer.resolved is not None else layer
    return getattr(layer, "name", layer)
