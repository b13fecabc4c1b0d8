"""Time dn.explain.gradcam against tf-keras-vis and against one forward+backward pass.

Run with ``make bench`` or ``python benchmarks/bench_explain.py [N]``. The
model is a MobileNetV2 backbone (``weights=None``: nothing is downloaded,
alpha 0.5, 96x96x3 input: a 3x3 map to explain) under a new head (global average pooling + dense
10 + softmax), nested as in transfer learning. N images (default 1,024) in
batches of 64, the explained layer being the backbone's ``out_relu``, the
classes the predicted ones. Timed three ways on the same model and images:

* ``ours``: ``dn.explain.gradcam(model, images, class_index=classes)``;
* ``tf-keras-vis``: ``Gradcam(model, clone=False)`` with ``CategoricalScore``
  over the same batches, on the same layer (``seek_penultimate_conv_layer=False``).
  tf-keras-vis cannot reach a layer inside a nested model under Keras 3
  ("Output with path `1` is not connected to `inputs`"), so it runs on the
  same layers rebuilt flat: the backbone called on the model's input;
* ``fwd+bwd``: one ``tf.function`` with a ``tf.GradientTape`` of the
  cross-entropy loss with respect to the input images, over the same batches,
  the gradients copied back to NumPy as the heatmaps are: the cost of the
  forward and backward passes Grad-CAM cannot avoid.

One warm-up run of each (tracing), then REPEATS interleaved rounds; printed:
median, min and max seconds, the ratio of medians to ``fwd+bwd`` and
tf-keras-vis over ours. Targets: ours at least 5x faster than tf-keras-vis
and at most 1.5x the forward+backward pass.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

N_IMAGES = 1024
BATCH = 64
SIZE = 96
REPEATS = 5
TARGET_VIS = 5.0
TARGET_PASS = 1.5


def make_models():
    """The nested model we explain, and the same layers rebuilt flat for tf-keras-vis."""
    import keras

    keras.utils.set_random_seed(0)
    base = keras.applications.MobileNetV2(weights=None, include_top=False, alpha=0.5,
                                          input_shape=(SIZE, SIZE, 3))
    gap = keras.layers.GlobalAveragePooling2D(name="gap")
    head = keras.layers.Dense(10, activation="softmax", name="head")
    x = keras.Input((SIZE, SIZE, 3), name="image")
    nested = keras.Model(x, head(gap(base(x))), name="transfer")
    flat = keras.Model(base.inputs, head(gap(base.outputs[0])), name="transfer_flat")
    return nested, flat


def _pearson(ours, theirs):
    """Per-image Pearson correlation, over the images where neither map is flat."""
    import numpy as np

    return np.array([np.corrcoef(a.ravel(), b.ravel())[0, 1]
                     for a, b in zip(ours, np.asarray(theirs)) if a.std() and b.std()])


def _table(title, times, rows):
    print(title)
    head = f"{'run':<14} {'median s':>8} {'min s':>7} {'max s':>7} {'x fwd+bwd':>9}"
    print(head)
    print("-" * len(head))
    base = statistics.median(times["fwd+bwd"])
    for name in rows:
        med = statistics.median(times[name])
        print(f"{name:<14} {med:8.3f} {min(times[name]):7.3f} {max(times[name]):7.3f} "
              f"{med / base:8.3f}x")


def bench_gradcam(n_images=N_IMAGES):
    """Grad-CAM of N images: ours, tf-keras-vis, and one forward+backward pass."""
    import numpy as np
    import tensorflow as tf
    from tf_keras_vis.gradcam import Gradcam
    from tf_keras_vis.utils.scores import CategoricalScore

    import dl_notebook as dn

    nested, flat = make_models()
    images = np.random.default_rng(0).normal(0.0, 1.0, (n_images, SIZE, SIZE, 3))
    images = images.astype("float32")
    classes = nested.predict(images, batch_size=BATCH, verbose=0).argmax(axis=1)
    layer = dn.explain.target_layer(nested)
    inner = layer.split("/")[-1]

    def run_ours():
        return dn.explain.gradcam(nested, images, class_index=classes, batch_size=BATCH)

    visualizer = Gradcam(flat, clone=False)

    def run_vis(**options):  # the layer itself, not the convolution before it
        return np.concatenate([
            visualizer(CategoricalScore(classes[i:i + BATCH].tolist()), images[i:i + BATCH],
                       penultimate_layer=inner, seek_penultimate_conv_layer=False, **options)
            for i in range(0, n_images, BATCH)])

    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()

    @tf.function(input_signature=[tf.TensorSpec((None, SIZE, SIZE, 3), tf.float32),
                                  tf.TensorSpec((None,), tf.int64)])
    def forward_backward(x, y):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = loss_fn(y, nested(x, training=False))
        return tape.gradient(loss, x)

    def run_pass():
        return np.concatenate([
            forward_backward(tf.constant(images[i:i + BATCH]),
                             tf.constant(classes[i:i + BATCH])).numpy()
            for i in range(0, n_images, BATCH)])

    runs = {"ours": run_ours, "tf-keras-vis": run_vis, "fwd+bwd": run_pass}
    outputs = {name: fn() for name, fn in runs.items()}  # warm-up: tracing, thread pools
    grid = run_vis(expand_cam=False)  # tf-keras-vis before upsampling
    step = SIZE // grid.shape[1]  # our maps at the grid's cell centres
    r_full = _pearson(outputs["ours"], outputs["tf-keras-vis"])
    r_grid = _pearson(outputs["ours"][:, step // 2::step, step // 2::step], grid)
    times = {name: [] for name in runs}
    for _ in range(REPEATS):
        for name, fn in runs.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)

    _table(f"Grad-CAM: MobileNetV2 (alpha 0.5, weights=None) backbone under a new head, "
           f"{n_images} {SIZE}x{SIZE}x3 images, batch {BATCH}, layer {layer}; median of "
           f"{REPEATS} interleaved runs after 1 warm-up each; {os.cpu_count()} CPUs",
           times, runs)
    ours = statistics.median(times["ours"])
    vis = statistics.median(times["tf-keras-vis"]) / ours
    pass_ratio = ours / statistics.median(times["fwd+bwd"])
    print(f"heatmaps vs tf-keras-vis, median Pearson r over {len(r_full)} non-flat maps: "
          f"{np.median(r_full):.4f} at {SIZE}x{SIZE} (bilinear vs scipy zoom of a "
          f"{grid.shape[1]}x{grid.shape[2]} map), {np.median(r_grid):.4f} on that grid")
    print(f"target tf-keras-vis >= {TARGET_VIS:.1f}x ours: "
          f"{'met' if vis >= TARGET_VIS else 'missed'} ({vis:.2f}x)")
    print(f"target ours <= {TARGET_PASS:.1f}x fwd+bwd: "
          f"{'met' if pass_ratio <= TARGET_PASS else 'missed'} ({pass_ratio:.2f}x)")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    n_images = int(argv[0]) if argv else N_IMAGES
    bench_gradcam(n_images)
    print()
    from _bench_browser import run_browser_benchmark  # the image browser on 10,000 images

    run_browser_benchmark()
    return 0


if __name__ == "__main__":
    sys.exit(main())
