"""The editable network: a DAG of named layers that becomes a Keras model."""

from __future__ import annotations

from .._keras import is_keras_model, keras
from ..errors import InvalidArgumentError, NetworkEditError
from . import _engine
from ._analysis import AnalysisMixin
from ._deploy import DeployMixin
from ._detect import DetectionMixin
from ._lease import TrainingLease, TrainingMixin, holds_lease
from .layer_graph import LayerGraph
from .layers.base import Layer, check_name
from .weights import WeightsMixin

__all__ = ["Network"]


class Network(TrainingMixin, WeightsMixin, AnalysisMixin, DeployMixin, DetectionMixin, LayerGraph):
    """A deep-learning network as a DAG of named layers (DLPy ``Model``).

    Layers are added, inserted, removed, switched and renamed by name;
    every edit checks shapes at once and is undone whole when it fails.
    :meth:`to_keras` returns a ``keras.Model`` whose untouched layers keep
    their trained weights across edits. Displaying a network in a notebook
    draws it as a DAG.

    Training holds the network: while a ``fit`` runs (:attr:`running` is
    its history), every change from another thread (edits, ``freeze`` /
    ``unfreeze``, ``set_weights``, ``to_keras``) and a second ``fit`` **wait
    until the run ends**, then go ahead; ``net.running.stop()`` ends it
    sooner. Code in the training thread itself (a callback) is not made to
    wait.

    Args:
        name: the network's name (also the Keras model's name).
        layers: layers to add one after the other.

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.Network(name="tiny")
        >>> net.add(dn.layers.InputLayer(shape=(16,), name="x"))
        >>> net.add(dn.layers.Dense(8, name="a"), inputs="x")
        >>> net.add(dn.layers.Dense(8, name="b"), inputs="x")
        >>> net.add(dn.layers.Concat(name="ab"), inputs=["a", "b"])
        >>> net.add(dn.layers.OutputLayer(2, name="out"))
        >>> net.edges
        [('x', 'a'), ('x', 'b'), ('a', 'ab'), ('b', 'ab'), ('ab', 'out')]
    """

    def __init__(self, name=None, layers=None):
        super().__init__(name)
        self._lease = TrainingLease(self.name)
        self._model = None
        self._model_version = -1
        for layer in layers or []:
            self.add(layer)

    # -- editing -------------------------------------------------------------------
    @holds_lease
    def add(self, layer, inputs=None) -> None:
        """Add *layer* (a ``dn.layers`` spec or any Keras layer or model).

        Args:
            layer: the layer. A Keras model is added layer by layer, its
                input fed by *inputs*.
            inputs: name (or list of names) of the layers that feed it.
                Defaults to the last layer of a Sequential, or to the
                network's only open end.

        Example:
            >>> import keras, dl_notebook as dn
            >>> net = dn.Sequential()
            >>> net.add(dn.layers.InputLayer(shape=(4,)))
            >>> net.add(keras.layers.Dense(3, name="k"))
            >>> net.layer_names
            ['input1', 'k']
        """
        if is_keras_model(layer):
            from .keras_import import inline_model

            sources = self._default_inputs(None) if inputs is None else self._names(inputs)
            with _engine.transaction(self):
                inline_model(self, layer, sources)
            return
        spec = self._as_spec(layer)
        with _engine.transaction(self):
            if spec.max_inputs == 0:
                if inputs:
                    raise NetworkEditError(f"{spec._where()} is an input layer; it takes no inputs.")
                sources = []
            else:
                sources = self._default_inputs(spec) if inputs is None else self._names(inputs)
            self._check_arity(spec, sources)
            self._claim(spec, sources, len(self._order))
            _engine.propagate(self, [spec.name])

    @holds_lease
    def insert(self, layer, *, after=None, before=None) -> None:
        """Insert *layer* right after or right before an existing layer.

        ``after=name``: the new layer reads *name* and every reader of
        *name* reads the new layer instead. ``before=name``: the new layer
        takes over *name*'s inputs and feeds *name*.

        Example:
            >>> import dl_notebook as dn
            >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(8, 8, 1)),
            ...                             dn.layers.Conv2d(4, 3, name="conv1"),
            ...                             dn.layers.OutputLayer(2, name="out")])
            >>> net.insert(dn.layers.BN(name="bn1"), after="conv1")
            >>> net.layer_names
            ['input1', 'conv1', 'bn1', 'out']
        """
        if (after is None) == (before is None):
            raise InvalidArgumentError("insert() needs exactly one of after= or before=.")
        spec = self._as_spec(layer)
        with _engine.transaction(self):
            if after is not None:
                anchor = self._resolve(after)
                readers = self.consumers(anchor)
                self._check_arity(spec, [anchor])
                self._claim(spec, [anchor], self._order.index(anchor) + 1)
                for reader in readers:
                    self._rewire(reader, anchor, spec.name)
                _engine.propagate(self, [spec.name, *readers])
            else:
                anchor = self._resolve(before)
                sources = list(self._specs[anchor]._inputs)
                if not sources:
                    raise NetworkEditError(
                        f"Cannot insert before {anchor!r}: it is an input layer; insert after it."
                    )
                if len(sources) > 1:
                    raise NetworkEditError(
                        f"Cannot insert before {anchor!r}: it has {len(sources)} inputs "
                        f"({', '.join(sources)}); insert after one of them instead."
                    )
                self._check_arity(spec, sources)
                self._claim(spec, sources, self._order.index(anchor))
                self._specs[anchor]._inputs = [spec.name]
                _engine.propagate(self, [spec.name, anchor])

    @holds_lease
    def remove(self, name, *, reconnect_to=None) -> None:
        """Remove a layer and reconnect its readers to its input.

        Args:
            name: the layer to remove (a name or an index in ``layer_names``).
            reconnect_to: for a layer with several inputs (``Res``,
                ``Concat``), the input its readers should read instead.

        Example:
            >>> import dl_notebook as dn
            >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(8,)),
            ...                             dn.layers.Dense(4, name="a"),
            ...                             dn.layers.Dense(4, name="b")])
            >>> net.remove("a")
            >>> net.edges
            [('input1', 'b')]
        """
        name = self._resolve(name)
        spec = self._specs[name]
        readers = self.consumers(name)
        sources = list(dict.fromkeys(spec._inputs))
        with _engine.transaction(self):
            if readers:
                if reconnect_to is not None:
                    target = self._resolve(reconnect_to)
                    if target not in sources:
                        raise NetworkEditError(
                            f"Cannot reconnect to {target!r}: it is not an input of {name!r} "
                            f"(its inputs are {', '.join(sources) or 'none'})."
                        )
                elif len(sources) == 1:
                    target = sources[0]
                elif not sources:
                    raise NetworkEditError(
                        f"Cannot remove input layer {name!r} while {', '.join(readers)} read it; "
                        f"remove those first."
                    )
                else:
                    raise NetworkEditError(
                        f"Cannot remove {name!r}: it joins {len(sources)} inputs "
                        f"({', '.join(sources)}), so it is unclear which one {', '.join(readers)} "
                        f"should read; pass reconnect_to='{sources[0]}' (or another input)."
                    )
                for reader in readers:
                    self._rewire(reader, name, target)
            self._order.remove(name)
            del self._specs[name]
            spec._network = None
            _engine.propagate(self, readers)

    @holds_lease
    def pop(self) -> Layer:
        """Remove the last layer and return it (DLPy ``pop``)."""
        if not self._order:
            raise NetworkEditError("Cannot pop: the network has no layers.")
        spec = self._specs[self._order[-1]]
        self.remove(spec.name)
        return spec

    @holds_lease
    def switch(self, a, b) -> None:
        """Swap the places of two layers in the network (DLPy ``switch``).

        Each takes the other's inputs and readers; layers whose input shape
        changes get fresh weights.

        Example:
            >>> import dl_notebook as dn
            >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(8,), name="x"),
            ...                             dn.layers.Dense(4, name="a"),
            ...                             dn.layers.Dropout(0.5, name="d")])
            >>> net.switch("a", "d")
            >>> net.edges
            [('x', 'd'), ('d', 'a')]
        """
        a, b = self._resolve(a), self._resolve(b)
        if a == b:
            return
        sa, sb = self._specs[a], self._specs[b]
        if bool(sa._inputs) != bool(sb._inputs):
            raise NetworkEditError(
                f"Cannot switch {a!r} and {b!r}: only one of them is an input layer."
            )
        swap = {a: b, b: a}
        with _engine.transaction(self):
            readers = set(self.consumers(a)) | set(self.consumers(b))
            for spec in self._specs.values():
                spec._inputs = [swap.get(i, i) for i in spec._inputs]
            sa._inputs, sb._inputs = sb._inputs, sa._inputs
            ia, ib = self._order.index(a), self._order.index(b)
            self._order[ia], self._order[ib] = b, a
            self._check_arity(sa, sa._inputs)
            self._check_arity(sb, sb._inputs)
            _engine.propagate(self, {a, b} | (readers - {a, b}))

    @holds_lease
    def rename(self, old, new) -> None:
        """Rename a layer (its Keras layers too); weights are kept."""
        old = self._resolve(old)
        new = check_name(new)
        if new == old:
            return
        if new in self._specs:
            raise NetworkEditError(f"Cannot rename {old!r} to {new!r}: that name is taken.")
        spec = self._specs[old]
        renames = {id(layer): new + layer.name[len(old):] for layer in spec._layers or []
                   if layer.name == old or layer.name.startswith(old + "_")}
        taken = {layer.name for other in self._specs.values() if other is not spec
                 for layer in other._layers or []}
        clash = sorted(set(renames.values()) & taken)
        if clash:
            raise NetworkEditError(
                f"Cannot rename {old!r} to {new!r}: its Keras layer would be named {clash[0]!r}, "
                f"which another layer uses; choose another name."
            )
        with _engine.transaction(self):
            for layer in spec._layers or []:
                layer.name = renames.get(id(layer), layer.name)
            spec.name = new
            self._specs = {(new if n == old else n): s for n, s in self._specs.items()}
            self._order = [new if n == old else n for n in self._order]
            for other in self._specs.values():
                other._inputs = [new if i == old else i for i in other._inputs]
            self._output_order = [new if n == old else n for n in self._output_order]
            if not spec._inputs:  # the model input carries the name: rebuild it
                _engine.propagate(self, [new])

    @holds_lease
    def freeze(self, names=None, *, up_to=None) -> None:
        """Stop training some layers: *names*, or everything up to and including *up_to*.

        With neither, freeze all layers.

        Example:
            >>> import dl_notebook as dn
            >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(8,)),
            ...                             dn.layers.Dense(4, name="a"),
            ...                             dn.layers.Dense(2, name="b")])
            >>> net.freeze(up_to="a")
            >>> [layer.trainable for layer in net]
            [True, False, True]
        """
        for name in self._select(names, up_to):
            self._specs[name].trainable = False
        self._version += 1

    @holds_lease
    def unfreeze(self, names=None, *, up_to=None) -> None:
        """Train layers again (all of them when no names are given)."""
        for name in self._select(names, up_to):
            self._specs[name].trainable = True
        self._version += 1

    def select(self, names=None, *, up_to=None) -> list[str]:
        """Layer names: *names* checked, or every layer up to and including *up_to*, or all.

        Example:
            >>> import dl_notebook as dn
            >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(8,), name="x"),
            ...                             dn.layers.Dense(4, name="a"),
            ...                             dn.layers.Dense(2, name="b")])
            >>> net.select(up_to="a"), net.select(["b", 0])
            (['x', 'a'], ['b', 'x'])
        """
        return self._select(names, up_to)

    # -- looking at it -------------------------------------------------------------
    def summary(self):
        """The layer table as a pandas DataFrame (DLPy ``print_summary``).

        Columns: Layer Id, Layer, Type, Kernel Size, Stride, Activation,
        Output Size, Number of Parameters, FLOPs (one sample, a multiply-add
        counting two) and Trainable, with a Total row. ``df.attrs`` holds
        ``total_params``, ``trainable_params``, ``non_trainable_params``
        and ``flops``.

        Example:
            >>> import dl_notebook as dn
            >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(8,)),
            ...                             dn.layers.OutputLayer(2)])
            >>> net.summary()["Number of Parameters"].iloc[-1]
            np.int64(18)
        """
        from .summary import summary_table

        return summary_table(self)

    print_summary = summary  # DLPy name

    def plot_network(self, *, expand=False, show_shapes=False, **options):
        """Draw the network as a DAG (DLPy ``plot_network``), with no system binaries.

        Repeated blocks (ResNet stages, DenseNet blocks, Inception modules)
        are grouped so big networks stay readable; ``expand=True`` draws
        every layer. Colours show layer kinds; ``show_shapes=True`` labels
        the edges with output shapes. The result displays itself in a
        notebook and has ``.svg`` and ``.save(path)``.

        Example:
            >>> import dl_notebook as dn
            >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(8,)),
            ...                             dn.layers.OutputLayer(2)])
            >>> net.plot_network().svg.startswith("<svg")
            True
        """
        from ..graph import DagView

        return DagView.from_dag(self.to_dag(), expand=expand, show_shapes=show_shapes, **options)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return self.plot_network()._repr_mimebundle_(include=include, exclude=exclude)

    # -- Keras ---------------------------------------------------------------------
    @holds_lease
    def to_keras(self):
        """Return the network as a ``keras.Model`` (cached until the next edit).

        Layers untouched by edits keep their Keras objects, so a model
        trained before an edit lends its weights to the model after it.
        """
        if self._model is not None and self._model_version == self._version:
            return self._model
        if not self.input_names:
            raise NetworkEditError("The network has no InputLayer; add one first.")
        inputs, outputs = _engine.build_tensors(self)
        self._model = keras().Model(
            inputs=inputs[0] if len(inputs) == 1 else inputs,
            outputs=outputs[0] if len(outputs) == 1 else outputs,
            name=self.name,
        )
        self._model_version = self._version
        return self._model

    @classmethod
    def from_keras(cls, model, name=None):
        """Make a network from a Sequential or functional Keras model.

        Nested models (a ``keras.applications`` backbone inside a
        transfer-learning model) are opened up: their layers join the
        network with their edges and weights. The Keras layer objects are
        shared, not copied. Keras needs unique names in one model, so a layer
        whose name an earlier layer already has (nested models may repeat
        names) is renamed: ``<nested model>_<name>`` inside a nested model,
        ``<name>_1`` outside.

        Example:
            >>> import keras, dl_notebook as dn
            >>> x = keras.Input((4,), name="x"); y = keras.layers.Dense(2, name="d")(x)
            >>> dn.Network.from_keras(keras.Model(x, y)).layer_names
            ['x', 'd']
        """
        from .keras_import import import_model

        net = cls(name=name or model.name)
        import_model(net, model)
        return net
