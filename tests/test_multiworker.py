"""strategy="multiworker": two worker processes on 127.0.0.1 train one network data-parallel.

Each worker runs WORKER (below) with its own TF_CONFIG. The workers start from different
random weights (the chief's are sent to the other), train the digits with a fixed seed,
then train again without a seed (the chief's shuffle seed is shared) and are stopped from
the chief alone; last, they refuse to resume from different epochs. The weights of the
first run are compared with one process training on the same global batches.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import dl_notebook as dn

ROOT = Path(__file__).resolve().parents[1]
N, BATCH, EPOCHS, LR, SEED = 245, 64, 3, 0.5, 5  # the last batch (53) splits 27 / 26

WORKER = f"""
    import json, os, sys, threading
    import dl_notebook as dn

    dn.train.distribute.multiworker()  # first: TensorFlow's collectives are set up at start-up

    import keras, numpy as np
    from sklearn.datasets import load_digits

    out, index = sys.argv[1], json.loads(os.environ["TF_CONFIG"])["task"]["index"]
    d = load_digits()
    x = (d.images[:{N}] / 16.0).astype("float32")[..., None]
    y = d.target[:{N}].astype("int32")
    keras.utils.set_random_seed(100 + index)  # different starting weights on each worker
    net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(8, 8, 1)), dn.layers.Flatten(),
                                dn.layers.Dense(16, act="relu", name="fc"),
                                dn.layers.OutputLayer(10, name="out")])
    np.savez(f"{{out}}/init{{index}}.npz", *net.to_keras().get_weights())
    solver = dn.solvers.Vanilla(learning_rate={LR})
    first = net.fit((x, y), valid_data=(x[:50], y[:50]), epochs={EPOCHS}, batch_size={BATCH},
                    solver=solver, seed={SEED}, strategy="multiworker",
                    checkpoint_dir=f"{{out}}/ckpt{{index}}")
    np.savez(f"{{out}}/first{{index}}.npz", *net.to_keras().get_weights())
    print("first run done", flush=True)

    stop = threading.Event()

    class StopOnChief(keras.callbacks.Callback):  # a Stop button on the chief only
        def on_train_batch_end(self, batch, logs=None):
            if index == 0 and self.epoch == 1 and batch == 1:
                stop.set()

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

    second = net.fit((x, y), epochs=4, batch_size=32, solver=solver, live=False,
                     strategy="multiworker", stop_event=stop, callbacks=[StopOnChief()])
    np.savez(f"{{out}}/second{{index}}.npz", *net.to_keras().get_weights())

    try:  # each worker resumes from its own folder: only the chief's holds checkpoints
        net.fit((x, y), epochs=5, batch_size={BATCH}, solver=solver, seed={SEED}, live=False,
                strategy="multiworker", checkpoint_dir=f"{{out}}/ckpt{{index}}", resume=True)
        resumed = "trained"
    except dn.InvalidArgumentError as err:
        resumed = str(err)
    print(json.dumps({{"first": first.rows, "first_status": first.status.value,
                      "second": second.rows, "second_status": second.status.value,
                      "resumed": resumed}}))
