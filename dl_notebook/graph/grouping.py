"""Grouping of repeated blocks, so that deep networks stay readable.

The grouping works on the structure of the DAG, never on layer names. Nodes are
put in a topological order that keeps branches of one block together; a node is
a *cut node* when no edge spans over it. The nodes between two consecutive cut
nodes, plus the closing one, form a *block* when that region branches (a ResNet
residual block, a DenseNet layer with its concatenation, an Inception module).
Consecutive blocks with the same structural signature (node types and internal
edges) collapse into one :class:`Group`; a single block is a group of one.
Regions that hold a second input or an extra output are left ungrouped.

Example:
    >>> from dl_notebook.graph import Dag, DagNode
    >>> from dl_notebook.graph.grouping import find_groups
    >>> nodes = [DagNode("x", "Input", "input", (8,), 0)]
    >>> edges, prev = [], "x"
    >>> for i in range(3):
    ...     nodes += [DagNode(f"b{i}_fc", "Dense", "dense", (8,), 72),
    ...               DagNode(f"b{i}_add", "Add", "merge", (8,), 0)]
    ...     edges += [(prev, f"b{i}_fc"), (f"b{i}_fc", f"b{i}_add"), (prev, f"b{i}_add")]
    ...     prev = f"b{i}_add"
    >>> [g.label for g in find_groups(Dag("res", nodes, edges))]
    ['b0 … b2 ×3']
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidArgumentError
from .dag import Dag, topological_order

__all__ = ["Group", "find_groups", "structured_order"]

_SEPARATORS = "_/.-: "
_MAX_PERIOD = 6  # longest repeating pattern, in segments
_CHAIN_RUN_BOXES = 40  # collapse repeated plain chains only above this many boxes


@dataclass(frozen=True)
class Group:
    """Layers drawn as one box: one block, or a run of identical blocks.

    Args:
        id: box id, unique in the view (``"group/1"``, ...).
        label: text of the box, e.g. ``"conv3_block2 … conv3_block8 ×7"``.
        units: the member layer names of each repetition, in order.
        params: total parameters of all members.
        shape: output shape of the last member.
        kinds: ``(kind, count)`` pairs of the members, most frequent first.

    Example:
        >>> g = Group("group/1", "b1 … b2 ×2", (("a", "b"), ("c", "d")), 10, (4,), (("dense", 4),))
        >>> g.repeat, g.members
        (2, ('a', 'b', 'c', 'd'))
    """

    id: str
    label: str
    units: tuple[tuple[str, ...], ...]
    params: int
    shape: tuple
    kinds: tuple[tuple[str, int], ...] = ()

    @property
    def members(self) -> tuple[str, ...]:
        """All member layer names, in order."""
        return tuple(name for unit in self.units for name in unit)

    @property
    def repeat(self) -> int:
        """How many identical repetitions the group stands for."""
        return len(self.units)

    @property
    def exit(self) -> str:
        """Name of the last member, whose output leaves the group."""
        return self.units[-1][-1]


def _adjacency(dag: Dag):
    index: dict[str, int] = {}
    for i, node in enumerate(dag.nodes):
        if node.name in index:
            raise InvalidArgumentError(
                f"The DAG has two nodes named {node.name!r}; give every layer a unique name."
            )
        index[node.name] = i
    succ: list[list[int]] = [[] for _ in dag.nodes]
    pred: list[list[int]] = [[] for _ in dag.nodes]
    seen = set()
    for src, dst in dag.edges:
        if src not in index or dst not in index:
            missing = src if src not in index else dst
            raise InvalidArgumentError(
                f"The edge ({src!r}, {dst!r}) names {missing!r}, which is not a node of the DAG; "
                "add that node or drop the edge."
            )
        u, v = index[src], index[dst]
        if (u, v) in seen:
            continue
        seen.add((u, v))
        succ[u].append(v)
        pred[v].append(u)
    return index, succ, pred


def structured_order(dag: Dag, succ=None, pred=None) -> list[int]:
    """Indices of ``dag.nodes`` in a topological order that keeps blocks contiguous.

    A depth-first order (reverse post-order) that visits the longest branch first,
    so that short side branches sit next to the node they leave; a second input is
    moved right before its first consumer.

    Example:
        >>> from dl_notebook.graph import Dag, DagNode
        >>> n = [DagNode(c, "T", "other", (), 0) for c in "abc"]
        >>> structured_order(Dag("d", n, [("a", "c"), ("b", "c")]))
        [0, 1, 2]
    """
    if succ is None:
        _, succ, pred = _adjacency(dag)
    topo = topological_order(succ, pred)
    height = [0] * len(succ)
    for v in reversed(topo):
        if succ[v]:
            height[v] = 1 + max(height[w] for w in succ[v])
    kids = [sorted(s, key=lambda w: (-height[w], w)) for s in succ]
    visited = [False] * len(succ)
    post: list[int] = []
    sources = [v for v in range(len(succ)) if not pred[v]]
    for root in reversed(sources):
        visited[root] = True
        stack = [(root, iter(kids[root]))]
        while stack:
            v, it = stack[-1]
            for w in it:
                if not visited[w]:
                    visited[w] = True
                    stack.append((w, iter(kids[w])))
                    break
            else:
                stack.pop()
                post.append(v)
    order = [v for v in reversed(post) if pred[v] or not succ[v]]
    position = {v: i for i, v in enumerate(order)}
    moved: dict[int, list[int]] = {}
    for v in sources:
        if succ[v]:
            moved.setdefault(min(position[w] for w in succ[v]), []).append(v)
    result = []
    for i, v in enumerate(order):
        result.extend(moved.get(i, ()))
        result.append(v)
    return result


def _cut_flags(order, succ) -> list[bool]:
    position = {v: i for i, v in enumerate(order)}
    diff = [0] * (len(order) + 1)
    for u in order:
        for w in succ[u]:
            p, q = position[u], position[w]
            if q - p >= 2:
                diff[p + 1] += 1
                diff[q] -= 1
    flags, running = [], 0
    for i in range(len(order)):
        running += diff[i]
        flags.append(running == 0)
    return flags


def _segments(dag, order, succ, pred):
    """Split *order* into segments: ``("block"|"chain"|"loose", [node indices])``."""
    flags = _cut_flags(order, succ)
    segments: list[tuple[str, list[int]]] = []
    pending: list[int] = []
    for v, is_cut in zip(order, flags):
        if not is_cut:
            pending.append(v)
            continue
        if not pending:
            segments.append(("chain", [v]))
            continue
        region = pending + [v]
        pending = []
        valid = bool(segments) and all(pred[u] for u in region)
        valid = valid and all(succ[u] for u in region[:-1])
        if valid:
            segments.append(("block", region))
        else:
            segments.extend(("loose", [u]) for u in region)
    segments.extend(("loose", [u]) for u in pending)
    # A block keeps the activations that directly follow its merge (ResNet's "out" ReLU).
    merged: list[tuple[str, list[int]]] = []
    for kind, members in segments:
        v = members[0]
        if (
            kind == "chain"
            and merged
            and merged[-1][0] == "block"
            and dag.nodes[v].kind == "activation"
            and pred[v] == [merged[-1][1][-1]]
            and succ[v]
        ):
            merged[-1][1].append(v)
        else:
            merged.append((kind, list(members)))
    return merged


def _signature(dag, kind, members, pred):
    if kind == "loose":
        return ("loose", members[0])
    local = {v: i for i, v in enumerate(members)}
    types = tuple(dag.nodes[v].type for v in members)
    edges = tuple(sorted((local.get(u, -1), local[v]) for v in members for u in pred[v]))
    return (kind, types, edges)


def _common_name(names: list[str]) -> str:
    first, last = min(names), max(names)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    prefix = first[:size]
    clean_cut = prefix.endswith(tuple(_SEPARATORS)) or all(
        len(n) == size or n[size] in _SEPARATORS for n in names
    )
    if not clean_cut:
        cuts = [prefix.rfind(c) for c in _SEPARATORS]
        prefix = prefix[: max(cuts)] if max(cuts) > 0 else ""
    prefix = prefix.rstrip(_SEPARATORS)
    return prefix if len(prefix) >= 2 else ""


def _unit_names(dag, units, kind) -> list[str]:
    prefixes = [_common_name([dag.nodes[v].name for v in unit]) for unit in units]
    if all(prefixes) and (len(units) == 1 or len(set(prefixes)) == len(prefixes)):
        return prefixes
    pick = -1 if kind == "block" else 0
    return [dag.nodes[unit[pick]].name for unit in units]


def _repeats(entries, start, period, allow) -> int:
    """How many times the pattern of *period* entries at *start* repeats in a row."""
    pattern = entries[start : start + period]
    if len(pattern) < period or not all(e[0] == "seg" for e in pattern):
        return 1
    sigs = [e[1] for e in pattern]
    if not allow(sigs):
        return 1
    reps, n = 1, len(entries)
    while start + (reps + 1) * period <= n:
        chunk = entries[start + reps * period : start + (reps + 1) * period]
        if not all(e[0] == "seg" and e[1] == sig for e, sig in zip(chunk, sigs)):
            break
        reps += 1
    return reps


def _collapse(dag, segments, pred, chains: bool):
    """Return a list of items: ``("box", v)`` or ``("group", units, kind)``.

    Runs are found shortest period first, so a run of identical blocks is never
    split by a longer pattern (``P I I P I I`` gives ``P, I×2, P, I×2``).
    """
    sig_ids: dict[tuple, int] = {}
    entries = []
    for kind, members in segments:
        sig = _signature(dag, kind, members, pred)
        entries.append(("seg", sig_ids.setdefault(sig, len(sig_ids)), kind, members))
    loose = {i for s, i in sig_ids.items() if s[0] == "loose"}
    blocks = {i for s, i in sig_ids.items() if s[0] == "block"}

    def allow(sigs):
        if any(s in loose for s in sigs):
            return False
        return chains or any(s in blocks for s in sigs)

    for period in range(1, _MAX_PERIOD + 1):
        out, i = [], 0
        while i < len(entries):
            reps = _repeats(entries, i, period, allow)
            has_block = any(e[1] in blocks for e in entries[i : i + period] if e[0] == "seg")
            if reps >= 2 and (has_block or reps * period >= 4):
                units = []
                for r in range(reps):
                    chunk = entries[i + r * period : i + (r + 1) * period]
                    units.append([v for e in chunk for v in e[3]])
                out.append(("group", units, "block" if has_block else "chain"))
                i += period * reps
            else:
                out.append(entries[i])
                i += 1
        entries = out
    items = []
    for entry in entries:
        if entry[0] == "group":
            items.append(entry)
        elif entry[2] == "block":
            items.append(("group", [entry[3]], "block"))
        else:
            items.append(("box", entry[3][0]))
    return items


def find_groups(dag: Dag, *, max_boxes: int = _CHAIN_RUN_BOXES) -> list[Group]:
    """Find the groups of the default (collapsed) view of *dag*.

    Args:
        dag: the network graph.
        max_boxes: above this many boxes, repeated runs of plain chain layers
            (e.g. ``Dense``/``Dropout`` pairs) are collapsed too.

    Returns:
        The groups in topological order; layers in no group are drawn alone.

    Example:
        >>> from dl_notebook.graph import Dag, DagNode
        >>> chain = Dag("mlp", [DagNode(f"d{i}", "Dense", "dense", (4,), 20) for i in range(3)],
        ...             [("d0", "d1"), ("d1", "d2")])
        >>> find_groups(chain)
        []
    """
    if not dag.nodes:
        return []
    index, succ, pred = _adjacency(dag)
    order = structured_order(dag, succ, pred)
    segments = _segments(dag, order, succ, pred)
    items = _collapse(dag, segments, pred, chains=False)
    if len(items) > max_boxes:
        items = _collapse(dag, segments, pred, chains=True)
    taken = set(index)
    groups: list[Group] = []
    for item in items:
        if item[0] != "group":
            continue
        _, units, kind = item
        names = _unit_names(dag, units, kind)
        label = names[0] if len(units) == 1 else f"{names[0]} … {names[-1]} ×{len(units)}"
        number = len(groups) + 1
        gid = f"group/{number}"
        while gid in taken:
            gid += "'"
        taken.add(gid)
        counts: dict[str, int] = {}
        for unit in units:
            for v in unit:
                counts[dag.nodes[v].kind] = counts.get(dag.nodes[v].kind, 0) + 1
        kinds = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        groups.append(
            Group(
                id=gid,
                label=label,
                units=tuple(tuple(dag.nodes[v].name for v in unit) for unit in units),
                params=sum(dag.nodes[v].params for unit in units for v in unit),
                shape=dag.nodes[units[-1][-1]].shape,
                kinds=kinds,
            )
        )
    return groups
