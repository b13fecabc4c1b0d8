"""Layer keywords of ``%%dl`` cells, read off the layer types themselves.

``conv 32 3x3 relu`` -> ``dn.layers.Conv2d(32, 3, act="relu")``. Each layer
type declares its keywords and arguments (see
:mod:`dl_notebook.model.layers.describe`); this module turns them into what
the parser reads: *slots* (``(param, kind, required)`` for positional
arguments in order), *flags* (words that set one argument: ``valid``,
``bidirectional``) and *options* (``key=`` names, DLPy's and Keras' aliases
such as ``filters`` included, to an argument and a kind). A kind says how a
value is read: ``int``, ``num`` (``0.5``, ``1e-3``, ``1/255``), ``size``
(``3`` or ``3x5``), ``kernel`` (a size, written back as ``3x3``),
``shape`` (``32x32x1``, ``?`` for a free size), ``act`` (an activation
name), a :class:`Choice` of words, ``names`` (layer names).

Example:
    >>> from dl_notebook.magics.layer_table import keyword_for
    >>> kw = keyword_for("fc")
    >>> kw.word, kw.cls, kw.slots
    ('dense', 'Dense', (('n', 'int', True), ('act', 'act', False)))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..model.layers.base import ACTIVATIONS as _ACTIVATIONS
from ..model.layers.describe import REQUIRED, layer_types, registry_version
from .grammar import DLSyntaxError, Token, did_you_mean
from .values import NAME_RE, auto_value, to_bool, to_int, to_number, to_shape, to_size

__all__ = ["KeywordSyntax", "KEYWORDS", "ACTIVATIONS", "Choice", "keyword_for", "keywords",
           "aliases", "all_words", "convert"]

ACTIVATIONS = tuple(sorted(_ACTIVATIONS))


@dataclass(frozen=True)
class Choice:
    """A value kind that is one of some words; *values* maps a word to the value it gives."""

    words: tuple
    values: tuple = ()  # (word, value) pairs where a word gives another value

    @classmethod
    def of(cls, choices):
        if isinstance(choices, dict):
            return cls(tuple(choices), tuple((w, v) for w, v in choices.items() if w != v))
        return cls(tuple(choices))

    def value(self, word):
        return dict(self.values).get(word, word)


@dataclass(frozen=True)
class KeywordSyntax:
    """One layer keyword as the parser reads it: the layer type it makes, how values are read.

    ``slots``: ``(param, kind, required)`` for positional arguments in
    order; ``flags``: word -> ``(param, value)``; ``options``: key ->
    ``(param, kind)``; ``preset``: arguments always passed; ``spec``: the
    layer type; ``source``: its declared :class:`~dl_notebook.model.layers.describe.Keyword`.
    """

    word: str
    cls: str
    slots: tuple = ()
    flags: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    preset: dict = field(default_factory=dict)
    example: str = ""
    help: str = ""
    spec: type | None = None
    source: object = None


def _kind(arg):
    return Choice.of(arg.choices) if arg.choices else arg.kind


def _keyword(cls, kw) -> KeywordSyntax:
    by_name = {arg.name: arg for arg in cls.args}
    slots = tuple(("inputs", "names", True) if s == "inputs" else
                  (s, _kind(by_name[s]), by_name[s].default is REQUIRED) for s in kw.slots)
    flags, options = {}, {}
    for arg in cls.args:
        if arg.name in kw.preset or arg.kind in ("class", "values"):
            continue
        for word, value in arg.flags.items():
            flags[word] = (arg.name, value)
        for key in dict.fromkeys((arg.name, arg.key, *arg.keys)):
            options[key] = (arg.name, _kind(arg))
    return KeywordSyntax(kw.word, cls.__name__, slots, flags, options, dict(kw.preset),
                         kw.example, kw.help, cls, kw)


_cache = {"version": -1, "keywords": {}, "aliases": {}}


def _tables():
    if _cache["version"] != registry_version():
        table, alias = {}, {}
        for cls in layer_types():
            for kw in cls.keywords:
                table[kw.word] = _keyword(cls, kw)
                alias.update({a: kw.word for a in kw.aliases})
        _cache.update(version=registry_version(), keywords=table, aliases=alias)
    return _cache["keywords"], _cache["aliases"]


def keywords() -> dict[str, KeywordSyntax]:
    """Every layer keyword (aliases not included) -> its :class:`KeywordSyntax`."""
    return dict(_tables()[0])


def aliases() -> dict[str, str]:
    """Alias -> the keyword it stands for (``fc`` -> ``dense``)."""
    return dict(_tables()[1])


class _LiveKeywords(Mapping):
    """``KEYWORDS``: the keyword table as it stands, layer types defined later included."""

    def __getitem__(self, word):
        return _tables()[0][word]

    def __iter__(self):
        return iter(_tables()[0])

    def __len__(self):
        return len(_tables()[0])


KEYWORDS: Mapping[str, KeywordSyntax] = _LiveKeywords()


def keyword_for(word: str) -> KeywordSyntax | None:
    """The keyword for *word* (aliases such as ``fc`` included), or None."""
    table, alias = _tables()
    word = word.lower()
    return table.get(alias.get(word, word))


def all_words() -> list[str]:
    """Every layer keyword and alias, sorted."""
    table, alias = _tables()
    return sorted(set(table) | set(alias))


def accepts(kind: str, tok: Token, defined) -> bool:
    text = tok.text.lower()
    if kind in ("class", "values"):
        return True
    if tok.quoted:
        return False
    if kind == "act":
        return text in _ACTIVATIONS
    if isinstance(kind, Choice):
        return text in kind.words
    if kind == "names":
        return NAME_RE.match(tok.text) is not None and (
            text not in _ACTIVATIONS or (defined is not None and tok.text in defined))
    try:
        convert(kind, tok)
    except DLSyntaxError:
        return False
    return True


def convert(kind: str, tok: Token):
    """The value of *tok* read as *kind* (a slot or option kind), or DLSyntaxError."""
    text = tok.text
    if kind == "int":
        return to_int(tok)
    if kind == "axis":
        value = to_int(tok, "a non-zero axis", minimum=None)
        if value == 0:
            raise DLSyntaxError.at(tok, "the axis must not be 0 (the batch axis)")
        return value
    if kind == "num":
        return to_number(tok)
    if kind == "nums":
        parts = text.split(",")
        start, out = 0, []
        for part in parts:
            out.append(to_number(tok.part(start, part)))
            start += len(part) + 1
        return out[0] if len(out) == 1 else out
    if kind in ("size", "kernel"):
        return to_size(tok)
    if kind == "size1":
        return to_size(tok, "one size (a 1-D layer has one kernel size)", dims=(1,))
    if kind == "shape":
        return to_shape(tok)
    if kind == "rshape":
        return to_shape(tok, "a shape such as 7x7x16 (-1 for one free size)", free="-1")
    if kind == "bool":
        return to_bool(tok)
    if kind == "act":
        if text.lower() not in _ACTIVATIONS:
            raise DLSyntaxError.at(tok, f"unknown activation `{text}`",
                                   did_you_mean(text.lower(), ACTIVATIONS))
        return text.lower()
    if isinstance(kind, Choice):
        word = text.lower()
        if word not in kind.words:
            raise DLSyntaxError.at(tok, f"expected one of {', '.join(kind.words)}, "
                                        f"got `{text}`", did_you_mean(word, kind.words))
        return kind.value(word)
    if kind == "word":
        if not text:
            raise DLSyntaxError.at(tok, "expected a word, got nothing")
        return text
    return auto_value(tok)
