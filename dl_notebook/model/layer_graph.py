"""The named-layer DAG under a Network: reading it, and the bookkeeping of edits.

:class:`LayerGraph` holds the layer specs by name in a topological order
and answers questions about the graph; :class:`~dl_notebook.Network` adds
the edits, the Keras model and the pictures on top of it.
"""

from __future__ import annotations

import difflib
from contextlib import contextmanager

from .._keras import is_keras_operation
from ..errors import InvalidArgumentError, LayerNotFoundError, NetworkEditError
from .layers.base import Layer, check_name
from .layers.keras_layer import KerasLayer

__all__ = ["LayerGraph"]


class LayerGraph:
    """Named layers in a topological order, each knowing the names of its inputs."""

    _chains = False  # Sequential: a layer without inputs= follows the last layer

    def __init__(self, name=None):
        self.name = check_name(name) or type(self).__name__.lower()
        self._specs: dict[str, Layer] = {}
        self._order: list[str] = []
        self._output_order: list[str] = []
        self._version = 0  # bumped by every successful edit
        self._in_transaction = False  # inside an all-or-nothing edit (see atomic)

    # -- reading -------------------------------------------------------------------
    @property
    def layer_names(self) -> list[str]:
        """Layer names in a topological order (inputs first)."""
        return list(self._order)

    @property
    def edges(self) -> list[tuple[str, str]]:
        """``(source, destination)`` name pairs, each once."""
        return [(src, name) for name in self._order
                for src in dict.fromkeys(self._specs[name]._inputs)]

    @property
    def input_names(self) -> list[str]:
        """Names of the input layers."""
        return [name for name in self._order if not self._specs[name]._inputs]

    @property
    def output_names(self) -> list[str]:
        """Names of the layers nothing else reads: the network's outputs."""
        used = {src for spec in self._specs.values() for src in spec._inputs}
        sinks = [name for name in self._order if name not in used]
        hint = {name: i for i, name in enumerate(self._output_order)}
        return sorted(sinks, key=lambda n: hint.get(n, len(hint)))

    def consumers(self, name) -> list[str]:
        """Names of the layers that read *name*'s output."""
        name = self._resolve(name)
        return [n for n in self._order if name in self._specs[n]._inputs]

    def __getitem__(self, name) -> Layer:
        return self._specs[self._resolve(name)]

    def __contains__(self, name) -> bool:
        return name in self._specs

    def __len__(self) -> int:
        return len(self._order)

    def __iter__(self):
        return (self._specs[name] for name in self._order)

    @property
    def keras_layers(self) -> list:
        """Every built Keras layer of the network once (a shared layer appears once)."""
        seen = {}
        for spec in self:
            for layer in spec._layers or []:
                if getattr(layer, "built", False):
                    seen.setdefault(id(layer), layer)
        return list(seen.values())

    def count_params(self) -> int:
        """Number of weights, equal to ``to_keras().count_params()``."""
        return sum(layer.count_params() for layer in self.keras_layers)

    def to_dag(self):
        """The network as a plain :class:`~dl_notebook.graph.Dag` (names, types, shapes, edges)."""
        from ..graph import Dag, DagNode
        from ._dag_config import layer_config

        outputs = set(self.output_names)
        nodes = [
            DagNode(name=spec.name, type=spec.type_name,
                    kind="output" if spec.name in outputs and spec.kind == "dense" else spec.kind,
                    shape=tuple(spec.output_shape[1:]) if spec.output_shape else (),
                    params=spec.count_params(), scope=spec.scope, config=layer_config(spec))
            for spec in self
        ]
        return Dag(self.name, nodes, self.edges)

    @contextmanager
    def atomic(self):
        """Make the edits in a ``with`` block one edit: all of them, or none if one fails.

        Shapes are still checked at each edit; a failure anywhere undoes every
        edit of the block. Building a large network inside one block is also
        faster: the network is saved once for the undo, not at every edit.

        Example:
            >>> import dl_notebook as dn
            >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(8,), name="x")])
            >>> try:
            ...     with net.atomic():
            ...         net.add(dn.layers.Dense(4, name="a"))
            ...         net.add(dn.layers.Conv2d(4, 3, name="c"))  # needs an image input
            ... except dn.ShapeError:
            ...     pass
            >>> net.layer_names
            ['x']
        """
        from ._engine import transaction

        with transaction(self):
            yield self

    # -- helpers -------------------------------------------------------------------
    def _resolve(self, name) -> str:
        if isinstance(name, int) and not isinstance(name, bool):
            try:
                return self._order[name]
            except IndexError:
                raise LayerNotFoundError(
                    f"The network has {len(self._order)} layers; index {name} is out of range."
                ) from None
        if isinstance(name, Layer) and name._network is self:
            return name.name
        if name in self._specs:
            return name
        if not self._specs:
            raise LayerNotFoundError(f"The network has no layer named {name!r}; it has no layers yet.")
        close = difflib.get_close_matches(str(name), self._order, n=3)
        hint = f"did you mean {' or '.join(map(repr, close))}?" if close else \
            "see net.layer_names for the names."
        raise LayerNotFoundError(f"The network has no layer named {name!r}; {hint}")

    def _names(self, names) -> list[str]:
        if isinstance(names, (str, int, Layer)):
            names = [names]
        return [self._resolve(n) for n in names]

    def _as_spec(self, layer) -> Layer:
        if isinstance(layer, Layer):
            if layer._network is not None:
                raise NetworkEditError(
                    f"Layer {layer.name!r} already belongs to network {layer._network.name!r}; "
                    f"create a new layer for this one."
                )
            return layer
        if is_keras_operation(layer):
            return KerasLayer(layer)
        raise InvalidArgumentError(
            f"A network takes dl_notebook layers (dn.layers.*) or Keras layers; "
            f"got {type(layer).__name__}."
        )

    def _default_inputs(self, spec) -> list[str]:
        if not self._order:
            what = spec._where() if spec is not None else "This layer"
            raise NetworkEditError(f"{what} needs an input; add an InputLayer first.")
        if self._chains:
            return [self._order[-1]]
        ends = self.output_names
        if len(ends) == 1:
            return ends
        raise NetworkEditError(
            f"The network has {len(ends)} open ends ({', '.join(ends)}); "
            f"say which feeds the new layer with inputs=."
        )

    def _check_arity(self, spec, sources):
        lo, hi = spec.min_inputs, spec.max_inputs
        if len(sources) < lo or (hi is not None and len(sources) > hi):
            want = f"{lo}" if lo == hi else f"at least {lo}" if hi is None else f"{lo} to {hi}"
            raise NetworkEditError(
                f"{spec._where()} takes {want} input(s) but was given {len(sources)}"
                f"{' (' + ', '.join(sources) + ')' if sources else ''}; fix inputs=."
            )

    def _claim(self, spec, sources, position):
        """Name *spec*, wire it to *sources* and put it at *position* in the order."""
        if spec.name is None:
            n = 1
            while f"{spec.prefix}{n}" in self._specs:
                n += 1
            spec.name = f"{spec.prefix}{n}"
        elif spec.name in self._specs:
            if isinstance(spec, KerasLayer) and spec.name == spec._source.name:
                n = 1
                while f"{spec.name}_{n}" in self._specs:
                    n += 1
                spec.name = f"{spec.name}_{n}"
            else:
                raise NetworkEditError(
                    f"The network already has a layer named {spec.name!r}; choose another name."
                )
        spec._network = self
        spec._inputs = list(sources)
        self._specs[spec.name] = spec
        self._order.insert(position, spec.name)

    def _rewire(self, reader, old, new):
        spec = self._specs[reader]
        spec._inputs = [new if i == old else i for i in spec._inputs]

    def _ancestors(self, name) -> set[str]:
        seen, stack = set(), [name]
        while stack:
            for src in self._specs[stack.pop()]._inputs:
                if src not in seen:
                    seen.add(src)
                    stack.append(src)
        return seen

    def _select(self, names, up_to) -> list[str]:
        if up_to is not None:
            if names is not None:
                raise InvalidArgumentError("Give layer names or up_to=, not both.")
            last = self._resolve(up_to)
            chosen = self._ancestors(last) | {last}
            return [n for n in self._order if n in chosen]
        return list(self._order) if names is None else self._names(names)

    def __repr__(self):
        shapes = ""
        if self._order:
            ins = ", ".join(str(tuple(self._specs[n].output_shape[1:])) for n in self.input_names)
            outs = ", ".join(str(tuple(self._specs[n].output_shape[1:])) for n in self.output_names)
            shapes = f", {ins} -> {outs}"
        return (f"<{type(self).__name__} {self.name!r}: {len(self)} layers, "
                f"{self.count_params():,} parameters{shapes}>")
