"""DLPy's functional API: layers called on tensors, and the graph they write.

In DLPy, ``Input(...)`` (or ``InputLayer(...)()``) returns a symbolic
:class:`Tensor`; calling a layer on a tensor or a list of tensors
(``Conv2d(8, 3)(x)``, ``Res()([x, y])``) returns the layer's output tensor;
``Model(conn, inputs=x, outputs=y)`` collects the layers between them. Here
the layers are the core layer specs (made callable by :func:`callable_spec`)
and the collected graph is added to a core network with
``Network.add(layer, inputs=[...])``.
"""

from __future__ import annotations

from ..errors import InvalidArgumentError

__all__ = ["Tensor", "add_graph", "callable_spec"]


class Tensor:
    """DLPy's ``Tensor``: the output of one layer in a functional model being written.

    Args:
        layer: the layer whose output this is.
        sources: the tensors the layer was called on (none for an input).

    Example:
        >>> from dl_notebook.dlpy.layers import Conv2d, Input
        >>> x = Input(1, 8, 8, name="x")
        >>> y = Conv2d(4, 3, name="c")(x)
        >>> y, y.sources[0] is x
        (Tensor(c: Conv2d), True)
    """

    def __init__(self, layer, sources=()):
        self.layer = layer
        self.sources = list(sources)

    def __repr__(self):
        return f"Tensor({self.layer.name or 'unnamed'}: {self.layer.type_name})"


def _call(self, inputs=None):
    """Call the layer on a tensor (or a list of tensors); return its output tensor."""
    if getattr(self, "_dlpy_output", None) is not None:
        raise InvalidArgumentError(
            f"{self._where()} was already called on a tensor; make a new layer for each call."
        )
    if self.max_inputs == 0:
        if inputs is not None:
            raise InvalidArgumentError(f"{self._where()} is an input; call it on nothing.")
        sources = []
    else:
        sources = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        bad = [s for s in sources if not isinstance(s, Tensor)]
        if bad or not sources:
            raise InvalidArgumentError(
                f"{self._where()} is called on tensors (Input(...) or another layer's output); "
                f"got {type(bad[0]).__name__ if bad else 'nothing'}."
            )
    self._dlpy_output = Tensor(self, sources)
    return self._dlpy_output


_CALLABLE = {}


def callable_spec(spec):
    """Make the core layer *spec* callable on tensors, DLPy's way; return it.

    Its class becomes a subclass of the same name that adds ``__call__``,
    so the spec stays what it was for the core (type name, arguments,
    ``isinstance``).

    Args:
        spec: a core layer spec (``dl_notebook.model.layers``).

    Example:
        >>> from dl_notebook.model import layers as core
        >>> from dl_notebook.dlpy._functional import callable_spec
        >>> dense = callable_spec(core.Dense(4))
        >>> callable(dense), type(dense).__name__, isinstance(dense, core.Dense)
        (True, 'Dense', True)
    """
    cls = type(spec)
    if "__call__" not in cls.__dict__:
        if cls not in _CALLABLE:
            _CALLABLE[cls] = type(cls.__name__, (cls,), {
                "__call__": _call, "__module__": cls.__module__,
                "__qualname__": cls.__qualname__, "__doc__": cls.__doc__})
        spec.__class__ = _CALLABLE[cls]
    return spec


def _as_tensors(value, what):
    tensors = list(value) if isinstance(value, (list, tuple)) else [value]
    if not tensors or not all(isinstance(t, Tensor) for t in tensors):
        raise InvalidArgumentError(
            f"Model: {what} must be a tensor or a list of tensors (from Input(...) or a layer "
            f"call)."
        )
    return tensors


def _ancestors(outputs):
    """Every tensor the *outputs* depend on, each after its sources."""
    order, seen = [], set()
    stack = [(t, False) for t in reversed(outputs)]
    while stack:
        tensor, expanded = stack.pop()
        if id(tensor) in seen:
            continue
        if expanded:
            seen.add(id(tensor))
            order.append(tensor)
            continue
        stack.append((tensor, True))
        stack.extend((s, False) for s in reversed(tensor.sources) if id(s) not in seen)
    return order


def add_graph(net, inputs, outputs) -> None:
    """Add the layers from *inputs* to *outputs* to the network *net*, with their edges.

    Args:
        net: a core network (empty, usually).
        inputs: the input tensor(s), in the order the model takes them.
        outputs: the output tensor(s).

    Example:
        >>> import dl_notebook as dn
        >>> from dl_notebook.dlpy.layers import Dense, Input, Res
        >>> x = Input(4, name="x")
        >>> y = Res(name="sum")([Dense(4, name="a")(x), x])
        >>> net = dn.Network("f")
        >>> add_graph(net, x, y)
        >>> net.edges
        [('x', 'a'), ('a', 'sum'), ('x', 'sum')]
    """
    inputs = _as_tensors(inputs, "inputs")
    outputs = _as_tensors(outputs, "outputs")
    graph = _ancestors(outputs)
    starts = [t for t in graph if not t.sources]
    missing = [t for t in starts if all(t is not i for i in inputs)]
    if missing:
        raise InvalidArgumentError(
            f"Model: the outputs depend on the input {missing[0]!r}, which is not in inputs=."
        )
    for tensor in inputs:
        if tensor.sources:
            raise InvalidArgumentError(f"Model: inputs= holds {tensor!r}, which is no input.")
        if all(tensor is not t for t in graph):
            raise InvalidArgumentError(f"Model: the outputs do not depend on the input {tensor!r}.")
        net.add(tensor.layer)
    for tensor in graph:
        if tensor.sources:
            net.add(tensor.layer, inputs=[s.layer.name for s in tensor.sources])
