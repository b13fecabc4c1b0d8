"""The rich display of a network graph: :class:`DagView`."""

from __future__ import annotations

from pathlib import Path

from ..errors import InvalidArgumentError
from ._format import compact_number, format_shape, shape_to_json
from .dag import Dag
from .grouping import Group, find_groups, structured_order
from .layout import Layout, layered_layout
from .svg import DrawBox, render_svg

__all__ = ["DagView", "MIME_TYPE"]

MIME_TYPE = "application/vnd.dl-notebook.dag+json"
JSON_VERSION = 1


class DagView:
    """A laid-out drawing of a network DAG, shown as SVG in notebooks.

    By default repeated blocks (ResNet residual blocks, DenseNet layers, Inception
    modules) are collapsed into group boxes so that deep networks stay readable;
    ``expand=True`` draws every layer. The JSON form (:meth:`to_json`, also sent
    as the ``application/vnd.dl-notebook.dag+json`` mime type) always lists every
    layer and edge, with the group each layer belongs to.

    Args:
        dag: the network graph.
        groups: the groups drawn as single boxes.
        layout: positions of the drawn boxes.
        svg: the SVG document.
        expanded: whether every layer is drawn.

    Example:
        >>> from dl_notebook.graph import Dag, DagNode, DagView
        >>> dag = Dag("mlp", [DagNode("x", "Input", "input", (4,), 0),
        ...                   DagNode("out", "Dense", "output", (3,), 15)], [("x", "out")])
        >>> view = DagView.from_dag(dag)
        >>> view.svg.count('class="node"'), sorted(view._repr_mimebundle_())[0]
        (2, 'application/vnd.dl-notebook.dag+json')
    """

    def __init__(
        self,
        dag: Dag,
        groups: list[Group],
        layout: Layout,
        svg: str,
        *,
        expanded: bool,
        show_shapes: bool = False,
    ):
        self.dag = dag
        self.groups = groups
        self.layout = layout
        self.svg = svg
        self.expanded = expanded
        self.show_shapes = show_shapes
        self._layouts: dict[frozenset, Layout] = {frozenset(): layout}

    @classmethod
    def from_dag(
        cls, dag: Dag, *, expand: bool = False, show_shapes: bool = False, direction: str = "TB"
    ) -> DagView:
        """Group, lay out and draw *dag*.

        Args:
            dag: the network graph.
            expand: draw every layer instead of collapsing repeated blocks.
            show_shapes: write each source's output shape on its edges.
            direction: ``"TB"`` (top to bottom) or ``"LR"`` (left to right).

        Example:
            >>> from dl_notebook.graph import Dag, DagNode, DagView
            >>> dag = Dag("one", [DagNode("x", "Input", "input", (4,), 0)], [])
            >>> DagView.from_dag(dag, expand=True).layout.boxes["x"][:2]
            (0.0, 0.0)
        """
        if direction not in ("TB", "LR"):
            raise InvalidArgumentError(
                f"direction={direction!r} is not a layout direction; use 'TB' or 'LR'."
            )
        groups = [] if expand else find_groups(dag)
        boxes, layout = _arrange(dag, groups, show_shapes=show_shapes, direction=direction)
        params = sum(n.params for n in dag.nodes)
        title = f"{dag.name} · {len(dag.nodes)} layers · {params:,} params"
        if groups:
            subtitle = (
                f"{len(boxes)} boxes, {len(groups)} groups of repeated blocks; "
                "expand=True draws every layer"
            )
        else:
            subtitle = ""
        svg = render_svg(boxes, layout, title=title, subtitle=subtitle, show_shapes=show_shapes)
        return cls(dag, groups, layout, svg, expanded=not groups, show_shapes=show_shapes)

    def to_json(self) -> dict:
        """The graph as a JSON-ready dict: every layer and edge, the groups and the layout.

        A node carries ``config`` (its main settings) when the graph knows it. When the
        view has groups, ``expanded_layout`` holds the layout with every layer drawn and,
        when it has more than one, ``group_layouts`` maps each group id to the layout
        with that group alone drawn layer by layer (:meth:`layout_with`), so that an
        interactive view opens one group at a time without a layout engine of its own.
        A layout's ``open`` lists the groups it draws layer by layer.

        Example:
            >>> from dl_notebook.graph import Dag, DagNode, DagView
            >>> dag = Dag("one", [DagNode("x", "Input", "input", (4,), 0)], [])
            >>> DagView.from_dag(dag).to_json()["nodes"][0]["shape"]
            [4]
        """
        group_of = {name: g.id for g in self.groups for name in g.members}
        data = {
            "version": JSON_VERSION,
            "name": self.dag.name,
            "nodes": [_node_json(n, group_of.get(n.name)) for n in self.dag.nodes],
            "edges": [[s, t] for s, t in self.dag.edges],
            "groups": [
                {
                    "id": g.id,
                    "label": g.label,
                    "members": list(g.members),
                    "units": [list(u) for u in g.units],
                    "repeat": g.repeat,
                    "params": int(g.params),
                    "shape": shape_to_json(g.shape),
                }
                for g in self.groups
            ],
            "layout": _layout_json(self.layout, self.expanded, ()),
        }
        if self.groups:
            every = [g.id for g in self.groups]
            data["expanded_layout"] = _layout_json(self.layout_with(every), True, every)
        if len(self.groups) > 1:
            data["group_layouts"] = {
                g.id: _layout_json(self.layout_with([g.id]), False, [g.id]) for g in self.groups
            }
        return data

    def layout_with(self, open_groups=()) -> Layout:
        """The layout with the groups *open_groups* drawn layer by layer, the others as boxes.

        The same layout engine as the SVG drawing places the boxes, so an interactive
        view that opens a group shows what ``expand=True`` would show around it.
        Layouts are computed once per set of open groups.

        Args:
            open_groups: ids of groups of this view (``"group/1"``, ...).

        Returns:
            A :class:`~dl_notebook.graph.layout.Layout` whose boxes are the layers of
            the open groups, the boxes of the other groups and the ungrouped layers.

        Raises:
            InvalidArgumentError: when an id is not a group of this view.

        Example:
            >>> from dl_notebook.graph import Dag, DagNode, DagView
            >>> nodes, edges, prev = [DagNode("x", "Input", "input", (8,), 0)], [], "x"
            >>> for i in range(4):
            ...     nodes += [DagNode(f"b{i}_fc", "Dense", "dense", (8,), 72),
            ...               DagNode(f"b{i}_add", "Add", "merge", (8,), 0)]
            ...     edges += [(prev, f"b{i}_fc"), (f"b{i}_fc", f"b{i}_add"), (prev, f"b{i}_add")]
            ...     prev = f"b{i}_add"
            >>> view = DagView.from_dag(Dag("res", nodes, edges))
            >>> [g.id for g in view.groups], sorted(view.layout.boxes)
            (['group/1'], ['group/1', 'x'])
            >>> len(view.layout_with(["group/1"]).boxes)
            9
        """
        known = {g.id for g in self.groups}
        key = frozenset(open_groups)
        unknown = sorted(key - known)
        if unknown:
            raise InvalidArgumentError(
                f"{unknown[0]!r} is not a group of this view; its groups are "
                f"{sorted(known) or 'none'}."
            )
        if key not in self._layouts:
            closed = [g for g in self.groups if g.id not in key]
            _, self._layouts[key] = _arrange(
                self.dag, closed, show_shapes=self.show_shapes, direction=self.layout.direction
            )
        return self._layouts[key]

    def summary_line(self) -> str:
        """One line that describes the view (its ``text/plain`` form)."""
        params = sum(n.params for n in self.dag.nodes)
        mode = "expanded" if self.expanded else f"{len(self.groups)} groups"
        return (
            f"<DagView {self.dag.name!r}: {len(self.dag.nodes)} layers, {params:,} params; "
            f"{len(self.layout.boxes)} boxes ({mode})>"
        )

    def __repr__(self) -> str:
        return self.summary_line()

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = {
            MIME_TYPE: self.to_json(),
            # Inline SVG, so the page can be searched and styled (JupyterLab and
            # Voila show image/svg+xml as an <img>).
            "text/html": f'<div class="dl-dag-view" style="overflow-x:auto">{self.svg}</div>',
            "image/svg+xml": self.svg,
            "text/plain": self.summary_line(),
        }
        if include:
            bundle = {k: v for k, v in bundle.items() if k in include}
        if exclude:
            bundle = {k: v for k, v in bundle.items() if k not in exclude}
        return bundle

    def save(self, path) -> Path:
        """Write the drawing to *path*: SVG, or the JSON form when the suffix is ``.json``.

        Example:
            >>> import tempfile, os
            >>> from dl_notebook.graph import Dag, DagNode, DagView
            >>> view = DagView.from_dag(Dag("one", [DagNode("x", "Input", "input", (4,), 0)], []))
            >>> with tempfile.TemporaryDirectory() as d:
            ...     view.save(os.path.join(d, "net.svg")).suffix
            '.svg'
        """
        import json

        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".json":
            path.write_text(json.dumps(self.to_json(), indent=1), encoding="utf-8")
        elif suffix == ".svg":
            path.write_text(self.svg, encoding="utf-8")
        else:
            raise InvalidArgumentError(
                f"Cannot save a network drawing as {path.name!r}; use a .svg or .json file name."
            )
        return path


