"""A matplotlib figure that shows itself in a notebook, without pyplot.

Figures are made with ``matplotlib.figure.Figure`` (no pyplot, so nothing
is drawn twice and no global state changes); :class:`FigureDisplay` gives
them the PNG form IPython, Jupyter and Voila show.
"""

from __future__ import annotations

import io

__all__ = ["FigureDisplay"]


class FigureDisplay:
    """Holds a matplotlib figure (``.figure_``) and its axes (``.ax_``); displays as PNG.

    Example:
        >>> from matplotlib.figure import Figure
        >>> fig = Figure(figsize=(1, 1))
        >>> FigureDisplay(fig, fig.subplots())._repr_png_()[:4]
        b'\\x89PNG'
    """

    def __init__(self, figure, ax):
        self.figure_ = figure
        self.ax_ = ax

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.figure_.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
        return buffer.getvalue()

    def savefig(self, path, **kwargs):
        """Save the figure (``matplotlib.figure.Figure.savefig``)."""
        self.figure_.savefig(path, **kwargs)

    def __repr__(self):
        width, height = self.figure_.get_size_inches()
        return f"<{type(self).__name__} {width:g}x{height:g} in>"
