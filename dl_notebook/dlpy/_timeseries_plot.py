"""DLPy's ``plot_timeseries`` and the reading of a time bound in a table's time type.

Imported from :mod:`dl_notebook.dlpy.timeseries`, where DLPy users find it.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError

__all__ = ["plot_timeseries"]


def _as_time(value, times):
    """*value* in the type of the time index (a date string read for datetimes)."""
    import pandas as pd

    if np.issubdtype(times.dtype, np.datetime64):
        return np.datetime64(pd.Timestamp(value))
    return value


def plot_timeseries(tbl, timeid, timeseries, figure=None, groupid=None, start_time=None,
                    end_time=None, xlim=None, ylim=None, xlabel=None, ylabel=None,
                    xdate_format=None, title=None, figsize=None, fontsize_spec=None, **kwargs):
    """Plot columns of a table against its time column (DLPy ``plot_timeseries``).

    Args:
        tbl: a :class:`TimeseriesTable` or a DataFrame.
        timeid: the time column.
        timeseries: the column to draw.
        figure: ``(fig, ax)`` of an earlier call, to draw on the same axes.
        groupid: ``{column: value}`` picking one group's rows.
        start_time, end_time: the rows drawn (inclusive).
        xlim, ylim, xlabel, ylabel, title, figsize: as matplotlib.
        xdate_format, fontsize_spec, kwargs: accepted; matplotlib's defaults are used.

    Returns:
        ``(fig, ax)``, as DLPy.

    Example:
        >>> import pandas as pd
        >>> from dl_notebook.dlpy.timeseries import plot_timeseries
        >>> fig, ax = plot_timeseries(pd.DataFrame({"t": [0, 1, 2], "y": [1.0, 3.0, 2.0]}), "t", "y")
        >>> len(ax.lines)
        1
    """
    frame = getattr(tbl, "frame", tbl)
    for column in (timeid, timeseries):
        if column not in frame:
            raise InvalidArgumentError(f"plot_timeseries: the table has no column {column!r}.")
    for column, value in (groupid or {}).items():
        frame = frame[frame[column] == value]
    if start_time is not None:
        frame = frame[frame[timeid] >= _as_time(start_time, frame[timeid])]
    if end_time is not None:
        frame = frame[frame[timeid] <= _as_time(end_time, frame[timeid])]
    if figure is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=figsize or (12, 5))
        ax = fig.subplots()
    else:
        fig, ax = figure
    ax.plot(frame[timeid], frame[timeseries], label=timeseries)
    ax.set_xlabel(xlabel or timeid)
    ax.set_ylabel(ylabel or timeseries)
    if title:
        ax.set_title(title)
    if xlim is not None:
        ax.set_xlim(xlim)
    if ylim is not None:
        ax.set_ylim(ylim)
    ax.legend()
    return fig, ax
