"""The layer kinds of the DAG view and their colours: the one list of them.

A layer type names its kind (``Conv2d.kind == "conv"``); the SVG drawing,
its legend and the JupyterLab extension (through the generated
``labextension/src/vocabulary.ts``) colour boxes from :data:`PALETTE`. A
kind that is not listed is drawn as ``"other"``.

Example:
    >>> from dl_notebook.graph.kinds import KINDS, PALETTE
    >>> KINDS[:3], PALETTE["conv"]
    (('input', 'conv', 'pool'), ('#cfe7f7', '#3a8fc4'))
"""

from __future__ import annotations

__all__ = ["KINDS", "PALETTE"]

# (fill, stroke) per kind, in legend order: light tints of the Okabe-Ito colours, readable with
# dark text. "group" is a box of grouped layers, not a layer kind.
PALETTE = {
    "input": ("#e4e4e4", "#6e6e6e"),
    "conv": ("#cfe7f7", "#3a8fc4"),
    "pool": ("#c5e8dc", "#00876a"),
    "dense": ("#fbe2b0", "#c98a00"),
    "norm": ("#f7f1b8", "#a89b00"),
    "merge": ("#f1d5e5", "#b05f8d"),
    "activation": ("#f7f7f7", "#9a9a9a"),
    "dropout": ("#ececec", "#b3b3b3"),
    "reshape": ("#e3ddf3", "#7e6bb8"),
    "recurrent": ("#f6cfb8", "#c45200"),
    "embedding": ("#c2d9ef", "#0069a8"),
    "output": ("#f3c2c2", "#b0413e"),
    "other": ("#ffffff", "#8a8a8a"),
    "group": ("#eef1f5", "#4f5d6d"),
}

KINDS = tuple(kind for kind in PALETTE if kind != "group")
"""Layer kinds, in legend order."""
