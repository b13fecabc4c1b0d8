"""Cross-axis coordinates of a layered drawing (private to :mod:`.layout`).

Brandes-Köpf: each node is aligned with a median neighbour in four directions
(up/down x left/right), aligned blocks are compacted, and the four results are
balanced. A last pass puts every chain of single-link nodes (a layer sequence,
or a long edge's dummy nodes) on one straight line where its neighbours leave room.
"""

from __future__ import annotations


def separation(size, real_n, node_gap, edge_gap):
    """Function giving the least distance between the centres of neighbours *u*, *v*."""

    def sep(u, v):
        gap = node_gap if u < real_n and v < real_n else edge_gap
        return (size[u] + size[v]) / 2 + gap

    return sep


def _type1_conflicts(layers, up, pos, real_n) -> set:
    """Edges that cross an inner segment (dummy to dummy); those never get aligned."""
    conflicts = set()
    for prev, layer in zip(layers, layers[1:]):
        k0, scan = 0, 0
        for i, v in enumerate(layer):
            inner = next((u for u in up[v] if u >= real_n), None) if v >= real_n else None
            k1 = pos[inner] if inner is not None else len(prev)
            if inner is not None or i == len(layer) - 1:
                for w in layer[scan : i + 1]:
                    for u in up[w]:
                        if (pos[u] < k0 or pos[u] > k1) and not (u >= real_n and w >= real_n):
                            conflicts.add((u, w))
                scan, k0 = i + 1, k1
    return conflicts


def _align(layers, nbrs, pos, conflicts, real_n, upward):
    root = {v: v for layer in layers for v in layer}
    aligned = set()
    for layer in layers:
        last = -1
        for v in layer:
            ws = sorted(nbrs[v], key=pos.__getitem__)
            if not ws:
                continue
            lo, hi = (len(ws) - 1) // 2, len(ws) // 2
            candidates = [ws[lo]] if lo == hi else [ws[lo], ws[hi]]
            if v < real_n:  # a layer lines up with a layer rather than with a passing edge
                candidates.sort(key=lambda w: w >= real_n)
            for w in candidates:
                pair = (w, v) if upward else (v, w)
                if (
                    v not in aligned
                    and last < pos[w]
                    and pair not in conflicts
                    and w not in aligned
                ):
                    root[v] = root[w]
                    aligned.add(v)
                    last = pos[w]
    return root


def _compact(layers, root, sep):
    succ: dict[int, dict[int, float]] = {}
    indegree: dict[int, int] = {}
    for layer in layers:
        for v in layer:
            succ.setdefault(root[v], {})
            indegree.setdefault(root[v], 0)
        for u, v in zip(layer, layer[1:]):
            a, b = root[u], root[v]
            edges = succ[a]
            if b not in edges:
                indegree[b] += 1
                edges[b] = sep(u, v)
            else:
                edges[b] = max(edges[b], sep(u, v))
    ready = [b for b, d in indegree.items() if d == 0]
    order = []
    while ready:
        b = ready.pop()
        order.append(b)
        for c in succ[b]:
            indegree[c] -= 1
            if not indegree[c]:
                ready.append(c)
    xs = dict.fromkeys(order, 0.0)
    for b in order:
        for c, gap in succ[b].items():
            xs[c] = max(xs[c], xs[b] + gap)
    for b in reversed(order):
        if succ[b]:
            xs[b] = max(xs[b], min(xs[c] - gap for c, gap in succ[b].items()))
    return {v: xs[root[v]] for layer in layers for v in layer}


def assign_cross(layers, up, down, size, real_n, node_gap, edge_gap):
    """Cross-axis centres by Brandes-Köpf: four alignments, compacted and balanced."""

    sep = separation(size, real_n, node_gap, edge_gap)
    pos = {v: i for layer in layers for i, v in enumerate(layer)}
    conflicts = _type1_conflicts(layers, up, pos, real_n)
    results = []
    for upward in (True, False):
        for right in (False, True):
            lay = layers if upward else layers[::-1]
            if right:
                lay = [layer[::-1] for layer in lay]
            order = {v: i for layer in lay for i, v in enumerate(layer)}
            root = _align(lay, up if upward else down, order, conflicts, real_n, upward)
            xs = _compact(lay, root, sep)
            if right:
                xs = {v: -x for v, x in xs.items()}
            results.append(xs)

    def extent(xs):
        return min(x - size[v] / 2 for v, x in xs.items()), max(
            x + size[v] / 2 for v, x in xs.items()
        )

    spans = [extent(xs) for xs in results]
    best = min(range(4), key=lambda i: (spans[i][1] - spans[i][0], i))
    lo, hi = spans[best]
    for i, (xs, (a, b)) in enumerate(zip(results, spans)):
        delta = (lo - a) if i % 2 == 0 else (hi - b)
        if delta:
            results[i] = {v: x + delta for v, x in xs.items()}
    x = [0.0] * len(size)
    for v in results[0]:
        values = sorted(xs[v] for xs in results)
        x[v] = (values[1] + values[2]) / 2
    return x


def _chains(layers, up, down, real_n):
    """Paths of nodes that should share one cross-axis position (a straight line)."""

    def link(a, b):
        real_down = [w for w in down[a] if w < real_n]
        real_up = [w for w in up[b] if w < real_n]
        ok_down = len(down[a]) == 1 or (b < real_n and real_down == [b])
        ok_up = len(up[b]) == 1 or (a < real_n and real_up == [a])
        return ok_down and ok_up

    nxt, has_prev = {}, set()
    for layer in layers:
        for a in layer:
            for b in down[a]:
                if link(a, b):
                    nxt[a] = b
                    has_prev.add(b)
    chains = []
    for layer in layers:
        for a in layer:
            if a in nxt and a not in has_prev:
                chain = [a]
                while chain[-1] in nxt:
                    chain.append(nxt[chain[-1]])
                chains.append(chain)
    chains.sort(key=lambda c: (-len(c), c[0]))
    return chains


def straighten(layers, x, up, down, sep, real_n, rounds=2):
    """Put each chain on one vertical line where the neighbours leave room for it."""
    where = {}
    for layer in layers:
        for i, v in enumerate(layer):
            where[v] = (layer, i)

    def room(v):
        layer, i = where[v]
        lo = x[layer[i - 1]] + sep(layer[i - 1], v) if i else float("-inf")
        hi = x[layer[i + 1]] - sep(v, layer[i + 1]) if i + 1 < len(layer) else float("inf")
        return lo, hi

    chains = _chains(layers, up, down, real_n)
    for _ in range(rounds):
        for chain in chains:
            start = 0
            while start < len(chain):
                lo, hi = room(chain[start])
                end = start + 1
                while end < len(chain):
                    a, b = room(chain[end])
                    if max(lo, a) > min(hi, b):
                        break
                    lo, hi = max(lo, a), min(hi, b)
                    end += 1
                run = chain[start:end]
                if len(run) > 1:
                    values = sorted(x[v] for v in run if v < real_n) or sorted(x[v] for v in run)
                    target = min(max(values[len(values) // 2], lo), hi)
                    for v in run:
                        x[v] = target
                start = end
    return x
