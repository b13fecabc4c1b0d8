"""Object detection on a network (mixed into ``Network``): its head, boxes, their scores.

A network built for detection (``dn.applications.TinyYoloV2``, ``YoloV2``)
carries a head (``net.head``, see :mod:`dl_notebook.detection`); the work
lives there and in :mod:`dl_notebook.evaluate`, these methods only call it.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError

__all__ = ["DetectionMixin"]


def _needs_head(net, what):
    if getattr(net, "head", None) is None:
        raise InvalidArgumentError(
            f"{what} needs a detection network (one with a head, such as "
            f"dn.applications.TinyYoloV2); {net.name!r} has none.")
    return net.head


def _images(images):
    """The images as a list of float32 (H, W, C) arrays, from an array, a list or a dataset."""
    if hasattr(images, "to_tf_dataset") and hasattr(images, "ground_truth"):
        return [np.asarray(x, "float32") for batch, _ in images.to_tf_dataset(batch_size=32)
                for x in batch]
    if hasattr(images, "images") and hasattr(images, "boxes"):  # dn.datasets.shapes(...)
        images = images.images
    if isinstance(images, (list, tuple)):
        return [np.asarray(x, "float32") for x in images]
    array = np.asarray(images, "float32")
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4:
        raise InvalidArgumentError(
            f"predict_boxes takes images (N, H, W, C), a list of (H, W, C) images or a detection "
            f"dataset; got an array of shape {array.shape}.")
    return list(array)


class DetectionMixin:
    """``head``, ``predict_boxes`` and ``evaluate_object_detection`` of a Network."""

    head = None  # a detection head (dl_notebook.detection.YoloHead), set by the builders

    def predict_boxes(self, images, score_threshold=0.3, iou_threshold=0.45, max_boxes=100,
                      batch_size=32):
        """Detect objects: per image a dict of ``boxes``, ``labels`` and ``scores``.

        Images of another size than the network's input are resized for it,
        and their boxes scaled back to the given image's pixels.

        Args:
            images: pixel values 0..255: an ``(N, H, W, C)`` array, a list of
                ``(H, W, C)`` arrays, a ``DetectionDataset`` or shapes data.
            score_threshold: boxes scoring less are dropped.
            iou_threshold: non-max suppression's overlap limit, class by class.
            max_boxes: most boxes per image.
            batch_size: images per forward pass.

        Returns:
            A list with one dict per image: ``boxes`` ``(N, 4)`` float32 xyxy
            pixels, ``labels`` ``(N,)`` ints, ``scores`` ``(N,)`` float32.

        Example:
            >>> import numpy as np, dl_notebook as dn
            >>> net = dn.applications.TinyYoloV2(n_classes=2, input_shape=(64, 64, 3), width=0.125)
            >>> found = net.predict_boxes(np.zeros((2, 128, 128, 3)), score_threshold=0.0)
            >>> len(found), sorted(found[0]), bool(found[0]["boxes"].max() <= 128)
            (2, ['boxes', 'labels', 'scores'], True)
        """
        import tensorflow as tf

        head = _needs_head(self, "predict_boxes")
        model = self.to_keras()
        head.check_network(model.output.shape)
        pictures = _images(images)
        height, width = head.input_size
        found = []
        for start in range(0, len(pictures), batch_size):
            chunk = pictures[start:start + batch_size]
            sizes = [x.shape[:2] for x in chunk]
            batch = np.stack([x if x.shape[:2] == (height, width)
                              else tf.image.resize(x, (height, width)).numpy() for x in chunk])
            raw = model.predict_on_batch(batch.astype("float32"))
            for (h, w), boxes in zip(sizes, head.decode(raw, score_threshold, iou_threshold,
                                                        max_boxes)):
                if (h, w) != (height, width):
                    scale = np.array([w / width, h / height, w / width, h / height], "float32")
                    boxes["boxes"] = boxes["boxes"] * scale
                found.append(boxes)
        return found

    def evaluate_object_detection(self, data, score_threshold=0.01, iou_threshold=0.45,
                                  max_boxes=100, **options):
        """Score the network's boxes on *data* with COCO's metrics (``map50``, ``map``, AP per class).

        Args:
            data: a ``DetectionDataset`` (its ``ground_truth()`` is compared).
            score_threshold, iou_threshold, max_boxes: as for :meth:`predict_boxes`
                (a low score threshold: average precision ranks every box).
            **options: passed to ``dn.evaluate_detections``.

        Returns:
            The result of ``dn.evaluate_detections``.
        """
        from ..evaluate.detection import evaluate_detections

        head = _needs_head(self, "evaluate_object_detection")
        options.setdefault("class_names", head.class_names)
        predictions = self.predict_boxes(data, score_threshold=score_threshold,
                                         iou_threshold=iou_threshold, max_boxes=max_boxes)
        return evaluate_detections(data.ground_truth(), predictions, **options)
