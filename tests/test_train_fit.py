"""Network.fit on real data (scikit-learn's handwritten digits, 8x8x1): data forms, losses,
DLPy Optimizer settings, Stop, interrupts, background runs, non-finite losses, progress."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import threading  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.train.progress import make_live_callback  # noqa: E402

L = dn.layers
COLUMNS = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "learning_rate", "seconds"]


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    return d.images / 16.0, d.target


def make_net(units=10, act="softmax", scale=None):
    return dn.Sequential(layers=[L.InputLayer(shape=(8, 8, 1), scale=scale),
                                 L.Dense(32, name="hidden"),
                                 L.OutputLayer(units, act=act, name="out")])


def weights(net):
    return [w.copy() for w in net.to_keras().get_weights()]


def quiet(**kwargs):
    return dict(live=False, background=False, **kwargs)


# -- data forms --------------------------------------------------------------------------
def test_fit_image_dataset_with_validation():
    d = load_digits()
    ds = dn.ImageDataset.from_arrays(d.images * 16, d.target)
    train, valid = ds.subset(np.arange(1400)), ds.subset(np.arange(1400, len(ds)))
    net = make_net(scale=1 / 255)
    hist = net.fit(train, valid_data=valid, epochs=4, batch_size=128,
                   solver=dn.solvers.Adam(0.02), **quiet())
    frame = hist.frame
    assert list(frame.columns) == COLUMNS
    assert frame["epoch"].tolist() == [1, 2, 3, 4]
    assert frame["val_accuracy"].iloc[-1] > 0.7  # 10 classes: chance is 0.1
    assert frame["learning_rate"].iloc[-1] == pytest.approx(0.02)
    assert not hist.running and hist.stop_reason is None and not hist.interrupted


def test_fit_tf_dataset_and_arrays(digits):
    import tensorflow as tf

    x, y = digits
    data = tf.data.Dataset.from_tensor_slices((x[:1400, ..., None], y[:1400])).batch(64)
    net = make_net()
    hist = net.fit(data, valid_data=(x[1400:], y[1400:]), epochs=3,
                   solver=dn.solvers.Adam(0.01), **quiet())
    assert list(hist.frame.columns) == COLUMNS
    assert hist.frame["val_accuracy"].iloc[-1] > 0.7
    # (N, 8, 8) arrays go into the (8, 8, 1) input
    hist = make_net().fit((x, y), epochs=3, batch_size=128, solver=dn.solvers.Adam(0.02),
                          **quiet())
    assert hist.frame["accuracy"].iloc[-1] > 0.7


# -- losses --------------------------------------------------------------------------------
@pytest.mark.parametrize("case, loss_type, metric", [
    ("sparse", "SparseCategoricalCrossentropy", "accuracy"),
    ("onehot", "CategoricalCrossentropy", "accuracy"),
    ("binary", "BinaryCrossentropy", "accuracy"),
    ("regression", "mse", "mae"),
])
def test_loss_is_inferred(digits, case, loss_type, metric):
    x, y = digits[0][:256], digits[1][:256]
    if case == "sparse":
        net, labels = make_net(), y
    elif case == "onehot":
        net, labels = make_net(), np.eye(10, dtype="float32")[y]
    elif case == "binary":
        net, labels = make_net(1, act="sigmoid"), (y % 2).astype("float32")
    else:
        net = dn.Sequential(layers=[L.InputLayer(shape=(8, 8, 1)), L.Dense(16),
                                    L.OutputLayer(1, act="identity", error="normal")])
        labels = y.astype("float32")
    hist = net.fit((x, labels), epochs=1, **quiet())
    loss = net.to_keras().loss
    assert (loss if isinstance(loss, str) else type(loss).__name__) == loss_type
    assert metric in hist.frame.columns


def test_loss_and_metrics_overrides(digits):
    x, y = digits[0][:256], digits[1][:256]
    net = make_net()
    hist = net.fit((x, np.eye(10)[y]), epochs=1, loss="mse", metrics=["mae"], **quiet())
    assert net.to_keras().loss == "mse"
    assert list(hist.frame.columns) == ["epoch", "loss", "mae", "learning_rate", "seconds"]


def test_labels_the_output_layer_cannot_take(digits):
    x, y = digits[0][:64], digits[1][:64].copy()
    y[0] = 12
    with pytest.raises(dn.InvalidArgumentError, match=r"from 0 to 12.*'out' has 10 units"):
        make_net().fit((x, y), epochs=1, **quiet())
    with pytest.raises(dn.InvalidArgumentError, match="one-hot rows of 12 classes"):
        make_net().fit((x, np.eye(12)[digits[1][:64]]), epochs=1, **quiet())
    with pytest.raises(dn.InvalidArgumentError, match="0/1 labels"):
        make_net(1, act="sigmoid").fit((x, digits[1][:64]), epochs=1, **quiet())


def test_data_the_input_cannot_take(digits):
    x, y = digits
    with pytest.raises(dn.ShapeError) as err:
        make_net().fit((x.reshape(len(x), 64), y), epochs=1, **quiet())
    msg = str(err.value)
    assert "(64)" in msg and "(8, 8, 1)" in msg and "\n" not in msg
    with pytest.raises(dn.InvalidArgumentError, match="tf.data.Dataset"):
        make_net().fit("digits", epochs=1, **quiet())


# -- DLPy Optimizer ------------------------------------------------------------------------
def test_optimizer_settings_and_seed(digits):
    x, y = digits
    net = make_net()
    start = weights(net)
    opt = dn.Optimizer(algorithm=dn.solvers.Adam(0.01), mini_batch_size=128, max_epochs=2,
                       seed=3)
    first = net.fit((x, y), optimizer=opt, **quiet()).frame
    assert first["epoch"].tolist() == [1, 2]
    net.to_keras().set_weights(start)
    second = net.fit((x, y), optimizer=opt, **quiet()).frame
    cols = ["loss", "accuracy"]
    np.testing.assert_array_equal(first[cols].to_numpy(), second[cols].to_numpy())


def test_seeded_image_dataset_runs_repeat(digits):
    d = load_digits()
    ds = dn.ImageDataset.from_arrays(d.images[:256] * 16, d.target[:256])
    net = make_net(scale=1 / 255)
    start = weights(net)
    runs = []
    for _ in range(2):
        net.to_keras().set_weights(start)
        runs.append(net.fit(ds, epochs=2, batch_size=128, seed=11, **quiet()).frame["loss"])
    np.testing.assert_array_equal(runs[0].to_numpy(), runs[1].to_numpy())


@pytest.mark.parametrize("seed", [0, 2**31 - 1])
def test_seed_zero_shuffles_each_epoch(digits, seed):
    # A global seed of 0 once broke tf.data's shuffle with per-epoch seeds.
    d = load_digits()
    ds = dn.ImageDataset.from_arrays(d.images[:128] * 16, d.target[:128])
    x, y = digits
    for data in (ds, (x[:128], y[:128])):
        hist = make_net(scale=1 / 255).fit(data, epochs=2, batch_size=64, seed=seed, **quiet())
        assert hist.frame["epoch"].tolist() == [1, 2] and hist.stop_reason is None


def test_regularization_raises_the_training_loss(digits):
    x, y = digits
    net = make_net()
    start = weights(net)
    plain = net.fit((x, y), epochs=1, seed=5, **quiet()).frame["loss"].iloc[0]
    net.to_keras().set_weights(start)
    opt = dn.Optimizer(reg_l1=0.01, reg_l2=0.1, seed=5)
    penalised = net.fit((x, y), epochs=1, optimizer=opt, **quiet()).frame["loss"].iloc[0]
    kernels = [w for w in start if w.ndim >= 2]
    expected = sum(0.01 * np.abs(w).sum() + 0.1 * (w ** 2).sum() for w in kernels)
    assert penalised - plain > 0.5 * expected > 0
    assert all(v.regularizer is None for v in net.to_keras().trainable_variables)


@pytest.mark.filterwarnings("ignore:The model does not have any trainable weights")
def test_stagnation_freeze_and_best_weights(digits):
    x, y = digits[0][:600], digits[1][:600]
    net = make_net()
    start = weights(net)
    # everything frozen: the validation loss cannot improve, so stagnation=1 stops after 2 epochs
    opt = dn.Optimizer(stagnation=1, freeze_layers_to="out", max_epochs=5)
    hist = net.fit((x[:400], y[:400]), valid_data=(x[400:], y[400:]), optimizer=opt,
                   **quiet())
    assert hist.stop_reason == "early stopping" and len(hist.frame) == 2
    assert hist.status is dn.train.RunStatus.EARLY_STOPPED
    for a, b in zip(start, weights(net)):
        np.testing.assert_array_equal(a, b)
    assert all(layer.trainable for layer in net)  # frozen for that run only
    # freeze_layers_to="hidden": only the output layer learns
    net.fit((x, y), epochs=1, optimizer=dn.Optimizer(freeze_layers_to="hidden"), **quiet())
    after = net["hidden"].get_weights()
    np.testing.assert_array_equal(after[0], start[0])
    assert not np.array_equal(net["out"].get_weights()[0], start[2])
    # save_best_weights: the net ends with the weights of the lowest validation loss
    opt = dn.Optimizer(algorithm=dn.solvers.Adam(0.05), save_best_weights=True, max_epochs=4)
    hist = net.fit((x[:400], y[:400]), valid_data=(x[400:], y[400:]), optimizer=opt,
                   **quiet())
    val_loss = net.to_keras().evaluate(x[400:, ..., None], y[400:], verbose=0)[0]
    assert val_loss == pytest.approx(hist.frame["val_loss"].min(), rel=1e-4)


# -- stopping ------------------------------------------------------------------------------
class StopAt(keras.callbacks.Callback):
    """A callback that sets its stop event after batch *k* and counts the batches it saw."""

    def __init__(self, k):
        super().__init__()
        self.k, self.batches = k, 0
        self.stop_event = threading.Event()

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1
        if batch == self.k:
            self.stop_event.set()


class InterruptAt(StopAt):
    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1
        if self.batches == self.k:
            self.weights = self.model.get_weights()
            raise KeyboardInterrupt


def test_stop_event_ends_within_two_batches(digits):
    x, y = digits
    stop = StopAt(3)
    hist = make_net().fit((x, y), epochs=3, batch_size=32, callbacks=[stop],
                          stop_event=stop.stop_event, **quiet())
    assert stop.batches <= 5
    assert hist.stop_reason == "stopped" and not hist.interrupted
    assert hist.status is dn.train.RunStatus.STOPPED


def test_keyboard_interrupt_keeps_the_trained_weights(digits):
    x, y = digits
    net = make_net()
    start = weights(net)
    cb = InterruptAt(20)  # in the second epoch (15 batches per epoch)
    hist = net.fit((x, y), epochs=5, batch_size=128, callbacks=[cb], **quiet())
    assert hist.interrupted and hist.stop_reason == "interrupted"
    assert hist.status is dn.train.RunStatus.INTERRUPTED
    assert hist.frame["epoch"].tolist() == [1]
    now = weights(net)
    assert not np.array_equal(now[0], start[0])
    for a, b in zip(cb.weights, now):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


class Gate(StopAt):
    """Holds the first batch until the test opens the gate."""

    def __init__(self):
        super().__init__(-1)
        self.gate, self.entered = threading.Event(), threading.Event()

    def on_train_batch_begin(self, batch, logs=None):
        self.entered.set()
        assert self.gate.wait(60)


def test_background_run_and_network_lock(digits):
    x, y = digits[0][:256], digits[1][:256]
    net = make_net()
    gate = Gate()
    hist = net.fit((x, y), epochs=2, callbacks=[gate], live=False, background=True)
    assert hist.running
    assert gate.entered.wait(60)
    got = []
    reader = threading.Thread(target=lambda: got.append(net.to_keras()))
    reader.start()
    reader.join(0.3)
    assert reader.is_alive() and not got  # to_keras waits for the run
    gate.gate.set()
    assert hist.wait() is hist and not hist.running
    reader.join(60)
    assert got and hist.frame["epoch"].tolist() == [1, 2]
    # Stop from another thread through the history's event
    gate = Gate()
    hist = net.fit((x, y), epochs=5, callbacks=[gate], live=False, background=True)
    assert gate.entered.wait(60)
    hist.stop()
    gate.gate.set()
    hist.wait()
    assert hist.stop_reason == "stopped" and gate.batches <= 2


def test_non_finite_loss_stops_and_restores_finite_weights(digits):
    x, y = digits
    net = dn.Sequential(layers=[L.InputLayer(shape=(8, 8, 1)), L.Dense(32),
                                L.OutputLayer(1, act="identity")])
    hist = net.fit((x, y.astype("float32")), epochs=3, solver=dn.solvers.Vanilla(1e6), **quiet())
    assert hist.stop_reason.startswith("non-finite loss at epoch 1, batch ")
    assert hist.status is dn.train.RunStatus.DIVERGED
    assert len(hist.frame) == 1
    assert all(np.isfinite(w).all() for w in weights(net))


# -- progress ------------------------------------------------------------------------------
def test_text_progress_outside_a_kernel_and_silence(digits, capsys):
    x, y = digits[0][:128], digits[1][:128]
    make_net().fit((x, y), epochs=2, background=False)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(" - ")[0] for line in lines] == ["Epoch 1/2", "Epoch 2/2"]
    assert " - loss " in lines[0] and lines[0].endswith(" s")
    make_net().fit((x, y), epochs=2, **quiet())
    assert capsys.readouterr().out == ""
    assert make_live_callback(False, epochs=1, steps_per_epoch=1, stop_event=None) is None


@pytest.mark.parametrize("to", ["process", "another thread"])
def test_interrupt_while_waiting_stops_a_background_run(digits, to):
    import signal

    x, y = digits[0][:256], digits[1][:256]
    net = make_net()
    start = weights(net)
    gate = Gate()
    hist = net.fit((x, y), epochs=50, callbacks=[gate], live=False, background=True)
    assert gate.entered.wait(60)

    def interrupt_then_open():
        if to == "process":
            os.kill(os.getpid(), signal.SIGINT)  # what the notebook's interrupt does
        else:  # the same signal, taken by a thread other than the waiting main thread
            signal.pthread_kill(threading.get_ident(), signal.SIGINT)
        gate.gate.set()

    # Python's own handler, as in a notebook cell: a library used by an earlier test in this
    # process (an in-process kernel or event loop) may have left SIGINT ignored.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        threading.Timer(0.2, interrupt_then_open).start()
        assert hist.wait() is hist
    finally:
        signal.signal(signal.SIGINT, previous)
    assert hist.interrupted and hist.stop_reason == "interrupted" and len(hist.frame) < 50
    assert not np.array_equal(weights(net)[0], start[0])


# -- checkpoints and strategies (dl_notebook.train.checkpoint / distribute) ---------------------
def test_resumed_run_matches_an_uninterrupted_one(digits, tmp_path):
    x, y = digits[0][:512], digits[1][:512]

    def fresh():
        keras.utils.set_random_seed(0)
        return make_net()

    full = fresh().fit((x, y), epochs=4, seed=2, **quiet()).frame
    fresh().fit((x, y), epochs=2, seed=2, checkpoint_dir=tmp_path, **quiet())
    resumed = fresh().fit((x, y), epochs=4, seed=2, checkpoint_dir=tmp_path, resume=True,
                          **quiet()).frame
    assert resumed["epoch"].tolist() == [1, 2, 3, 4]
    np.testing.assert_allclose(resumed["loss"], full["loss"], rtol=1e-5)
    with pytest.raises(dn.InvalidArgumentError, match="checkpoint_dir"):
        make_net().fit((x, y), epochs=1, resume=True, **quiet())


def test_strategy_trains_the_network(digits):
    x, y = digits[0][:256], digits[1][:256]
    net = make_net()
    start = weights(net)
    hist = net.fit((x, y), epochs=2, strategy="mirrored", solver=dn.solvers.Adam(0.01),
                   **quiet())
    assert hist.frame["epoch"].tolist() == [1, 2]
    assert not np.array_equal(weights(net)[0], start[0])  # trained weights copied back


def test_package_exports():
    assert dn.Optimizer is dn.train.Optimizer and dn.TrainingHistory is dn.train.TrainingHistory
    assert callable(dn.lr_find) and hasattr(dn.solvers, "Adam") and hasattr(dn.schedules, "StepLR")
    assert issubclass(dn.callbacks.ReduceLROnPlateau, keras.callbacks.Callback)
    live = make_live_callback(True, epochs=1, steps_per_epoch=1, stop_event=threading.Event())
    assert isinstance(live, dn.callbacks.LiveDashboard)
