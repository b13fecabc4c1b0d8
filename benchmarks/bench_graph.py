"""Time Keras model -> network SVG for large keras.applications models.

Run with ``python benchmarks/bench_graph.py`` (``--local`` converts with the local
helper below instead of ``Network.from_keras``). For ResNet152, InceptionV3 and
DenseNet121 (``weights=None``, built once, not timed) it times, as the median of
5 runs, the conversion of the Keras model to the grouped and the expanded SVG,
and ``keras.utils.plot_model`` once when graphviz ``dot`` and pydot are present.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dl_notebook.graph import Dag, DagNode, DagView  # noqa: E402

MODELS = ["ResNet152", "InceptionV3", "DenseNet121"]
RUNS = 5
_KINDS = [
    ("InputLayer", "input"), ("Conv", "conv"), ("Pooling", "pool"), ("Dense", "dense"),
    ("Normalization", "norm"), ("Add", "merge"), ("Concatenate", "merge"),
    ("Multiply", "merge"), ("Activation", "activation"), ("ReLU", "activation"),
    ("Dropout", "dropout"), ("Flatten", "reshape"), ("Reshape", "reshape"),
    ("Padding", "reshape"), ("Rescaling", "reshape"),
]  # fmt: skip


def keras_to_dag(model) -> Dag:
    """Local stand-in for ``Network.from_keras(model).to_dag()``."""
    outputs = {t._keras_history[0].name for t in model.outputs}
    nodes, edges = [], []
    for layer in model.layers:
        name = type(layer).__name__
        kind = (
            "output"
            if layer.name in outputs
            else next((k for key, k in _KINDS if key in name), "other")
        )
        out = layer.output
        shape = (
            tuple(out.shape[1:])
            if hasattr(out, "shape")
            else tuple(tuple(t.shape[1:]) for t in out)
        )
        nodes.append(DagNode(layer.name, name, kind, shape, int(layer.count_params())))
        for node in layer._inbound_nodes:
            for tensor in node.input_tensors:
                edges.append((tensor._keras_history[0].name, layer.name))
    return Dag(model.name, nodes, edges)


def _network_api():
    if "--local" in sys.argv:
        return None
    try:
        import dl_notebook

        network = dl_notebook.Network
        network.from_keras  # noqa: B018
        return network
    except (ImportError, AttributeError):
        return None


def ours(model, expand: bool) -> str:
    network = _network_api()
    if network is not None:
        return network.from_keras(model).plot_network(expand=expand).svg
    return DagView.from_dag(keras_to_dag(model), expand=expand).svg


def median_time(fn, runs=RUNS):
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def plot_model_time(keras, model):
    if shutil.which("dot") is None:
        return None
    try:
        import pydot  # noqa: F401
    except ImportError:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        keras.utils.plot_model(model, to_file=os.path.join(tmp, "model.png"))
        return time.perf_counter() - start


def main():
    import keras

    path = "Network.from_keras(m).plot_network()" if _network_api() else "local keras_to_dag helper"
    print(f"ours: {path}; median of {RUNS} runs; {os.cpu_count()} CPUs")
    rows = []
    for builder in MODELS:
        model = getattr(keras.applications, builder)(weights=None)
        grouped, svg_g = median_time(lambda m=model: ours(m, False))
        expanded, svg_e = median_time(lambda m=model: ours(m, True))
        plot = plot_model_time(keras, model)
        rows.append(
            (
                builder,
                len(model.layers),
                grouped,
                expanded,
                plot,
                float(ET.fromstring(svg_g).get("height")),
                float(ET.fromstring(svg_e).get("height")),
            )
        )
        if plot is None:
            print(f"{builder}: plot_model: skipped (no graphviz)")
    head = (
        f"{'model':<12} {'layers':>6} {'grouped s':>9} {'expanded s':>10} "
        f"{'plot_model s':>12} {'ratio':>7} {'height grouped':>14} {'height expanded':>15}"
    )
    print(head)
    print("-" * len(head))
    for name, layers, g, e, p, hg, he in rows:
        plot = f"{p:12.2f}" if p is not None else f"{'skipped':>12}"
        ratio = f"{p / g:6.0f}×" if p is not None else f"{'–':>7}"
        print(f"{name:<12} {layers:>6} {g:9.3f} {e:10.3f} {plot} {ratio} {hg:14.0f} {he:15.0f}")


if __name__ == "__main__":
    main()
