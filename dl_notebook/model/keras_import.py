"""Read a Keras model's graph into a Network: layers, edges and weights.

The walk follows Keras' own record of the graph (``_nodes_by_depth``), so
each layer call becomes one network layer that remembers how Keras called
it. Nested models are opened up in place. The Keras layer objects are
shared with the source model, so their weights come along without a copy.
"""

from __future__ import annotations

import heapq

from .._keras import keras
from ..errors import InvalidArgumentError, NetworkEditError
from . import _engine
from .layers.base import shape_of
from .layers.core import InputLayer
from .layers.keras_layer import KerasLayer, _Ref


def functional_graph(model):
    """Return the functional graph behind a Sequential or functional Keras model."""
    k = keras()
    if isinstance(model, k.Sequential):
        graph = getattr(model, "_functional", None)
        if graph is None:
            raise InvalidArgumentError(
                f"The Sequential model {model.name!r} is not built; start it with keras.Input(shape) "
                f"or call model.build(input_shape) first."
            )
        return graph
    if hasattr(model, "_nodes_by_depth") and hasattr(model, "inputs"):
        return model
    raise InvalidArgumentError(
        f"Model {model.name!r} is a subclassed Keras model, whose graph cannot be read; "
        f"rebuild it with the functional API or keras.Sequential."
    )


def _is_graph_model(op) -> bool:
    k = keras()
    if isinstance(op, k.Sequential):
        return getattr(op, "_functional", None) is not None
    return isinstance(op, k.Model) and hasattr(op, "_nodes_by_depth")


def _call_spec(node):
    """Keras' recorded call with each input tensor replaced by its position."""
    tree = keras().tree
    structure = (node.arguments.args, node.arguments.kwargs)
    flat = tree.flatten(structure)
    position = 0
    for i, value in enumerate(flat):
        if isinstance(value, keras().KerasTensor):
            flat[i] = _Ref(position)
            position += 1
    return tree.pack_sequence_as(structure, flat)


def _node_name(net, op, scope):
    """A free network name for a call of *op*; renames *op* when another layer has its name."""
    shared = any(spec._layers and spec._layers[0] is op for spec in net._specs.values())
    if op.name not in net._specs:
        return op.name
    base = op.name if shared else (f"{scope}_{op.name}" if scope else op.name)
    name, n = base, 1
    while name in net._specs:
        name, n = f"{base}_{n}", n + 1
    if not shared:
        op.name = name  # Keras needs unique layer names within a model
    return name


def _add_input(net, tensor):
    op = tensor._keras_history.operation
    spec = InputLayer(shape=tuple(tensor.shape)[1:], dtype=tensor.dtype, name=op.name)
    net._claim(spec, [], len(net._order))
    spec._layers, spec._in_shapes, spec._trace = [], [], []
    spec._shape, spec._dtype = tuple(tensor.shape), tensor.dtype
    spec._tensor = spec._model_input = tensor
    return spec.name


def _walk(net, graph, owner, scope, live, top=None):
    """Add the layer calls of *graph*; *owner* maps tensor ids to network layer names.

    Returns ``{name: top-level layer name}`` for the layers placed (a layer of
    a nested model maps to the nested model's name).
    """
    placed = {}
    for depth in sorted(graph._nodes_by_depth, reverse=True):
        for node in graph._nodes_by_depth[depth]:
            op = node.operation
            if node.is_input or op is None:
                continue
            sources = [owner[id(t)] for t in node.input_tensors]
            if _is_graph_model(op):
                inner = functional_graph(op)
                if len(inner.inputs) != len(sources):
                    raise NetworkEditError(
                        f"Nested model {op.name!r} takes {len(inner.inputs)} inputs but is "
                        f"called with {len(sources)}."
                    )
                inner_owner = {id(t): s for t, s in zip(inner.inputs, sources)}
                placed.update(_walk(net, inner, inner_owner, op.name, False, top or op.name))
                for outer, inner_out in zip(node.outputs, inner.outputs):
                    owner[id(outer)] = inner_owner[id(inner_out)]
                continue
            if len(node.outputs) != 1:
                raise NetworkEditError(
                    f"Layer {op.name!r} returns {len(node.outputs)} tensors; networks take layers "
                    f"with one output (use return_state=False)."
                )
            spec = KerasLayer(op, name=_node_name(net, op, scope), call=_call_spec(node))
            spec.scope = scope
            net._claim(spec, sources, len(net._order))
            out = node.outputs[0]
            in_shapes = [tuple(t.shape) for t in node.input_tensors]
            spec._layers, spec._in_shapes = [op], in_shapes
            spec._shape, spec._dtype = tuple(out.shape), out.dtype
            spec._trace = [(op, in_shapes[0] if len(in_shapes) == 1 else in_shapes,
                            shape_of(out))]
            fresh_graph = live and all(net._specs[s]._tensor is not None for s in sources)
            spec._tensor = out if fresh_graph else None
            owner[id(out)] = spec.name
            placed[spec.name] = top or op.name
    return placed


def _keras_order(net, graph, tops):
    """Reorder *net* like ``graph.layers`` where that order allows (a stable topological sort)."""
    rank = {layer.name: i for i, layer in enumerate(graph.layers)}
    pos = {name: i for i, name in enumerate(net._order)}
    key = {name: (rank.get(tops.get(name, name), len(rank)), pos[name]) for name in net._order}
    waiting = {name: len(set(net._specs[name]._inputs)) for name in net._order}
    readers = {name: [] for name in net._order}
    for name in net._order:
        for src in set(net._specs[name]._inputs):
            readers[src].append(name)
    ready = [(key[n], n) for n, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, name = heapq.heappop(ready)
        order.append(name)
        for reader in readers[name]:
            waiting[reader] -= 1
            if waiting[reader] == 0:
                heapq.heappush(ready, (key[reader], reader))
    net._order = order


def import_model(net, model):
    """Fill the empty network *net* with the layers of the Keras *model*."""
    graph = functional_graph(model)
    owner = {id(t): _add_input(net, t) for t in graph.inputs}
    tops = _walk(net, graph, owner, "", True)
    _keras_order(net, graph, tops)
    net._output_order = [owner[id(t)] for t in graph.outputs]


def inline_model(net, model, sources):
    """Add the layers of the Keras *model* to *net*, its inputs fed by the *sources* layers."""
    graph = functional_graph(model)
    if len(graph.inputs) != len(sources):
        raise NetworkEditError(
            f"Model {model.name!r} takes {len(graph.inputs)} input(s); give as many with inputs=."
        )
    owner = {id(t): s for t, s in zip(graph.inputs, sources)}
    placed = list(_walk(net, graph, owner, model.name, False))
    # The model was built for its own input shapes: check them against the sources'.
    first = [name for name in placed if set(net._specs[name]._inputs) & set(sources)]
    _engine.propagate(net, first)
