"""Small text helpers shared by the graph modules (private)."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

CHAR_WIDTH = 7.0  # estimated width of one character at 12 px
BOLD_CHAR_WIDTH = 7.6
MAX_LABEL_CHARS = 42


def escape(text) -> str:
    """Escape *text* for XML content and attribute values (control characters dropped).

    Example:
        >>> escape('a<b & "c"')
        'a&lt;b &amp; &quot;c&quot;'
    """
    text = _CONTROL.sub("", str(text))
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def format_shape(shape) -> str:
    """Format an output shape (without batch dimension) for display.

    Example:
        >>> format_shape((32, 32, 6)), format_shape((None, 10)), format_shape(((4,), (2, 2)))
        ('32×32×6', '?×10', '4, 2×2')
    """
    if shape is None:
        return "?"
    if not isinstance(shape, (tuple, list)):
        return str(shape)
    if (
        shape
        and all(isinstance(s, (tuple, list)) or s is None for s in shape)
        and any(isinstance(s, (tuple, list)) for s in shape)
    ):
        return ", ".join(format_shape(s) for s in shape)
    if not shape:
        return "scalar"
    return "×".join("?" if d is None else str(d) for d in shape)


def shape_to_json(shape):
    """Turn a shape (tuples, ints, ``None``) into nested lists for JSON."""
    if isinstance(shape, (tuple, list)):
        return [shape_to_json(s) for s in shape]
    if shape is None or isinstance(shape, (int, float, str, bool)):
        return shape
    return str(shape)


def compact_number(n: int) -> str:
    """Format a parameter count compactly.

    Example:
        >>> compact_number(950), compact_number(23_456), compact_number(60_419_944)
        ('950', '23.5K', '60.4M')
    """
    n = int(n)
    for size, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "K")):
        if abs(n) >= size:
            value = f"{n / size:.1f}".rstrip("0").rstrip(".")
            return f"{value}{suffix}"
    return str(n)


def clip(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    """Shorten *text* to at most *limit* characters with an ellipsis in the middle."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head) :]


def text_width(text: str, bold: bool = False) -> float:
    """Estimated width in pixels of *text* at 12 px."""
    return len(text) * (BOLD_CHAR_WIDTH if bold else CHAR_WIDTH)
