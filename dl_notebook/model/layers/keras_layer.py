"""A plain Keras layer (or operation) placed in a network as it is: ``KerasLayer``."""

from __future__ import annotations

from ..._keras import keras
from ...errors import ShapeError
from .base import Layer, shape_of
from .describe import Arg, Keyword

__all__ = ["KerasLayer", "keras_kind"]

# Keras class name -> colour category of the DAG view.
_KINDS = {
    "input": ("InputLayer",),
    "conv": ("Conv", "DepthwiseConv", "SeparableConv"),
    "pool": ("Pooling",),
    "dense": ("Dense", "EinsumDense"),
    "norm": ("Normalization", "Rescaling"),
    "merge": ("Add", "Concatenate", "Multiply", "Average", "Maximum", "Minimum", "Subtract", "Dot"),
    "activation": ("Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"),
    "dropout": ("Dropout", "GaussianNoise"),
    "reshape": ("Flatten", "Reshape", "Permute", "RepeatVector", "Padding", "Cropping",
                "UpSampling", "Resizing"),
    "recurrent": ("LSTM", "GRU", "RNN", "Bidirectional"),
    "embedding": ("Embedding",),
}


def keras_kind(layer) -> str:
    """Colour category of a Keras layer, from its class name."""
    cls = type(layer).__name__
    if cls in ("Functional", "Sequential", "Model"):
        return "other"
    for kind, marks in _KINDS.items():
        if any(m in cls for m in marks):
            return kind
    return "other"


_KERAS_SKIP = {"name", "trainable", "dtype"}
_NO = object()


def _signature_defaults(cls) -> dict:
    import inspect

    try:
        params = inspect.signature(cls.__init__).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}


def _same(value, default) -> bool:
    if default is _NO:
        return False
    if isinstance(value, (list, tuple)) and isinstance(default, (list, tuple)):
        return list(value) == list(default)
    return (type(value) is type(default) and value == default) or (value is None and
                                                                   default is None)


def _simple(value) -> bool:
    if isinstance(value, (list, tuple)):
        return all(isinstance(v, (bool, int, float, str)) or v is None for v in value)
    return value is None or isinstance(value, (bool, int, float, str))


class _Ref:
    """Where an input tensor goes in a recorded Keras call."""

    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


class KerasLayer(Layer):
    """A plain Keras layer (or operation) placed in a network as it is.

    ``net.add(keras.layers.Dropout(0.2))`` wraps the layer in a KerasLayer;
    it keeps Keras semantics (a raw ``keras.layers.Dense`` after a
    convolution does not flatten). Layers imported by
    :meth:`Network.from_keras` also remember how Keras called them.

    Args:
        layer: the ``keras.layers.Layer`` (or ``keras.Operation``).
        name: the node name; defaults to ``layer.name``.

    Example:
        >>> import keras, dl_notebook as dn
        >>> dn.layers.KerasLayer(keras.layers.Dropout(0.2, name="drop")).name
        'drop'
    """

    min_inputs = 1
    max_inputs = None
    in_builder = False
    args = (Arg("class", "class"), Arg("args", "values", ()))
    keywords = (Keyword("keras", ("class", "args"), example="keras LayerNormalization epsilon=1e-5",
                        help="any keras.layers class with its own arguments"),)

    def __init__(self, layer, *, name=None, call=None):
        super().__init__(name=name or layer.name)
        self._source = layer
        self._call_spec = call  # (args, kwargs) with _Ref placeholders, from Keras' own call
        self.kind = keras_kind(layer)

    @property
    def type_name(self) -> str:
        return type(self._source).__name__

    @property
    def activation(self):
        act = getattr(self._source, "activation", None)
        name = getattr(act, "__name__", None) if act is not None else None
        return None if name in (None, "linear") else name

    def __repr__(self):
        return f"KerasLayer({self._source.__class__.__name__}, name={self.name!r})"

    @property
    def source(self):
        """The Keras layer as it stands (the placed one once the layer is in a network)."""
        return self._layers[0] if self._layers else self._source

    def arguments(self) -> dict:
        """The Keras layer's simple config values that differ from its class defaults.

        Nested settings (initializer objects and the like) are left out.

        Example:
            >>> import keras, dl_notebook as dn
            >>> dn.layers.KerasLayer(keras.layers.Dropout(0.2, seed=3)).arguments()
            {'rate': 0.2, 'seed': 3}
        """
        layer = self.source
        defaults = _signature_defaults(type(layer))
        return {k: v for k, v in layer.get_config().items()
                if k not in _KERAS_SKIP and _simple(v) and not _same(v, defaults.get(k, _NO))}

    def make_layers(self, in_shapes, fresh):
        if not fresh:
            if self._source.name != self.name:
                self._source.name = self.name
            return [self._source]
        layer = self._layers[0] if self._layers else self._source
        config = layer.get_config()
        config["name"] = self.name
        try:
            return [type(layer).from_config(config)]
        except Exception as err:
            raise ShapeError(
                f"{self._where()} must be rebuilt for its new input shape, but "
                f"{type(layer).__name__}.from_config failed ({err}); give it a get_config()."
            ) from err

    def run(self, layers, tensors):
        layer = layers[0]
        if self._call_spec is None:
            x = tensors[0] if len(tensors) == 1 else list(tensors)
            y = layer(x)
        else:
            tree = keras().tree
            args, kwargs = tree.map_structure(
                lambda v: tensors[v.index] if isinstance(v, _Ref) else v,
                self._call_spec,
                none_is_leaf=True,
            )
            y = layer(*args, **kwargs)
        shapes = [tuple(t.shape) for t in tensors]
        return y, [(layer, shapes[0] if len(shapes) == 1 else shapes, shape_of(y))]
