"""The words of ``%dl`` and ``%%dl``: tokens with their positions, and DLSyntaxError.

A line is split into tokens at white space; ``#`` at the start of a token
begins a comment, and quotes (``"a b"`` or ``'a b'``) keep white space in
one token. Every token remembers its line and column, so a mistake is
reported with a caret under it. This module is plain Python: parsing never
imports Keras.

Example:
    >>> from dl_notebook.magics.grammar import tokenize
    >>> [t.text for t in tokenize("conv1: conv 32 3x3 relu  # first block")]
    ['conv1:', 'conv', '32', '3x3', 'relu']
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..errors import DLError

__all__ = ["DLSyntaxError", "Token", "tokenize", "did_you_mean", "locate", "render_error"]


class DLSyntaxError(DLError):
    """A ``%dl`` / ``%%dl`` line that cannot be read, with where and a hint.

    ``str(err)`` is one sentence that names the line and column; the
    rendering a notebook shows adds the source line with a caret under
    the fault. Magics show it without a traceback.

    Attributes:
        message: what is wrong.
        line: 1-based line number in the cell (None for a ``%dl`` line).
        column: 1-based column of the fault.
        text: the source line.
        width: how many characters the caret covers.
        hint: a suggestion such as ``did you mean `conv`?`` (or None).

    Example:
        >>> from dl_notebook.magics.grammar import DLSyntaxError
        >>> err = DLSyntaxError("unknown layer type `cnv`", line=2, column=1,
        ...                     text="cnv 32 3x3", width=3, hint="did you mean `conv`?")
        >>> str(err)
        'line 2, column 1: unknown layer type `cnv`; did you mean `conv`?'
        >>> print(err.caret)
        cnv 32 3x3
        ^^^
    """

    def __init__(self, message, *, line=None, column=1, text="", width=1, hint=None):
        self.message, self.line, self.column = message, line, max(int(column), 1)
        self.text, self.width, self.hint = text, max(int(width), 1), hint
        super().__init__(self._sentence())

    @classmethod
    def at(cls, token, message, hint=None, *, width=None):
        """An error with the caret under *token*."""
        return cls(message, line=token.line, column=token.column, text=token.source,
                   width=len(token.text) if width is None else width, hint=hint)

    @classmethod
    def after(cls, token, message, hint=None):
        """An error with the caret just after *token* (something is missing there)."""
        return cls(message, line=token.line, column=token.column + len(token.text) + 1,
                   text=token.source, width=1, hint=hint)

    def _sentence(self) -> str:
        where = f"line {self.line}, column {self.column}" if self.line is not None \
            else f"column {self.column}"
        text = f"{where}: {self.message}"
        if self.hint:
            text += f"; {self.hint}"
        return text if text.endswith((".", "?", "!")) else text + "."

    @property
    def caret(self) -> str:
        """The source line with a caret under the fault (two lines)."""
        line = self.text.replace("\t", " ")
        return f"{line}\n{' ' * (self.column - 1)}{'^' * self.width}"

    def _render_traceback_(self):  # IPython shows these lines instead of a traceback
        lines = [f"{type(self).__name__}: {self}"]
        if self.text:
            lines += ["    " + part for part in self.caret.split("\n")]
        return lines


def render_error(err) -> list[str]:
    """The lines a notebook shows for a DLError: its class and sentence (and a caret, if known)."""
    if isinstance(err, DLSyntaxError):
        return err._render_traceback_()
    lines = [f"{type(err).__name__}: {err}"]
    where = getattr(err, "_dl_where", None)
    if where is not None:
        line, column, text, width = where
        prefix = f"    line {line}: " if line is not None else "    "
        lines.append(prefix + text)
        lines.append(" " * (len(prefix) + column - 1) + "^" * max(width, 1))
    return lines


def locate(err, token, width=None):
    """Remember that *err* (a DLError from the API) came from the layer line of *token*.

    Notebooks then show the line with a caret under *token*; the error
    keeps its class and message.
    """
    if token is not None and getattr(err, "_dl_where", None) is None:
        err._dl_where = (token.line, token.column, token.source,
                         len(token.text) if width is None else width)
    return err


@dataclass(frozen=True)
class Token:
    """One word of a line: its text (quotes removed), position and the line it is in."""

    text: str
    column: int = 1  # 1-based
    line: int | None = None
    source: str = ""
    quoted: bool = False

    def part(self, start: int, text: str) -> Token:
        """The token for ``text`` starting *start* characters into this one."""
        return Token(text, self.column + start, self.line, self.source, self.quoted)


def tokenize(text: str, line=None, offset: int = 0, source=None) -> list[Token]:
    """Split one line into tokens; ``#`` at a token's start ends the line.

    Args:
        text: the line.
        line: its 1-based line number in the cell (None for a ``%dl`` line).
        offset: characters before *text* in the line the user sees (for columns).
        source: the line the user sees (defaults to *text*).

    Example:
        >>> from dl_notebook.magics.grammar import tokenize
        >>> [(t.text, t.column) for t in tokenize('a "b c" d=1', offset=4)]
        [('a', 5), ('b c', 7), ('d=1', 13)]
    """
    source = text if source is None else source
    tokens, i, n = [], 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        if text[i] == "#":
            break
        start, chars, quoted = i, [], False
        while i < n and not text[i].isspace():
            ch = text[i]
            if ch in "\"'":
                end = text.find(ch, i + 1)
                if end < 0:
                    raise DLSyntaxError("this quote is never closed", line=line,
                                        column=offset + i + 1, text=source,
                                        hint=f"add the closing {ch}")
                chars.append(text[i + 1:end])
                quoted, i = True, end + 1
            else:
                chars.append(ch)
                i += 1
        tokens.append(Token("".join(chars), offset + start + 1, line, source, quoted))
    return tokens


def did_you_mean(word: str, choices, n: int = 1) -> str | None:
    """``"did you mean `x`?"`` for the closest of *choices*, or None."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=n, cutoff=0.6)
    return f"did you mean {' or '.join(f'`{c}`' for c in close)}?" if close else None
