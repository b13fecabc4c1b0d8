"""The browser side of the anywidget views: each widget's ES module and style sheet.

anywidget takes one module and one style sheet per widget, so what the widgets share
(``_base.js``: DOM and event helpers; ``_base.css``: the card, theme colours and toolbar
buttons) is placed before each widget's own ``_<name>.js`` / ``_<name>.css``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["widget_assets"]

_HERE = Path(__file__).resolve().parent


def _read(*names: str) -> str:
    return "\n".join((_HERE / name).read_text(encoding="utf-8") for name in names)


def widget_assets(name: str, *styles_of: str) -> tuple[str, str]:
    """``(esm, css)`` of widget *name*: the shared ``_base`` files, then its ``_<name>`` ones.

    In the widget class: ``_esm, _css = widget_assets("live")``.

    Args:
        name: the widget's name (``_<name>.js`` and ``_<name>.css``).
        *styles_of: other widgets whose style sheets it uses too (placed before its own).

    Example:
        >>> esm, css = widget_assets("live")
        >>> esm.index("function el(") < esm.index("export default")
        True
        >>> css.index(".dln-widget {") < css.index(".dln-live {")
        True
        >>> _, css = widget_assets("tune", "live")
        >>> css.index(".dln-head {") < css.index(".dln-tune {")
        True
    """
    sheets = ["_base.css", *(f"_{other}.css" for other in styles_of), f"_{name}.css"]
    return _read("_base.js", f"_{name}.js"), _read(*sheets)
