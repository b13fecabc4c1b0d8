"""Strategies: choosing one, training a network's copy under MirroredStrategy on two CPUs, syncing back.

The two-process multi-worker test is in test_multiworker.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import dl_notebook as dn
from dl_notebook.train.distribute import resolve_strategy, strategy_model, sync_back

ROOT = Path(__file__).resolve().parents[1]


def run_script(code, tmp_path):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(code))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_resolve_strategy_names_the_choices():
    assert resolve_strategy(None) is None
    for bad in ("bogus", 3, object()):
        with pytest.raises(dn.InvalidArgumentError) as err:
            resolve_strategy(bad)
        assert "'mirrored', 'multiworker', a tf.distribute.Strategy or None" in str(err.value)
    import tensorflow as tf

    one = tf.distribute.OneDeviceStrategy("/cpu:0")
    assert resolve_strategy(one) is one
    with pytest.raises(dn.InvalidArgumentError, match="compile_fn"):
        strategy_model(dn.Sequential(layers=[dn.layers.InputLayer(shape=(2,))]), None, 3)


# Two logical CPUs must be set before TensorFlow initialises its devices: a fresh process.
MIRRORED = """
    import json
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    tf.config.experimental.enable_op_determinism()

    import keras, numpy as np
    from sklearn.datasets import load_digits
    import dl_notebook as dn
    from dl_notebook.train.distribute import resolve_strategy, strategy_model, sync_back

    d = load_digits()
    x, y = (d.images[:512] / 16.0).astype("float32")[..., None], d.target[:512].astype("int32")
    keras.utils.set_random_seed(3)
    net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(8, 8, 1)),
                                dn.layers.Dense(32, act="relu", name="fc"),
                                dn.layers.OutputLayer(10, name="out")])
    initial = [w.copy() for w in net.to_keras().get_weights()]

    def compile_fn(model):
        model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy",
                      metrics=["accuracy"])

    def train(strategy):
        model = strategy_model(net, strategy, compile_fn)
        ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(64)  # same order, same batches
        hist = model.fit(ds, epochs=4, verbose=0)
        return model, hist.history["loss"]

    mirrored = resolve_strategy("mirrored")
    replicas = mirrored.num_replicas_in_sync
    devices = sorted(mirrored.extended.worker_devices)
    two, two_loss = train(mirrored)
    # The multi-worker loop with two replicas in one process (a worker with two GPUs).
    from dl_notebook.train._multiworker import fit as loop_fit
    loop = strategy_model(net, mirrored, compile_fn)
    loop_loss = loop_fit(loop, tf.data.Dataset.from_tensor_slices((x, y)).batch(64),
                         epochs=4).history["loss"]
    untouched = all(np.array_equal(a, b) for a, b in zip(net.to_keras().get_weights(), initial))
    one, one_loss = train(tf.distribute.OneDeviceStrategy("/cpu:0"))
    sync_back(net, two)
    synced = [np.abs(a - b).max() for a, b in zip(net.to_keras().get_weights(), two.get_weights())]
    pred = np.abs(net.to_keras().predict(x[:32], verbose=0) - two.predict(x[:32], verbose=0)).max()
    print(json.dumps({
        "replicas": replicas, "devices": devices,
        "strategy_kept": two.distribute_strategy is mirrored,
        "untouched": bool(untouched),
        "loss_one": one_loss, "loss_two": two_loss,
        "weight_diff": max(float(np.abs(a - b).max())
                           for a, b in zip(one.get_weights(), two.get_weights())),
        "moved": max(float(np.abs(a - b).max()) for a, b in zip(initial, two.get_weights())),
        "loop_loss": loop_loss,
        "loop_diff": max(float(np.abs(a - b).max())
                         for a, b in zip(loop.get_weights(), two.get_weights())),
        "synced_diff": float(max(synced)), "pred_diff": float(pred),
    }))
"""


def test_mirrored_on_two_cpus_matches_one_device_and_syncs_back(tmp_path):
    r = run_script(MIRRORED, tmp_path)
    assert r["replicas"] == 2 and len(r["devices"]) == 2
    assert r["devices"][0].endswith("CPU:0") and r["devices"][1].endswith("CPU:1")
    assert r["strategy_kept"] and r["untouched"]  # the net changes only at sync_back
    assert r["moved"] > 1e-2  # it trained
    # Each replica takes half of each batch of 64 and the gradients are summed across the two
    # replicas (the loss is scaled by 1/2), so the math equals one device on the whole batch;
    # only the order of float32 additions differs (~1e-7 relative per step). Over 32 SGD steps
    # that stays far below 1e-4, while one wrong step (a batch counted twice or missed, a lost
    # scaling) changes the weights by ~1e-2.
    assert r["loss_two"] == pytest.approx(r["loss_one"], rel=1e-4, abs=1e-5)
    assert r["weight_diff"] < 1e-4
    # dl_notebook's multi-worker loop (for MultiWorkerMirroredStrategy, where Keras' fit fails)
    # takes the same steps as Keras' fit under MirroredStrategy.
    assert r["loop_loss"] == pytest.approx(r["loss_two"], rel=1e-5)
    assert r["loop_diff"] < 1e-5
    assert r["synced_diff"] == 0.0 and r["pred_diff"] < 1e-5


MULTIWORKER = """
    import json
    import tensorflow as tf
    from dl_notebook.train.distribute import resolve_strategy

    s = resolve_strategy("multiworker")
    print(json.dumps({"multiworker": isinstance(s, tf.distribute.MultiWorkerMirroredStrategy),
                      "replicas": s.num_replicas_in_sync}))
"""


def test_multiworker_without_tf_config_is_one_local_worker(tmp_path):
    r = run_script(MULTIWORKER, tmp_path)
    assert r["multiworker"] and r["replicas"] >= 1


def test_sync_back_without_strategy_and_with_a_foreign_model():
    import keras
    import numpy as np

    net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(3,)), dn.layers.Dense(2, name="fc")])
    model = strategy_model(net, None, lambda m: m.compile("sgd", "mse"))
    assert model is net.to_keras() and model.compiled
    sync_back(net, model)  # the same model: nothing to copy
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="elsewhere")])
    with pytest.raises(dn.InvalidArgumentError, match="no layer named 'fc'"):
        sync_back(net, other)
    wrong = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5, name="fc")])
    with pytest.raises(dn.InvalidArgumentError, match="other weight shapes"):
        sync_back(net, wrong)
    with pytest.raises(dn.InvalidArgumentError, match="keras.Model"):
        sync_back(net, "model")
    copy = strategy_model(net, tf_one_device(), lambda m: m.compile("sgd", "mse"))
    copy.get_layer("fc").set_weights([np.full((3, 2), 0.5), np.ones(2)])
    sync_back(net, copy)
    assert net["fc"].get_weights()[1].tolist() == [1.0, 1.0]


def tf_one_device():
    import tensorflow as tf

    return tf.distribute.OneDeviceStrategy("/cpu:0")
