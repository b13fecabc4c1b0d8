"""DLPy's base network: the stand-in CAS connection and the model state kept between calls.

DLPy talks to a SAS Viya server through a CAS connection (``swat.CAS``);
here everything runs in the Python process, so :func:`connect` returns a
:class:`Connection` that every DLPy-style call accepts and ignores.
:class:`Network` is DLPy's ``dlpy.network.Network``: a core
:class:`dl_notebook.Network` that also remembers its last results
(``training_history``, ``valid_conf_mat``, …) as DLPy models do.
"""

from __future__ import annotations

from ..errors import InvalidArgumentError
from ..model.layers.base import check_name
from ..model.network import Network as CoreNetwork
from ._data import table_name
from ._inferred import hold, source_name
from ._scoring import ScoringMixin

__all__ = ["Connection", "connect", "Network"]


class Connection:
    """What ``swat.CAS(...)`` returns in DLPy: here a placeholder that holds nothing.

    Every DLPy-style function and class of :mod:`dl_notebook.dlpy` that
    takes a connection as its first argument accepts one of these (or any
    object, or None) and ignores it.

    Args:
        args, kwargs: the host, port and credentials DLPy would pass; kept
            only for ``repr``.

    Example:
        >>> from dl_notebook import dlpy
        >>> s = dlpy.connect("cas.example.com", 5570)
        >>> s
        Connection(local)
    """

    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs

    def __repr__(self):
        return "Connection(local)"


def connect(*args, **kwargs) -> Connection:
    """Return a :class:`Connection` (DLPy's ``s = swat.CAS(host, port)``).

    Args:
        args, kwargs: accepted and ignored (host, port, user names …).

    Example:
        >>> from dl_notebook import dlpy
        >>> isinstance(dlpy.connect(), dlpy.Connection)
        True
    """
    return Connection(*args, **kwargs)


