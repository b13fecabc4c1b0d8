"""Network graphs: grouping, layout and SVG / JSON display of a DAG of layers.

Pure Python (no Keras, no graphviz). ``Network.plot_network()`` builds a
:class:`DagView` from ``Network.to_dag()``.

Example:
    >>> from dl_notebook.graph import Dag, DagNode, DagView
    >>> dag = Dag("tiny", [DagNode("x", "Input", "input", (28, 28, 1), 0),
    ...                    DagNode("fc", "Dense", "output", (10,), 7850)], [("x", "fc")])
    >>> DagView.from_dag(dag)
    <DagView 'tiny': 2 layers, 7,850 params; 2 boxes (expanded)>
"""

from __future__ import annotations

from .dag import KINDS, Dag, DagNode
from .grouping import Group
from .view import MIME_TYPE, DagView

__all__ = ["Dag", "DagNode", "DagView", "Group", "KINDS", "MIME_TYPE"]
