"""Detectors on the synthetic shapes: held-out mAP after a few minutes of CPU training each.

Trains Tiny YOLOv2, YOLOv2 (a small input, a quarter of the filters) and Faster R-CNN
("small" backbone) on ``dn.datasets.shapes(kind="detect")`` (circles, squares and triangles
on noisy backgrounds, 1 to 3 per image, drawn with seed 0) through ``net.fit`` until the
time budget is spent (checked at the end of each epoch, so the last epoch may pass it).
Each network is then scored on images drawn with another seed (1), never used while
choosing the settings, by ``net.evaluate_object_detection`` (score threshold 0.01):
mAP@0.5 and COCO's mAP@0.50:0.95. Prediction throughput is ``net.predict_boxes``
(decoding and non-max suppression included) in images per second, the median of three
passes after a warm-up. The issue's targets are mAP@0.5 of at least 0.7 for each model.

The YOLO networks run at output stride 16 (``stride=16``): the shapes are smaller than
a 32-pixel cell, and a 32-pixel grid leaves too few cells to place them. They train in
batches of 4 with the objectness weight 10 (Darknet's is 5); these settings were chosen
on images drawn with seed 2, not on the held-out ones.

Run: ``python benchmarks/bench_detection.py [--minutes 5] [--models tiny,yolov2,rcnn]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CLASSES = ("circle", "square", "triangle")
MODELS = ("tiny", "yolov2", "rcnn")
TITLES = {"tiny": "Tiny YOLOv2", "yolov2": "YOLOv2", "rcnn": "Faster R-CNN"}


def _data(n, size, seed):
    import dl_notebook as dn

    return dn.datasets.shapes(n=n, image_size=size, kind="detect", classes=CLASSES,
                              seed=seed).to_dataset()


def _build(model, train, args):
    import dl_notebook as dn
    from dl_notebook.detection import YoloHead

    size = args.yolo_size if model != "rcnn" else args.rcnn_size
    if model == "rcnn":
        return dn.applications.FasterRCNN(class_names=CLASSES, input_shape=(size, size, 3))
    anchors = dn.get_anchors(train, n_anchors=5, grid=size // args.stride).anchors
    build = dn.applications.TinyYoloV2 if model == "tiny" else dn.applications.YoloV2
    net = build(class_names=CLASSES, anchors=anchors, input_shape=(size, size, 3),
                width=args.width, stride=args.stride)
    net.head = YoloHead(**{**net.head.config(), "lambda_obj": args.lambda_obj})
    return net


def _throughput(net, test, repeats=3):
    net.predict_boxes(test, score_threshold=0.01)  # warm-up: traced once
    rates = []
    for _ in range(repeats):
        begin = time.perf_counter()
        net.predict_boxes(test, score_threshold=0.01)
        rates.append(len(test) / (time.perf_counter() - begin))
    return statistics.median(rates)


def run(model, args):
    """Train one model for the budget; return its row of figures."""
    import dl_notebook as dn
    from dl_notebook._keras import keras

    k = keras()
    size = args.yolo_size if model != "rcnn" else args.rcnn_size
    train, test = _data(args.train, size, 0), _data(args.test, size, 1)
    k.utils.set_random_seed(0)
    net = _build(model, train, args)
    budget = args.minutes * 60

    class Budget(k.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            if time.perf_counter() - self.start > budget:
                self.model.stop_training = True

    learning_rate, batch_size = ((args.rcnn_lr, args.rcnn_batch) if model == "rcnn"
                                 else (args.yolo_lr, args.yolo_batch))
    start = time.perf_counter()
    history = net.fit(train, epochs=args.max_epochs, batch_size=batch_size,
                      solver=dn.solvers.Adam(learning_rate), seed=0, callbacks=[Budget()],
                      live=False, background=False)
    seconds = time.perf_counter() - start
    frame = history.frame
    result = net.evaluate_object_detection(test)
    return {"model": TITLES[model], "input": f"{size}x{size}",
            "parameters": f"{net.count_params():,}", "epochs": len(frame),
            "train s": f"{seconds:.0f}", "loss start": f"{frame['loss'].iloc[0]:.2f}",
            "loss end": f"{frame['loss'].iloc[-1]:.2f}", "mAP@0.5": f"{result.map50:.3f}",
            "mAP": f"{result.map:.3f}", "images/s": f"{_throughput(net, test):.0f}"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="training budget per model")
    parser.add_argument("--models", default=",".join(MODELS),
                        help="comma-separated, from tiny, yolov2, rcnn")
    parser.add_argument("--train", type=int, default=400, help="training images (seed 0)")
    parser.add_argument("--test", type=int, default=100, help="held-out images (seed 1)")
    parser.add_argument("--yolo-size", type=int, default=96)
    parser.add_argument("--rcnn-size", type=int, default=64)
    parser.add_argument("--width", type=float, default=0.25, help="YOLO filter multiplier")
    parser.add_argument("--stride", type=int, default=16, help="YOLO output stride")
    parser.add_argument("--yolo-lr", type=float, default=3e-3)
    parser.add_argument("--rcnn-lr", type=float, default=3e-3)
    parser.add_argument("--yolo-batch", type=int, default=4)
    parser.add_argument("--lambda-obj", type=float, default=10.0,
                        help="YOLO objectness weight (Darknet's 5)")
    parser.add_argument("--rcnn-batch", type=int, default=16)
    parser.add_argument("--max-epochs", type=int, default=500)
    args = parser.parse_args()
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = sorted(set(models) - set(MODELS))
    if unknown:
        parser.error(f"unknown models {unknown}; choose from {', '.join(MODELS)}")

    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for model in models:
            rows.append(run(model, args))
            print(" | ".join(f"{key} {value}" for key, value in rows[-1].items()), flush=True)

    print(f"\nShapes detection ({', '.join(CLASSES)}; 1-3 per image), {args.train} training "
          f"images (seed 0), {args.test} held-out (seed 1), {args.minutes:g} min of training "
          f"each, CPU; target mAP@0.5 >= 0.7")
    columns = list(rows[0])
    widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in columns]
    print("  ".join(f"{c:>{w}}" for c, w in zip(columns, widths)))
    for row in rows:
        print("  ".join(f"{str(row[c]):>{w}}" for c, w in zip(columns, widths)))


if __name__ == "__main__":
    main()
