"""Checkpoints: atomic writes, fallback to the last complete one, exact resume (also after SIGKILL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.train.checkpoint import (  # noqa: E402
    CheckpointCallback,
    epoch_seed,
    load_checkpoint,
    save_checkpoint,
)

ROOT = Path(__file__).resolve().parents[1]
SEED = 7


def digits(n=384):
    d = load_digits()
    return (d.images[:n] / 16.0).astype("float32")[..., None], d.target[:n].astype("int32")


def make_dataset(x, y, seed):
    """A fresh pipeline for one epoch, shuffled with that epoch's seed."""
    return tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed).batch(32)


def make_model(init_seed, units=32, optimizer=None, compile=True):
    keras.utils.set_random_seed(init_seed)
    net = dn.Sequential(layers=[
        dn.layers.InputLayer(shape=(8, 8, 1)),
        dn.layers.Dense(units, act="relu", dropout=0.25, name="fc"),
        dn.layers.OutputLayer(10, name="out"),
    ])
    model = net.to_keras()
    assert any(isinstance(layer, keras.layers.Dropout) for layer in model.layers)
    if compile:
        model.compile(optimizer or keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy")
    return model


def train(model, data, start, stop, callbacks=()):
    """Epochs start..stop-1, each on its own shuffle, as fit does (global seed set per run)."""
    tf.random.set_seed(SEED)
    for epoch in range(start, stop):
        model.fit(make_dataset(*data, epoch_seed(SEED, epoch)), initial_epoch=epoch,
                  epochs=epoch + 1, verbose=0, callbacks=list(callbacks))


def assert_weights_close(a, b, atol=1e-5):
    assert len(a) == len(b)
    for wa, wb in zip(a, b):
        np.testing.assert_allclose(np.asarray(wa), np.asarray(wb), rtol=0, atol=atol)


def files(folder):
    return sorted(os.listdir(folder))


# -- epoch_seed ---------------------------------------------------------------------------
def test_epoch_seed_depends_only_on_seed_and_epoch():
    seeds = [epoch_seed(SEED, e) for e in range(5)]
    assert seeds == [epoch_seed(SEED, e) for e in range(5)]
    assert len(set(seeds)) == 5 and all(0 <= s < 2**31 for s in seeds)
    assert epoch_seed(SEED + 1, 0) != seeds[0]
    assert epoch_seed(None, 3) is None
    for bad in ((1.5, 0), (1, -1), ("1", 0)):
        with pytest.raises(dn.InvalidArgumentError, match="non-negative integer"):
            epoch_seed(*bad)


# -- files, atomicity, fallback -----------------------------------------------------------
def test_callback_writes_epoch_files_keeps_two_and_points_latest(tmp_path):
    rows = []
    model = make_model(1)
    history = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: rows.append({"epoch": epoch + 1, "loss": logs["loss"]}))
    train(model, digits(), 0, 3, [history, CheckpointCallback(tmp_path, lambda: rows)])
    assert files(tmp_path) == ["epoch-0002.json", "epoch-0002.keras",
                               "epoch-0003.json", "epoch-0003.keras", "latest"]
    assert json.loads((tmp_path / "latest").read_text()) == {"epoch": 3, "checkpoint": "epoch-0003"}
    ckpt = load_checkpoint(tmp_path)
    assert ckpt.epoch == 3 and ckpt.skipped == []
    assert [r["epoch"] for r in ckpt.history_rows] == [1, 2, 3]
    assert ckpt.history_rows[-1]["loss"] == pytest.approx(rows[-1]["loss"])
    assert any(key.startswith("fc_dropout:") for key in ckpt.rng)  # the Dropout's RNG state
    loaded = ckpt.load_model()  # a complete .keras file, optimizer included
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations) == 3 * 12
    assert_weights_close(loaded.get_weights(), model.get_weights(), atol=0)


def test_keep_and_a_restarted_run_replaces_later_checkpoints(tmp_path):
    model = make_model(1)
    for epoch in range(1, 5):
        save_checkpoint(model, tmp_path, epoch, keep=3)
    assert [f for f in files(tmp_path) if f.endswith(".json")] == [
        "epoch-0002.json", "epoch-0003.json", "epoch-0004.json"]
    save_checkpoint(model, tmp_path, 3)  # a new run that has reached epoch 3 again
    assert files(tmp_path) == ["epoch-0002.json", "epoch-0002.keras",
                               "epoch-0003.json", "epoch-0003.keras", "latest"]
    with pytest.raises(dn.InvalidArgumentError, match="keep"):
        save_checkpoint(model, tmp_path, 5, keep=0)