def _arrange(dag: Dag, groups: list[Group], *, show_shapes: bool, direction: str):
    """The boxes of *dag* with *groups* collapsed, and their layout."""
    group_of = {name: g for g in groups for name in g.members}
    order = [dag.nodes[i] for i in structured_order(dag)] if dag.nodes else []
    boxes: list[DrawBox] = []
    placed = set()
    for node in order:
        group = group_of.get(node.name)
        if group is None:
            boxes.append(_layer_box(node))
        elif group.id not in placed:
            placed.add(group.id)
            boxes.append(_group_box(group))
    box_of = {name: group_of[name].id for name in group_of}
    edges, seen = [], set()
    for src, dst in dag.edges:
        pair = (box_of.get(src, src), box_of.get(dst, dst))
        if pair[0] != pair[1] and pair not in seen:
            seen.add(pair)
            edges.append(pair)
    layout = layered_layout(
        [b.id for b in boxes],
        {b.id: b.size() for b in boxes},
        edges,
        direction=direction,
        layer_gap=46.0 if show_shapes else 30.0,
    )
    return boxes, layout


def _node_json(node, group) -> dict:
    data = {
        "id": node.name,
        "name": node.name,
        "type": node.type,
        "kind": node.kind,
        "shape": shape_to_json(node.shape),
        "params": int(node.params),
        "group": group,
        "scope": node.scope,
    }
    if node.config:
        data["config"] = dict(node.config)
    return data


