"""Time Keras model -> network DAG SVG for large keras.applications models.

Run with ``make bench`` or ``python benchmarks/bench_graph.py``. For ResNet152,
InceptionV3 and DenseNet121 (``weights=None``, built once, not timed) it times
``Network.from_keras(model).plot_network()`` (grouped, the default view) and
``plot_network(expand=True)`` (every layer), as the median of 5 runs, and
``keras.utils.plot_model`` (every layer) in the same run when graphviz ``dot``
and pydot are present. Target: at most 0.5 s per model and at least 5x faster
than plot_model.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
import xml.etree.ElementTree as ET

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

MODELS = ["ResNet152", "InceptionV3", "DenseNet121"]
RUNS = 5


def median_time(fn, runs=RUNS):
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def plot_model_time(keras, model, runs=3):
    """Median seconds of keras.utils.plot_model, or None without graphviz/pydot."""
    if shutil.which("dot") is None:
        return None
    try:
        import pydot  # noqa: F401
    except ImportError:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.png")
        return median_time(lambda: keras.utils.plot_model(model, to_file=path), runs)[0]


def main():
    import keras

    import dl_notebook as dn

    print(f"Keras model -> DAG SVG; median of {RUNS} runs; {os.cpu_count()} CPUs")
    head = (f"{'model':<12} {'layers':>6} {'grouped s':>9} {'expanded s':>10} {'plot_model s':>12} "
            f"{'x grouped':>9} {'x expanded':>10} {'height px':>9}")
    print(head)
    print("-" * len(head))
    for builder in MODELS:
        model = getattr(keras.applications, builder)(weights=None)
        grouped, svg = median_time(lambda m=model: dn.Network.from_keras(m).plot_network().svg)
        expanded, _ = median_time(
            lambda m=model: dn.Network.from_keras(m).plot_network(expand=True).svg)
        plot = plot_model_time(keras, model)
        height = float(ET.fromstring(svg).get("height"))
        if plot is None:
            plot_s, ratio_g, ratio_e = "skipped", "-", "-"
        else:
            plot_s, ratio_g, ratio_e = f"{plot:.2f}", f"{plot / grouped:.0f}x", f"{plot / expanded:.0f}x"
        print(f"{builder:<12} {len(model.layers):>6} {grouped:9.3f} {expanded:10.3f} {plot_s:>12} "
              f"{ratio_g:>9} {ratio_e:>10} {height:9.0f}")
    if shutil.which("dot") is None:
        print("plot_model: skipped (no graphviz 'dot' on PATH; apt-get install graphviz)")


if __name__ == "__main__":
    main()
