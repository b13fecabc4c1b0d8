"""One layer line of a ``%%dl`` cell (or of ``%dl add``) -> a plan holding its ``dn.layers`` spec.

A layer line is ``[NAME:] KEYWORD ARG… [key=value …]``. A positional
argument fills the first open slot of its kind (see
:mod:`~dl_notebook.magics.layer_table`), so ``pool max 2`` and
``pool 2 max`` mean the same; words such as ``bidirectional`` or ``valid``
are flags; ``key=value`` gives any argument of the spec by its DLPy name
(or an alias such as ``filters=``), ``name=`` names the layer and
``inputs=a,b`` names the layers that feed it. Specs are made here, in
plain Python, so a value the spec refuses is reported at its token.

Example:
    >>> from dl_notebook.magics.grammar import tokenize
    >>> from dl_notebook.magics.layer_line import parse_layer
    >>> plan = parse_layer(tokenize("conv1: conv 32 3x3 relu stride=2"))
    >>> plan.name, plan.cls_name, plan.kwargs
    ('conv1', 'Conv2d', {'n_filters': 32, 'width': 3, 'act': 'relu', 'stride': 2})
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import DLError
from .grammar import DLSyntaxError, Token, did_you_mean
from .layer_table import ACTIVATIONS, KeywordSyntax, accepts, all_words, convert, keyword_for
from .values import NAME_RE, auto_value, to_names, value_of

__all__ = ["LayerPlan", "parse_layer"]


@dataclass
class LayerPlan:
    """A parsed layer line: the spec to make, its name and the names of its inputs."""

    keyword: KeywordSyntax
    token: Token  # the keyword's token (carets for errors about the whole layer)
    kwargs: dict = field(default_factory=dict)
    explicit: set = field(default_factory=set)  # params given on the line
    params: dict = field(default_factory=dict)  # param -> the token that gave it
    name: str | None = None
    name_token: Token | None = None
    inputs: list = field(default_factory=list)  # Tokens of explicitly named inputs
    values: list = field(default_factory=list)  # positional values of a `keras` line
    spec: object = None

    @property
    def cls_name(self) -> str:
        return self.keyword.cls

    def make_spec(self):
        """Create the ``dn.layers`` spec (pure Python) or, for ``keras`` lines, the Keras layer.

        A value the spec refuses becomes a :class:`DLSyntaxError` with the
        caret under the token that gave it.
        """
        try:
            if self.cls_name == "KerasLayer":
                self.spec = self._keras_layer()
            else:
                self.spec = self.keyword.spec(**self.kwargs, name=self.name)
        except DLSyntaxError:
            raise
        except (DLError, TypeError, ValueError) as err:
            message = str(err).strip().splitlines()[0].rstrip(".") if str(err).strip() else \
                type(err).__name__
            raise DLSyntaxError.at(self._culprit(message), message) from None
        return self.spec

    def _culprit(self, message) -> Token:
        for param, tok in self.params.items():
            if param.rstrip("_") in message:
                return tok
        return self.token

    def _keras_layer(self):
        from .._keras import keras

        layers = keras().layers
        cls_tok = self.params["class"]
        cls = getattr(layers, cls_tok.text, None)
        if not isinstance(cls, type) or not issubclass(cls, layers.Layer):
            names = [n for n in dir(layers) if n[:1].isupper()]
            raise DLSyntaxError.at(cls_tok, f"keras.layers has no layer `{cls_tok.text}`",
                                   did_you_mean(cls_tok.text, names))
        kwargs = dict(self.kwargs)
        if self.name is not None:
            kwargs["name"] = self.name
        try:
            return cls(*self.values, **kwargs)
        except Exception as err:  # whatever the layer raises (OSError for a missing file, …)
            first = (str(err).strip().splitlines() or [type(err).__name__])[0].rstrip(".")
            if len(first) > 200:
                first = first[:200] + "…"
            raise DLSyntaxError.at(cls_tok, f"keras.layers.{cls_tok.text} refused the "
                                            f"arguments ({type(err).__name__}: {first})") from None


def _split_label(tokens: list[Token]):
    """``conv1: conv …`` or ``conv1:conv …`` -> (label token, remaining tokens)."""
    first = tokens[0]
    if first.quoted or ":" not in first.text:
        return None, tokens
    label, _, rest = first.text.partition(":")
    label_tok = first.part(0, label)
    if not NAME_RE.match(label):
        raise DLSyntaxError.at(label_tok if label else first,
                               f"`{label}` cannot be a layer name" if label else
                               "a layer name is missing before `:`",
                               "use letters, digits, `_`, `-` or `.`, starting with a letter")
    rest_tokens = tokens[1:]
    if rest:
        rest_tokens = [first.part(len(label) + 1, rest), *rest_tokens]
    if not rest_tokens:
        raise DLSyntaxError.after(first, f"layer `{label}` needs a layer type after the colon",
                                  "e.g. `conv1: conv 32 3x3 relu`")
    return label_tok, rest_tokens


def parse_layer(tokens: list[Token], *, sequence=False, defined=None) -> LayerPlan:
    """Read one layer line (already tokenized) into a :class:`LayerPlan`.

    Args:
        tokens: the line's tokens.
        sequence: the network reads sequences, so ``conv`` means ``conv1d``.
        defined: layer names defined so far (a word that is both an
            activation and a defined name is read as the name in ``res``/``concat``).

    Example:
        >>> from dl_notebook.magics.grammar import tokenize
        >>> from dl_notebook.magics.layer_line import parse_layer
        >>> plan = parse_layer(tokenize("lstm 64 bidirectional samelength"))
        >>> plan.cls_name, plan.kwargs["output_type"], plan.kwargs["bidirectional"]
        ('Recurrent', 'samelength', True)
    """
    if not tokens:
        raise DLSyntaxError("a layer is missing", hint="e.g. `conv 32 3x3 relu`")
    label, tokens = _split_label(tokens)
    head = tokens[0]
    keyword = keyword_for(head.text) if not head.quoted else None
    if keyword is None:
        raise DLSyntaxError.at(head, f"unknown layer type `{head.text}`",
                               did_you_mean(head.text.lower(), all_words()) or
                               "`%dl help layers` lists the layer types")
    if sequence and keyword.source.sequence:
        keyword = keyword_for(keyword.source.sequence)
    plan = LayerPlan(keyword, head, kwargs=dict(keyword.preset))
    if label is not None:
        plan.name, plan.name_token = label.text, label
    open_slots = list(keyword.slots)
    for tok in tokens[1:]:
        if tok.text.startswith("--") and not tok.quoted:
            raise DLSyntaxError.at(tok, f"`{tok.text}` is an option of a %dl command, not of a "
                                        "layer", "give layer arguments as key=value")
        if "=" in tok.text and not tok.quoted:
            _option(plan, tok)
        elif keyword.word != "keras" and tok.text.lower() in keyword.flags:
            param, value = keyword.flags[tok.text.lower()]
            _set(plan, param, value, tok)
        else:
            _positional(plan, tok, open_slots, defined)
    missing = [s for s in open_slots if s[2] and s[0] not in plan.explicit
               and not (s[1] == "names" and plan.inputs)]
    if missing:
        what = {"int": "a number", "size": "a size", "kernel": "a size", "size1": "a size",
                "names": "layer names", "shape": "a shape", "rshape": "a shape",
                "class": "a keras.layers class name"}
        param, kind, _ = missing[0]
        raise DLSyntaxError.after(tokens[-1], f"`{keyword.word}` needs "
                                              f"{what.get(kind, param)} ({param})",
                                  f"e.g. `{keyword.example}`")
    if (keyword.spec.min_inputs or 0) >= 2 and len(plan.inputs) == 1:
        raise DLSyntaxError.after(plan.inputs[0], f"`{keyword.word}` joins two or more layers; "
                                                  "name one more", f"e.g. `{keyword.example}`")
    if keyword.cls != "KerasLayer":
        plan.make_spec()
    return plan


def _set(plan: LayerPlan, param, value, tok):
    if param in plan.explicit:
        raise DLSyntaxError.at(tok, f"`{param}` is given twice")
    plan.kwargs[param] = value
    plan.explicit.add(param)
    plan.params[param] = tok


def _option(plan: LayerPlan, tok: Token):
    key, vtok = value_of(tok)
    if key == "name":
        if plan.name is not None:
            raise DLSyntaxError.at(tok, "the layer is named twice")
        if not NAME_RE.match(vtok.text):
            raise DLSyntaxError.at(vtok, f"`{vtok.text}` cannot be a layer name")
        plan.name, plan.name_token = vtok.text, vtok
        return
    if key == "inputs":
        if plan.inputs:
            raise DLSyntaxError.at(tok, "the inputs are given twice")
        plan.inputs = to_names(vtok)
        return
    if plan.keyword.word == "keras":
        if not key.isidentifier():
            raise DLSyntaxError.at(tok, f"`{key}` cannot be an argument name")
        _set(plan, key, auto_value(vtok), vtok)
        return
    options = plan.keyword.options
    if key.lower() not in options:
        known = sorted(options) + ["name", "inputs"]
        raise DLSyntaxError.at(tok.part(0, key) if key else tok,
                               f"`{plan.keyword.word}` has no argument `{key}`",
                               did_you_mean(key.lower(), known) or
                               f"it takes {', '.join(known)}")
    param, kind = options[key.lower()]
    _set(plan, param, convert(kind, vtok), vtok)


def _positional(plan: LayerPlan, tok: Token, open_slots, defined):
    for slot in open_slots:
        param, kind, _ = slot
        if param in plan.explicit or not accepts(kind, tok, defined):
            continue
        if kind == "names":
            plan.inputs.extend(to_names(tok))
        elif kind == "values":
            plan.values.append(auto_value(tok))
        elif kind == "class":
            if not tok.text.isidentifier():
                raise DLSyntaxError.at(tok, f"`{tok.text}` is not a class name",
                                       "e.g. `keras LayerNormalization`")
            plan.params["class"] = tok
            open_slots.remove(slot)
        else:
            _set(plan, param, convert(kind, tok), tok)
            open_slots.remove(slot)
        return
    for param, kind, _ in plan.keyword.slots:
        if param in plan.explicit and kind not in ("names", "values") and accepts(kind, tok,
                                                                                   defined):
            raise DLSyntaxError.at(tok, f"`{param}` is given twice ({plan.params[param].text} "
                                        f"and {tok.text})")
    if re.fullmatch(r"[0-9.x?/eE+\-]+", tok.text):  # a malformed number: say what was expected
        for _param, kind, _ in open_slots:
            if kind in ("int", "num", "size", "kernel", "size1", "shape", "rshape"):
                convert(kind, tok)
    expected = [s[0] for s in open_slots] + sorted(plan.keyword.flags)
    hint = did_you_mean(tok.text.lower(), list(plan.keyword.flags) + list(ACTIVATIONS)) or (
        f"e.g. `{plan.keyword.example}`")
    what = f"; it takes {', '.join(expected)}" if expected else ""
    raise DLSyntaxError.at(tok, f"`{plan.keyword.word}` does not take `{tok.text}` here{what}",
                           hint)
