"""Training a network under a ``tf.distribute`` strategy (several devices or workers).

:func:`resolve_strategy` turns ``strategy=`` into a ``tf.distribute.Strategy``;
:func:`strategy_model` builds a copy of a network's Keras model inside the
strategy's scope (so its variables are mirrored on every device) with the
network's current weights, and compiles it; after training,
:func:`sync_back` copies the trained weights into the network's own layers.

Several processes (workers, on one machine or many): every worker runs the
same script, which calls :func:`multiworker` before anything else starts
TensorFlow (TensorFlow configures its collective operations once, at
startup), then trains with ``net.fit(..., strategy="multiworker")``. Keras'
own ``fit`` fails under ``MultiWorkerMirroredStrategy`` (keras-team/keras#20585),
so the model that :func:`strategy_model` returns for that strategy trains
with dl_notebook's distributed loop (:mod:`dl_notebook.train._multiworker`).

Example:
    >>> import dl_notebook as dn
    >>> from dl_notebook.train.distribute import resolve_strategy, strategy_model, sync_back
    >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(4,)), dn.layers.OutputLayer(2)])
    >>> model = strategy_model(net, "mirrored", lambda m: m.compile("sgd", "mse"))
    >>> model is net.to_keras(), model.distribute_strategy.num_replicas_in_sync >= 1
    (False, True)
    >>> sync_back(net, model)
"""

from __future__ import annotations

import functools
import sys

from .._keras import is_keras_model, keras, keras_model_of
from ..errors import DLError, InvalidArgumentError

__all__ = ["STRATEGIES", "multiworker", "resolve_strategy", "strategy_model", "sync_back"]

STRATEGIES = ("mirrored", "multiworker")

_multiworker_strategy = None  # one per process: TensorFlow allows it only once


def multiworker(cluster_resolver=None):
    """This process's ``tf.distribute.MultiWorkerMirroredStrategy``, made on the first call.

    Call it at the start of the script that every worker runs, before
    anything starts TensorFlow (building a network, loading data, a Keras
    optimizer); ``fit(strategy="multiworker")`` then trains with it. The
    workers come from *cluster_resolver*, or else from the ``TF_CONFIG``
    environment variable (no ``TF_CONFIG``: this process alone). Later
    calls return the same strategy.

    Args:
        cluster_resolver: a ``tf.distribute.cluster_resolver.ClusterResolver``
            such as ``SlurmClusterResolver()``, or None for ``TF_CONFIG``.

    Raises:
        DLError: TensorFlow has started already in this process.

    Example:
        >>> from dl_notebook.train.distribute import multiworker
        >>> strategy = multiworker()  # first line of the script  # doctest: +SKIP
        >>> multiworker(cluster_resolver="node1:2222")
        Traceback (most recent call last):
        ...
        dl_notebook.errors.InvalidArgumentError: cluster_resolver must be a tf.distribute.cluster_resolver.ClusterResolver or None; got str.
    """
    global _multiworker_strategy
    import tensorflow as tf

    if cluster_resolver is not None and not isinstance(
            cluster_resolver, tf.distribute.cluster_resolver.ClusterResolver):
        raise InvalidArgumentError(
            f"cluster_resolver must be a tf.distribute.cluster_resolver.ClusterResolver or "
            f"None; got {type(cluster_resolver).__name__}."
        )
    if _multiworker_strategy is not None:
        return _multiworker_strategy
    try:
        strategy = tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=cluster_resolver)
    except (RuntimeError, ValueError) as err:
        if "startup" not in str(err):
            raise
        raise DLError(
            'strategy="multiworker" must be set up before TensorFlow starts: call '
            "dn.train.distribute.multiworker() at the top of the script, before building a network "
            "or loading data."
        ) from err
    _multiworker_strategy = strategy
    return strategy


def _choices_error(strategy):
    return InvalidArgumentError(
        f"strategy must be 'mirrored', 'multiworker', a tf.distribute.Strategy or None; "
        f"got {strategy!r}."
    )


