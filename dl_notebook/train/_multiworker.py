"""Training across processes under ``tf.distribute.MultiWorkerMirroredStrategy``.

Keras 3's ``Model.fit`` fails under that strategy (keras-team/keras#20585:
it reduces the distributed input batch and the per-replica logs in ways
only ``MirroredStrategy`` supports), so :func:`fit` is a training loop of
its own with the keyword arguments of ``keras.Model.fit`` that
:func:`dl_notebook.train.fit.fit` passes. It drives the same Keras
callbacks (history, progress, checkpoints, Stop, early stopping), so a run
looks the same as one through Keras.

One step: each worker takes its part of the global batch
(``experimental_distribute_dataset`` splits every batch between the
replicas), computes the compiled loss (with the layers' regularization
losses) scaled by its share of the global batch, and the optimizer's
``apply_gradients`` sums the gradients over all replicas: the update equals
one process training on the whole global batch, also for a last batch that
does not split evenly.

Agreement: every worker must run the same steps, or the others wait for
ever in the next collective. Before training, the chief's weights,
optimizer state and shuffle seed are sent to all workers, and they check
that they start at the same epoch (a resumed run must read the same
checkpoint everywhere). Before each batch and after each epoch the workers
agree on stopping: when one asks to stop (a Stop button on the chief, a
non-finite loss, early stopping), all stop there. Every worker must feed
the same global batches: ``fit(seed=...)``, unshuffled data, or (x, y)
arrays (their shuffle seed comes from the chief). An unseeded dl_notebook
dataset is shuffled differently in each worker: the run trains, but an
epoch may see some examples twice and miss others.

The chief alone runs the checkpoint and progress callbacks; the others
train silently and write nothing.

This module imports TensorFlow: it loads when a multi-worker run starts.
"""

from __future__ import annotations

import random

import numpy as np
import tensorflow as tf

from .. import _views
from .._keras import keras as _load_keras
from ..errors import InvalidArgumentError

keras = _load_keras()  # training-only module: Keras (and TensorFlow) load with it

__all__ = ["fit", "is_chief"]

_SUM = tf.distribute.ReduceOp.SUM


def is_chief(strategy) -> bool:
    """True in the process that writes checkpoints and shows progress (worker 0 or ``chief``).

    Args:
        strategy: a ``tf.distribute.Strategy``.

    Example:
        >>> import tensorflow as tf
        >>> from dl_notebook.train._multiworker import is_chief
        >>> is_chief(tf.distribute.get_strategy())
        True
    """
    return bool(getattr(strategy.extended, "should_checkpoint", True))


def _from_chief(strategy, values):
    """*values* (arrays) as the chief holds them, in every worker: a sum with zeros elsewhere."""
    tensors = [tf.convert_to_tensor(v) for v in values]
    wide = [tf.float64 if t.dtype.is_integer or t.dtype.is_bool else t.dtype for t in tensors]

    def replica_fn(*xs):
        ctx = tf.distribute.get_replica_context()
        first = tf.equal(ctx.replica_id_in_sync_group, 0)  # replica 0 lives on the chief
        return [ctx.all_reduce(_SUM, tf.where(first, tf.cast(x, d), tf.zeros_like(x, d)))
                for x, d in zip(xs, wide)]  # one by one: a list is packed into one dtype

    @tf.function
    def broadcast(*xs):
        return strategy.experimental_local_results(strategy.run(replica_fn, args=xs))[0]

    return [tf.cast(r, t.dtype).numpy() for r, t in zip(broadcast(*tensors), tensors)]


def _build(model, strategy, element_spec):
    """Create every variable (model, compiled loss and metrics, optimizer) before tracing.

    A step that creates variables when first traced fails with several
    replicas per worker. This is the build that Keras' own TensorFlow
    trainer runs before ``fit`` (``Trainer._symbolic_build``, on symbolic
    tensors of the batch's shape), in the strategy's scope.
    """
    with strategy.scope():
        model._symbolic_build(data_batch=element_spec)


def _sync_from_chief(model, strategy):
    """Give every worker the chief's weights and optimizer state (they may differ at start)."""
    variables = list(model.weights) + list(model.optimizer.variables)
    for variable, value in zip(variables, _from_chief(strategy, [v.numpy() for v in variables])):
        variable.assign(value)


