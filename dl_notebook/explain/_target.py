"""What every explanation method needs: the Keras model, checked images and classes, and the
layer to explain with a forward pass that exposes it.

Explanations take a ``keras.Model`` or any object of the small
:class:`ExplainTarget` protocol (a ``dn.Network`` is one): this package
never imports the network classes.

A layer is found by its ``dn.Network`` name, its Keras name, or a path
``"backbone/Conv_1"`` into a nested model (a ``keras.applications``
backbone under a new head). A plain inner name is found inside nested
models too. The forward pass of a target returns ``(layer output, model
output)``; for a layer inside a nested model it runs the outer graph with
the nested model swapped for one that also returns the inner layer's
output, so no Keras layer gets new graph nodes.
"""

from __future__ import annotations

import difflib
import weakref
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from .._keras import is_keras_model, is_keras_operation, keras
from ..errors import InvalidArgumentError, LayerNotFoundError, ShapeError
from ._compiled import cached

__all__ = ["ExplainTarget", "Target", "as_keras", "check_images", "class_indices", "input_shape", "n_classes",
           "resolve", "target_layer"]


def fmt_shape(shape) -> str:
    """``(None, 32, 32, 3)``-style text of a shape."""
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


# -- the model ----------------------------------------------------------------------------

@runtime_checkable
class ExplainTarget(Protocol):
    """What an explanation needs of a model that is not a ``keras.Model`` (a ``dn.Network``).

    ``to_keras()`` gives the Keras model to run; ``layer_output(name)`` gives
    the output tensor of the layer called *name* in the graph of the model
    ``to_keras()`` returned last, or None when the object has no layer of
    that name (the name is then looked up among the Keras layers).

    Example:
        >>> import dl_notebook as dn
        >>> from dl_notebook.explain import ExplainTarget
        >>> isinstance(dn.Sequential(), ExplainTarget)
        True
    """

    def to_keras(self):
        ...

    def layer_output(self, name):
        ...


def as_keras(model, *, one_output=True):
    """The ``keras.Model`` of an :class:`ExplainTarget` (``to_keras()``) or of a Keras model.

    It must have one input and, with *one_output*, one output.
    """
    if is_keras_model(model):
        kmodel = model
    elif isinstance(model, ExplainTarget):
        kmodel = model.to_keras()
    else:
        raise InvalidArgumentError(
            f"Explanations need a dn.Network or a keras.Model; got {type(model).__name__}."
        )
    try:
        inputs, outputs = kmodel.inputs, kmodel.outputs
    except (AttributeError, ValueError):
        inputs = outputs = None
    if not inputs or not outputs:
        raise InvalidArgumentError(
            f"Model {kmodel.name!r} has no known input; build it with a keras.Input first."
        )
    if len(inputs) != 1 or (one_output and len(outputs) != 1):
        raise InvalidArgumentError(
            f"Model {kmodel.name!r} has {len(inputs)} inputs and {len(outputs)} outputs; "
            f"explanations work on models with one image input and one class output."
        )
    return kmodel


def n_classes(kmodel) -> int:
    """Number of classes of the model's ``(batch, classes)`` output."""
    shape = tuple(kmodel.outputs[0].shape)
    if len(shape) != 2 or shape[1] is None:
        raise InvalidArgumentError(
            f"Model {kmodel.name!r} has output shape {fmt_shape(shape)}; explanations need a "
            f"classifier with a (batch, classes) output."
        )
    return int(shape[1])


def input_shape(kmodel) -> tuple:
    """Shape of one input image, e.g. ``(32, 32, 3)`` (None for free sizes)."""
    return tuple(kmodel.inputs[0].shape[1:])


# -- images and classes -------------------------------------------------------------------

def fits(have, want) -> bool:
    """Whether shape *have* matches *want*, where None in *want* matches any size."""
    return len(have) == len(want) and all(w is None or h == w for h, w in zip(have, want))


def check_images(kmodel, images) -> np.ndarray:
    """*images* as a float32 batch the model takes (a single image becomes a batch of one).

    Gray images without a channel axis are accepted for a one-channel input.
    """
    want = input_shape(kmodel)
    x = np.asarray(images)
    if x.dtype == object or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise InvalidArgumentError(
            f"images must be a numeric array of shape (N, *{fmt_shape(want)}); got {x.dtype} "
            f"values."
        )
    if fits(x.shape, want):
        x = x[None]
    elif len(want) >= 2 and want[-1] == 1 and fits(x.shape, want[:-1]):
        x = x[None, ..., None]
    elif len(want) >= 2 and want[-1] == 1 and fits(x.shape[1:], want[:-1]):
        x = x[..., None]
    if not fits(x.shape[1:], want) or len(x) == 0:
        raise ShapeError(
            f"Model {kmodel.name!r} takes images of shape {fmt_shape(want)} but got an array of "
            f"shape {fmt_shape(x.shape)}; give one image or an (N, {fmt_shape(want)[1:]} batch at "
            f"that size."
        )
    return np.ascontiguousarray(x, dtype=np.float32)


