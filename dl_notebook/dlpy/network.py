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


class Network(CoreNetwork):
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
        if isinstance(model_table, dict):  # DLPy also takes a CAS table description
            model_table = model_table.get("name")
        super().__init__(name=model_table or name, layers=layers)
        self.conn = conn
        self.training_history = None
        self.valid_conf_mat = None
        self.valid_score = None
        self.valid_res_tbl = None
        self.valid_res = None
        self.score_res = None

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
        with net.lease.hold():
            model = cls(conn, model_table=check_name(model_table) or net.name)
            model._specs, model._order = net._specs, net._order
            model._output_order = list(net._output_order)
            for spec in model._specs.values():
                spec._network = model
            net._specs, net._order, net._output_order = {}, [], []
            net._model, net._model_version = None, -1
            net._version += 1
        # The Keras model is rebuilt on demand from the same Keras layers (weights kept).
        return model
