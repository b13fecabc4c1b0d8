"""Time the model zoo: build, draw, load Keras' weights, and inference against keras.applications.

Run with ``make bench`` or ``python benchmarks/bench_zoo.py [--models resnet50,vgg16]
[--batch 4] [--repeats 11]``. For every image network of ``dn.applications.catalog()``
(or the keys given with ``--models``), at its native input shape:

* ``build s``: the builder (``preprocessing=None`` where the network has a
  ``keras.applications`` twin) plus ``to_keras()``, and ``keras s`` the same
  for ``keras.applications.<keras_name>(weights=None)`` (each built once);
* ``draw s``: ``net.plot_network().svg`` (the grouped DAG), median of 3 runs;
* for networks with a ``keras_name``: ``load s``, reading the Keras model's
  ``save_weights`` file into ours with ``net.load_weights``, and ``max|diff|``,
  the largest difference of the two models' outputs on the batch afterwards;
  then inference on the same batch of ``--batch`` random images, one
  ``predict_on_batch`` call of each model per round (one warm-up call each, then
  ``--repeats`` interleaved rounds): the median milliseconds of each, their ratio,
  and the median of the per-round ratios (which cancels slow drift of a shared
  machine). ``graph`` says whether both models have the same Keras layer classes in
  the same order (then only noise separates them). Target: ours at most 1.05x Keras.
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import sys
import tempfile

from _timing import interleaved, timed

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

BATCH = 4
REPEATS = 11
DRAWS = 3
TARGET = 1.05


def entries(keys=None):
    """The image networks of the catalog, or those named in *keys* (a DLError names the rest)."""
    from dl_notebook.applications import catalog, find

    images = catalog("image")
    if not keys:
        return list(images.values())
    chosen = [find(key) for key in keys]
    others = [entry.key for entry in chosen if entry.task != "image"]
    if others:
        raise SystemExit(f"bench_zoo: {', '.join(others)} are not image networks; "
                         f"the image networks are {', '.join(images)}.")
    return chosen


def _warm_up():
    """Import TensorFlow and start its runtime, so that the first build timed is not the first."""
    import keras
    import numpy as np

    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(2, 3),
                              keras.layers.BatchNormalization()])
    model.predict_on_batch(np.zeros((1, 8, 8, 3), "float32"))


def build(entry):
    """Our network at its native shape (no preprocessing for Keras twins) and its Keras model."""
    accepted = inspect.signature(entry.function).parameters
    kwargs = {}
    if entry.native_shape is not None and "input_shape" in accepted:
        kwargs["input_shape"] = entry.native_shape
    if entry.keras_name and "preprocessing" in accepted:
        kwargs["preprocessing"] = None
    net = entry.function(**kwargs)
    return net, net.to_keras()


def compare_with_keras(entry, net, model, batch, repeats, folder):
    """Load the Keras twin's weights into *net*; time both on one batch. Returns a row dict."""
    import keras
    import numpy as np

    # Keras names some layers by counting (conv2d_7): start the count afresh, as in a new
    # session, where the files of keras.applications were written.
    keras.backend.clear_session()
    seconds, theirs = timed(lambda: getattr(keras.applications, entry.keras_name)(
        weights=None, input_shape=tuple(model.input_shape[1:])))
    path = os.path.join(folder, f"{entry.key}.weights.h5")
    theirs.save_weights(path)
    load, _ = timed(lambda: net.load_weights(path))
    os.remove(path)
    x = np.random.default_rng(0).uniform(0, 255, (batch, *model.input_shape[1:]))
    x = x.astype("float32")
    runs = {"ours": lambda: model.predict_on_batch(x),
            "keras": lambda: theirs.predict_on_batch(x)}
    outputs = {name: np.asarray(fn()) for name, fn in runs.items()}  # warm-up: tracing
    times = interleaved(runs, repeats)
    ours, keras_ms = (1000 * statistics.median(times[name]) for name in ("ours", "keras"))
    same = [type(a) for a in model.layers] == [type(b) for b in theirs.layers]
    return {"keras s": f"{seconds:.2f}", "load s": f"{load:.2f}",
            "max|diff|": f"{np.abs(outputs['ours'] - outputs['keras']).max():.1e}",
            "graph": "same" if same else "other", "ours ms": f"{ours:.1f}",
            "keras ms": f"{keras_ms:.1f}", "ratio": ours / keras_ms,
            "per round": statistics.median(a / b for a, b in zip(times["ours"], times["keras"]))}


COLUMNS = [("model", 12), ("layers", 6), ("params", 11), ("build s", 7), ("keras s", 7),
           ("draw s", 6), ("load s", 6), ("max|diff|", 9), ("graph", 5), ("ours ms", 8),
           ("keras ms", 8), ("ratio", 6), ("per round", 9)]


def _line(row):
    cells = []
    for name, width in COLUMNS:
        value = row.get(name, "-")
        value = f"{value:.3f}" if isinstance(value, float) else str(value)
        cells.append(value.ljust(width) if name == "model" else value.rjust(width))
    return " ".join(cells)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="",
                        help="comma-separated catalog keys (default: every image network)")
    parser.add_argument("--batch", type=int, default=BATCH, help="images per inference batch")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="timed rounds")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    keys = [key.strip() for key in args.models.split(",") if key.strip()]

    chosen = entries(keys)
    _warm_up()
    print(f"Model zoo at native input shapes; inference on a batch of {args.batch}, median of "
          f"{args.repeats} interleaved rounds after 1 warm-up each; draw: median of {DRAWS}; "
          f"{os.cpu_count()} CPUs")
    print(_line({name: name for name, _ in COLUMNS}))
    print("-" * len(_line({})))
    missed = []
    with tempfile.TemporaryDirectory() as folder:
        for entry in chosen:
            seconds, (net, model) = timed(lambda e=entry: build(e))
            draws = [timed(lambda n=net: n.plot_network().svg)[0] for _ in range(DRAWS)]
            row = {"model": entry.key, "layers": len(net.layer_names),
                   "params": f"{model.count_params():,}", "build s": f"{seconds:.2f}",
                   "draw s": f"{statistics.median(draws):.2f}"}
            if entry.keras_name:
                row.update(compare_with_keras(entry, net, model, args.batch, args.repeats,
                                              folder))
                if row["ratio"] > TARGET:
                    missed.append(f"{entry.key} ({row['ratio']:.2f}x)")
            print(_line(row), flush=True)
    twins = [entry.key for entry in chosen if entry.keras_name]
    if twins:
        print(f"target ours <= {TARGET:.2f}x Keras inference: "
              f"{'missed by ' + ', '.join(missed) if missed else 'met'} "
              f"({len(twins)} network{'s' if len(twins) != 1 else ''} with a Keras twin)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
