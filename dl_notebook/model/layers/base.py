"""The base of dl_notebook layer specs, and the wrapper for plain Keras layers.

A layer spec (``dn.layers.Conv2d(6, 5)``) is a small, readable description
of one node of a :class:`~dl_notebook.Network`. When the network places it,
the spec makes the Keras layers that implement it: a *primary* layer named
exactly like the node (``conv1``) and, where the spec asks for them, helper
layers named after it (``conv1_dropout``, ``fc1_flatten``). The Keras
objects are kept across edits, so trained weights survive an edit elsewhere
in the network.
"""

from __future__ import annotations

from contextlib import nullcontext

from ..._keras import keras
from ...errors import InvalidArgumentError, ShapeError
from . import describe
from .describe import Arg, Keyword

__all__ = ["Layer", "ACTIVATIONS", "activation_names"]

# Activation names users may write (DLPy's and Keras') -> the Keras name (None: identity).
ACTIVATIONS = {
    "identity": None,
    "linear": None,
    "none": None,
    "relu": "relu",
    "relu6": "relu6",
    "softmax": "softmax",
    "sigmoid": "sigmoid",
    "logistic": "sigmoid",
    "tanh": "tanh",
    "elu": "elu",
    "selu": "selu",
    "gelu": "gelu",
    "swish": "silu",
    "silu": "silu",
    "mish": "mish",
    "softplus": "softplus",
    "softsign": "softsign",
    "leaky": "leaky_relu",
    "leakyrelu": "leaky_relu",
    "leaky_relu": "leaky_relu",
    "exp": "exponential",
    "exponential": "exponential",
    "hard_sigmoid": "hard_sigmoid",
    "hard_swish": "hard_silu",
}
_ACTIVATIONS = ACTIVATIONS


def activation_names() -> tuple:
    """One name per distinct activation, in declared order (what a form offers).

    Example:
        >>> from dl_notebook.model.layers.base import activation_names
        >>> activation_names()[:3]
        ('identity', 'relu', 'relu6')
    """
    seen = {}
    for word, value in ACTIVATIONS.items():
        seen.setdefault(value, word)
    return tuple(seen.values())


def check_activation(act, *, default=None, where="layer"):
    """Return the Keras name of a DLPy/Keras activation, or None for identity.

    ``"auto"`` means the layer's own default. Callables pass through.
    """
    if act == "auto":
        act = default
    if act is None or callable(act):
        return act
    if not isinstance(act, str) or act.lower() not in _ACTIVATIONS:
        names = ", ".join(sorted(_ACTIVATIONS))
        raise InvalidArgumentError(f"{where}: unknown activation {act!r}; use one of {names}.")
    return _ACTIVATIONS[act.lower()]


def check_rate(rate, where):
    """Validate a dropout rate (0 or None for none)."""
    if rate is None:
        return 0.0
    if not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise InvalidArgumentError(f"{where}: dropout must be a number in [0, 1); got {rate!r}.")
    return float(rate)


