"""Recurrent layer spec: LSTM, GRU or simple RNN, optionally bidirectional."""

from __future__ import annotations

from ..._keras import keras
from ...errors import InvalidArgumentError
from .base import Layer, check_activation, check_positive_int, check_rate
from .describe import Arg, Keyword

__all__ = ["Recurrent"]

_TYPES = {"lstm": "LSTM", "gru": "GRU", "rnn": "SimpleRNN"}
_OUTPUTS = ("encoding", "samelength")


class Recurrent(Layer):
    """A recurrent layer (DLPy ``Recurrent``).

    Args:
        n: number of units.
        rnn_type: ``"lstm"``, ``"gru"`` or ``"rnn"``.
        output_type: ``"encoding"`` (the last step's output: (units,)) or
            ``"samelength"`` (one output per step: (steps, units)).
        bidirectional: read the sequence both ways and concatenate.
        reversed_: read the sequence backwards.
        act: activation (default ``"tanh"``).
        dropout: dropout rate on the layer's inputs.

    Example:
        >>> import dl_notebook as dn
        >>> dn.layers.Recurrent(32, rnn_type="gru", output_type="samelength").rnn_type
        'gru'
    """

    prefix = "rnn"
    kind = "recurrent"
    reads_sequences = True
    args = (
        Arg("n", "int", keys=("units",), positional=True, form=True, start=32),
        Arg("rnn_type", choices=tuple(_TYPES), default="lstm", form=True),
        Arg("output_type", choices=_OUTPUTS, default="encoding", form=True,
            flags={"samelength": "samelength", "seq": "samelength", "sequences": "samelength",
                   "encoding": "encoding", "last": "encoding"}),
        Arg("bidirectional", "bool", False, flags={"bidirectional": True, "bi": True}, form=True),
        Arg("reversed_", "bool", False, key="reversed", keys=("reversed_",),
            flags={"reversed": True, "backwards": True}),
        Arg("act", "act", "tanh", keys=("activation",)),
        Arg("dropout", "num", 0.0),
    )
    keywords = (
        Keyword("lstm", ("n", "act"), preset={"rnn_type": "lstm"},
                example="lstm 64 bidirectional", help="LSTM (samelength: one output per step)"),
        Keyword("gru", ("n", "act"), preset={"rnn_type": "gru"}, example="gru 32 samelength",
                help="GRU"),
        Keyword("rnn", ("n", "act"), preset={"rnn_type": "rnn"}, example="rnn 32",
                help="simple RNN"),
        Keyword("recurrent", ("n", "act"), example="recurrent 32 rnn_type=gru",
                help="DLPy's Recurrent"),
    )

    def __init__(self, n, rnn_type="lstm", output_type="encoding", bidirectional=False,
                 reversed_=False, act="tanh", dropout=0, name=None):
        super().__init__(name=name)
        self.n = check_positive_int(n, "n", "Recurrent")
        rnn_type = str(rnn_type).lower()
        if rnn_type not in _TYPES:
            raise InvalidArgumentError(
                f"Recurrent: rnn_type must be one of {', '.join(_TYPES)}; got {rnn_type!r}."
            )
        if output_type not in _OUTPUTS:
            raise InvalidArgumentError(
                f"Recurrent: output_type must be 'encoding' or 'samelength'; got {output_type!r}."
            )
        self.rnn_type, self.output_type = rnn_type, output_type
        self.bidirectional, self.reversed_ = bool(bidirectional), bool(reversed_)
        self.act = check_activation(act, default="tanh", where="Recurrent")
        self.dropout = check_rate(dropout, "Recurrent")
        self._config = dict(n=self.n, rnn_type=rnn_type, output_type=output_type,
                            bidirectional=self.bidirectional or None)

    @property
    def type_name(self) -> str:
        return ("Bi" if self.bidirectional else "") + _TYPES[self.rnn_type]

    def check(self, in_shapes):
        self._needs_rank(in_shapes[0], (3,), "a sequence input (steps, features)")

    def make_layers(self, in_shapes, fresh):
        k = keras()
        cls = getattr(k.layers, _TYPES[self.rnn_type])
        inner_name = f"{self.name}_{self.rnn_type}" if self.bidirectional else self.name
        rnn = cls(self.n, activation=self.act or "linear", dropout=self.dropout,
                  return_sequences=self.output_type == "samelength",
                  go_backwards=self.reversed_, name=inner_name)
        if self.bidirectional:
            rnn = k.layers.Bidirectional(rnn, name=self.name)
        return [rnn]