def _layout_json(layout: Layout, expanded: bool, open_groups) -> dict:
    return {
        "expanded": expanded,
        "open": list(open_groups),
        "direction": layout.direction,
        "width": layout.width,
        "height": layout.height,
        "boxes": [
            {"id": k, "x": x, "y": y, "w": w, "h": h} for k, (x, y, w, h) in layout.boxes.items()
        ],
        "edges": [
            {"source": s, "target": t, "points": [list(p) for p in pts]}
            for s, t, pts in layout.edges
        ],
    }


def _layer_box(node) -> DrawBox:
    shape = format_shape(node.shape)
    tooltip = f"{node.name}\n{node.type} ({node.kind})\noutput {shape}\n{node.params:,} params"
    if node.scope:
        tooltip += f"\nin {node.scope}"
    return DrawBox(
        node.name,
        node.kind if node.kind else "other",
        (node.name, f"{node.type} · {shape}"),
        tooltip=tooltip,
        shape=shape,
    )


def _group_box(group: Group) -> DrawBox:
    shape = format_shape(group.shape)
    per = len(group.units[0])
    size = f"{group.repeat} × {per} layers" if group.repeat > 1 else f"{per} layers"
    members = list(group.members)
    listed = ", ".join(members[:6]) + (f", … ({len(members) - 6} more)" if len(members) > 6 else "")
    tooltip = (
        f"{group.label}\n{len(members)} layers, {group.params:,} params\noutput {shape}\n{listed}"
    )
    return DrawBox(
        group.id,
        "group",
        (group.label, f"{size} · {compact_number(group.params)} params", shape),
        tooltip=tooltip,
        members=len(members),
        repeat=group.repeat,
        composition=group.kinds,
        shape=shape,
    )
