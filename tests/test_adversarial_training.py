"""Training loses or corrupts nothing: NaN never checkpointed, NaN data noticed, mistakes caught
before an epoch trains, damaged checkpoints set aside and announced, new solver settings applied
on resume, no memory growth across fits, and a warning for data scaled twice."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import contextlib  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.train.checkpoint import load_checkpoint  # noqa: E402

L = dn.layers


@pytest.fixture(scope="module")
def pixels():
    """128 digits as pixel values 0..255, (N, 8, 8, 1), and their labels."""
    d = load_digits()
    return (d.images[:128, ..., None] * (255 / 16)).astype("float32"), d.target[:128]


def quiet(**kwargs):
    return dict(live=False, background=False, **kwargs)


def small_net(**input_kwargs):
    return dn.Sequential(layers=[L.InputLayer(shape=(8, 8, 1), **input_kwargs), L.Flatten(),
                                 L.Dense(16, name="hidden"), L.OutputLayer(10, name="out")])


def finite(weights):
    return all(np.isfinite(w).all() for w in weights)


@contextlib.contextmanager
def says_nothing():
    """Fail when the block gives a UserWarning (Keras' own deprecation notes aside)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    said = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert not said, said


def latest_epoch(folder):
    with open(os.path.join(folder, "latest"), encoding="utf-8") as f:
        return json.load(f)["epoch"]


# -- NaN ----------------------------------------------------------------------------------
def test_nan_epoch_is_never_checkpointed_and_resume_goes_on_from_finite(pixels, tmp_path):
    x, y = pixels
    folder = str(tmp_path / "ckpt")
    net = dn.applications.LeNet5(input_shape=(8, 8, 1))
    hist = net.fit((x, y), epochs=1, solver=dn.solvers.Vanilla(learning_rate=0.01),
                   checkpoint_dir=folder, seed=0, **quiet())
    assert hist.status == dn.train.RunStatus.COMPLETED
    good = [w.copy() for w in net.to_keras().get_weights()]

    with pytest.warns(UserWarning, match="learning_rate 0.01 → 1e\\+06"):
        hist = net.fit((x, y), epochs=3, solver=dn.solvers.Vanilla(learning_rate=1e6),
                       checkpoint_dir=folder, resume=True, seed=0, **quiet())
    assert hist.status == dn.train.RunStatus.DIVERGED, hist.stop_reason
    assert "epoch 2" in hist.stop_reason
    assert latest_epoch(folder) == 1  # the NaN epoch never became `latest`
    assert not any(name.startswith("epoch-0002") for name in os.listdir(folder))
    ckpt = load_checkpoint(folder)
    assert ckpt.epoch == 1 and finite(ckpt.load_model().get_weights())
    assert finite(net.to_keras().get_weights())  # the last finite weights, in memory too
    assert all(np.array_equal(a, b) for a, b in zip(good, net.to_keras().get_weights()))

    hist = net.fit((x, y), epochs=3, solver=dn.solvers.Vanilla(learning_rate=0.01),
                   checkpoint_dir=folder, resume=True, seed=0, **quiet())
    assert hist.status == dn.train.RunStatus.COMPLETED
    assert hist.frame["epoch"].tolist() == [1, 2, 3]
    assert np.isfinite(hist.frame["loss"]).all() and finite(net.to_keras().get_weights())
    assert latest_epoch(folder) == 3


def test_nan_input_image_is_noticed_though_the_loss_stays_finite(pixels):
    import tensorflow as tf

    x, y = pixels
    x = x.copy()
    x[-1, 0, 0, 0] = np.nan  # in the last batch; max pooling hides it from that batch's loss
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
    net = dn.applications.LeNet5(input_shape=(8, 8, 1))
    before = [w.copy() for w in net.to_keras().get_weights()]
    hist = net.fit(data, epochs=1, **quiet())
    assert np.isfinite(hist.frame["loss"]).all()  # nothing in the loss shows it
    assert hist.status == dn.train.RunStatus.DIVERGED
    assert "non-finite weights after epoch 1" in hist.stop_reason
    after = net.to_keras().get_weights()
    assert finite(after)  # the last finite weights: those before the epoch
    assert all(np.array_equal(a, b) for a, b in zip(before, after))


# -- mistakes caught before training ------------------------------------------------------
def test_integer_labels_for_a_ten_unit_identity_output_with_mse_is_one_sentence(pixels):
    x, y = pixels
    net = dn.Sequential(layers=[L.InputLayer(shape=(8, 8, 1)), L.Flatten(),
                                L.OutputLayer(10, act="identity", name="out")])
    with pytest.raises(dn.DLError, match=r"labels hold one value per example") as err:
        net.fit((x, y), epochs=1, loss="mse", **quiet())
    message = str(err.value)
    assert "\n" not in message and "(N, 10)" in message and "'out'" in message


def test_checkpoint_dir_that_is_a_file_fails_before_an_epoch_trains(pixels, tmp_path):
    x, y = pixels
    path = tmp_path / "not-a-folder"
    path.write_text("notes")
    net = small_net(scale=1 / 255)
    before = [w.copy() for w in net.to_keras().get_weights()]
    with pytest.raises(dn.DLError, match="is a file"):
        net.fit((x, y), epochs=1, checkpoint_dir=str(path), **quiet())
    assert path.read_text() == "notes"
    assert all(np.array_equal(a, b) for a, b in zip(before, net.to_keras().get_weights()))
    assert net.running is None or not net.running  # the lease is free again
    net.fit((x, y), epochs=1, **quiet())


# -- damaged checkpoints ------------------------------------------------------------------
def _damage(path):
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)