def _stop_agreement(strategy):
    def replica_fn(flag):  # tf.identity places the flag on the replica's device
        return tf.distribute.get_replica_context().all_reduce(_SUM, tf.identity(flag))

    @tf.function
    def agree(flag):
        return strategy.experimental_local_results(strategy.run(replica_fn, args=(flag,)))[0]

    return lambda stop: bool(agree(tf.constant(float(bool(stop)))) > 0)


def _steps(model, strategy):
    """The distributed training and evaluation steps: (loss, examples) of one global batch."""
    replicas = strategy.num_replicas_in_sync

    def share(x):
        """This replica's examples and its share of the global batch."""
        local = tf.cast(tf.shape(tf.nest.flatten(x)[0])[0], tf.float32)
        total = tf.distribute.get_replica_context().all_reduce(_SUM, local)
        return local, tf.math.divide_no_nan(local, total)

    def local_loss(x, y, y_pred, sample_weight, training):
        # Keras divides a loss computed in a replica by the number of replicas; undo it to
        # get this replica's mean (plus the regularization losses).
        loss = model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                  training=training)
        return loss * tf.cast(replicas, loss.dtype)

    def train_replica(batch):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(batch)
        local, part = share(x)
        with tf.GradientTape() as tape:
            y_pred = model(x, training=True)
            loss = local_loss(x, y, y_pred, sample_weight, True)
            loss = loss * tf.cast(part, loss.dtype)
            scaled = model.optimizer.scale_loss(loss)
        variables = model.trainable_variables
        model.optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
        model.compute_metrics(x, y, y_pred, sample_weight=sample_weight)
        return loss, local

    def test_replica(batch):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(batch)
        local, part = share(x)
        y_pred = model(x, training=False)
        model.compute_metrics(x, y, y_pred, sample_weight=sample_weight)
        loss = local_loss(x, y, y_pred, sample_weight, False)
        return loss * tf.cast(part, loss.dtype), local

    def distributed(replica_fn):
        @tf.function(reduce_retracing=True)
        def step(batch):
            loss, count = strategy.run(replica_fn, args=(batch,))
            return (strategy.reduce(_SUM, loss, axis=None),
                    strategy.reduce(_SUM, count, axis=None))

        return step

    return distributed(train_replica), distributed(test_replica)


def _distribute(strategy, dataset):
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return strategy.experimental_distribute_dataset(dataset.with_options(options))


def _batches(strategy, x, y, batch_size, steps, shuffle_seed):
    """A function of no argument returning the next epoch's distributed batches, and their spec."""
    if not isinstance(x, tf.data.Dataset):
        dataset = tf.data.Dataset.from_tensor_slices((x, y))
        if shuffle_seed is not None:
            dataset = dataset.shuffle(len(x), seed=shuffle_seed, reshuffle_each_iteration=True)
        x = dataset.batch(batch_size or 32)
    distributed = _distribute(strategy, x)
    if steps is None:
        return (lambda: iter(distributed)), x.element_spec
    stream = iter(distributed)  # one stream over all epochs, `steps` batches each

    def epoch():
        for _ in range(steps):
            batch = next(stream, None)
            if batch is None:
                return
            yield batch

    return epoch, x.element_spec


def _read_metrics(model, loss, count, prefix=""):
    logs = {key: float(value) for key, value in model.get_metrics_result().items()
            if np.ndim(value) == 0}
    logs["loss"] = loss / count if count else 0.0
    return {prefix + key: value for key, value in logs.items()}


def _chief_only_types() -> tuple:
    """The callbacks that only the chief runs: checkpoints and progress (text or live view)."""
    from .checkpoint_callback import CheckpointCallback
    from .text_progress import TextProgress

    live = _views.view_class("live")
    return (CheckpointCallback, TextProgress) + ((live,) if live is not None else ())