def resolve_strategy(strategy):
    """The ``tf.distribute.Strategy`` that ``fit(strategy=...)`` asks for, or None.

    - ``None``: no strategy (TensorFlow is not imported).
    - ``"mirrored"``: ``tf.distribute.MirroredStrategy`` over all logical
      GPUs, or over all logical CPUs when there is no GPU (TensorFlow's own
      default would use one CPU only).
    - ``"multiworker"``: the strategy of :func:`multiworker` (call it at the
      start of the program, before other TensorFlow work).
    - a ``tf.distribute.Strategy``: returned as it is.

    Example:
        >>> from dl_notebook.train.distribute import resolve_strategy
        >>> resolve_strategy(None) is None
        True
        >>> resolve_strategy("mirrored").num_replicas_in_sync >= 1
        True
    """
    if strategy is None:
        return None
    if isinstance(strategy, str):
        key = strategy.strip().lower().replace("-", "").replace("_", "")
        if key not in STRATEGIES:
            raise _choices_error(strategy)
        import tensorflow as tf

        if key == "multiworker":
            return multiworker()
        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy(devices=[d.name for d in devices])
    tf = sys.modules.get("tensorflow")  # an object cannot be a Strategy before TF is imported
    if tf is not None and isinstance(strategy, tf.distribute.Strategy):
        return strategy
    raise _choices_error(strategy)


def strategy_model(net, strategy, compile_fn=None):
    """The network's Keras model, rebuilt and compiled inside ``strategy.scope()``.

    With a strategy, the model is a clone (``keras.models.clone_model``:
    same layers, names and configuration) holding the network's current
    weights; training it leaves the network as it is until
    :func:`sync_back`. Under ``MultiWorkerMirroredStrategy`` its ``fit``
    is :func:`dl_notebook.train._multiworker.fit` (same arguments), which
    trains across the workers. Without one (``strategy=None``), the network's own
    model is compiled and returned.

    Args:
        net: a ``dn.Network`` (or a ``keras.Model``).
        strategy: anything :func:`resolve_strategy` takes.
        compile_fn: called with the new model to compile it (inside the
            scope, so the optimizer's variables are mirrored too); None
            leaves it uncompiled.

    Returns:
        A ``keras.Model`` whose ``distribute_strategy`` is the strategy.

    Example:
        >>> import dl_notebook as dn
        >>> from dl_notebook.train.distribute import strategy_model
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(3,)), dn.layers.Dense(2)])
        >>> strategy_model(net, None, lambda m: m.compile("sgd", "mse")) is net.to_keras()
        True
    """
    strategy = resolve_strategy(strategy)
    source = keras_model_of(net, "distribute")
    if compile_fn is not None and not callable(compile_fn):
        raise InvalidArgumentError("compile_fn must be a function that compiles a model, or None.")
    if strategy is None:
        if compile_fn is not None:
            compile_fn(source)
        return source
    with strategy.scope():
        model = keras().models.clone_model(source)
        model.set_weights(source.get_weights())
        if compile_fn is not None:
            compile_fn(model)
    if isinstance(strategy, sys.modules["tensorflow"].distribute.MultiWorkerMirroredStrategy):
        from . import _multiworker  # Keras' fit fails under this strategy: our loop instead

        model.fit = functools.partial(_multiworker.fit, model)
    return model


def sync_back(net, model) -> None:
    """Copy the trained weights of *model* into *net*'s layers, layer by layer by name.

    Args:
        net: the ``dn.Network`` (or ``keras.Model``) that :func:`strategy_model` copied.
        model: the model that was trained.

    Example:
        >>> import numpy as np, dl_notebook as dn
        >>> from dl_notebook.train.distribute import strategy_model, sync_back
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(3,)),
        ...                             dn.layers.Dense(2, name="fc")])
        >>> model = strategy_model(net, "mirrored")
        >>> model.get_layer("fc").set_weights([np.ones((3, 2)), np.zeros(2)])
        >>> sync_back(net, model)
        >>> net["fc"].get_weights()[0].tolist()
        [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]
    """
    source = keras_model_of(net, "distribute")
    if not is_keras_model(model):
        raise InvalidArgumentError(
            f"sync_back needs the trained keras.Model; got {type(model).__name__}."
        )
    if model is source:
        return
    targets = net.keras_layers if hasattr(net, "keras_layers") else source.layers
    for layer in targets:
        if not layer.weights:
            continue
        try:
            trained = model.get_layer(layer.name)
        except ValueError:
            raise InvalidArgumentError(
                f"The trained model has no layer named {layer.name!r}; pass the model "
                f"that strategy_model built for this network."
            ) from None
        try:
            layer.set_weights(trained.get_weights())
        except ValueError:
            raise InvalidArgumentError(
                f"Layer {layer.name!r} of the trained model has other weight shapes; pass the "
                f"model that strategy_model built for this network."
            ) from None
