"""A compact layered (Sugiyama-style) layout of a DAG of boxes, in pure Python.

Steps: longest-path layering (a second input and its chain are pulled down next
to their consumer), dummy nodes on edges that span several layers, barycenter
sweeps against crossings (the best ordering seen is kept), then cross-axis
coordinates by Brandes-Köpf with a pass that straightens chains, and edge routes
through the dummy positions with ports spread over the box borders.

Example:
    >>> from dl_notebook.graph.layout import layered_layout
    >>> lay = layered_layout(["a", "b", "c"], {"a": (80, 40), "b": (80, 40), "c": (80, 40)},
    ...                      [("a", "b"), ("b", "c"), ("a", "c")])
    >>> [round(lay.boxes[k][1]) for k in "abc"]   # y of each box's top edge
    [0, 76, 152]
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from ._coordinates import assign_cross, separation, straighten
from .dag import topological_order

__all__ = ["Layout", "layered_layout"]


@dataclass
class Layout:
    """Positions computed by :func:`layered_layout`.

    Attributes:
        width, height: size of the drawing (boxes and edges).
        boxes: box id -> ``(x, y, w, h)`` of its top-left corner and size.
        edges: ``(source, target, points)``; points run from the source's border
            through the bends to the target's border.
        direction: ``"TB"`` (top to bottom) or ``"LR"`` (left to right).
        layers: number of layers.
    """

    width: float
    height: float
    boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    edges: list[tuple[str, str, list[tuple[float, float]]]] = field(default_factory=list)
    direction: str = "TB"
    layers: int = 0


def _layering(n, succ, pred):
    topo = topological_order(succ, pred)
    layer = [0] * n
    for v in topo:
        if pred[v]:
            layer[v] = 1 + max(layer[u] for u in pred[v])
    # a side input (a source and the chain below it) is pulled down to its consumer
    side = [False] * n
    for v in topo:
        side[v] = not pred[v] or (
            len(pred[v]) == 1 and side[pred[v][0]] and len(succ[pred[v][0]]) == 1
        )
    for v in reversed(topo):
        if side[v] and succ[v]:
            layer[v] = min(layer[w] for w in succ[v]) - 1
    return topo, layer


def _crossings(upper, lower_pos, down) -> int:
    pairs = sorted((i, lower_pos[w]) for i, v in enumerate(upper) for w in down[v])
    seen: list[int] = []
    total = 0
    for _, p in pairs:  # count earlier pairs that end to the right of p
        k = bisect_right(seen, p)
        total += len(seen) - k
        seen.insert(k, p)
    return total


def _order_layers(layers, up, down, sweeps=4):
    pos = {}
    for layer in layers:
        for i, v in enumerate(layer):
            pos[v] = i

    def total():
        return sum(_crossings(layers[k], pos, down) for k in range(len(layers) - 1))

    best, best_layers = total(), [list(layer) for layer in layers]
    for _ in range(sweeps):
        if best == 0:
            break
        for indices, nbrs in (
            (range(1, len(layers)), up),
            (range(len(layers) - 2, -1, -1), down),
        ):
            for k in indices:
                keyed = []
                for i, v in enumerate(layers[k]):
                    ns = nbrs[v]
                    bary = sum(pos[u] for u in ns) / len(ns) if ns else i
                    keyed.append((bary, i, v))
                keyed.sort()
                layers[k] = [v for _, _, v in keyed]
                for i, v in enumerate(layers[k]):
                    pos[v] = i
            count = total()
            if count < best:
                best, best_layers = count, [list(layer) for layer in layers]
    return best_layers


def layered_layout(
    ids,
    sizes,
    edges,
    *,
    direction: str = "TB",
    layer_gap: float = 36.0,
    node_gap: float = 24.0,
    edge_gap: float = 12.0,
) -> Layout:
    """Lay out boxes *ids* (topological order preferred) joined by *edges*.

    Args:
        ids: box ids; their order breaks ties, so pass a topological order.
        sizes: id -> ``(width, height)`` of each box.
        edges: ``(source, target)`` pairs; duplicates and self-loops are ignored.
        direction: ``"TB"`` (top to bottom) or ``"LR"`` (left to right).
        layer_gap: space between consecutive layers.
        node_gap: space between neighbouring boxes in a layer.
        edge_gap: space next to an edge that passes through a layer.

    Returns:
        A :class:`Layout` with coordinates from ``(0, 0)``.

    Example:
        >>> lay = layered_layout(["in", "a", "b", "cat"], {k: (60, 30) for k in ["in", "a", "b", "cat"]},
        ...                      [("in", "a"), ("in", "b"), ("a", "cat"), ("b", "cat")])
        >>> lay.boxes["a"][1] == lay.boxes["b"][1], lay.boxes["a"][0] != lay.boxes["b"][0]
        (True, True)
    """
    if direction not in ("TB", "LR"):
        raise ValueError(f"direction must be 'TB' or 'LR', not {direction!r}")
    ids = list(ids)
    n = len(ids)
    if not n:
        return Layout(0.0, 0.0, direction=direction)
    index = {k: i for i, k in enumerate(ids)}
    # cross = size across the layers, main = size along the flow
    if direction == "TB":
        cross = [float(sizes[k][0]) for k in ids]
        main = [float(sizes[k][1]) for k in ids]
    else:
        cross = [float(sizes[k][1]) for k in ids]
        main = [float(sizes[k][0]) for k in ids]
    succ: list[list[int]] = [[] for _ in ids]
    pred: list[list[int]] = [[] for _ in ids]
    pairs = []
    for s, t in edges:
        u, v = index[s], index[t]
        if u == v or v in succ[u]:
            continue
        succ[u].append(v)
        pred[v].append(u)
        pairs.append((u, v))
    topo, layer = _layering(n, succ, pred)

    # dummy nodes on long edges
    up: list[list[int]] = [list() for _ in range(n)]
    down: list[list[int]] = [list() for _ in range(n)]
    chains = []
    for u, v in pairs:
        chain = [u]
        for lay in range(layer[u] + 1, layer[v]):
            d = len(layer)
            layer.append(lay)
            cross.append(0.0)
            main.append(0.0)
            up.append([])
            down.append([])
            chain.append(d)
        chain.append(v)
        for a, b in zip(chain, chain[1:]):
            down[a].append(b)
            up[b].append(a)
        chains.append(chain)

    # initial order: depth-first from the sources, in topological order
    count = max(layer) + 1
    layers: list[list[int]] = [[] for _ in range(count)]
    seen = [False] * len(layer)
    for root in topo:
        if seen[root]:
            continue
        seen[root] = True
        stack = [root]
        while stack:
            v = stack.pop()
            layers[layer[v]].append(v)
            for w in reversed(down[v]):
                if not seen[w] and all(seen[u] for u in up[w] if u < n):
                    seen[w] = True
                    stack.append(w)
    for v in range(len(layer)):
        if not seen[v]:
            layers[layer[v]].append(v)
    layers = _order_layers(layers, up, down)
    x = assign_cross(layers, up, down, cross, n, node_gap, edge_gap)
    x = straighten(layers, x, up, down, separation(cross, n, node_gap, edge_gap), n)

    left = min(x[v] - cross[v] / 2 for layer_ in layers for v in layer_)
    x = [p - left for p in x]
    extent = max(x[v] + cross[v] / 2 for layer_ in layers for v in layer_)
    band_start, band_size, pos = [], [], 0.0
    for layer_ in layers:
        size = max(main[v] for v in layer_)
        band_start.append(pos)
        band_size.append(size)
        pos += size + layer_gap
    total_main = pos - layer_gap

    lo_main = [band_start[layer[v]] + (band_size[layer[v]] - main[v]) / 2 for v in range(n)]
    outs: list[list[int]] = [[] for _ in range(n)]
    ins: list[list[int]] = [[] for _ in range(n)]
    for i, chain in enumerate(chains):
        outs[chain[0]].append(i)
        ins[chain[-1]].append(i)
    ports: dict[tuple[int, int], float] = {}
    for v in range(n):
        for items, end, nxt in ((outs[v], 0, 1), (ins[v], -1, -2)):
            items.sort(key=lambda i, nxt=nxt: x[chains[i][nxt]])
            # an edge leaves (or enters) right above its next point when it can
            reach = min(cross[v] / 2 - 6.0, 10.0 * (len(items) - 1))
            spots = [min(max(x[chains[i][nxt]], x[v] - reach), x[v] + reach) for i in items]
            if any(b - a < 4.0 for a, b in zip(spots, spots[1:])):
                step = min(12.0, cross[v] / (len(items) + 1))
                spots = [x[v] + (j - (len(items) - 1) / 2) * step for j in range(len(items))]
            for i, spot in zip(items, spots):
                ports[(i, end)] = spot

    def point(c, m):
        return (round(c, 1), round(m, 1)) if direction == "TB" else (round(m, 1), round(c, 1))

    routed = []
    for i, chain in enumerate(chains):
        u, v = chain[0], chain[-1]
        pts = [point(ports[(i, 0)], lo_main[u] + main[u])]
        for d in chain[1:-1]:
            k = layer[d]
            pts.append(point(x[d], band_start[k]))
            pts.append(point(x[d], band_start[k] + band_size[k]))
        pts.append(point(ports[(i, -1)], lo_main[v]))
        routed.append((ids[u], ids[v], pts))

    boxes = {}
    for v in range(n):
        c0, m0 = x[v] - cross[v] / 2, lo_main[v]
        if direction == "TB":
            boxes[ids[v]] = (round(c0, 1), round(m0, 1), cross[v], main[v])
        else:
            boxes[ids[v]] = (round(m0, 1), round(c0, 1), main[v], cross[v])
    width, height = (extent, total_main) if direction == "TB" else (total_main, extent)
    return Layout(round(width, 1), round(height, 1), boxes, routed, direction, count)
