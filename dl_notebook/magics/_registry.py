"""The table of ``%dl`` subcommands, and looking up what a subcommand names in the notebook.

Example:
    >>> from dl_notebook.magics._registry import COMMANDS
    >>> import dl_notebook.magics.commands  # registers the subcommands
    >>> "train" in COMMANDS
    True
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidArgumentError
from .grammar import DLSyntaxError, did_you_mean
from .options import CommandSpec

__all__ = ["Command", "COMMANDS", "GROUPS", "command", "groups", "networks", "datasets", "find_network", "find_data",
           "find_layer", "find_result"]


GROUPS = ("Build and edit", "Data and training", "Inspect", "Deploy and tune", "Help")
"""The headings of ``%dl help``, in order; a subcommand names its group."""


@dataclass(frozen=True)
class Command:
    """A subcommand: its grammar, the function that runs it (``run(ns, parsed)``), its group."""

    spec: CommandSpec
    run: object
    group: str = "More"


COMMANDS: dict[str, Command] = {}


def command(name, positionals=(), options=(), help="", examples=(), rest=None,
             rest_required=False, group="More"):
    """Register the decorated ``run(ns, parsed)`` as the subcommand ``%dl NAME``.

    Its grammar (*positionals*, *options*, *rest*), *help* and *examples*
    make the usage text, the parser and tab completion; *group* is its
    heading in ``%dl help`` (one of :data:`GROUPS`, or a new one).
    """
    def register(func):
        spec = CommandSpec(name, tuple(positionals), tuple(options), help, tuple(examples),
                           rest, rest_required)
        COMMANDS[name] = Command(spec, func, group)
        return func
    return register


def groups() -> list[tuple[str, list[str]]]:
    """``(heading, subcommand names)`` in help order: :data:`GROUPS` first, then new ones."""
    titles = list(GROUPS) + [c.group for c in COMMANDS.values() if c.group not in GROUPS]
    return [(title, [n for n, c in COMMANDS.items() if c.group == title])
            for title in dict.fromkeys(titles)]


# -- what the namespace holds -----------------------------------------------------------------
def networks(ns) -> list[str]:
    """Names of the ``dn`` networks in *ns*."""
    from ..model import Network

    return sorted(k for k, v in ns.items() if isinstance(v, Network) and not k.startswith("_"))


def datasets(ns) -> list[str]:
    """Names of the datasets (``dn`` datasets and ``(x, y)`` pairs) in *ns*."""
    from ..data._base import Dataset

    return sorted(k for k, v in ns.items() if not k.startswith("_") and (
        isinstance(v, Dataset) or (isinstance(v, tuple) and len(v) == 2 and hasattr(v[0],
                                                                                    "shape"))))


def find_network(ns, tok):
    from ..model import Network

    obj = ns.get(tok.text)
    if isinstance(obj, Network):
        return obj
    if obj is None:
        raise DLSyntaxError.at(tok, f"no network named `{tok.text}` in the notebook",
                               did_you_mean(tok.text, networks(ns)) or
                               f"build one with `%%dl model {tok.text} --input …`")
    raise DLSyntaxError.at(tok, f"`{tok.text}` is a {type(obj).__name__}, not a dn network")


def find_data(ns, tok):
    if tok.text in ns:
        return ns[tok.text]
    raise DLSyntaxError.at(tok, f"no data named `{tok.text}` in the notebook",
                           did_you_mean(tok.text, datasets(ns)) or
                           f"load it with `%dl data {tok.text} --folder PATH` "
                           "(`%dl data digits` loads the bundled digits)")


def find_layer(net, tok):
    if tok.text not in net:
        raise DLSyntaxError.at(tok, f"network `{net.name}` has no layer `{tok.text}`",
                               did_you_mean(tok.text, net.layer_names) or
                               f"its layers are {', '.join(net.layer_names) or 'none yet'}")
    return tok.text


def find_result(ns, tok):
    result = ns.get(f"{tok.text}_result")
    if result is None:
        find_network(ns, tok)
        raise InvalidArgumentError(
            f"There is no evaluation of {tok.text!r} yet; run `%dl evaluate {tok.text} DATA` "
            f"first."
        )
    return result
