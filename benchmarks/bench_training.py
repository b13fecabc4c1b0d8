"""Time a training run through Network.fit with the live dashboard against plain Keras fit.

Run with ``make bench`` or ``python benchmarks/bench_training.py``. One small
conv net (conv 16 + max pool + dense 64 + softmax) on sklearn's 8x8 digits,
tiled to 7,000 samples and upscaled to 24x24x1, batch 64, 5 epochs, Adam 1e-3,
sparse categorical cross-entropy with accuracy, trained three ways on the same
Keras model:

* ``keras``: a clone of ``net.to_keras()`` compiled once and
  ``keras.Model.fit(verbose=0)``;
* ``ours``: ``net.fit(..., live=dashboard, background=False)`` with the
  :class:`~dl_notebook.callbacks.LiveDashboard` on (outside a notebook it
  still records, throttles and sends every update, to no browser);
* ``livelossplot``: ``keras.Model.fit(verbose=0)`` with
  ``livelossplot.PlotLossesKeras()`` (matplotlib's Agg backend: no windows).

Before each run the weights go back to the same initial values and the
optimizer to its state right after compiling. Each model is compiled once
(the Keras runs use clones of the network's model): ``Network.fit`` reuses
its compiled model while the settings stay the same, so tracing is timed for
none of the three, and the difference is what ``fit`` adds per run and per
epoch (its callbacks, the live view, the non-finite checks). One warm-up
run of each, then REPEATS rounds interleaved (keras, ours, livelossplot,
keras, ...). Printed: median, min and max seconds, the ratio of medians to
Keras, and the median of the per-round ratios (each run over the Keras run
of its round, which cancels slow drift of a shared machine). Target: ours
at most 1.02x Keras (ratio of medians). Also printed: the time of the
end-of-epoch check that every weight is finite (a host copy of the weights
and ``np.isfinite``), per epoch and as a share of an epoch of plain Keras.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
from contextlib import redirect_stdout

from _timing import interleaved, timed

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

N_SAMPLES = 7_000
SIZE = 24
BATCH = 64
EPOCHS = 5
REPEATS = 7
TARGET = 1.02


def make_data():
    import numpy as np
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = digits.images.astype("float32") / 16.0
    y = digits.target.astype("int64")
    reps = -(-N_SAMPLES // len(x))
    x, y = np.tile(x, (reps, 1, 1))[:N_SAMPLES], np.tile(y, reps)[:N_SAMPLES]
    scale = SIZE // 8
    x = x.repeat(scale, axis=1).repeat(scale, axis=2)[..., None]
    return x, y


def make_net():
    import dl_notebook as dn

    return dn.Sequential(layers=[
        dn.layers.InputLayer(shape=(SIZE, SIZE, 1)),
        dn.layers.Conv2d(16, 3),
        dn.layers.Pooling(2),
        dn.layers.Dense(64),
        dn.layers.OutputLayer(10),
    ])


def main():
    import dl_notebook as dn
    from dl_notebook._keras import keras as load_keras
    from dl_notebook.train._compile import _initial_state, _reset
    from dl_notebook.train._run_callbacks import _finite

    keras = load_keras()  # TensorFlow starts here, after dl_notebook: quietly
    import matplotlib

    matplotlib.use("Agg")
    from livelossplot import PlotLossesKeras

    x, y = make_data()
    net = make_net()
    model = net.to_keras()
    initial = model.get_weights()

    def compiled_clone():
        clone = keras.models.clone_model(model)
        clone.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                      loss=keras.losses.SparseCategoricalCrossentropy(),
                      metrics=["accuracy"])
        clone.optimizer.build(clone.trainable_variables)
        return clone, _initial_state(clone.optimizer)

    plain, plain_state = compiled_clone()
    plotted, plotted_state = compiled_clone()

    def run_keras():
        plain.set_weights(initial)
        _reset(plain.optimizer, plain_state)
        plain.fit(x, y, batch_size=BATCH, epochs=EPOCHS, verbose=0)

    def run_ours():
        model.set_weights(initial)
        dashboard = dn.callbacks.LiveDashboard()
        hist = net.fit((x, y), epochs=EPOCHS, batch_size=BATCH, live=dashboard,
                       background=False)
        assert dashboard.state["status"] == "Finished", dashboard.state["status"]
        assert len(hist.frame) == EPOCHS

    def run_livelossplot():
        plotted.set_weights(initial)
        _reset(plotted.optimizer, plotted_state)
        with redirect_stdout(io.StringIO()):  # its text summary per epoch
            plotted.fit(x, y, batch_size=BATCH, epochs=EPOCHS, verbose=0,
                      callbacks=[PlotLossesKeras()])
        matplotlib.pyplot.close("all")

    runs = {"keras": run_keras, "ours": run_ours, "livelossplot": run_livelossplot}
    for fn in runs.values():  # warm-up: imports, first tracing, thread pools
        fn()
    times = interleaved(runs, REPEATS)

    steps = -(-N_SAMPLES // BATCH)
    print(f"Training: conv net on {N_SAMPLES} {SIZE}x{SIZE}x1 digits, batch {BATCH}, "
          f"{EPOCHS} epochs ({steps * EPOCHS} steps); median of {REPEATS} interleaved runs "
          f"after 1 warm-up each; {os.cpu_count()} CPUs")
    head = (f"{'run':<14} {'median s':>8} {'min s':>7} {'max s':>7} {'x keras':>7} "
            f"{'x paired':>8}")
    print(head)
    print("-" * len(head))
    base = statistics.median(times["keras"])
    labels = {"keras": "keras fit", "ours": "ours (live)", "livelossplot": "livelossplot"}
    for name, label in labels.items():
        med = statistics.median(times[name])
        paired = statistics.median(t / k for t, k in zip(times[name], times["keras"]))
        print(f"{label:<14} {med:8.3f} {min(times[name]):7.3f} {max(times[name]):7.3f} "
              f"{med / base:6.3f}x {paired:7.3f}x")
    ratio = statistics.median(times["ours"]) / base
    paired = statistics.median(t / k for t, k in zip(times["ours"], times["keras"]))
    verdict = "met" if ratio <= TARGET else "missed"
    print(f"target ours <= {TARGET:.2f}x keras (ratio of medians): {verdict} ({ratio:.3f}x; "
          f"paired {paired:.3f}x)")
    check = [timed(lambda: _finite(model.get_weights()))[0] for _ in range(50)]
    epoch = base / EPOCHS
    print(f"finite-weights check at each epoch end: {statistics.median(check) * 1e3:.2f} ms "
          f"({statistics.median(check) / epoch:.4%} of a {epoch:.2f} s Keras epoch)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
