"""Values in ``%dl`` lines: numbers, sizes (``3x3``), shapes (``32x32x1``), names, booleans.

Each reader takes a :class:`~dl_notebook.magics.grammar.Token` and returns the
value, or raises :class:`~dl_notebook.magics.grammar.DLSyntaxError` with the
caret under the token.

Example:
    >>> from dl_notebook.magics.grammar import Token
    >>> from dl_notebook.magics.values import to_number, to_shape, to_size
    >>> to_number(Token("1/255")) == 1 / 255, to_size(Token("3x5")), to_shape(Token("?x8"))
    (True, (3, 5), (None, 8))
"""

from __future__ import annotations

import re

from .grammar import DLSyntaxError, Token

__all__ = ["NAME_RE", "value_of", "to_int", "to_number", "to_size", "to_shape", "to_bool",
           "to_names", "auto_value"]

NAME_RE = re.compile(r"[A-Za-z_][\w.\-]*\Z")
_INT_RE = re.compile(r"[+-]?[0-9]+\Z")
_NUM_RE = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")
_DIGITS = re.compile(r"[0-9]+\Z")
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")
_MAX_INT = 2**63 - 1  # what TensorFlow and NumPy hold in an int64


def _shown(text: str) -> str:
    return text if len(text) <= 60 else f"{text[:12]}…{text[-4:]} ({len(text)} characters)"


def _int(token: Token, text: str) -> int:
    """*text* (digits, maybe signed) as an int, refused past int64 before Python converts it."""
    if len(text.lstrip("+-").lstrip("0")) > 19 or abs(int(text)) > _MAX_INT:
        raise DLSyntaxError.at(token, f"`{_shown(text)}` is too large; numbers go up to {_MAX_INT}")
    return int(text)


def _float(token: Token, text: str) -> float:
    """*text* as a float, refused when it overflows to infinity (``1e999``)."""
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise DLSyntaxError.at(token, f"`{_shown(text)}` is too large for a number")
    return value


def value_of(token: Token) -> tuple[str, Token]:
    """Split a ``key=value`` token into the key and the value's own token."""
    key, _, value = token.text.partition("=")
    return key, token.part(len(key) + 1, value)


def to_int(token: Token, what="a whole number", *, minimum=1) -> int:
    """The token as an integer of at least *minimum*."""
    if token.quoted or not _INT_RE.match(token.text):
        raise DLSyntaxError.at(token, f"expected {what}, got `{_shown(token.text)}`")
    value = _int(token, token.text)
    if minimum is not None and value < minimum:
        raise DLSyntaxError.at(token, f"expected {what} of at least {minimum}, got {value}")
    return value


def to_number(token: Token, what="a number") -> float | int:
    """The token as a number: ``0.5``, ``1e-3``, ``32`` or a fraction ``1/255``."""
    text = token.text
    if not token.quoted and "/" in text:
        num, _, den = text.partition("/")
        if _NUM_RE.match(num) and _NUM_RE.match(den) and float(den) != 0:
            value = _float(token, num) / _float(token, den)
            if value in (float("inf"), float("-inf")):
                raise DLSyntaxError.at(token, f"`{_shown(text)}` is too large for a number")
            return value
    if token.quoted or not _NUM_RE.match(text):
        raise DLSyntaxError.at(token, f"expected {what}, got `{_shown(text)}`")
    return _int(token, text) if _INT_RE.match(text) else _float(token, text)


def to_size(token: Token, what="a size such as 3 or 3x3", *, dims=(1, 2)):
    """``3`` -> 3; ``3x5`` -> (3, 5); ``3x3`` -> 3 (equal sizes collapse to one)."""
    parts = token.text.lower().split("x")
    if token.quoted or len(parts) not in dims or not all(_DIGITS.match(p) and p.strip("0")
                                                         for p in parts):
        raise DLSyntaxError.at(token, f"expected {what}, got `{_shown(token.text)}`")
    sizes = tuple(_int(token, p) for p in parts)
    return sizes[0] if len(set(sizes)) == 1 else sizes


def to_shape(token: Token, what="a shape such as 32x32x1", *, free="?") -> tuple:
    """``32x32x1`` -> (32, 32, 1); *free* (``?`` or ``-1``) marks a free size."""
    parts = token.text.lower().split("x")
    out = []
    for part in parts:
        if _DIGITS.match(part) and part.strip("0"):
            out.append(_int(token, part))
        elif free and part == free:
            out.append(None if free == "?" else -1)
        else:
            raise DLSyntaxError.at(token, f"expected {what}, got `{_shown(token.text)}`")
    return tuple(out)


def to_bool(token: Token) -> bool:
    """``true/false``, ``yes/no``, ``on/off`` or ``1/0``."""
    word = token.text.lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise DLSyntaxError.at(token, f"expected true or false, got `{token.text}`")


def to_names(token: Token) -> list[Token]:
    """``a,b,c`` -> one token per name (each a valid layer name)."""
    names, start = [], 0
    for part in token.text.split(","):
        sub = token.part(start, part)
        start += len(part) + 1
        if not NAME_RE.match(part):
            raise DLSyntaxError.at(sub if part else token,
                                   f"expected a layer name, got `{part or token.text}`")
        names.append(sub)
    return names


def auto_value(token: Token):
    """A value for a plain Keras argument: bool, None, int, float, size tuple, list or text."""
    text = token.text
    if token.quoted:
        return text
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "none":
        return None
    if _INT_RE.match(text):
        return _int(token, text)
    if _NUM_RE.match(text):
        return _float(token, text)
    if re.fullmatch(r"[0-9]+(x[0-9]+)+", low):
        return tuple(_int(token, p) for p in low.split("x"))
    if "," in text:
        start, out = 0, []
        for part in text.split(","):
            out.append(auto_value(token.part(start, part)) if part else None)
            start += len(part) + 1
        return tuple(out)
    return text
