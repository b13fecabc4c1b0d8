"""Drawing of a laid-out DAG as a standalone SVG document.

:func:`render_svg` takes :class:`DrawBox` descriptions and a
:class:`~dl_notebook.graph.layout.Layout` and returns SVG text that parses as
XML: a title, a legend of the layer kinds present, one ``<g class="node">`` per
box and one ``<path class="edge">`` per edge, with arrowheads.

Example:
    >>> from dl_notebook.graph.layout import layered_layout
    >>> from dl_notebook.graph.svg import DrawBox, render_svg
    >>> boxes = [DrawBox("x", "input", ("x", "Input · 8")), DrawBox("y", "dense", ("y", "Dense · 4"))]
    >>> lay = layered_layout(["x", "y"], {b.id: b.size() for b in boxes}, [("x", "y")])
    >>> render_svg(boxes, lay, title="demo").startswith("<svg")
    True
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ._format import clip, escape, text_width
from .kinds import PALETTE
from .layout import Layout

__all__ = ["DrawBox", "PALETTE", "render_svg"]

_KIND_ORDER = list(PALETTE)

FONT = "Helvetica, Arial, sans-serif"
LINE = 15.0  # line height in px
PAD_X, PAD_Y = 10.0, 7.0
MIN_WIDTH = 80.0
TEXT_COLOR = "#222222"
EDGE_COLOR = "#666666"
MARGIN = 16.0


@dataclass
class DrawBox:
    """One box to draw: a layer, or a group of layers.

    Args:
        id: box id (layer name or group id), unique in the drawing.
        kind: colour category (a key of :data:`PALETTE`; groups use ``"group"``).
        lines: text lines; the first is drawn bold.
        tooltip: text shown on hover.
        members: number of layers the box stands for.
        repeat: number of identical repetitions (a group drawn as a stack when > 1).
        composition: ``(kind, count)`` pairs drawn as a colour bar under a group.
        shape: output shape text, used for edge labels.
    """

    id: str
    kind: str
    lines: tuple[str, ...]
    tooltip: str = ""
    members: int = 1
    repeat: int = 1
    composition: tuple[tuple[str, int], ...] = ()
    shape: str = ""

    def size(self) -> tuple[float, float]:
        """Width and height the box needs for its text."""
        widths = [text_width(clip(t), bold=(i == 0)) for i, t in enumerate(self.lines)]
        w = max(MIN_WIDTH, max(widths, default=0.0) + 2 * PAD_X)
        h = 2 * PAD_Y + LINE * len(self.lines) + (4.0 if self.composition else 0.0)
        return (round(w, 1), round(h, 1))


def _path(points, direction) -> str:
    x0, y0 = points[0]
    parts = [f"M{x0:g},{y0:g}"]
    for (xa, ya), (xb, yb) in zip(points, points[1:]):
        if (direction == "TB" and xa == xb) or (direction == "LR" and ya == yb):
            parts.append(f"L{xb:g},{yb:g}")
        elif direction == "TB":
            ym = round((ya + yb) / 2, 1)
            parts.append(f"C{xa:g},{ym:g} {xb:g},{ym:g} {xb:g},{yb:g}")
        else:
            xm = round((xa + xb) / 2, 1)
            parts.append(f"C{xm:g},{ya:g} {xm:g},{yb:g} {xb:g},{yb:g}")
    return " ".join(parts)


def _label_point(points):
    """Middle of the middle segment of an edge (where its curve is at t = 0.5)."""
    k = (len(points) - 1) // 2
    (xa, ya), (xb, yb) = points[k], points[k + 1]
    return (xa + xb) / 2, (ya + yb) / 2


def _legend(kinds, width):
    items, x, y, rows = [], 0.0, 0.0, 1
    for kind in kinds:
        fill, stroke = PALETTE.get(kind, PALETTE["other"])
        w = 18 + text_width(kind) + 14
        if x and x + w > width:
            x, y, rows = 0.0, y + 18, rows + 1
        items.append(
            f'<g class="legend-item" data-kind="{escape(kind)}">'
            f'<rect x="{x:g}" y="{y:g}" width="12" height="12" rx="3" fill="{fill}" '
            f'stroke="{stroke}"/><text x="{x + 17:g}" y="{y + 10.5:g}">{escape(kind)}</text></g>'
        )
        x += w
    return items, rows * 18


def _box(box: DrawBox, x, y, w, h) -> list[str]:
    fill, stroke = PALETTE.get(box.kind, PALETTE["other"])
    classes = "node group" if box.kind == "group" else "node"
    out = [
        f'<g class="{classes}" data-name="{escape(box.id)}" data-kind="{escape(box.kind)}"'
        + (
            f' data-members="{box.members}" data-repeat="{box.repeat}"'
            if box.kind == "group"
            else ""
        )
        + ">"
    ]
    if box.tooltip:
        out.append(f"<title>{escape(box.tooltip)}</title>")
    if box.repeat > 1:  # a stack of cards
        for off in (6, 3):
            out.append(
                f'<rect x="{x + off:g}" y="{y + off:g}" width="{w:g}" height="{h:g}" rx="6" '
                f'fill="{fill}" stroke="{stroke}" stroke-width="1"/>'
            )
    width = 1.6 if box.kind in ("group", "output", "input") else 1.1
    out.append(
        f'<rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" rx="6" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="{width}"'
        + (' stroke-dasharray="4 3"' if box.kind == "dropout" else "")
        + "/>"
    )
    cx = round(x + w / 2, 1)
    for i, line in enumerate(box.lines):
        ty = round(y + PAD_Y + LINE * i + 11.5, 1)
        weight = ' font-weight="bold"' if i == 0 else ""
        color = TEXT_COLOR if i == 0 else "#444444"
        out.append(
            f'<text x="{cx:g}" y="{ty:g}" text-anchor="middle" fill="{color}"{weight}>'
            f"{escape(clip(line))}</text>"
        )
    if box.composition:
        total = sum(c for _, c in box.composition)
        bx, bw = x + 8, w - 16
        by = y + h - PAD_Y - 3
        for kind, count in box.composition:
            seg = bw * count / total
            out.append(
                f'<rect x="{bx:.1f}" y="{by:g}" width="{seg:.1f}" height="4" '
                f'fill="{PALETTE.get(kind, PALETTE["other"])[1]}"/>'
            )
            bx += seg
    out.append("</g>")
    return out


def render_svg(
    boxes,
    layout: Layout,
    *,
    title: str = "",
    subtitle: str = "",
    show_shapes: bool = False,
) -> str:
    """Render *boxes* at the positions of *layout* as an SVG document string.

    Args:
        boxes: :class:`DrawBox` objects, one per id in ``layout.boxes``.
        layout: result of :func:`~dl_notebook.graph.layout.layered_layout`.
        title: bold heading (e.g. the network name and size).
        subtitle: a smaller grey line under the title.
        show_shapes: write the source box's output shape on every edge.

    Returns:
        The SVG text, with ``width``, ``height`` and ``viewBox`` set.

    Example:
        >>> from dl_notebook.graph.layout import layered_layout
        >>> b = [DrawBox("a", "conv", ("a", "Conv2D · 8×8×4"))]
        >>> svg = render_svg(b, layered_layout(["a"], {"a": b[0].size()}, []))
        >>> svg.count('class="node"')
        1
    """
    by_id = {b.id: b for b in boxes}
    kinds = sorted(
        {"group" if b.kind == "group" else b.kind for b in boxes}
        | {k for b in boxes for k, _ in b.composition},
        key=lambda k: _KIND_ORDER.index(k) if k in _KIND_ORDER else len(_KIND_ORDER),
    )
    head_w = max(text_width(title, bold=True) * 1.15, text_width(subtitle) * 0.92, 0.0)
    width = max(layout.width + 12, head_w, 320.0)
    legend, legend_h = _legend(kinds, width)
    top = 0.0
    head = []
    if title:
        head.append(
            f'<text x="0" y="15" font-size="14" font-weight="bold" fill="{TEXT_COLOR}">'
            f"{escape(title)}</text>"
        )
        top = 22.0
    if subtitle:
        head.append(
            f'<text x="0" y="{top + 12:g}" font-size="11" fill="#666666">{escape(subtitle)}</text>'
        )
        top += 18.0
    legend_top = top + 4
    top = legend_top + legend_h + 18.0
    total_w = round(width + 2 * MARGIN, 1)
    total_h = round(top + layout.height + 10 + 2 * MARGIN, 1)

    digest = hashlib.sha1(
        repr((title, sorted(layout.boxes.items()), [e[:2] for e in layout.edges])).encode()
    ).hexdigest()[:10]
    marker = f"dag-arrow-{digest}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="dl-dag" width="{total_w:g}" '
        f'height="{total_h:g}" viewBox="0 0 {total_w:g} {total_h:g}" font-family="{FONT}" '
        f'font-size="12">',
        f"<title>{escape(title or 'network')}</title>",
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="9.5" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,1 L10,5 L0,9 z" '
        f'fill="{EDGE_COLOR}"/></marker></defs>',
        f'<rect width="{total_w:g}" height="{total_h:g}" fill="#ffffff"/>',
        f'<g transform="translate({MARGIN:g},{MARGIN:g})">',
        '<g class="title">',
        *head,
        "</g>",
        f'<g class="legend" font-size="11" fill="#444444" transform="translate(0,{legend_top:g})">',
        *legend,
        "</g>",
        f'<g class="graph" transform="translate(6,{top + 6:g})">',
        f'<g class="edges" fill="none" stroke="{EDGE_COLOR}" stroke-width="1.3">',
    ]
    labels = []
    for source, target, points in layout.edges:
        out.append(
            f'<path class="edge" data-source="{escape(source)}" data-target="{escape(target)}" '
            f'd="{_path(points, layout.direction)}" marker-end="url(#{marker})"/>'
        )
        text = by_id[source].shape if source in by_id else ""
        if show_shapes and text:
            lx, ly = _label_point(points)
            labels.append(
                f'<text class="edge-label" x="{lx:.1f}" y="{ly + 3.5:.1f}" text-anchor="middle">'
                f"{escape(text)}</text>"
            )
    out.append("</g>")
    if labels:
        out.append(
            '<g class="edge-labels" font-size="10" fill="#555555" stroke="#ffffff" '
            'stroke-width="3" paint-order="stroke">'
        )
        out.extend(labels)
        out.append("</g>")
    out.append('<g class="nodes">')
    for box_id, (x, y, w, h) in layout.boxes.items():
        out.extend(_box(by_id[box_id], x, y, w, h))
    out.extend(["</g>", "</g>", "</g>", "</svg>"])
    return "\n".join(out)