def fit(model, x=None, y=None, batch_size=None, epochs=1, verbose=0, callbacks=None,
        validation_data=None, shuffle=True, initial_epoch=0, steps_per_epoch=None,
        validation_steps=None):
    """Train *model* (built and compiled in a MultiWorkerMirroredStrategy's scope) on every worker.

    The arguments are those of ``keras.Model.fit`` that dl_notebook's
    ``fit`` uses; ``verbose`` is ignored (progress comes from callbacks).
    Every worker calls it with the same arguments.

    Args:
        model: the ``keras.Model`` to train, made in the strategy's scope.
        x, y: a batched ``tf.data.Dataset`` of ``(inputs, labels)`` (y None)
            or arrays with ``batch_size``; global batches.
        batch_size: the global batch size for arrays.
        epochs, initial_epoch: train epochs ``initial_epoch .. epochs - 1``;
            every worker must give the same ``initial_epoch``.
        callbacks: Keras callbacks; checkpoints and progress run on the
            chief only.
        validation_data: a batched dataset or an ``(x, y)`` pair.
        shuffle: shuffle arrays each epoch (with a seed from the chief).
        steps_per_epoch, validation_steps: batches per epoch, read from
            one stream over all epochs (for repeated datasets).

    Returns:
        The ``keras.callbacks.History`` of the run.

    Example:
        >>> import numpy as np, keras, tensorflow as tf
        >>> from dl_notebook.train._multiworker import fit
        >>> strategy = tf.distribute.get_strategy()  # a one-process stand-in
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(keras.optimizers.SGD(0.1), "mse")
        >>> x = np.ones((8, 2), "float32"); y = np.zeros((8, 1), "float32")
        >>> hist = fit(model, x, y, batch_size=4, epochs=2)
        >>> len(hist.history["loss"]), hist.history["loss"][1] < hist.history["loss"][0]
        (2, True)
    """
    strategy = model.distribute_strategy
    chief = is_chief(strategy)
    agree = _stop_agreement(strategy)
    seed = random.randrange(2**31) if shuffle and not isinstance(x, tf.data.Dataset) else 0
    first, seed = (int(v) for v in _from_chief(strategy, [np.int64(initial_epoch), np.int64(seed)]))
    if agree(first != initial_epoch):  # each worker read its own checkpoint_dir
        raise InvalidArgumentError(
            f"The workers would resume from different epochs (the chief from epoch {first}); "
            f"give a checkpoint_dir that every worker reads (a shared file system)."
        )
    train, spec = _batches(strategy, x, y, batch_size, steps_per_epoch, seed if shuffle else None)
    valid = None
    if validation_data is not None:
        vx, vy = ((validation_data, None) if isinstance(validation_data, tf.data.Dataset)
                  else tuple(validation_data)[:2])
        valid, _ = _batches(strategy, vx, vy, batch_size, validation_steps, None)
    _build(model, strategy, spec)
    _sync_from_chief(model, strategy)
    train_step, test_step = _steps(model, strategy)

    kept = list(callbacks or [])
    if not chief:
        skip = _chief_only_types()
        kept = [cb for cb in kept if not isinstance(cb, skip)]
    callback_list = keras.callbacks.CallbackList(
        kept, add_history=True, model=model, epochs=epochs, steps=steps_per_epoch, verbose=0)
    model.stop_training = False
    callback_list.on_train_begin()
    logs = {}
    for epoch in range(initial_epoch, epochs):
        model.reset_metrics()
        callback_list.on_epoch_begin(epoch)
        total = count = 0.0
        for step, batch in enumerate(train()):
            callback_list.on_train_batch_begin(step)
            if agree(model.stop_training):
                model.stop_training = True
                break
            loss, examples = train_step(batch)
            total, count = total + float(loss) * float(examples), count + float(examples)
            callback_list.on_train_batch_end(step, {"loss": total / count if count else 0.0})
        logs = _read_metrics(model, total, count)
        if valid is not None and not model.stop_training:
            model.reset_metrics()
            v_total = v_count = 0.0
            for batch in valid():
                loss, examples = test_step(batch)
                v_total += float(loss) * float(examples)
                v_count += float(examples)
            logs.update(_read_metrics(model, v_total, v_count, prefix="val_"))
        callback_list.on_epoch_end(epoch, logs)
        if agree(model.stop_training):
            model.stop_training = True
            break
    callback_list.on_train_end(logs)
    return model.history