def test_damaged_checkpoints_are_announced_and_moved_aside_never_deleted(pixels, tmp_path):
    x, y = pixels
    folder = tmp_path / "ckpt"
    net = small_net(scale=1 / 255)
    net.fit((x, y), epochs=3, checkpoint_dir=str(folder), seed=0, **quiet())
    _damage(folder / "epoch-0003.keras")

    with pytest.warns(UserWarning, match=r"Resuming from epoch-0002 \(epoch 2\).*epoch-0003"):
        hist = net.fit((x, y), epochs=4, checkpoint_dir=str(folder), resume=True, seed=0,
                       **quiet())
    assert hist.frame["epoch"].tolist() == [1, 2, 3, 4]
    assert sorted(os.listdir(folder / "damaged")) == ["epoch-0003.json", "epoch-0003.keras"]
    assert len(hist.notes) == 1 and "moved to" in hist.notes[0]

    for name in ("epoch-0003.keras", "epoch-0004.keras"):  # every checkpoint damaged
        _damage(folder / name)
    with pytest.warns(UserWarning, match="No usable checkpoint.*starts from epoch 0"):
        hist = net.fit((x, y), epochs=1, checkpoint_dir=str(folder), resume=True, seed=0,
                       **quiet())
    assert hist.frame["epoch"].tolist() == [1]
    kept = sorted(os.listdir(folder / "damaged"))
    assert kept == ["epoch-0003.json", "epoch-0003.json.1", "epoch-0003.keras",
                    "epoch-0003.keras.1", "epoch-0004.json", "epoch-0004.keras"]


def test_resume_applies_the_new_learning_rate_and_says_so(pixels, tmp_path):
    x, y = pixels
    folder = str(tmp_path / "ckpt")
    net = small_net(scale=1 / 255)
    net.fit((x, y), epochs=2, solver=dn.solvers.Adam(learning_rate=1e-3), checkpoint_dir=folder,
            seed=0, **quiet())
    with pytest.warns(UserWarning, match=r"epoch-0002 with the solver settings given now: "
                                         r"learning_rate 0.001 → 0.05"):
        hist = net.fit((x, y), epochs=3, solver=dn.solvers.Adam(learning_rate=0.05),
                       checkpoint_dir=folder, resume=True, seed=0, **quiet())
    assert hist.frame["learning_rate"].tolist() == pytest.approx([1e-3, 1e-3, 0.05])
    with says_nothing():  # the same settings again: nothing to say
        hist = net.fit((x, y), epochs=4, solver=dn.solvers.Adam(learning_rate=0.05),
                       checkpoint_dir=folder, resume=True, seed=0, **quiet())
    assert hist.frame["learning_rate"].iloc[-1] == pytest.approx(0.05)


# -- memory across fits -------------------------------------------------------------------
def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
def test_thirty_fits_of_one_network_do_not_grow_memory():
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 8)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices((x, (x[:, 0] > 0).astype("int64"))).batch(32)
    net = dn.Sequential(layers=[L.InputLayer(shape=(8,)), L.Dense(8), L.OutputLayer(2)])
    for _ in range(3):  # warm-up: first trace, thread pools
        net.fit(data, epochs=1, **quiet())
    gc.collect()
    start = _rss_mb()
    for _ in range(30):
        net.fit(data, epochs=1, **quiet())
    gc.collect()
    growth = _rss_mb() - start
    assert growth < 30, f"RSS grew {growth:.1f} MB over 30 fits"  # recompiling: ~140 MB


def test_a_reused_compile_starts_each_fit_with_a_fresh_optimizer(pixels):
    x, y = pixels
    net = small_net(scale=1 / 255)
    start = [w.copy() for w in net.to_keras().get_weights()]
    runs = []
    for _ in range(2):
        net.to_keras().set_weights(start)
        net.fit((x, y), epochs=1, solver=dn.solvers.Adam(0.01), seed=3, **quiet())
        runs.append([w.copy() for w in net.to_keras().get_weights()])
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(*runs))
    assert int(net.to_keras().optimizer.iterations) == 4  # 128 / 32: counted from 0 again
    hist = net.fit((x, y), epochs=1, solver=dn.solvers.Adam(0.002), **quiet())  # new settings
    assert hist.frame["learning_rate"].iloc[-1] == pytest.approx(0.002)


# -- data scaled twice --------------------------------------------------------------------
def test_prescaled_data_into_a_rescaling_input_warns_once_and_names_the_fix(pixels):
    x, y = pixels
    net = dn.applications.LeNet5(input_shape=(8, 8, 1))
    with pytest.warns(UserWarning, match=r"'input1' expects pixel values 0..255.*scale=1"):
        hist = net.fit((x / 255, y), epochs=1, **quiet())
    assert len(hist.notes) == 1
    with says_nothing():
        net.fit((x / 255, y), epochs=1, **quiet())  # said once per network


def test_pixel_values_and_unscaled_inputs_give_no_warning(pixels):
    import tensorflow as tf

    from dl_notebook.train._fit_data import FitData, warn_if_prescaled

    x, y = pixels
    with says_nothing():
        batches = tf.data.Dataset.from_tensor_slices((x, y)).batch(64)  # 0..255
        dn.applications.LeNet5(input_shape=(8, 8, 1)).fit(batches, epochs=1, **quiet())
        warn_if_prescaled(dn.applications.LeNet5(input_shape=(8, 8, 1)), FitData((x, y)))
        warn_if_prescaled(small_net(), FitData((x / 255, y)))  # no rescaling input: 0..1 is fine
    with pytest.warns(UserWarning, match="already within 0..1"):  # a tf.data first batch
        batches = tf.data.Dataset.from_tensor_slices((x / 255, y)).batch(64)
        warn_if_prescaled(dn.applications.LeNet5(input_shape=(8, 8, 1)), FitData(batches))