"""


def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def run_workers(tmp_path, timeout=300):
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(WORKER))
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]}
    base = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    procs = []
    for index in range(2):
        config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        procs.append(subprocess.Popen(
            [sys.executable, str(script), str(tmp_path)], env={**base, "TF_CONFIG": config},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    deadline = time.monotonic() + timeout
    outputs, hung = [], False
    for proc in procs:  # a hang (a worker waiting for the other for ever) fails the test
        try:
            outputs.append(proc.communicate(timeout=max(1.0, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            hung = True
            for other in procs:
                if other.poll() is None:
                    other.kill()
            outputs.append(proc.communicate())
    for proc, (out, err) in zip(procs, outputs):
        assert not hung and proc.returncode == 0, (
            f"{'timed out' if hung else 'failed'}:\n" + (out + err)[-3000:])
    return [(json.loads(out.strip().splitlines()[-1]), out) for out, _ in outputs]


def weights(path):
    with np.load(path) as f:
        return [f[name] for name in f.files]


def max_diff(a, b):
    return max(float(np.abs(u - v).max()) for u, v in zip(a, b))


@pytest.fixture(scope="module")
def workers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("multiworker")
    return tmp, run_workers(tmp)


def test_two_workers_train_as_one_process_on_the_global_batch(workers):
    tmp, ((chief, chief_out), (other, other_out)) = workers
    init = weights(tmp / "init0.npz")
    assert max_diff(init, weights(tmp / "init1.npz")) > 0.1  # the workers began apart
    first = [weights(tmp / f"first{i}.npz") for i in range(2)]
    assert max_diff(first[0], first[1]) == 0.0  # the same weights on both workers
    assert chief["first_status"] == other["first_status"] == "completed"
    assert [r["loss"] for r in chief["first"]] == [r["loss"] for r in other["first"]]

    # One process from the chief's starting weights, on the same seeded batches of 64.
    from sklearn.datasets import load_digits

    d = load_digits()
    x, y = (d.images[:N] / 16.0).astype("float32")[..., None], d.target[:N].astype("int32")
    net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(8, 8, 1)), dn.layers.Flatten(),
                                dn.layers.Dense(16, act="relu", name="fc"),
                                dn.layers.OutputLayer(10, name="out")])
    net.to_keras().set_weights(init)
    hist = net.fit((x, y), valid_data=(x[:50], y[:50]), epochs=EPOCHS, batch_size=BATCH,
                   solver=dn.solvers.Vanilla(learning_rate=LR), seed=SEED, live=False)
    single = net.to_keras().get_weights()
    # Each worker takes half of each global batch (27 + 26 of the last one), weighs its loss
    # by its share and the gradients are summed: the same update as one process on the whole
    # batch, up to the order of float32 additions (~1e-7). A step that counted a half twice,
    # missed one or scaled the last batch by the number of workers would move the weights by
    # ~1e-2.
    assert max_diff(init, single) > 0.05  # it trained
    assert max_diff(first[0], single) < 1e-4
    for mine, ref in zip(chief["first"], hist.rows):
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            assert mine[key] == pytest.approx(ref[key], abs=1e-4), key


def test_the_chief_alone_writes_checkpoints_and_prints_progress(workers):
    tmp, ((_, chief_out), (_, other_out)) = workers
    assert (tmp / "ckpt0" / "latest").read_text().strip()
    assert sorted(p.name for p in (tmp / "ckpt0").glob("epoch-*.keras")) == [
        "epoch-0002.keras", "epoch-0003.keras"]
    assert not (tmp / "ckpt1").exists() or not any((tmp / "ckpt1").iterdir())
    assert f"Epoch {EPOCHS}/{EPOCHS} - loss" in chief_out
    assert "Epoch 1/" not in other_out


def test_a_stop_on_the_chief_stops_every_worker_at_the_same_batch(workers):
    tmp, ((chief, _), (other, _)) = workers
    # Stop is set on the chief after batch 2 of epoch 2: both workers end there, stopped,
    # with the same weights (the unseeded shuffle used the chief's seed on both).
    assert chief["second_status"] == other["second_status"] == "stopped"
    assert len(chief["second"]) == len(other["second"]) == 2
    assert max_diff(weights(tmp / "second0.npz"), weights(tmp / "second1.npz")) == 0.0
    assert max_diff(weights(tmp / "first0.npz"), weights(tmp / "second0.npz")) > 1e-3


def test_multiworker_after_tensorflow_started_says_what_to_do(monkeypatch):
    import tensorflow as tf

    from dl_notebook.train import distribute

    if distribute._multiworker_strategy is not None:
        pytest.skip("this process has its multi-worker strategy already")
    tf.constant(1.0)  # TensorFlow has started in this process
    ports = free_ports(2)
    monkeypatch.setenv("TF_CONFIG", json.dumps({
        "cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
        "task": {"type": "worker", "index": 0}}))
    with pytest.raises(dn.DLError, match=r"before TensorFlow starts: call .*multiworker\(\)"):
        distribute.resolve_strategy("multiworker")
    with pytest.raises(dn.InvalidArgumentError, match="cluster_resolver"):
        distribute.multiworker(cluster_resolver="node1:2222")


def test_workers_that_would_resume_from_different_epochs_refuse_together(workers):
    _, ((chief, _), (other, _)) = workers
    for result in (chief, other):
        assert "resume from different epochs (the chief from epoch 3)" in result["resumed"]
        assert "every worker reads" in result["resumed"]
