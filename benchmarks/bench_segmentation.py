"""U-Net on the synthetic shapes: mean IoU on held-out images after a few minutes of CPU training.

Trains ``dn.applications.UNet`` on ``dn.datasets.shapes(kind="segment")`` (circles, squares
and triangles on noisy backgrounds, 1 to 3 per image) through ``net.fit`` until the time
budget is spent (checked at the end of each epoch, so the last epoch may pass it), then scores images drawn with another
seed by ``dn.evaluate_segmentation`` (per-class IoU, mean IoU over the background and the
three shapes, pixel accuracy) and times prediction (images per second, batches of 32, after
one warm-up pass). The issue's target is a mean IoU of at least 0.85.

Run: ``python benchmarks/bench_segmentation.py [--minutes 4] [--size 48] [--train 600]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

CLASSES = ("circle", "square", "triangle")


def _data(n, size, seed):
    import dl_notebook as dn

    shapes = dn.datasets.shapes(n=n, image_size=size, kind="segment", classes=CLASSES, seed=seed)
    return dn.SegmentationDataset.from_arrays(shapes.images, shapes.masks,
                                              class_names=("background", *CLASSES))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=4.0, help="training time budget")
    parser.add_argument("--size", type=int, default=48, help="image side in pixels")
    parser.add_argument("--train", type=int, default=600, help="training images")
    parser.add_argument("--test", type=int, default=100, help="held-out images")
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--filters", type=int, default=16)
    parser.add_argument("--max-epochs", type=int, default=100)
    args = parser.parse_args()

    import dl_notebook as dn
    from dl_notebook._keras import keras

    k = keras()
    train, test = _data(args.train, args.size, 0), _data(args.test, args.size, 1)
    k.utils.set_random_seed(0)
    net = dn.applications.UNet(train.n_classes, input_shape=train.input_shape, depth=args.depth,
                               filters=args.filters)
    budget = args.minutes * 60

    class Budget(k.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            if time.perf_counter() - self.start > budget:
                self.model.stop_training = True

    start = time.perf_counter()
    history = net.fit(train, valid_data=test, epochs=args.max_epochs, batch_size=16,
                      solver=dn.solvers.Adam(2e-3), seed=0, callbacks=[Budget()], live=False,
                      background=False)
    seconds = time.perf_counter() - start
    frame = history.frame

    x, truth = test.to_numpy()
    model = net.to_keras()
    model.predict(x[:32], batch_size=32, verbose=0)  # warm-up: traced once
    begin = time.perf_counter()
    probs = model.predict(x, batch_size=32, verbose=0)
    per_second = len(x) / (time.perf_counter() - begin)
    result = dn.evaluate_segmentation(truth, probs, train.n_classes, class_names=train.class_names)

    print(f"\nU-Net depth {args.depth}, filters {args.filters}, {args.size}x{args.size} "
          f"shapes, {len(train)} training / {len(test)} held-out images (seed 1), CPU")
    rows = [("parameters", f"{net.count_params():,}"), ("epochs", f"{len(frame)}"),
            ("training seconds", f"{seconds:.0f}"),
            ("final loss / val_loss", f"{frame['loss'].iloc[-1]:.4f} / "
                                      f"{frame['val_loss'].iloc[-1]:.4f}")]
    rows += [(f"IoU {name}", f"{iou:.3f}") for name, iou in zip(train.class_names, result.iou)]
    rows += [("mean IoU (target >= 0.85)", f"{result.mean_iou:.3f}"),
             ("pixel accuracy", f"{result.pixel_accuracy:.3f}"),
             ("prediction images/s (batch 32)", f"{per_second:.0f}")]
    width = max(len(r[0]) for r in rows)
    print("\n".join(f"{name:<{width}}  {value:>12}" for name, value in rows))
    assert np.isfinite(result.mean_iou)


if __name__ == "__main__":
    main()
