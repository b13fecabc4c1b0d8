"""DLPy's result objects: ``CASResults`` tables, the epoch history and scored tables.

DLPy models keep what their last run gave (``training_history``,
``valid_res_tbl``, ``valid_conf_mat``, ``valid_score``); this module makes
those tables, in DLPy's column names, from the core's results.
"""

from __future__ import annotations

import numpy as np

from ..model.network import Network as CoreNetwork

__all__ = ["FeatureMaps", "RateRecorder", "Results", "history_table", "scored_tables"]


class Results(dict):
    """DLPy's ``CASResults``: tables by name (a dict), also reachable as attributes.

    Example:
        >>> from dl_notebook.dlpy._results import Results
        >>> Results(ScoreInfo=1).ScoreInfo
        1
    """

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


class RateRecorder:
    """A Keras callback (made on first use) keeping the rate of every epoch and batch.

    Example:
        >>> from dl_notebook.dlpy._results import RateRecorder
        >>> recorder = RateRecorder()
        >>> recorder.epoch_rates, recorder.batch_rates
        ([], [])
    """

    def __new__(cls):
        from .._keras import keras

        class _Recorder(keras().callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.epoch_rates, self.batch_rates = [], []

            def _rate(self):
                return float(np.asarray(self.model.optimizer.learning_rate))

            def on_epoch_begin(self, epoch, logs=None):
                self.epoch_rates.append(self._rate())

            def on_train_batch_begin(self, batch, logs=None):
                self.batch_rates.append(self._rate())

        return _Recorder()


def history_table(frame, rates):
    """DLPy's ``OptIterHistory`` from a core history frame and the epochs' starting rates.

    Args:
        frame: the core history's DataFrame (``loss``, ``accuracy``, ``val_loss`` …).
        rates: the learning rate each epoch started with.

    Example:
        >>> import pandas as pd
        >>> from dl_notebook.dlpy._results import history_table
        >>> frame = pd.DataFrame({"loss": [0.9, 0.5], "accuracy": [0.5, 0.75]})
        >>> history_table(frame, [0.1, 0.1])["FitError"].tolist()
        [0.5, 0.25]
    """
    import pandas as pd

    table = pd.DataFrame({"Epoch": np.arange(len(frame)),
                          "LearningRate": rates[:len(frame)] or frame["learning_rate"],
                          "Loss": frame["loss"].to_numpy()})
    if "accuracy" in frame:
        table["FitError"] = 1.0 - frame["accuracy"].to_numpy()
    elif "mae" in frame:
        table["FitError"] = frame["mae"].to_numpy()
    if "val_loss" in frame:
        table["ValidLoss"] = frame["val_loss"].to_numpy()
        if "val_accuracy" in frame:
            table["ValidError"] = 1.0 - frame["val_accuracy"].to_numpy()
        elif "val_mae" in frame:
            table["ValidError"] = frame["val_mae"].to_numpy()
    return table


class FeatureMaps:
    """DLPy's ``FeatureMaps``: one image's activations, shown layer by layer.

    Args:
        model: the network.
        image: one input example, without the batch axis.
    """

    def __init__(self, model, image):
        self.model, self.image = model, image

    def display(self, layer_id, filter_id=None):
        """Show the activations of layer *layer_id* (an index or a name); *filter_id* picks maps."""
        name = self.model.layer_names[layer_id] if isinstance(layer_id, int) else layer_id
        maps = CoreNetwork.get_feature_maps(self.model, self.image, name)
        if filter_id is not None:
            return maps.display(n=max(np.atleast_1d(filter_id)) + 1)
        return maps.display()


def scored_tables(res, target, paths=None):
    """DLPy's tables of a scored run: ``(valid_res_tbl, valid_conf_mat, valid_score)``.

    ``valid_res_tbl`` has a row per example: the target, ``I_<target>`` the
    predicted class and ``P_<target><class>`` each probability (and
    ``_filename_0`` when the examples are files); ``valid_conf_mat`` counts
    true classes by rows and predicted ones by columns; ``valid_score`` is
    DLPy's ``ScoreInfo``.

    Args:
        res: the core ``EvaluationResult``.
        target: the label column's name.
        paths: the examples' files, or None.

    Example:
        >>> import numpy as np
        >>> from types import SimpleNamespace
        >>> from dl_notebook.dlpy._results import scored_tables
        >>> res = SimpleNamespace(class_names=["a", "b"], y_true=np.array([0, 1, 1]),
        ...                       y_pred=np.array([0, 0, 1]), accuracy=2 / 3,
        ...                       proba=np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]]),
        ...                       loss=np.array([0.1, 0.9, 0.2]))
        >>> table, conf_mat, _ = scored_tables(res, "_label_")
        >>> conf_mat.to_numpy().tolist(), list(table.columns)
        ([[1, 0], [1, 1]], ['_label_', 'I__label_', 'P__label_a', 'P__label_b'])
    """
    import pandas as pd

    names = res.class_names
    table = pd.DataFrame({target: [names[i] for i in res.y_true],
                          f"I_{target}": [names[i] for i in res.y_pred]})
    if paths is not None and len(paths) == len(table):
        table.insert(0, "_filename_0", [str(p) for p in paths])
    for k, name in enumerate(names):
        table[f"P_{target}{name}"] = res.proba[:, k]
    counts = np.zeros((len(names), len(names)), np.int64)
    np.add.at(counts, (res.y_true, res.y_pred), 1)
    conf_mat = pd.DataFrame(counts, index=pd.Index(names, name=target),
                            columns=pd.Index(names, name=f"I_{target}"))
    n = len(table)
    score = pd.DataFrame({
        "Descr": ["Number of Observations Read", "Number of Observations Used",
                  "Misclassification Error (%)", "Loss Error"],
        "Value": [n, n, 100.0 * (1.0 - res.accuracy), float(np.mean(res.loss))]})
    return table, conf_mat, score


def regression_tables(y_true, predicted, target):
    """DLPy's tables of a scored regression: ``(valid_res_tbl, valid_score)``.

    ``valid_res_tbl`` has the target and DLPy's ``_DL_Pred_`` (the predicted
    value) per example; ``valid_score`` is DLPy's ``ScoreInfo`` with the
    mean squared error.

    Args:
        y_true, predicted: the true and predicted values.
        target: the target column's name.

    Example:
        >>> from dl_notebook.dlpy._results import regression_tables
        >>> table, score = regression_tables([1.0, 2.0], [1.5, 2.0], "y")
        >>> list(table.columns), score["Value"].tolist()[-1]
        (['y', '_DL_Pred_'], 0.125)
    """
    import pandas as pd

    y_true = np.asarray(y_true, dtype="float64").reshape(len(predicted), -1)[:, 0]
    predicted = np.asarray(predicted, dtype="float64").reshape(len(y_true), -1)[:, 0]
    table = pd.DataFrame({target: y_true, "_DL_Pred_": predicted})
    n = len(table)
    score = pd.DataFrame({
        "Descr": ["Number of Observations Read", "Number of Observations Used",
                  "Mean Squared Error"],
        "Value": [n, n, float(np.mean((y_true - predicted) ** 2))]})
    return table, score
