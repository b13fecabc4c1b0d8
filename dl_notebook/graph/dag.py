"""The input contract of the graph package: a network as a plain DAG.

A :class:`Dag` holds named nodes in a topological order and edges between them
by name. It is what ``Network.to_dag()`` returns and what
:class:`~dl_notebook.graph.DagView` draws. It knows nothing of Keras.

Example:
    >>> from dl_notebook.graph import Dag, DagNode
    >>> dag = Dag("tiny", [DagNode("x", "Input", "input", (28, 28, 1), 0),
    ...                    DagNode("fc", "Dense", "output", (10,), 7850)],
    ...           [("x", "fc")])
    >>> len(dag.nodes), dag.edges
    (2, [('x', 'fc')])
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from ..errors import InvalidArgumentError
from .kinds import KINDS

__all__ = ["DagNode", "Dag", "KINDS", "topological_order"]



@dataclass(frozen=True)
class DagNode:
    """One layer of a network, as the graph package sees it.

    Args:
        name: unique layer name.
        type: display type, e.g. ``"Conv2d"``, ``"BatchNormalization"``, ``"Res"``.
        kind: colour category, one of :data:`KINDS`.
        shape: output shape without the batch dimension, e.g. ``(32, 32, 6)``; items
            may be ``None``; a tuple of tuples for layers with several outputs.
        params: number of parameters.
        scope: name of the nested Keras model the layer came from, ``""`` if none.
        config: the layer's main settings as JSON-ready values (``{"filters": 6,
            "kernel_size": [5, 5]}``), shown in the interactive view's details.

    Example:
        >>> DagNode("conv1", "Conv2d", "conv", (32, 32, 6), 456).shape
        (32, 32, 6)
    """

    name: str
    type: str
    kind: str
    shape: tuple
    params: int
    scope: str = ""
    config: dict = field(default_factory=dict, hash=False)


@dataclass
class Dag:
    """A network as named nodes (in a topological order) and ``(src, dst)`` edges.

    Example:
        >>> dag = Dag("net", [DagNode("a", "Input", "input", (4,), 0)], [])
        >>> dag.name
        'net'
    """

    name: str
    nodes: list[DagNode] = field(default_factory=list)
    edges: list[tuple[str, str]] = field(default_factory=list)


def topological_order(succ, pred) -> list[int]:
    """Node indices in a topological order (smallest index first among ready nodes).

    Args:
        succ: successor index lists per node.
        pred: predecessor index lists per node.

    Raises:
        InvalidArgumentError: when the edges form a cycle.
    """
    indegree = [len(p) for p in pred]
    ready = [v for v, d in enumerate(indegree) if d == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        v = heapq.heappop(ready)
        order.append(v)
        for w in succ[v]:
            indegree[w] -= 1
            if indegree[w] == 0:
                heapq.heappush(ready, w)
    if len(order) != len(succ):
        raise InvalidArgumentError(
            "The DAG has a cycle; a network graph must have edges that only go forward."
        )
    return order
