"""How a layer type describes itself: its arguments, its ``%%dl`` keywords, its kind.

A layer type (a subclass of :class:`~dl_notebook.layers.Layer`) declares, as
class data, everything the rest of the house needs to know about it:

- ``args``: its constructor arguments as :class:`Arg` records (how a ``%%dl``
  value is read, the default, other names accepted for it, flag words, whether
  the model builder shows it);
- ``keywords``: its ``%%dl`` keywords as :class:`Keyword` records (positional
  slots, preset arguments, an example and a line of help);
- ``kind``: its colour category in the DAG view (one of
  :data:`dl_notebook.graph.KINDS`), and ``prefix``, the stem of automatic names.

The ``%%dl`` parser and its completion, ``%dl code`` and ``python_code``, the
model builder's forms and the DAG view read these records; nothing else lists
layer types. A class that declares ``keywords`` is registered when it is
defined, so a layer type in a file of its own is known everywhere once that
file is imported.

Example:
    >>> from dl_notebook.model.layers.describe import layer_type, layer_types
    >>> cls = layer_type("Dense")
    >>> [arg.name for arg in cls.args][:3]
    ['n', 'act', 'dropout']
    >>> cls.keywords[0].word, cls.keywords[0].slots
    ('dense', ('n', 'act'))
    >>> "Conv2d" in [t.__name__ for t in layer_types()]
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...errors import InvalidArgumentError

__all__ = ["REQUIRED", "Arg", "Keyword", "layer_type", "layer_types", "register",
           "arguments", "registry_version"]


class _Required:
    def __repr__(self):
        return "REQUIRED"


REQUIRED: Any = _Required()
"""The default of an argument that must be given."""


@dataclass(frozen=True)
class Arg:
    """One constructor argument of a layer type.

    Args:
        name: the constructor parameter; the spec keeps its value in the
            attribute of the same name (or *attr*).
        kind: how ``%%dl`` reads a value: ``"int"``, ``"num"`` (``0.5``,
            ``1/255``), ``"nums"`` (``0.1,0.2``), ``"size"`` (``3`` or
            ``3x5``), ``"kernel"`` (a size written as ``3x3``), ``"size1"``,
            ``"shape"`` (``32x32x1``), ``"rshape"`` (``7x7x-1``), ``"act"``
            (an activation), ``"bool"``, ``"axis"``, ``"word"`` or ``"auto"``
            (whatever the text reads as). With *choices* the kind is a choice.
        default: the value when the argument is not given; :data:`REQUIRED`
            when it must be; a callable of the spec when it depends on other
            arguments (``lambda spec: spec.width``).
        choices: the words accepted, as a tuple, or as a dict from word to
            value (``{"avg": "mean", ...}``).
        keys: other names ``key=`` accepts for it (DLPy's and Keras' names).
        key: the name written in ``%%dl`` (default *name*).
        flags: ``%%dl`` words that alone set the argument, word -> value.
        positional: a leading argument, written positionally (and always) in Python code.
        form: shown in the model builder's form.
        start: the builder's starting value when there is no default.
        attr: the spec attribute holding the value (default *name*).
        written: False for another way of giving an argument that the spec
            folds into one written elsewhere (``height`` into ``width``).

    Example:
        >>> from dl_notebook.model.layers.describe import Arg
        >>> Arg("rate", "num", 0.5, positional=True, form=True).key
        'rate'
    """

    name: str
    kind: str = "auto"
    default: Any = REQUIRED
    choices: tuple | dict = ()
    keys: tuple = ()
    key: str | None = None
    flags: dict = field(default_factory=dict)
    positional: bool = False
    form: bool = False
    start: Any = REQUIRED
    attr: str | None = None
    written: bool = True

    def __post_init__(self):
        if self.key is None:
            object.__setattr__(self, "key", self.name)

    def value(self, spec):
        """The argument's value in *spec*."""
        return getattr(spec, self.attr or self.name)

    def default_for(self, spec):
        """The default, worked out for *spec* where it depends on other arguments."""
        return self.default(spec) if callable(self.default) else self.default

    @property
    def choice_values(self) -> tuple:
        """The distinct values of the choices, in order (what a form offers)."""
        values = self.choices.values() if isinstance(self.choices, dict) else self.choices
        return tuple(dict.fromkeys(values))


@dataclass(frozen=True)
class Keyword:
    """A ``%%dl`` keyword of a layer type: ``conv 32 3x3 relu``.

    Args:
        word: the keyword.
        slots: names of the arguments read positionally, in order, by the
            kind of value (``"inputs"`` for the names of the layers joined).
        preset: arguments the keyword always sets (``maxpool`` sets
            ``pool="max"``).
        aliases: other words for the keyword.
        shown: slots written back even when they hold the default
            (``conv 6 5x5 relu``).
        sequence: the keyword that this word means in a sequence network
            (``conv`` means ``conv1d`` there).
        example: a line that uses it.
        help: what it makes, in a few words.

    Example:
        >>> from dl_notebook.model.layers.describe import Keyword
        >>> Keyword("maxpool", ("width",), preset={"pool": "max"}).preset
        {'pool': 'max'}
    """

    word: str
    slots: tuple = ()
    preset: dict = field(default_factory=dict)
    aliases: tuple = ()
    shown: tuple = ()
    sequence: str | None = None
    example: str = ""
    help: str = ""


_REGISTRY: dict[str, type] = {}
_version = [0]


def register(cls) -> type:
    """Make *cls* known to ``%%dl``, the code writers and the builder (done by ``Layer``).

    A class of the same name replaces the one registered before (a notebook
    cell run twice).
    """
    names = {arg.name for arg in cls.args} | {"inputs", "class", "args"}
    for kw in cls.keywords:
        unknown = [s for s in (*kw.slots, *kw.preset, *kw.shown) if s not in names]
        if unknown:
            raise InvalidArgumentError(
                f"{cls.__name__}: keyword {kw.word!r} names {', '.join(unknown)}, which are not "
                f"among its args; declare them as Arg(...) in {cls.__name__}.args."
            )
    _REGISTRY[cls.__name__] = cls
    _version[0] += 1
    return cls


def registry_version() -> int:
    """A number that changes whenever a layer type is registered (for caches)."""
    return _version[0]


def layer_types() -> list[type]:
    """The registered layer types, in the order they were defined."""
    return list(_REGISTRY.values())


def layer_type(name: str) -> type:
    """The registered layer type called *name* (``"Conv2d"``)."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise InvalidArgumentError(
            f"There is no layer type {name!r}; the types are {', '.join(_REGISTRY)}."
        ) from None


def _differs(value, default) -> bool:
    if default is REQUIRED:
        return True
    if default is None:
        return value is not None
    try:
        return bool(value != default)
    except (TypeError, ValueError):  # arrays
        return True


def _plain(value):
    """NumPy arrays and scalars as Python lists and numbers."""
    return value.tolist() if hasattr(value, "tolist") else value


def arguments(spec) -> dict:
    """The arguments of *spec* that differ from their defaults, and the positional ones.

    Running ``type(spec)(**arguments(spec), name=spec.name)`` makes the same layer.

    Example:
        >>> import dl_notebook as dn
        >>> from dl_notebook.model.layers.describe import arguments
        >>> arguments(dn.layers.Conv2d(8, 3, stride=2, act="identity"))
        {'n_filters': 8, 'width': 3, 'stride': 2, 'act': None}
    """
    out = {}
    for arg in type(spec).args:
        if not arg.written:
            continue
        value = _plain(arg.value(spec))
        if arg.positional or _differs(value, arg.default_for(spec)):
            out[arg.name] = value
    return out
