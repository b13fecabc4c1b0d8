"""Time deployment: onnxruntime against Keras inference, and ONNX export and import per zoo model.

Run with ``python benchmarks/bench_deploy.py [--models lenet5,resnet18] [--repeats 7]``.
Every network has random weights (nothing is downloaded).

1. Inference. For LeNet5 (32x32x1, batch 64) and ResNet18 (64x64x3, batch 16),
   the network is exported with ``net.export(path)`` (checked in onnxruntime) and
   the same batch is classified three ways: an onnxruntime CPU session's ``run``,
   Keras ``model.predict(x, verbose=0)`` and ``model.predict_on_batch(x)``. One
   warm-up call of each, then ``--repeats`` interleaved rounds. Printed: median
   milliseconds per batch, images per second, the ratio of each median to
   onnxruntime's, and the median of the per-round ratios (which cancels slow drift
   of a shared machine).
2. Export and import. For a handful of zoo networks at a small input (their
   ``min_size`` or 64x64), ``net.export(path)`` once: seconds (writing and the
   onnxruntime check) and the largest ``|onnxruntime - Keras|`` it reports; then
   ``dn.Network.from_onnx(path)``: seconds, layer count, and the largest
   difference of the imported network's outputs from Keras' on the check's
   inputs (or the one sentence an import refused with).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile

from _timing import interleaved, timed

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPEATS = 7
INFERENCE = (("lenet5", (32, 32, 1), 64), ("resnet18", (64, 64, 3), 16))
EXPORTS = (("lenet5", (32, 32, 1)), ("small_cnn", (32, 32, 1)), ("resnet18", (64, 64, 3)),
           ("mobilenet_v2", (64, 64, 3)), ("vgg11", (64, 64, 3)),
           ("densenet121", (64, 64, 3)))


def build(key, shape):
    """The zoo network *key* with random weights, 10 classes, at *shape*."""
    from dl_notebook.applications import find

    return find(key).function(n_classes=10, input_shape=shape)


def inference(key, shape, batch, repeats, folder):
    """Median seconds per batch of onnxruntime, Keras predict and predict_on_batch."""
    import numpy as np
    import onnxruntime as ort

    net = build(key, shape)
    path = os.path.join(folder, f"{key}.onnx")
    net.export(path)
    model = net.to_keras()
    x = np.random.default_rng(0).uniform(0, 255, (batch, *shape)).astype("float32")
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    runs = {
        "onnxruntime": lambda: session.run(None, {name: x}),
        "keras predict": lambda: model.predict(x, batch_size=batch, verbose=0),
        "predict_on_batch": lambda: model.predict_on_batch(x),
    }
    for fn in runs.values():  # warm-up: sessions, tracing, thread pools
        fn()
    return interleaved(runs, repeats)


def export_and_import(key, shape, folder):
    """One export and one import of *key*: a row of the second table."""
    import numpy as np

    import dl_notebook as dn
    from dl_notebook.io._onnx_check import sample_inputs

    net = build(key, shape)
    path = os.path.join(folder, f"{key}_export.onnx")
    result = net.export(path)
    model = net.to_keras()
    x = sample_inputs(model)
    row = {"model": key, "input": "x".join(map(str, shape)), "layers": len(net.layer_names),
           "export s": result.seconds, "export diff": result.max_abs_diff}
    try:
        seconds, imported = timed(lambda: dn.Network.from_onnx(path))
    except dn.DLError as err:
        row["import"] = str(err)
        return row
    diff = float(np.max(np.abs(imported.to_keras()(x).numpy() - model(x).numpy())))
    row.update({"import s": seconds, "imported layers": len(imported.layer_names),
                "import diff": diff})
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", help="comma-separated zoo keys for the export table")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args(argv)

    import dl_notebook  # noqa: F401  (before TensorFlow: a quiet start)
    from dl_notebook._keras import keras

    keras()
    exports = EXPORTS
    if args.models:
        wanted = args.models.split(",")
        exports = tuple((k, s) for k, s in EXPORTS if k in wanted) or tuple(
            (k, (64, 64, 3)) for k in wanted)
    with tempfile.TemporaryDirectory() as folder:
        print(f"Inference: median of {args.repeats} interleaved rounds after 1 warm-up each; "
              f"{os.cpu_count()} CPUs")
        head = (f"{'model':<10} {'input':>8} {'batch':>5} {'runtime':<17} {'ms/batch':>9} "
                f"{'images/s':>9} {'x ort':>7} {'x paired':>8}")
        print(head)
        print("-" * len(head))
        for key, shape, batch in INFERENCE:
            times = inference(key, shape, batch, args.repeats, folder)
            base = statistics.median(times["onnxruntime"])
            for name, seconds in times.items():
                med = statistics.median(seconds)
                paired = statistics.median(t / o for t, o in zip(seconds, times["onnxruntime"]))
                size = "x".join(map(str, shape))
                print(f"{key:<10} {size:>8} {batch:>5} {name:<17} {med * 1e3:9.2f} "
                      f"{batch / med:9.0f} {med / base:6.2f}x {paired:7.2f}x")
        print()
        print("Export (net.export: write + onnxruntime check) and import (Network.from_onnx), "
              "one run each")
        head = (f"{'model':<13} {'input':>8} {'layers':>6} {'export s':>8} {'export diff':>11} "
                f"{'import s':>8} {'imported':>8} {'import diff':>11}")
        print(head)
        print("-" * len(head))
        for key, shape in exports:
            row = export_and_import(key, shape, folder)
            start = (f"{row['model']:<13} {row['input']:>8} {row['layers']:>6} "
                     f"{row['export s']:8.2f} {row['export diff']:11.1e}")
            if "import" in row:
                print(f"{start}  import refused: {row['import']}")
            else:
                print(f"{start} {row['import s']:8.2f} {row['imported layers']:>8} "
                      f"{row['import diff']:11.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
