"""DLPy's ``dlpy.timeseries``: ``TimeseriesTable``, from a DataFrame to training sequences.

DLPy's chain ``from_pandas`` → ``timeseries_formatting`` →
``timeseries_accumlation`` (DLPy's spelling) → ``prepare_subsequences`` →
``timeseries_partition`` runs here on pandas, and its sequences are a core
:class:`~dl_notebook.data.TimeSeriesDataset` held as ``.dataset`` (what a
model's ``fit`` reads): each sequence is the ``seq_len`` rows before a row,
its target that row's value (a one-step forecast, DLPy's ``xlen`` /
``ylen`` = ``seq_len`` / 1). The features are standardised as the core
dataset does (``.dataset.preprocessing``).
"""

from __future__ import annotations

import numpy as np

from ..data import TimeSeriesDataset
from ..errors import InvalidArgumentError
from ._ignored import warn_ignored
from ._timeseries_plot import _as_time, plot_timeseries

__all__ = ["TimeseriesTable", "plot_timeseries"]

_INTERVALS = {"second": "s", "minute": "min", "hour": "h", "day": "D", "week": "W",
              "month": "MS", "qtr": "QS", "quarter": "QS", "year": "YS"}
_METHODS = {"sum": "sum", "avg": "mean", "mean": "mean", "min": "min", "max": "max",
            "n": "count", "first": "first", "last": "last", "median": "median", "std": "std"}


def _as_list(value):
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _method(name, where):
    key = str(name).lower()
    if key not in _METHODS:
        raise InvalidArgumentError(
            f"{where}: unknown accumulation {name!r}; use one of {sorted(_METHODS)}."
        )
    return _METHODS[key]