class Network(ScoringMixin, CoreNetwork):
    """DLPy's ``Network``: a core network that takes DLPy's ``conn`` and ``model_table``.

    Args:
        conn: a :class:`Connection` (or anything); ignored.
        model_table: the model's name (DLPy names the CAS table that holds
            the model; here it names the network).
        name: the same as *model_table* (core spelling).
        layers: layers to add one after the other.

    Example:
        >>> from dl_notebook import dlpy
        >>> dlpy.network.Network(dlpy.connect(), model_table="SIMPLE").name
        'SIMPLE'
    """

    def __init__(self, conn=None, model_table=None, *, name=None, layers=None):
        if model_table is not None and name is not None and model_table != name:
            raise InvalidArgumentError("Give the model's name once: model_table= or name=.")
        super().__init__(name=table_name(model_table) or name, layers=layers)
        self.conn = conn
        self.training_history = None
        self.valid_conf_mat = None
        self.valid_score = None
        self.valid_res_tbl = None
        self.valid_res = None
        self.score_res = None
        self.pending_layers = []  # layers waiting for the first fit's data (see _inferred)

    def add(self, layer, inputs=None) -> None:
        """Add *layer*; a DLPy layer's ``src_layers=[...]`` (layers already added) are its inputs.

        A block of :mod:`dl_notebook.dlpy.blocks` adds its layers after
        *inputs* (default: the last layer).

        Example:
            >>> from dl_notebook import dlpy
            >>> from dl_notebook.dlpy.layers import InputLayer, Dense, Res
            >>> model = dlpy.Model(None)
            >>> x = InputLayer(1, 4, 4, name="x"); model.add(x)
            >>> a = Dense(8, name="a", src_layers=[x]); model.add(a)
            >>> b = Dense(8, name="b", src_layers=[x]); model.add(b)
            >>> model.add(Res(src_layers=[a, b]))
            >>> model.edges[-2:]
            [('a', 'res1'), ('b', 'res1')]
        """
        from .blocks import Block

        if hold(self, layer, inputs):  # its size (or a layer before it) comes from the data
            return
        if isinstance(layer, Block):  # DLPy's blocks add their layers after one source
            sources = self._default_inputs(None) if inputs is None else self._names(inputs)
            if len(sources) != 1:
                raise InvalidArgumentError("A block reads one layer; give inputs= one name.")
            layer.add_to(self, sources[0])
            return
        sources = getattr(layer, "_src_layers", None)
        if inputs is None and sources:
            inputs = [source_name(src) for src in sources]
        super().add(layer, inputs=inputs)

    @property
    def layers(self) -> list:
        """The layers in order (DLPy's ``model.layers``), waiting ones included."""
        return list(self) + [layer for layer, _ in self.pending_layers]

    @property
    def model_table(self) -> dict:
        """DLPy's model table description: ``{'name': <the network's name>}``."""
        return {"name": self.name}

    @classmethod
    def from_network(cls, net, conn=None, model_table=None):
        """Take over a built core network, with its layers and weights, as this class.

        The layers (and their Keras layers, weights included) move to the
        new model; *net* is left empty.

        Args:
            net: a built :class:`dl_notebook.Network` (a zoo network, say).
            conn: ignored.
            model_table: a new name; default *net*'s name.

        Example:
            >>> import dl_notebook as dn
            >>> from dl_notebook import dlpy
            >>> net = dn.Sequential("tiny", [dn.layers.InputLayer(shape=(4,)),
            ...                              dn.layers.OutputLayer(2)])
            >>> model = dlpy.Model.from_network(net)
            >>> model.name, model.layer_names, len(net)
            ('tiny', ['input1', 'output1'], 0)
        """
        if not isinstance(net, CoreNetwork):
            raise InvalidArgumentError(
                f"from_network takes a dl_notebook Network; got {type(net).__name__}."
            )
        model = cls(conn, model_table=check_name(model_table) or net.name)
        model._take_over(net)
        return model

    def _take_over(self, net) -> None:
        """Move the layers of the core network *net* (weights included) into this empty one."""
        model = self
        with net.lease.hold():
            model._specs, model._order = net._specs, net._order
            model._output_order = list(net._output_order)
            for spec in model._specs.values():
                spec._network = model
            net._specs, net._order, net._output_order = {}, [], []
            net._model, net._model_version = None, -1
            net._version += 1
            model._version += 1
        # The Keras model is rebuilt on demand from the same Keras layers (weights kept).

    def to_functional_model(self, stop_layers=None):
        """A copy of this model as a functional ``Model`` (DLPy ``to_functional_model``).

        The copy has the same layers, edges and weights, in new layer
        objects, so training one leaves the other as it was.

        Args:
            stop_layers: a layer or layers (objects or names) where the copy
                stops: they and every layer after them are left out (DLPy's
                way to take a network's feature extractor).

        Returns:
            A :class:`~dl_notebook.dlpy.model.Model`.

        Example:
            >>> from dl_notebook import dlpy
            >>> from dl_notebook.dlpy.layers import Dense, InputLayer, OutputLayer
            >>> seq = dlpy.Sequential(None, [InputLayer(4), Dense(3), OutputLayer(n=2)], "s")
            >>> seq.to_functional_model(stop_layers="output1").layer_names
            ['input1', 'fc1']
        """
        from ..model.layers.keras_layer import KerasLayer
        from .model import Model

        stops = stop_layers if isinstance(stop_layers, (list, tuple, set)) else [stop_layers]
        stops = {getattr(layer, "name", layer) for layer in stops if layer is not None}
        model = Model(self.conn, model_table=self.name)
        for name in self.layer_names:
            spec = self[name]
            if name in stops or any(src not in model for src in spec.inputs):
                continue
            if isinstance(spec, KerasLayer):
                source = spec.keras_layer
                copy = type(source).from_config(source.get_config())
            else:
                copy = type(spec)(**spec.arguments(), name=name)
            model.add(copy, inputs=spec.inputs or None)
            model[name].set_weights(spec.get_weights())
        return model

    def compile(self):
        """Check the graph by building its Keras model (DLPy ``compile``; nothing else to do)."""
        self.to_keras()

