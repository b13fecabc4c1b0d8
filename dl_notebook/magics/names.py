"""The names ``%%dl model NAME`` and ``%dl data NAME`` bind in the notebook.

A name must be a Python variable the notebook can spare (not a builtin, not one
of IPython's own names, not ``_…``), and it may replace a network or a dataset
(running a cell again) but nothing else unless the command says ``--force``.
"""

from __future__ import annotations

import builtins
import keyword as _pykeyword

from .grammar import DLSyntaxError

__all__ = ["check_binding", "check_variable"]

# Names the notebook itself needs: binding a network or dataset to one breaks later cells.
_RESERVED = frozenset(dir(builtins)) | {"In", "Out", "get_ipython", "exit", "quit", "display"}


def check_variable(token) -> str:
    """*token*'s text as a Python variable name the notebook can spare, or DLSyntaxError.

    Python's builtins, IPython's own names (``In``, ``get_ipython``, …) and
    names starting with ``_`` are refused: binding a network to one would
    break every later cell.
    """
    name = token.text
    if not name.isidentifier() or _pykeyword.iskeyword(name):
        raise DLSyntaxError.at(token, f"`{name}` cannot be a Python variable name",
                               "use letters, digits and `_`, starting with a letter")
    if name.startswith("_") or name in _RESERVED:
        raise DLSyntaxError.at(token, f"`{name}` is a name Python or IPython needs",
                               f"choose another name, e.g. `my_{name.strip('_') or 'model'}`")
    return name


def _is_network_or_data(value) -> bool:
    from ..data._base import Dataset
    from ..model import Network

    return isinstance(value, (Network, Dataset)) or (
        isinstance(value, tuple) and len(value) == 2 and hasattr(value[0], "shape"))


def _describe(value) -> str:
    """What *value* is, in a few words: ``an int (3)``, ``the module numpy``."""
    import inspect

    if inspect.ismodule(value):
        return f"the module {value.__name__}"
    if inspect.isclass(value) or inspect.isroutine(value):
        kind = "class" if inspect.isclass(value) else "function"
        return f"the {kind} {getattr(value, '__qualname__', type(value).__name__)}"
    kind = type(value).__name__
    text = " ".join(repr(value).split())
    shown = f" ({text})" if len(text) <= 30 else ""
    return f"{'an' if kind[:1].lower() in 'aeiou' else 'a'} {kind}{shown}"


def check_binding(ns, token, *, force=False) -> None:
    """Refuse to bind *token*'s name in *ns* over something that is not a network or dataset.

    ``x = 3`` and then ``%%dl model x`` would silently throw the 3 away;
    networks and datasets are what ``%%dl model`` and ``%dl data`` make, so
    replacing one of them is the normal way to run a cell again. ``--force``
    (*force*) replaces anything.

    Args:
        ns: the notebook's namespace (a dict).
        token: the NAME token of the command.
        force: True when the command says ``--force``.

    Raises:
        DLSyntaxError: one sentence naming what the name holds and the flag.

    Example:
        >>> from dl_notebook.magics.grammar import tokenize
        >>> from dl_notebook.magics.names import check_binding
        >>> name = tokenize("x")[0]
        >>> check_binding({"x": 3}, name)
        Traceback (most recent call last):
        dl_notebook.magics.grammar.DLSyntaxError: column 1: `x` already holds an int (3); add --force to replace it, or choose another name.
        >>> check_binding({"x": 3}, name, force=True)
    """
    name = token.text
    if force or name not in ns or _is_network_or_data(ns[name]):
        return
    raise DLSyntaxError.at(token, f"`{name}` already holds {_describe(ns[name])}",
                           "add --force to replace it, or choose another name")
