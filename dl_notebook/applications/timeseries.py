"""A recurrent forecaster for time series, one or several steps ahead."""

from __future__ import annotations

from ..model import Sequential
from ..model import layers as L
from ._zoo import application
from .text import check_choice, check_count, check_rate, recurrent_stack

__all__ = ["TimeSeriesForecaster"]


@application("time_series_forecaster", title="Time-series forecaster (RNN)", task="sequence")
def TimeSeriesForecaster(n_features, window, horizon=1, *, rnn_type="lstm", neurons=32,
                         n_blocks=1, bidirectional=False, dropout=0.0, name="forecaster"):
    """Forecast a series from a window of its past: recurrent layers and a linear output.

    A window of ``window`` time steps with ``n_features`` values each
    (``input1``) goes through ``n_blocks`` recurrent layers (``rnn1`` …
    ``rnnN``; all but the last return every step) and a linear
    ``OutputLayer`` (``output1``) with ``horizon`` units trained with mean
    squared error: the ``horizon`` values that follow the window.

    With ``horizon=1`` it takes a :class:`~dl_notebook.data.TimeSeriesDataset`
    made with ``horizon=1`` as it is (or with ``horizon=h`` to predict the
    single value *h* steps after the window). For several steps at once
    give ``(x, y)`` arrays with ``y`` of shape ``(N, horizon)``: row *i*
    holds the next ``horizon`` values after window *i*.

    Args:
        n_features: values per time step (``TimeSeriesDataset.input_shape[1]``).
        window: time steps per window (``sequence_length``), or None for any length.
        horizon: values predicted per window (consecutive future steps).
        rnn_type: ``"lstm"``, ``"gru"`` or ``"rnn"``.
        neurons: units of each recurrent layer.
        n_blocks: number of recurrent layers.
        bidirectional: read each window both ways.
        dropout: rate of a ``Dropout`` layer (``dropout1``) before the output.
        name: the network's name.

    Returns:
        A new ``dn.Sequential`` (untrained).

    Example:
        >>> import numpy as np, dl_notebook as dn
        >>> net = dn.applications.TimeSeriesForecaster(n_features=2, window=24, horizon=6)
        >>> net.layer_names, net["output1"].output_shape
        (['input1', 'rnn1', 'output1'], (None, 6))
        >>> net.to_keras()(np.zeros((3, 24, 2), "float32")).shape
        TensorShape([3, 6])
    """
    where = "TimeSeriesForecaster"
    n_features = check_count(n_features, "n_features", where)
    window = check_count(window, "window", where, allow_none=True)
    horizon = check_count(horizon, "horizon", where)
    rnn_type = check_choice(rnn_type, "rnn_type", where, ("lstm", "gru", "rnn"))
    layers = [L.InputLayer(shape=(window, n_features), name="input1")]
    layers += recurrent_stack(neurons, n_blocks, rnn_type, bidirectional=bidirectional,
                              sequences=False, where=where)
    dropout = check_rate(dropout, where)
    if dropout:
        layers.append(L.Dropout(dropout, name="dropout1"))
    layers.append(L.OutputLayer(horizon, act="identity", error="mse", name="output1"))
    return Sequential(name=name, layers=layers)
