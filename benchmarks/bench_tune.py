"""Memory across trials: dn.tune against keras-tuner's RandomSearch on the same search.

The same tiny dense network on scikit-learn's digits, 20 trials of 1 epoch each, searched by
``dn.tune`` (random method) and by ``keras_tuner.RandomSearch``, each in its own process. The
process's resident memory (psutil) is recorded after each trial; the table shows it after
trials 1, 10 and 20 and its growth per trial (a least-squares slope over trials 2..20).

A third row runs ``dn.tune`` without releasing each trial's traced training steps from
TensorFlow's gradient table (``dl_notebook.tuning._trials.release_traces``), as it ran before:
each trace of a Keras training step registers a custom gradient for its all-reduce there,
holding the traced graph, which ``keras.backend.clear_session()`` does not free.

Run: ``python benchmarks/bench_tune.py [--trials 20]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile

import numpy as np


def _data():
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = (x / 16).astype("float32")
    return (x[:1200], y[:1200]), (x[1200:], y[1200:])


def run_dn(trials, folder, keep_traces=False):
    import gc

    import psutil

    import dl_notebook as dn
    from dl_notebook.tuning import _trials

    if keep_traces:
        _trials.release_traces = lambda before: gc.collect() * 0

    process = psutil.Process()
    rss = []  # read when a trial builds its network: the memory after the trial before
    (train, valid) = _data()

    def build(p):
        rss.append(process.memory_info().rss)
        return dn.Sequential(layers=[dn.layers.InputLayer(shape=(64,)),
                                     dn.layers.Dense(p["units"]), dn.layers.OutputLayer(10)])

    dn.tune(build, train, valid, space={"units": (16, 128, "int"),
                                        "learning_rate": (1e-4, 1e-1, "log")},
            trials=trials, method="random", max_epochs=1, seed=0, live=False,
            storage=f"{folder}/bench.journal")
    rss.append(process.memory_info().rss)
    return rss[1:]


def run_keras_tuner(trials, folder):
    import keras
    import keras_tuner
    import psutil

    process = psutil.Process()
    rss = []
    (train, valid) = _data()

    def build(hp):
        model = keras.Sequential([
            keras.Input((64,)),
            keras.layers.Dense(hp.Int("units", 16, 128), activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ])
        model.compile(keras.optimizers.Adam(hp.Float("learning_rate", 1e-4, 1e-1,
                                                     sampling="log")),
                      "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    class Search(keras_tuner.RandomSearch):
        def _configure_tensorboard_dir(self, callbacks, trial, execution=0):
            return callbacks  # no TensorBoard callback here; keras-tuner would import tensorboard

        def on_trial_end(self, trial):
            super().on_trial_end(trial)
            rss.append(process.memory_info().rss)

    tuner = Search(build, objective="val_accuracy", max_trials=trials, seed=0,
                   directory=folder, project_name="bench", overwrite=True)
    tuner.search(*train, validation_data=valid, epochs=1, batch_size=32, verbose=0)
    return rss


def _worker(kind, trials):
    with tempfile.TemporaryDirectory() as folder:
        if kind == "kt":
            rss = run_keras_tuner(trials, folder)
        else:
            rss = run_dn(trials, folder, keep_traces=kind == "dn-keep")
    print("RSS " + json.dumps(rss))


def _row(name, rss):
    mb = np.asarray(rss, dtype=float) / 2**20
    picks = [mb[i - 1] if i <= len(mb) else float("nan") for i in (1, 10, 20)]
    slope = np.polyfit(np.arange(2, len(mb) + 1), mb[1:], 1)[0] if len(mb) > 2 else float("nan")
    return f"| {name} | " + " | ".join(f"{v:.0f}" for v in picks) + f" | {slope:+.2f} |"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--worker", choices=("dn", "dn-keep", "kt"))
    args = parser.parse_args()
    if args.worker:
        return _worker(args.worker, args.trials)
    print("| search | RSS after trial 1 (MiB) | after 10 | after 20 | growth per trial (MiB) |")
    print("|---|---|---|---|---|")
    for kind, name in (("dn", "dn.tune (random)"),
                       ("dn-keep", "dn.tune, traces kept (before the fix)"),
                       ("kt", "keras-tuner RandomSearch")):
        out = subprocess.run([sys.executable, __file__, "--worker", kind, "--trials",
                              str(args.trials)], capture_output=True, text=True, check=True)
        line = next(x for x in out.stdout.splitlines() if x.startswith("RSS "))
        print(_row(name, json.loads(line[4:])), flush=True)


if __name__ == "__main__":
    main()