@pytest.mark.parametrize("failing", ["epoch-0002.keras", "epoch-0002.json", "latest"])
def test_write_interrupted_before_rename_keeps_previous_checkpoint(tmp_path, monkeypatch, failing):
    model = make_model(1)
    save_checkpoint(model, tmp_path, 1, [{"epoch": 1}])
    first = [w.copy() for w in model.get_weights()]
    train(model, digits(), 1, 2)  # weights and optimizer move on

    real_replace = os.replace

    def replace(src, dst):
        if os.path.basename(dst) == failing:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="No space"):
        save_checkpoint(model, tmp_path, 2, [{"epoch": 1}, {"epoch": 2}])
    monkeypatch.undo()

    assert not [f for f in files(tmp_path) if ".tmp" in f]  # the temp file was removed
    ckpt = load_checkpoint(tmp_path)
    assert ckpt.epoch == 1 and ckpt.history_rows == [{"epoch": 1}]
    fresh = make_model(2)
    ckpt.restore_into(fresh)
    assert_weights_close(fresh.get_weights(), first, atol=0)


def test_crash_leftovers_and_corrupt_newest_fall_back_to_previous(tmp_path):
    model = make_model(1)
    save_checkpoint(model, tmp_path, 1)
    first = [w.copy() for w in model.get_weights()]
    train(model, digits(), 1, 2)
    save_checkpoint(model, tmp_path, 2)
    assert load_checkpoint(tmp_path).epoch == 2

    keras_file = tmp_path / "epoch-0002.keras"
    data = keras_file.read_bytes()
    keras_file.write_bytes(data[: len(data) // 2])  # truncated newest file
    (tmp_path / ".epoch-0003.keras.0123abcd.tmp.keras").write_bytes(b"PK\x03\x04 half")
    ckpt = load_checkpoint(tmp_path)
    assert ckpt.epoch == 1
    assert ckpt.skipped == ["epoch-0002.keras is truncated or changed"]
    fresh = make_model(2)
    ckpt.restore_into(fresh)
    assert_weights_close(fresh.get_weights(), first, atol=0)

    keras_file.write_bytes(data)
    (tmp_path / "epoch-0002.json").write_text('{"format": 1, "epo')  # torn record
    assert load_checkpoint(tmp_path).epoch == 1

    save_checkpoint(model, tmp_path, 2)  # the next write clears the leftovers
    assert not [f for f in files(tmp_path) if ".tmp" in f]
    (tmp_path / "latest").write_text("{")  # unreadable pointer: newest complete one
    ckpt = load_checkpoint(tmp_path)
    assert ckpt.epoch == 2 and ckpt.skipped == ["the 'latest' pointer cannot be read"]

    for name in files(tmp_path):
        (tmp_path / name).write_bytes(b"")
    assert load_checkpoint(tmp_path) is None
    assert load_checkpoint(tmp_path / "missing") is None
    with pytest.raises(dn.InvalidArgumentError, match="is a file"):
        load_checkpoint(tmp_path / "latest")


# -- restoring ----------------------------------------------------------------------------
def test_resume_restores_weights_optimizer_and_dropout_rng_exactly(tmp_path):
    data = digits()
    full = make_model(1)
    train(full, data, 0, 4)

    part = make_model(1)
    train(part, data, 0, 2, [CheckpointCallback(tmp_path)])
    ckpt = load_checkpoint(tmp_path)
    assert ckpt.epoch == 2

    resumed = make_model(99)  # other initial weights and other dropout seeds
    ckpt.restore_into(resumed)
    assert int(resumed.optimizer.iterations) == 2 * 12
    assert_weights_close(resumed.optimizer.variables, part.optimizer.variables, atol=0)
    train(resumed, data, ckpt.epoch, 4, [CheckpointCallback(tmp_path / "more")])
    assert_weights_close(resumed.get_weights(), full.get_weights())
    assert_weights_close(resumed.optimizer.variables, full.optimizer.variables)
    assert load_checkpoint(tmp_path / "more").epoch == 4

    # the stored RNG state matters: other dropout masks lead elsewhere
    other = make_model(99)
    ckpt.rng = {}
    ckpt.restore_into(other)
    train(other, data, 2, 4)
    assert max(np.abs(a - b).max() for a, b in zip(other.get_weights(), full.get_weights())) > 1e-3


def test_restore_into_a_model_that_does_not_fit_says_what_to_do(tmp_path):
    model = make_model(1)
    train(model, digits(), 0, 1)
    save_checkpoint(model, tmp_path, 1)
    ckpt = load_checkpoint(tmp_path)
    with pytest.raises(dn.InvalidArgumentError, match="saved architecture"):
        ckpt.restore_into(make_model(1, units=16))
    with pytest.raises(dn.InvalidArgumentError, match="optimizer it was trained with"):
        ckpt.restore_into(make_model(1, optimizer=keras.optimizers.SGD(0.1)))
    uncompiled = make_model(2, compile=False)
    with pytest.raises(dn.InvalidArgumentError, match="compile it before restore_into"):
        ckpt.restore_into(uncompiled)
    ckpt.restore_into(uncompiled, optimizer=False)
    assert_weights_close(uncompiled.get_weights(), model.get_weights(), atol=0)
    sgd = make_model(1, optimizer=keras.optimizers.SGD(0.1))
    ckpt.restore_into(sgd, optimizer=False)
    assert_weights_close(sgd.get_weights(), model.get_weights(), atol=0)
    with pytest.raises(dn.InvalidArgumentError, match="callable"):
        CheckpointCallback(tmp_path, history_rows=[])


# -- a real crash -------------------------------------------------------------------------
SCRIPT = textwrap.dedent("""
    import os, sys, time
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    mode, folder, epochs, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    # mode "crash": train with checkpoints (slowly, to be killed); "resume": resume from the
    # checkpoints, save the weights to out, then train a new model without interruption and
    # save its weights to out + ".full.weights.h5"
    import keras, tensorflow as tf
    from sklearn.datasets import load_digits
    import dl_notebook as dn
    from dl_notebook.train.checkpoint import CheckpointCallback, epoch_seed, load_checkpoint

    tf.config.experimental.enable_op_determinism()
    d = load_digits()
    x, y = (d.images[:384] / 16.0).astype("float32")[..., None], d.target[:384].astype("int32")

    def run(start_from_checkpoint, callbacks, out):
        keras.utils.set_random_seed(7)
        net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(8, 8, 1)),
                                    dn.layers.Dense(32, act="relu", dropout=0.25, name="fc"),
                                    dn.layers.OutputLayer(10, name="out")])
        model = net.to_keras()
        model.compile(keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy")
        start = 0
        if start_from_checkpoint:
            ckpt = load_checkpoint(folder)
            ckpt.restore_into(model)
            start = ckpt.epoch
            print("resumed from", start, flush=True)
        for epoch in range(start, epochs):
            ds = tf.data.Dataset.from_tensor_slices((x, y))
            ds = ds.shuffle(len(x), seed=epoch_seed(7, epoch)).batch(32)
            model.fit(ds, initial_epoch=epoch, epochs=epoch + 1, verbose=0, callbacks=callbacks)
        model.save_weights(out)

    if mode == "crash":  # slow enough that the kill lands before the end
        slow = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: time.sleep(0.02))
        run(False, [CheckpointCallback(folder), slow], out)
    else:
        run(True, [CheckpointCallback(folder)], out)
        run(False, [], out + ".full.weights.h5")
""")


def read_weights(path):
    arrays = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: arrays.__setitem__(name, obj[()])
                     if isinstance(obj, h5py.Dataset) else None)
    return arrays


def latest_epoch(folder):
    try:
        return json.loads((folder / "latest").read_text())["epoch"]
    except (OSError, ValueError, KeyError):
        return 0


def test_sigkill_after_epoch_two_then_resume_in_new_process_matches_uninterrupted(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    folder = tmp_path / "ckpt"
    epochs = "5"

    def start(mode, out):
        return subprocess.Popen([sys.executable, str(script), mode, str(folder), epochs, str(out)],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    crash = start("crash", tmp_path / "crash.weights.h5")
    try:
        deadline = time.monotonic() + 120
        while latest_epoch(folder) < 2 and crash.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert latest_epoch(folder) >= 2, crash.communicate()[0].decode()[-2000:]
        crash.send_signal(signal.SIGKILL)
        crash.wait(30)
        assert crash.returncode == -signal.SIGKILL  # killed mid-run, not finished
        assert not (tmp_path / "crash.weights.h5").exists()
    finally:
        if crash.poll() is None:
            crash.kill()
            crash.wait()
    killed_at = load_checkpoint(folder).epoch
    assert 2 <= killed_at < 5

    resume = start("resume", tmp_path / "resumed.weights.h5")
    resumed_out = resume.communicate(timeout=120)[0].decode()
    assert resume.returncode == 0, resumed_out[-2000:]
    assert f"resumed from {killed_at}" in resumed_out

    expected = read_weights(tmp_path / "resumed.weights.h5.full.weights.h5")
    got = read_weights(tmp_path / "resumed.weights.h5")
    assert sorted(got) == sorted(expected) and expected
    for name, value in expected.items():
        np.testing.assert_allclose(got[name], value, rtol=0, atol=1e-5, err_msg=name)


def test_import_does_not_load_tensorflow():
    code = ("import sys, dl_notebook.train.checkpoint, dl_notebook.train.distribute; "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
