"""The IPython ``Magics`` class behind ``%dl`` and ``%%dl``, and its registration.

A mistake in a ``%dl`` line or a ``%%dl`` cell (a :class:`DLSyntaxError`)
or a user error from the API (any ``dn.DLError``) reaches the notebook as
one message, with the source line and a caret where that is known, and no
traceback; the cell still counts as failed, so "run all" stops there.
"""

from __future__ import annotations

from IPython.core.magic import Magics, line_cell_magic, magics_class

from ..errors import DLError
from . import commands, tune_commands
from .completion import make_matcher
from .grammar import render_error
from .usage import full_usage

__all__ = ["DLMagics", "register"]

_RED, _RESET = "\x1b[0;31m", "\x1b[0m"


def _shown(err: DLError) -> DLError:
    """Give *err* the lines IPython shows instead of a traceback."""
    lines = render_error(err)
    name = type(err).__name__
    if lines[0].startswith(name):
        lines[0] = f"{_RED}{name}{_RESET}{lines[0][len(name):]}"
    err._render_traceback_ = lambda: list(lines)
    return err


@magics_class
class DLMagics(Magics):
    """``%dl SUBCOMMAND …``, ``%%dl model NAME …`` and ``%%dl tune NAME …`` (see ``%dl?``)."""

    @line_cell_magic
    def dl(self, line, cell=None):
        ns = self.shell.user_ns
        try:
            if cell is None:
                return commands.run_line(ns, line)
            if line.split(None, 1)[:1] == ["tune"]:
                return tune_commands.run_cell(ns, line, cell)
            return commands.run_cell(ns, line, cell)
        except DLError as err:
            _shown(err)
            raise

    dl.__doc__ = full_usage()


def register(ipython) -> None:
    """Register the magics and the completer (once, however often the extension loads)."""
    ipython.register_magics(DLMagics)
    completer = getattr(ipython, "Completer", None)
    if completer is None:
        return
    identifier = "dl_notebook.magics.completion"
    completer.custom_matchers[:] = [
        m for m in completer.custom_matchers
        if getattr(m, "matcher_identifier", None) != identifier
    ]
    completer.custom_matchers.append(make_matcher(ipython))
