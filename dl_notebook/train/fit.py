"""fit: train a Network with Keras, in the background inside notebooks.

Steps: resolve the settings (``Optimizer`` over fit arguments), check the
data against the network and infer the loss, compile the network's Keras
model (inside a distribution strategy when asked), then run
``keras.Model.fit`` with the run callbacks. Everything a user can get
wrong is checked in the calling thread, before training starts.

Threads: inside an IPython kernel (or with ``background=True``) Keras runs
in a daemon ``threading.Thread`` and :func:`fit` returns the running
:class:`~dl_notebook.train.history.TrainingHistory` at once, so the kernel
stays free and a Stop button works.

One run at a time: ``fit`` claims the network's lease
(:attr:`dl_notebook.Network.lease`) before anything else and releases it
when the run ends, however it ends (completed, stopped, interrupted,
failed). A second ``fit``, and every change to the network (edits,
``freeze`` / ``unfreeze``, ``set_weights``, ``to_keras``), from another
thread **waits** until then; ``net.running`` is the running history, and
``net.running.stop()`` ends it sooner.

Stop: the run stops after the current batch when its history's
``stop_event`` (``hist.stop()``, the live view's Stop button) or the
``stop_event=`` given to ``fit`` is set, or when a callback sets
``model.stop_training``; ``hist.status`` is then ``RunStatus.STOPPED``.

Regularisation: Keras 3 layers read ``kernel_regularizer`` only when they
create their weights, so ``reg_l1`` / ``reg_l2`` set the ``regularizer``
of each weight matrix for the run (trainable variables with two or more
axes: kernels and embeddings, not biases or batch-norm scales; a weight
with a regularizer of its own keeps it). Keras adds their penalty to the
loss it trains on and reports; the run puts the old ones back at its end.

Seeds: ``seed`` calls ``keras.utils.set_random_seed`` and shuffles epoch
*e* with ``epoch_seed(seed, e)`` (from :mod:`dl_notebook.train.checkpoint`),
so a resumed run sees the same batches as an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import threading

import numpy as np

from .._keras import keras
from ..errors import DLError, InvalidArgumentError
from . import _resume
from ._compile import compile_or_reuse
from ._fit_data import FitData, infer_loss, warn_if_prescaled
from ._run_callbacks import BestWeights, Guard, Recorder
from .history import TrainingHistory
from .optimizer import Optimizer
from .progress import in_kernel, make_live_callback
from .status import RunStatus

__all__ = ["fit", "epoch_seed"]


def epoch_seed(seed, epoch):
    """The shuffle seed of epoch *epoch* (0-based) for a run seeded with *seed*.

    :func:`dl_notebook.train.checkpoint.epoch_seed` when that module is
    there (the same function), else a hash of the two numbers.

    Example:
        >>> from dl_notebook.train.fit import epoch_seed
        >>> epoch_seed(7, 2) == epoch_seed(7, 2) != epoch_seed(7, 3)
        True
    """
    try:
        from .checkpoint import epoch_seed as shared
    except ImportError:
        shared = None
    if shared is not None:
        return shared(seed, epoch)
    if seed is None:
        return None
    digest = hashlib.sha256(f"dl_notebook-epoch:{seed}:{epoch}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def _module(name, what):
    import importlib

    try:
        return importlib.import_module(f"dl_notebook.train.{name}")
    except ImportError as err:
        raise DLError(
            f"{what} needs dl_notebook.train.{name}, which cannot be imported ({err}); "
            f"reinstall dl_notebook."
        ) from err


def _settings(optimizer, solver, epochs, batch_size, seed, live):
    if optimizer is None or not isinstance(optimizer, Optimizer):
        return optimizer, None, solver, epochs, batch_size, seed, live
    opt = optimizer
    if opt.algorithm is not None and solver is not None and opt.algorithm is not solver:
        raise InvalidArgumentError(
            "Give the solver once: as solver= or as Optimizer(algorithm=...), not both."
        )
    if opt.log_level == 0 and live is None:
        live = False
    return (None, opt, opt.algorithm if opt.algorithm is not None else solver,
            opt.max_epochs or epochs, opt.mini_batch_size or batch_size,
            opt.seed if opt.seed is not None else seed, live)


def _keras_optimizer(solver, lr_scheduler, optimizer):
    if optimizer is not None:
        if solver is not None or lr_scheduler is not None:
            raise InvalidArgumentError(
                "Give either optimizer= (a Keras optimizer) or solver=/lr_scheduler=, not both."
            )
        solver = optimizer
    return _module("solvers", "Training").as_keras_optimizer(solver, lr_scheduler)


def _frozen_layers(net, model, opt):
    """Keras layers of *model* to freeze for the run (DLPy freeze_layers_to / freeze_layers)."""
    if opt is None or (opt.freeze_layers_to is None and not opt.freeze_layers):
        return []
    names = []
    if opt.freeze_layers_to is not None:
        names += net.select(up_to=opt.freeze_layers_to)
    names += net.select(opt.freeze_layers) if opt.freeze_layers else []
    keras_names = {layer.name for name in names for layer in net[name].keras_layers}
    return [layer for layer in model.layers if layer.name in keras_names and layer.trainable]


def _regularize(model, opt):
    """Set an L1/L2 regularizer on each weight matrix; return what to put back."""
    if opt is None or not (opt.reg_l1 or opt.reg_l2):
        return []
    penalty = keras().regularizers.L1L2(l1=opt.reg_l1, l2=opt.reg_l2)
    changed = []
    for variable in model.trainable_variables:
        if len(variable.shape) >= 2 and variable.regularizer is None:
            changed.append((variable, variable.regularizer))
            variable.regularizer = penalty
    return changed


def _check_stop_event(stop_event):
    if stop_event is not None and not (callable(getattr(stop_event, "is_set", None))
                                       and callable(getattr(stop_event, "set", None))):
        raise InvalidArgumentError(
            f"stop_event must be a threading.Event or None; got {type(stop_event).__name__}."
        )


def _set_seed(k, seed):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidArgumentError(f"seed must be a non-negative integer; got {seed!r}.")
    seed = int(seed)
    k.utils.set_random_seed(seed)
    if seed % (2**31 - 1) == 0:
        # tf.data compares (global seed, op seed) with (0, 0) in Python, which fails for
        # the per-epoch shuffle seeds (tensors) when the global seed is 0: use another
        # fixed global seed (the run stays reproducible).
        import tensorflow as tf

        tf.random.set_seed(2**31 - 2)
    return seed


def _mark_end(hist, model, early_stoppers):
    """Name how a run that raised nothing ended, when no callback said so already."""
    if any(cb.stopped_epoch > 0 for cb in early_stoppers):
        hist._mark(RunStatus.EARLY_STOPPED, "early stopping")
    elif getattr(model, "stop_training", False):  # a callback (a Stop button) ended it
        hist._mark(RunStatus.STOPPED, "stopped")


def _check_epochs(epochs):
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise InvalidArgumentError(f"epochs must be a positive integer; got {epochs!r}.")
    return int(epochs)


def fit(net, data, valid_data=None, epochs=10, batch_size=32, solver=None, lr_scheduler=None,
        optimizer=None, callbacks=None, live=None, checkpoint_dir=None, resume=False, seed=None,
        strategy=None, loss=None, metrics=None, background=None,
        stop_event=None) -> TrainingHistory:
    """Train *net* on *data* and return its :class:`TrainingHistory` (``Network.fit``).

    One run at a time per network: while another ``fit`` of *net* runs in
    another thread, this one waits for it to end, then trains (see the
    module notes). ``hist.status`` tells how the run ended.

    Args:
        net: the ``dn.Network`` to train (its weights are trained in place).
        data: a dl_notebook dataset, a batched ``tf.data.Dataset`` of
            ``(inputs, labels)`` or an ``(x, y)`` pair of arrays. Images go in
            as the input layer expects them: pixel values 0..255 when it
            rescales (``scale=1/255``, as in ``dn.applications.LeNet5``), else
            already scaled; data within 0..1 for a rescaling input is warned of.
        valid_data: validation data in the same forms (``val_*`` columns).
        epochs, batch_size: DLPy ``max_epochs`` / ``mini_batch_size``.
        solver: a ``dn.solvers`` solver or its name (default Adam 1e-3).
        lr_scheduler: a ``dn.schedules`` schedule replacing the solver's rate.
        optimizer: a ``dn.Optimizer`` (DLPy settings, which take precedence)
            or a Keras optimizer.
        callbacks: extra Keras callbacks.
        live: None (live view in a notebook kernel, text lines elsewhere),
            True, False (silent) or a Keras callback.
        checkpoint_dir: save a checkpoint there at each epoch end whose
            weights are all finite (a folder; checked before training).
        resume: continue from the newest complete checkpoint in
            *checkpoint_dir* with the solver settings given now (see
            :mod:`dl_notebook.train._resume`; fallbacks are announced).
        seed: random seed; the same seed gives the same history from the
            same starting weights. A network draws its weights when it is
            built: call ``keras.utils.set_random_seed`` before building it
            to fix those too.
        strategy: ``"mirrored"``, ``"multiworker"`` or a ``tf.distribute.Strategy``.
        loss, metrics: Keras loss and metrics instead of the inferred ones
            (sparse / categorical / binary cross-entropy with accuracy for
            classifiers, mse with mae for regression).
        background: train in a thread and return at once (default: only
            inside a notebook kernel).
        stop_event: a ``threading.Event`` of the caller's; setting it stops
            the run after the current batch (``RunStatus.STOPPED``), even
            when it is set before training starts. ``hist.stop()`` does the same.

    Example:
        >>> import numpy as np, dl_notebook as dn
        >>> from dl_notebook.train.fit import fit
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(4,)),
        ...                             dn.layers.OutputLayer(2)])
        >>> x = np.random.default_rng(0).normal(size=(32, 4)); y = (x[:, 0] > 0).astype(int)
        >>> hist = fit(net, (x, y), epochs=2, live=False, seed=1)
        >>> list(hist.frame.columns), hist.status
        (['epoch', 'loss', 'accuracy', 'learning_rate', 'seconds'], <RunStatus.COMPLETED: 'completed'>)
    """
    _check_stop_event(stop_event)
    hist = TrainingHistory()
    net.lease.claim(hist)  # waits while another run holds the network
    hist._done.clear()  # the run is on from here: hist.running, net.running
    try:
        run = _prepare(net, hist, data, valid_data, epochs, batch_size, solver, lr_scheduler,
                       optimizer, callbacks, live, checkpoint_dir, resume, seed, strategy, loss,
                       metrics, stop_event)
        if background is None:
            background = in_kernel()
        if background:
            thread = threading.Thread(target=run, name=f"fit-{net.name}", daemon=True)
            net.lease.hand_to(thread)
            hist._start(thread)
            return hist
    except BaseException:
        net.lease.release(hist)
        hist._finish()
        raise
    hist._thread = threading.current_thread()
    try:
        run()
    finally:
        hist._thread = None
    return hist.wait()


def _prepare(net, hist, data, valid_data, epochs, batch_size, solver, lr_scheduler, optimizer,
             callbacks, live, checkpoint_dir, resume, seed, strategy, loss, metrics, stop_event):
    """Check everything, build and compile the model; return the function that trains."""
    from ..data._base import check_batch_size

    k = keras()
    keras_optimizer, opt, solver, epochs, batch_size, seed, live = _settings(
        optimizer, solver, epochs, batch_size, seed, live)
    if optimizer is not None and opt is None and not isinstance(optimizer, k.optimizers.Optimizer):
        raise InvalidArgumentError(
            f"optimizer must be a dn.Optimizer or a Keras optimizer; got "
            f"{type(optimizer).__name__}."
        )
    epochs, batch_size = _check_epochs(epochs), check_batch_size(batch_size)
    if resume and checkpoint_dir is None:
        raise InvalidArgumentError("resume=True needs checkpoint_dir= (the folder to resume from).")
    if seed is not None:
        seed = _set_seed(k, seed)

    head = getattr(net, "head", None)
    if head is not None:  # a detection network: its head makes the stream, loss and metrics
        data = head.training_data(data, batch_size, shuffle=True, seed=seed)
        if valid_data is not None:
            valid_data = head.training_data(valid_data, batch_size, shuffle=False)
        loss = head.loss() if loss is None else loss
        metrics = head.metrics() if metrics is None else metrics
    train = FitData(data, "data")
    valid = None if valid_data is None else FitData(valid_data, "validation data")
    if len(net.input_names) == 1:
        shape = tuple(net[net.input_names[0]].output_shape[1:])
        for part in (train, valid):
            if part is not None:
                part.check_input(shape, net.input_names[0])
    if isinstance(metrics, str):
        metrics = [metrics]
    if loss is None and valid is not None and valid.labels is not None:
        infer_loss(net, valid)  # the same label checks for the validation data
    loss, metrics = infer_loss(net, train, loss, metrics)
    warn_if_prescaled(net, train, hist.notes)
    if checkpoint_dir is not None:
        _resume.check_folder(checkpoint_dir)  # a file or an unwritable place fails now

    keras_opt = _keras_optimizer(solver, lr_scheduler, keras_optimizer)

    def compile_model(model):
        opt_ = keras_opt
        if strategy is not None:  # a Keras optimizer belongs to the strategy it was made in
            opt_ = (type(keras_opt).from_config(keras_opt.get_config())
                    if keras_optimizer is not None else _keras_optimizer(solver, lr_scheduler, None))
        if strategy is not None:
            model.compile(optimizer=opt_, loss=loss, metrics=list(metrics))
            return
        # The same settings as the last fit: keep the traced training function (each
        # compile leaves a trace behind) and start from a reset optimizer.
        run_settings = None if opt is None else (
            opt.reg_l1, opt.reg_l2, opt.freeze_layers_to, tuple(opt.freeze_layers))
        compile_or_reuse(model, opt_, loss, metrics, extra=run_settings,
                         reuse=keras_optimizer is None)

    if strategy is None:
        model = net.to_keras()
        compile_model(model)
    else:
        model = _module("distribute", "strategy=").strategy_model(net, strategy, compile_model)
    frozen = _frozen_layers(net, model, opt)
    for layer in frozen:
        layer.trainable = False
    penalties = _regularize(model, opt)

    def undo():
        for variable, previous in penalties:
            variable.regularizer = previous
        for layer in frozen:
            layer.trainable = True

    try:
        return _callbacks_and_run(net, hist, model, opt, train, valid, epochs, batch_size,
                                  callbacks, live, checkpoint_dir, resume, seed, strategy,
                                  stop_event, undo)
    except BaseException:
        undo()
        raise


def _callbacks_and_run(net, hist, model, opt, train, valid, epochs, batch_size, callbacks,
                       live, checkpoint_dir, resume, seed, strategy, stop_event, undo):
    """Resume, gather the callbacks and return the function that trains."""
    k = keras()
    initial_epoch = 0
    recorder = Recorder(hist)
    saving = []
    if checkpoint_dir is not None:
        given = _resume.settings(model.optimizer)  # before a checkpoint changes the rate
        if resume:
            initial_epoch, rows = _resume.resume(model, checkpoint_dir, hist.notes)
            if rows is not None:
                hist._replace_rows(rows)
        saving.append(_module("checkpoint_callback", "checkpoint_dir=").CheckpointCallback(
            checkpoint_dir, history_rows=lambda: hist.rows, settings=given))
    user = list(callbacks or [])
    steps = train.batches_per_epoch(batch_size)
    progress = make_live_callback(live, epochs=epochs, steps_per_epoch=steps,
                                  stop_event=hist.stop_event)
    guard = Guard(hist, [hist.stop_event, stop_event])
    monitor = "val_loss" if valid is not None else "loss"
    early = best = None
    if opt is not None and opt.stagnation:
        early = k.callbacks.EarlyStopping(monitor=monitor, patience=opt.stagnation)
    if opt is not None and opt.save_best_weights:
        best = BestWeights(monitor)
    extra = [cb for cb in (early, best, progress) if cb is not None]
    all_callbacks = [guard, recorder] + user + extra + saving
    early_stoppers = [cb for cb in user + extra if isinstance(cb, k.callbacks.EarlyStopping)]
    if progress is not None and hasattr(progress, "show"):
        progress.show()  # a live view is displayed from the calling thread

    seeds = None
    if seed is not None and train.kind != "tf":
        seeds = [epoch_seed(seed, e) for e in range(initial_epoch, epochs)]
    kwargs = dict(train.keras_args(batch_size, seeds), epochs=epochs, initial_epoch=initial_epoch,
                  callbacks=all_callbacks, verbose=0)
    if valid is not None:
        kwargs.update(valid.validation(batch_size))
    kwargs["shuffle"] = train.kind == "arrays" and seeds is None

    def finish():
        undo()
        if not guard.restore(model) and best is not None and not hist.interrupted:
            best.restore(model)
        if strategy is not None:
            _module("distribute", "strategy=").sync_back(net, model)

    def run():
        try:
            model.fit(**kwargs)
            _mark_end(hist, model, early_stoppers)
        except KeyboardInterrupt:
            hist.interrupted = True
            hist._mark(RunStatus.INTERRUPTED, "interrupted", force=True)
        except BaseException as err:  # reported by hist.wait() / raised when blocking
            hist.error = err
            hist._mark(RunStatus.FAILED, f"error: {type(err).__name__}", force=True)
        finally:
            try:
                finish()
            finally:
                net.lease.release(hist)
                hist._finish()

    return run
