"""A multilayer perceptron for tables (classification or regression)."""

from __future__ import annotations

import numbers

from ..errors import InvalidArgumentError
from ..model import Sequential
from ..model import layers as L
from ._zoo import application
from .text import check_choice, check_count, check_rate

__all__ = ["MLP"]


def _hidden(hidden, where):
    if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool):
        hidden = (hidden,)
    if not isinstance(hidden, (tuple, list)) or not all(
            isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1
            for n in hidden):
        raise InvalidArgumentError(
            f"{where}: hidden must be a list of positive layer sizes such as (64, 32), or () "
            f"for none; got {hidden!r}."
        )
    return tuple(int(n) for n in hidden)


@application("mlp", title="Multilayer perceptron", task="tabular")
def MLP(n_inputs, n_outputs=None, hidden=(64, 32), *, n_classes=None, dropout=0.0,
        task="classification", act="relu", name="mlp"):
    """A multilayer perceptron: fully connected hidden layers and an output layer.

    One ``Dense`` layer per entry of ``hidden`` (``fc1``, ``fc2``, …, each
    followed by dropout when ``dropout`` is set) and ``output1``: a softmax
    over ``n_outputs`` classes for ``task="classification"``, or
    ``n_outputs`` linear units trained with mean squared error for
    ``task="regression"``. It takes a
    :class:`~dl_notebook.data.TabularDataset` as it is:
    ``MLP(ds.input_shape[0], len(ds.class_names))``.

    Args:
        n_inputs: features per row (``TabularDataset.input_shape[0]``).
        n_outputs: classes (classification) or target values (regression).
        hidden: units of each hidden layer; ``()`` for none.
        n_classes: another name for ``n_outputs`` (give one of the two).
        dropout: dropout rate after each hidden layer.
        task: ``"classification"`` or ``"regression"``.
        act: activation of the hidden layers.
        name: the network's name.

    Returns:
        A new ``dn.Sequential`` (untrained).

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.applications.MLP(4, n_classes=3)
        >>> net.layer_names, net.count_params()
        (['input1', 'fc1', 'fc2', 'output1'], 2499)
        >>> dn.applications.MLP(8, 1, hidden=16, task="regression")["output1"].error
        'mse'
    """
    where = "MLP"
    if (n_outputs is None) == (n_classes is None):
        raise InvalidArgumentError(f"{where}: give the number of outputs once, as n_outputs "
                                   f"or n_classes.")
    task = check_choice(task, "task", where, ("classification", "regression"))
    n_inputs = check_count(n_inputs, "n_inputs", where)
    if n_classes is not None:
        if task == "regression":
            raise InvalidArgumentError(f"{where}: a regression has no classes; give n_outputs.")
        n_outputs = check_count(n_classes, "n_classes", where, minimum=2)
    classify = task == "classification"
    n_outputs = check_count(n_outputs, "n_outputs", where, minimum=2 if classify else 1)
    dropout = check_rate(dropout, where)
    layers = [L.InputLayer(shape=(n_inputs,), name="input1")]
    layers += [L.Dense(n, act=act, dropout=dropout, name=f"fc{i}")
               for i, n in enumerate(_hidden(hidden, where), start=1)]
    layers.append(L.OutputLayer(n_outputs, act="softmax" if classify else "identity",
                                error="entropy" if classify else "mse", name="output1"))
    return Sequential(name=name, layers=layers)