class TimeseriesTable:
    """A time series table with DLPy's preparation steps (DLPy ``TimeseriesTable``).

    Args:
        frame: the pandas DataFrame (one row per time step, or per step and group).
        name: the table's name.

    Example:
        >>> import pandas as pd
        >>> from dl_notebook.dlpy.timeseries import TimeseriesTable
        >>> df = pd.DataFrame({"t": range(8), "y": [1.0, 2, 3, 4, 5, 6, 7, 8]})
        >>> tbl = TimeseriesTable.from_pandas(None, df)
        >>> tbl.timeseries_formatting("t", "y")
        >>> tbl.prepare_subsequences(seq_len=3, target="y")
        >>> len(tbl), tbl.dataset.input_shape
        (5, (3, 1))
    """

    def __init__(self, frame, name=None):
        self.frame = frame
        self.name = name
        self.dataset = None
        self.timeid = None
        self.timeseries = []
        self.extra_columns = []
        self.groupby = []
        self.sequence_opt = None
        self.inputs_target = None

    @classmethod
    def from_pandas(cls, conn, pandas_df, casout=None):
        """A table holding a copy of *pandas_df* (DLPy ``from_pandas``).

        Args:
            conn: the connection (ignored).
            pandas_df: the DataFrame.
            casout: the table's name (a str, or a dict with ``name``).

        Example:
            >>> import pandas as pd
            >>> from dl_notebook.dlpy.timeseries import TimeseriesTable
            >>> len(TimeseriesTable.from_pandas(None, pd.DataFrame({"y": [1, 2]})))
            2
        """
        import pandas as pd

        if not isinstance(pandas_df, pd.DataFrame):
            raise InvalidArgumentError(
                f"from_pandas needs a pandas DataFrame; got {type(pandas_df).__name__}."
            )
        name = casout.get("name") if isinstance(casout, dict) else casout
        return cls(pandas_df.copy(), name=name)

    # ----------------------------------------------------------------- table behaviour
    def __len__(self):
        return len(self.frame) if self.dataset is None else len(self.dataset)

    def __repr__(self):
        what = (f"{len(self.frame):,} rows" if self.dataset is None
                else f"{len(self.dataset):,} sequences of {self.dataset.sequence_length}")
        return f"TimeseriesTable({self.name or 'unnamed'}: {what})"

    @property
    def columns(self):
        """The columns of the table."""
        return list(self.frame.columns)

    def head(self, n=5):
        """The first *n* rows of the table as a DataFrame.

        Example:
            >>> import pandas as pd
            >>> from dl_notebook.dlpy.timeseries import TimeseriesTable
            >>> TimeseriesTable(pd.DataFrame({"y": [1, 2, 3]})).head(2)["y"].tolist()
            [1, 2]
        """
        return self.frame.head(n)

    def _check(self, columns, what):
        missing = [c for c in columns if c not in self.frame.columns]
        if missing:
            raise InvalidArgumentError(
                f"The table has no {what} {missing[0]!r}; use one of {list(self.frame.columns)}."
            )

    # ----------------------------------------------------------------- DLPy's steps
    def timeseries_formatting(self, timeid, timeseries, timeid_informat=None,
                              timeid_format=None, extra_columns=None):
        """Keep the time, series and extra columns, read the time and sort by it.

        Args:
            timeid: the time column; text is read by ``pandas.to_datetime``
                (which finds the format, so SAS's *timeid_informat* is not needed).
            timeseries: the series column(s).
            timeid_informat: accepted (see *timeid*).
            timeid_format: SAS's display format; accepted, no effect.
            extra_columns: other columns to keep (group columns, say).

        Example:
            >>> import pandas as pd
            >>> from dl_notebook.dlpy.timeseries import TimeseriesTable
            >>> tbl = TimeseriesTable(pd.DataFrame({"d": ["2024-01-02", "2024-01-01"],
            ...                                      "y": [2.0, 1.0], "z": [0, 0]}))
            >>> tbl.timeseries_formatting("d", "y")
            >>> tbl.columns, tbl.frame["y"].tolist()
            (['d', 'y'], [1.0, 2.0])
        """
        import pandas as pd

        warn_ignored("timeseries_formatting", ["timeid_format"] if timeid_format else [])
        series, extra = _as_list(timeseries), _as_list(extra_columns)
        self._check([timeid, *series, *extra], "column")
        frame = self.frame[[timeid, *series, *extra]].copy()
        column = frame[timeid]
        if column.dtype.kind in "OUS" or isinstance(column.dtype, pd.StringDtype):
            try:
                frame[timeid] = pd.to_datetime(column)
            except (ValueError, TypeError) as err:
                raise InvalidArgumentError(
                    f"Cannot read the times in {timeid!r} ({err}); give them as dates, "
                    "datetimes or numbers."
                ) from None
        self.frame = frame.sort_values([*extra, timeid], kind="stable").reset_index(drop=True)
        self.timeid, self.timeseries, self.extra_columns = timeid, series, extra

    def timeseries_accumlation(self, acc_interval="day", timeid=None, timeseries=None,
                               groupby=None, extra_num_columns=None, default_ts_acc="sum",
                               default_col_acc="avg", acc_method_byvar=None):
        """Accumulate the rows into one per time interval (and group), DLPy's ``timeseries_accumlation``.

        Args:
            acc_interval: ``'second'``, ``'minute'``, ``'hour'``, ``'day'``,
                ``'week'``, ``'month'``, ``'qtr'`` or ``'year'`` (SAS's ``dt``
                prefix allowed), for a datetime time column.
            timeid, timeseries: default: those of :meth:`timeseries_formatting`.
            groupby: columns whose groups are accumulated apart.
            extra_num_columns: other numeric columns to accumulate.
            default_ts_acc: how series are accumulated (``'sum'``, ``'avg'``,
                ``'min'``, ``'max'``, ``'n'``, ``'first'``, ``'last'``,
                ``'median'``, ``'std'``).
            default_col_acc: how the extra columns are accumulated.
            acc_method_byvar: ``{column: method}`` for single columns.

        Example:
            >>> import pandas as pd
            >>> from dl_notebook.dlpy.timeseries import TimeseriesTable
            >>> times = pd.to_datetime(["2024-01-01 01:00", "2024-01-01 05:00", "2024-01-02 00:00"])
            >>> tbl = TimeseriesTable(pd.DataFrame({"t": times, "y": [1.0, 2.0, 5.0]}))
            >>> tbl.timeseries_formatting("t", "y")
            >>> tbl.timeseries_accumlation("day")
            >>> tbl.frame["y"].tolist()
            [3.0, 5.0]
        """
        import pandas as pd

        timeid = timeid or self.timeid
        series = _as_list(timeseries) or self.timeseries
        groups, extra = _as_list(groupby), _as_list(extra_num_columns)
        if timeid is None or not series:
            raise InvalidArgumentError(
                "timeseries_accumlation needs timeid and timeseries; call "
                "timeseries_formatting first or give them."
            )
        self._check([timeid, *series, *groups, *extra], "column")
        if not pd.api.types.is_datetime64_any_dtype(self.frame[timeid]):
            raise InvalidArgumentError(
                f"timeseries_accumlation needs dates or datetimes in {timeid!r}; read them with "
                "timeseries_formatting first."
            )
        key = str(acc_interval).lower()
        key = key[2:] if key.startswith("dt") else key
        if key not in _INTERVALS:
            raise InvalidArgumentError(
                f"Unknown acc_interval {acc_interval!r}; use one of {sorted(_INTERVALS)}."
            )
        how = {c: _method(default_ts_acc, "default_ts_acc") for c in series}
        how.update({c: _method(default_col_acc, "default_col_acc") for c in extra})
        for column, method in (acc_method_byvar or {}).items():
            self._check([column], "column")
            how[column] = _method(method, "acc_method_byvar")
        grouper = pd.Grouper(key=timeid, freq=_INTERVALS[key])
        frame = self.frame.groupby([*groups, grouper]).agg(how).reset_index()
        self.frame = frame.sort_values([*groups, timeid], kind="stable").reset_index(drop=True)
        self.timeid, self.timeseries, self.groupby = timeid, series, groups

    def prepare_subsequences(self, seq_len, target, predictor_timeseries=None, timeid=None,
                             groupby=None, input_length_name="xlen", target_length_name="ylen",
                             missing_handling="drop"):
        """Cut the series into sequences of *seq_len* steps, each with the next value of *target*.

        Args:
            seq_len: steps per input sequence.
            target: the column to forecast, one step after each sequence.
            predictor_timeseries: the columns of a sequence (default: *target*).
            timeid: the time column (default: that of the earlier steps).
            groupby: group columns; only one group is supported (the core
                cuts one series).
            input_length_name, target_length_name: DLPy's length columns;
                here ``sequence_opt`` holds their values.
            missing_handling: ``'drop'`` (rows with a missing value are left
                out) or ``'fill'`` (carried forward, then backward).

        Example:
            >>> import pandas as pd
            >>> from dl_notebook.dlpy.timeseries import TimeseriesTable
            >>> tbl = TimeseriesTable(pd.DataFrame({"y": [1.0, 2, 3, 4, 5], "x": range(5)}))
            >>> tbl.prepare_subsequences(2, "y", predictor_timeseries=["y", "x"])
            >>> len(tbl), tbl.dataset.input_shape, tbl.sequence_opt
            (3, (2, 2), {'input_length': 'xlen', 'target_length': 'ylen', 'token_size': 2})
        """
        predictors = _as_list(predictor_timeseries) or [target]
        timeid = timeid or self.timeid
        groups = _as_list(groupby) or self.groupby
        self._check([target, *predictors, *groups] + ([timeid] if timeid else []), "column")
        frame = self.frame
        if groups and frame.groupby(groups).ngroups > 1:
            raise InvalidArgumentError(
                f"prepare_subsequences cuts one series; the table has "
                f"{frame.groupby(groups).ngroups} groups of {groups}: select one group first."
            )
        columns = list(dict.fromkeys([target, *predictors]))
        if missing_handling == "drop":
            frame = frame.dropna(subset=columns)
        elif missing_handling == "fill":
            frame = frame.copy()
            frame[columns] = frame[columns].ffill().bfill()
        else:
            raise InvalidArgumentError(
                f"missing_handling must be 'drop' or 'fill'; got {missing_handling!r}."
            )
        task = "regression" if np.issubdtype(frame[target].dtype, np.number) else "auto"
        self.dataset = TimeSeriesDataset.from_dataframe(
            frame.reset_index(drop=True), target, seq_len, horizon=1, features=predictors,
            time_col=timeid, task=task)
        self.sequence_opt = {"input_length": input_length_name,
                             "target_length": target_length_name,
                             "token_size": len(predictors)}
        self.inputs_target = {"inputs": predictors, "target": target}

    def timeseries_partition(self, training_start=None, validation_start=None,
                             testing_start=None, end_time=None, partition_var_name="split_id",
                             traintbl_suffix="train", validtbl_suffix="valid",
                             testtbl_suffix="test"):
        """Split the sequences by the time of their target (DLPy ``timeseries_partition``).

        Training holds targets from *training_start* until *validation_start*,
        validation until *testing_start*, test until *end_time* (each start
        included; a missing bound is open). Times compare with the time
        column's values (dates, datetimes or numbers).

        Args:
            training_start, validation_start, testing_start, end_time: the bounds.
            partition_var_name: accepted; no effect.
            traintbl_suffix, validtbl_suffix, testtbl_suffix: appended to the
                table's name to name the parts.

        Returns:
            ``(train, valid, test)`` TimeseriesTables; a part with no
            sequence is None.

        Example:
            >>> import pandas as pd
            >>> from dl_notebook.dlpy.timeseries import TimeseriesTable
            >>> tbl = TimeseriesTable(pd.DataFrame({"t": range(10), "y": range(10)}))
            >>> tbl.timeseries_formatting("t", "y")
            >>> tbl.prepare_subsequences(2, "y")
            >>> [len(p) for p in tbl.timeseries_partition(validation_start=6, testing_start=8)]
            [4, 2, 2]
        """
        if self.dataset is None:
            raise InvalidArgumentError(
                "timeseries_partition splits sequences; call prepare_subsequences first."
            )
        warn_ignored("timeseries_partition",
                     ["partition_var_name"] if partition_var_name != "split_id" else [])
        times = self.dataset.time_index
        bounds = [training_start, validation_start, testing_start]
        parts = []
        for i, suffix in enumerate((traintbl_suffix, validtbl_suffix, testtbl_suffix)):
            keep = np.full(len(times), i == 0 or bounds[i] is not None)  # no start: empty
            if bounds[i] is not None:
                keep &= times >= _as_time(bounds[i], times)
            later = next((b for b in bounds[i + 1:] if b is not None), None)
            if later is not None:
                keep &= times < _as_time(later, times)
            if end_time is not None:
                keep &= times <= _as_time(end_time, times)
            parts.append(self._part(keep, suffix))
        return tuple(parts)

    def _part(self, keep, suffix):
        if not keep.any():
            return None
        out = TimeseriesTable(self.frame, name=f"{self.name or 'ts'}_{suffix}")
        out.dataset = self.dataset.subset(np.flatnonzero(keep))
        out.timeid, out.timeseries, out.groupby = self.timeid, self.timeseries, self.groupby
        out.sequence_opt = self.sequence_opt
        return out