def class_indices(class_index, n, k) -> np.ndarray:
    """One class per image as int32; -1 stands for the predicted class."""
    if class_index is None:
        return np.full(n, -1, dtype=np.int32)
    values = np.asarray(class_index)
    if values.dtype == bool or not np.issubdtype(values.dtype, np.integer) \
            or values.ndim > 1:
        raise InvalidArgumentError(
            f"class_index must be None, an integer or one integer per image; got {class_index!r}."
        )
    if values.ndim == 0:
        values = np.full(n, int(values))
    elif len(values) != n:
        raise InvalidArgumentError(
            f"class_index has {len(values)} values for {n} images; give one per image or one "
            f"integer for all."
        )
    if values.size and (values.min() < 0 or values.max() >= k):
        raise InvalidArgumentError(
            f"class_index must lie in 0..{k - 1} (the model has {k} classes); got "
            f"{int(values.min())}..{int(values.max())}."
        )
    return values.astype(np.int32)


# -- layers -------------------------------------------------------------------------------

def _graph(model):
    """The functional graph that runs *model*: the model, or a Sequential's inner one."""
    graph = getattr(model, "_functional", None) if isinstance(model, keras().Sequential) \
        else model
    if graph is None or not hasattr(graph, "_run_through_graph"):
        raise InvalidArgumentError(
            f"Model {model.name!r} is not a functional or Sequential model with a known input; "
            f"explain a model built from keras.Input."
        )
    return graph


def _is_container(layer) -> bool:
    """True for a nested functional or Sequential model (one whose layers can be reached)."""
    k = keras()
    if isinstance(layer, k.Sequential):
        return getattr(layer, "_functional", None) is not None
    return isinstance(layer, k.Model) and hasattr(layer, "_run_through_graph")


def _walk(model, prefix=()):
    """``(path, layer)`` of every layer in graph order, nested models opened up."""
    k = keras()
    for layer in model.layers:
        if isinstance(layer, k.layers.InputLayer):
            continue
        path = (*prefix, layer.name)
        yield path, layer
        if _is_container(layer):
            yield from _walk(layer, path)


def _out_shape(layer):
    try:
        return tuple(layer.output.shape)
    except (AttributeError, ValueError, TypeError):
        return None


def _is_conv(layer) -> bool:
    c = keras().layers
    kinds = (c.Conv2D, c.DepthwiseConv2D, c.SeparableConv2D, c.Conv2DTranspose)
    if isinstance(layer, kinds):
        return True
    size = getattr(layer, "kernel_size", None)
    return isinstance(size, (tuple, list)) and len(size) == 2


def default_path(kmodel):
    """Path of the layer Grad-CAM explains by default.

    The last convolution with a 4-D output, followed on through the layers
    after it that keep its height and width (batch normalisation,
    activation, residual add, concatenation), so the explained map is the
    last one before the spatial size changes (pooling, flattening).
    """
    layers = [(p, layer, _out_shape(layer)) for p, layer in _walk(kmodel)
              if not _is_container(layer)]
    last = None
    for i, (_, layer, shape) in enumerate(layers):
        if shape is not None and len(shape) == 4 and _is_conv(layer):
            last = i
    if last is None:
        raise InvalidArgumentError(
            f"Model {kmodel.name!r} has no convolutional layer with a (height, width, channels) "
            f"output; pass layer= naming the layer to explain."
        )
    spatial = layers[last][2][1:3]
    chosen = last
    for i in range(last + 1, len(layers)):
        shape = layers[i][2]
        if shape is None or len(shape) != 4 or shape[1:3] != spatial:
            break
        chosen = i
    return layers[chosen][0]


def _find_path(kmodel, layer):
    paths = list(_walk(kmodel))
    if is_keras_operation(layer):  # a Keras layer object
        for path, obj in paths:
            if obj is layer:
                return path
        raise LayerNotFoundError(
            f"Layer {getattr(layer, 'name', layer)!r} is not part of model {kmodel.name!r}; "
            f"pass one of its layers or a layer name."
        )
    if not isinstance(layer, str):
        raise InvalidArgumentError(
            f"layer must be a layer name (str) or None; got {type(layer).__name__}."
        )
    wanted = tuple(layer.split("/"))
    for path, _ in paths:
        if path == wanted:
            return path
    for path, _ in paths:
        if len(wanted) == 1 and path[-1] == layer:
            return path
    names = ["/".join(p) for p, _ in paths] + [p[-1] for p, _ in paths if len(p) > 1]
    close = difflib.get_close_matches(layer, names, n=3)
    hint = f"did you mean {' or '.join(map(repr, close))}?" if close else \
        "see model.layers for the names."
    raise LayerNotFoundError(f"Model {kmodel.name!r} has no layer named {layer!r}; {hint}")