def check_positive_int(value, what, where):
    """Validate a positive integer argument."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError(f"{where}: {what} must be a positive integer; got {value!r}.")
    return value


def check_name(name):
    """Validate a layer name (None lets the network choose one)."""
    if name is None:
        return None
    if not isinstance(name, str) or not name or "/" in name:
        raise InvalidArgumentError(
            f"Layer names must be non-empty strings without '/'; got {name!r}."
        )
    return name


def fmt_shape(shape) -> str:
    """``(None, 32, 32, 6)`` -> ``"(32, 32, 6)"``: the batch axis dropped, for messages."""
    if shape is None:
        return "(?)"
    if shape and isinstance(shape[0], (tuple, list)):
        return ", ".join(fmt_shape(s) for s in shape)
    return str(tuple(shape)[1:])


def shape_of(x):
    """Shape of a tensor, or list of shapes of a list of tensors."""
    if isinstance(x, (list, tuple)):
        return [tuple(t.shape) for t in x]
    return tuple(x.shape)


def chain(layers, x):
    """Call *layers* one after the other on *x*; return (output, trace)."""
    trace = []
    for layer in layers:
        y = layer(x)
        trace.append((layer, shape_of(x), shape_of(y)))
        x = y
    return x, trace


class Layer:
    """Base class of the dl_notebook layer specs.

    A layer type is one subclass in one file. It declares, as class data:

    - ``prefix``: the stem of automatic names (``conv`` -> ``conv1``);
    - ``kind``: the colour category in the DAG view (see
      :data:`dl_notebook.graph.KINDS`);
    - ``args``: its constructor arguments as :class:`~.describe.Arg` records,
      and ``keywords``: its ``%%dl`` keywords as :class:`~.describe.Keyword`
      records (see :mod:`dl_notebook.model.layers.describe`);
    - ``min_inputs`` / ``max_inputs``: how many layers feed it (``None``: any);
    - ``in_builder``: offered by the model builder; ``reads_sequences``: it
      reads ``(steps, features)``, so in a ``%%dl`` cell a recurrent layer
      feeding it returns every step.

    It implements :meth:`make_layers` (the Keras layers it places) and, where
    a shape cannot work, :meth:`check`; :meth:`run` may be overridden when
    the Keras layers are not called one after the other. Declaring
    ``keywords`` registers the type with ``%%dl``, ``%dl code``, the code
    writers and the model builder. Everything a network knows about a placed
    layer (its inputs, output shape and Keras layers) lives on the spec, so
    ``net["conv1"]`` tells all of it.

    Args:
        name: the layer's name in the network; chosen automatically when
            omitted.

    Example:
        >>> import dl_notebook as dn
        >>> conv = dn.layers.Conv2d(8, 3, name="conv1")
        >>> conv.name
        'conv1'
    """

    prefix = "layer"
    kind = "other"
    scope = ""  # the nested Keras model a layer was imported from
    min_inputs = 1
    max_inputs = 1
    args: tuple[Arg, ...] = ()
    keywords: tuple[Keyword, ...] = ()
    in_builder = True  # offered by the model builder
    reads_sequences = False  # reads (steps, features): a recurrent layer before it returns steps

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "keywords" in cls.__dict__ and cls.keywords:
            describe.register(cls)

    def __init__(self, name=None, **config):
        self.name = check_name(name)
        self._config = config
        self._network = None
        self._inputs: list[str] = []
        self._layers = None  # Keras layers, primary first
        self._in_shapes = None  # input shapes the Keras layers were built for
        self._shape = None  # output shape, batch axis included
        self._dtype = None
        self._tensor = None  # output KerasTensor in the network's current graph
        self._trace = []  # (keras layer, input shape(s), output shape) per call

    # -- what subclasses implement ------------------------------------------------
    def make_layers(self, in_shapes, fresh):
        """Return new Keras layers for inputs of *in_shapes* (primary first).

        The primary layer is named like the spec (``self.name``); helper
        layers are named after it (``conv1_dropout``). *fresh* is True when
        the layers are made again for new input shapes.
        """
        raise NotImplementedError

    def check(self, in_shapes):
        """Raise ShapeError with a clear sentence when *in_shapes* cannot work."""

    def run(self, layers, tensors):
        """Call *layers* in a chain on *tensors*; return (output, trace)."""
        return chain(layers, tensors[0] if len(tensors) == 1 else list(tensors))

    def arguments(self) -> dict:
        """The constructor arguments that differ from their defaults (what code writers write).

        Example:
            >>> import dl_notebook as dn
            >>> dn.layers.Dense(8, dropout=0.5).arguments()
            {'n': 8, 'dropout': 0.5}
        """
        return describe.arguments(self)

    # -- what users read ----------------------------------------------------------
    @property
    def type_name(self) -> str:
        """The layer type shown in summaries and the DAG view."""
        return type(self).__name__

    @property
    def inputs(self) -> list[str]:
        """Names of the layers that feed this one, in call order."""
        return list(self._inputs)

    @property
    def output_shape(self):
        """Output shape with the batch axis (``None``) first; None before placing."""
        return self._shape

    @property
    def keras_layers(self) -> list:
        """The Keras layers that implement this spec (primary first)."""
        return list(self._layers or [])

    @property
    def keras_layer(self):
        """The primary Keras layer, named like the spec."""
        if not self._layers:
            raise InvalidArgumentError(
                f"Layer {self.name!r} has no Keras layer yet; add it to a network first."
            )
        return self._layers[0]

    @property
    def activation(self):
        """Activation name or None for identity."""
        return self._config.get("act")

    @property
    def trainable(self) -> bool:
        """False when the layer is frozen."""
        return all(getattr(layer, "trainable", True) for layer in self._layers or [])

    @trainable.setter
    def trainable(self, value: bool):
        with self._lease():
            for layer in self._layers or []:
                if hasattr(layer, "trainable"):
                    layer.trainable = bool(value)

    def count_params(self) -> int:
        """Number of weights of this layer."""
        return sum(
            layer.count_params() for layer in self._layers or [] if getattr(layer, "built", False)
        )

    def get_weights(self) -> list:
        """Weights of all the spec's Keras layers, as NumPy arrays."""
        return [w for layer in self._layers or [] for w in layer.get_weights()]

    def set_weights(self, weights) -> None:
        """Set the weights returned by :meth:`get_weights`."""
        weights = list(weights)
        with self._lease():
            for layer in self._layers or []:
                n = len(layer.weights)
                layer.set_weights(weights[:n])
                weights = weights[n:]

    def __repr__(self):
        args = [f"name={self.name!r}"] if self.name else []
        args += [f"{k}={v!r}" for k, v in self._config.items() if v is not None]
        return f"{type(self).__name__}({', '.join(args)})"

    # -- helpers for subclasses -----------------------------------------------------
    def _lease(self):
        """The network's training lease (a change waits for a running fit), or no-op."""
        return self._network.lease.hold() if self._network is not None else nullcontext()

    def _where(self) -> str:
        return f"Layer {self.name!r} ({self.type_name})" if self.name else self.type_name

    def _needs_rank(self, in_shape, ranks, what):
        if len(in_shape) not in ranks:
            raise ShapeError(
                f"{self._where()} needs {what} but gets input of shape "
                f"{fmt_shape(in_shape)}; add a Reshape or Flatten before it."
            )

    def _post(self, layers, *, act=None, dropout=0.0):
        """Append an Activation and a Dropout helper layer where asked."""
        k = keras()
        if act is not None:
            layers.append(k.layers.Activation(act, name=f"{self.name}_act"))
        if dropout:
            layers.append(k.layers.Dropout(dropout, name=f"{self.name}_dropout"))
        return layers