@dataclass(frozen=True)
class Target:
    """A resolved layer: its display name, a cache key and the forward pass that exposes it."""

    name: str
    key: tuple
    forward: object  # x -> (layer output, model output)
    shape: tuple  # layer output shape with the batch axis


def _context(op, args, kwargs):
    if "training" in getattr(op, "_call_context_args", ()):
        kwargs = {**kwargs, "training": False}
    return op(*args, **kwargs)


def _forward(model, path):
    """``x -> (output of the layer at *path*, outputs of *model*)`` without new graph nodes."""
    graph_ref = weakref.ref(_graph(model))
    target_ref = weakref.ref(model.get_layer(path[0]))
    inner = _forward(target_ref(), path[1:]) if len(path) > 1 else None

    def forward(x):
        captured = []

        def operation(op):
            if op is not target_ref():
                return lambda *a, **kw: _context(op, a, kw)

            def call(*args, **kwargs):
                if inner is None:
                    out = _context(op, args, kwargs)
                    captured.append(out)
                    return out
                found, out = inner(*args)
                captured.append(found)
                return out

            return call

        out = graph_ref()._run_through_graph(x, operation_fn=operation)
        return captured[0], out

    return forward


def _tensor_forward(kmodel, tensor):
    """The forward pass exposing a tensor of *kmodel*'s own graph (a dn layer's output)."""
    grad_model = keras().Model(kmodel.inputs[0], [tensor, kmodel.outputs[0]])

    def forward(x):
        found, out = grad_model(x, training=False)
        return found, out

    return forward


def _first(out):
    while isinstance(out, (list, tuple)):
        out = out[0]
    return out


def _layer_name(layer):
    """A network's layer object (not a Keras layer) stands for its name."""
    if layer is None or isinstance(layer, str) or is_keras_operation(layer):
        return layer
    name = getattr(layer, "name", None)
    return name if isinstance(name, str) else layer


def resolve(model, kmodel, layer, *, spatial=True) -> Target:
    """The :class:`Target` for *layer* (None: :func:`default_path`) of *model*.

    With ``spatial`` the layer must have a ``(batch, height, width, channels)`` output.
    """
    layer = _layer_name(layer)
    tensor = None
    if isinstance(layer, str) and not is_keras_model(model) and isinstance(model, ExplainTarget):
        tensor = model.layer_output(layer)  # its output in the graph to_keras() just built
    if tensor is not None:
        name, shape, key = layer, tuple(tensor.shape), ("net", layer)
        forward = cached(kmodel, ("forward", key), lambda: _tensor_forward(kmodel, tensor))
    else:
        if layer is None:
            path = cached(kmodel, ("default-layer",), lambda: default_path(kmodel))
        else:
            path = _find_path(kmodel, layer)
        obj = kmodel
        for step in path:
            obj = obj.get_layer(step)
        name, shape, key = "/".join(path), _out_shape(obj), ("path", path)
        inner = cached(kmodel, ("forward", key), lambda: _forward(kmodel, path))

        def forward(x):
            found, out = inner(x)
            return found, _first(out)

    if shape is None:
        raise InvalidArgumentError(
            f"Layer {name!r} has several outputs or none; pass layer= naming a layer with one."
        )
    if spatial and len(shape) != 4:
        raise InvalidArgumentError(
            f"Layer {name!r} has output shape {fmt_shape(shape)}; pass layer= naming a layer with "
            f"a (height, width, channels) output, such as a convolution."
        )
    return Target(name=name, key=key, forward=forward, shape=shape)


def target_layer(model, layer=None) -> str:
    """The name of the layer Grad-CAM explains for *model* and *layer* (None: the default).

    Nested layers are named by their path, e.g. ``"mobilenetv2_1.00_224/out_relu"``.

    Example:
        >>> import keras, dl_notebook as dn
        >>> x = keras.Input((8, 8, 1))
        >>> h = keras.layers.Conv2D(2, 3, name="c1")(x)
        >>> h = keras.layers.ReLU(name="r1")(h)
        >>> y = keras.layers.Dense(2, name="out")(keras.layers.Flatten(name="flat")(h))
        >>> dn.explain.target_layer(keras.Model(x, y))
        'r1'
    """
    kmodel = as_keras(model)
    return resolve(model, kmodel, layer).name
