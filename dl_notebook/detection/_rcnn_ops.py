"""The pieces of Faster R-CNN's graph: anchors, proposals and RoI Align.

- :func:`make_anchors`: one box per feature-map cell, scale and ratio, in
  input pixels (xyxy), ordered cell by cell (row, column) then scale, ratio,
  as the region proposal network's 1×1 convolutions lay out their channels.
- :class:`Proposals`: the RPN's objectness and deltas → boxes on the anchors
  (``keras.utils.bounding_boxes.decode_deltas_to_boxes``), clipped to the
  image, the best ``pre_nms`` kept, then TensorFlow's non-max suppression;
  ``(B, R, 4)`` boxes padded with zeros, without gradient (Faster R-CNN's
  approximate joint training).
- :class:`RoIAlign`: Mask R-CNN's RoIAlign as ``tf.image.crop_and_resize``
  to a grid twice the pooled size, averaged 2×2: each output bin is the mean
  of four bilinear samples at the centres of its quarters.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

__all__ = ["make_anchors", "decode_rpn", "roi_align", "Proposals", "RoIAlign"]

MAX_LOG_SIZE = float(np.log(1000.0 / 16.0))  # deltas of width and height are clipped to this


def make_anchors(grid, stride, scales, ratios):
    """Anchors ``(rows × columns × len(scales) × len(ratios), 4)`` xyxy in input pixels.

    Args:
        grid: ``(rows, columns)`` of the feature map.
        stride: input pixels per feature-map cell.
        scales: anchor sides in pixels (the square root of the area).
        ratios: heights / widths.

    Example:
        >>> from dl_notebook.detection._rcnn_ops import make_anchors
        >>> make_anchors((1, 2), 8, scales=[8], ratios=[1.0]).tolist()
        [[0.0, 0.0, 8.0, 8.0], [8.0, 0.0, 16.0, 8.0]]
    """
    shapes = [(s / np.sqrt(r), s * np.sqrt(r)) for s in scales for r in ratios]  # (w, h)
    rows, cols = grid
    anchors = []
    for i in range(rows):
        for j in range(cols):
            cx, cy = (j + 0.5) * stride, (i + 0.5) * stride
            anchors.extend([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2] for w, h in shapes)
    return np.asarray(anchors, "float32").reshape(-1, 4)


def decode_rpn(anchors, deltas, image_size):
    """Boxes (xyxy pixels, clipped to the image) from RPN deltas ``(…, N, 4)`` on *anchors*."""
    deltas = tf.concat([deltas[..., :2], tf.minimum(deltas[..., 2:], MAX_LOG_SIZE)], axis=-1)
    boxes = keras.utils.bounding_boxes.decode_deltas_to_boxes(
        anchors, deltas, "xyxy", "xyxy", encoded_format="center_xywh")
    height, width = image_size
    return tf.clip_by_value(boxes, 0.0, [float(width), float(height)] * 2)


def roi_align(features, rois, stride, pool_size=7):
    """RoI Align: ``(B, R, pool, pool, C)`` features of boxes ``(B, R, 4)`` xyxy in input pixels.

    Args:
        features: ``(B, H, W, C)`` feature map.
        rois: ``(B, R, 4)`` boxes in the pixels of the network's input.
        stride: input pixels per feature-map cell.
        pool_size: bins per side.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.detection._rcnn_ops import roi_align
        >>> features = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
        >>> out = roi_align(features, np.array([[[0., 0., 16., 16.]]]), stride=4, pool_size=2)
        >>> out.numpy()[0, 0, :, :, 0].tolist()
        [[2.5, 4.5], [10.5, 12.5]]
    """
    features = tf.convert_to_tensor(features, tf.float32)
    rois = tf.convert_to_tensor(rois, tf.float32)
    batch, count = tf.shape(rois)[0], tf.shape(rois)[1]
    height = tf.cast(tf.shape(features)[1], tf.float32)
    width = tf.cast(tf.shape(features)[2], tf.float32)
    x0, y0, x1, y1 = tf.unstack(tf.reshape(rois, [-1, 4]) / float(stride), axis=-1)
    crop = 2 * pool_size
    # Samples at the centres of crop × crop cells of the box, in feature-cell coordinates
    # (cell i's centre is at i), as crop_and_resize's normalised corners (tensorpack's mapping).
    step_x, step_y = (x1 - x0) / crop, (y1 - y0) / crop
    scale_x, scale_y = tf.maximum(width - 1.0, 1.0), tf.maximum(height - 1.0, 1.0)
    nx0, ny0 = (x0 + step_x / 2 - 0.5) / scale_x, (y0 + step_y / 2 - 0.5) / scale_y
    nx1, ny1 = nx0 + step_x * (crop - 1) / scale_x, ny0 + step_y * (crop - 1) / scale_y
    index = tf.repeat(tf.range(batch), count)
    crops = tf.image.crop_and_resize(features, tf.stack([ny0, nx0, ny1, nx1], axis=-1), index,
                                     (crop, crop))
    pooled = tf.nn.avg_pool2d(crops, 2, 2, "VALID")
    return tf.reshape(pooled, [batch, count, pool_size, pool_size, tf.shape(features)[3]])


@keras.saving.register_keras_serializable(package="dl_notebook")
class Proposals(keras.layers.Layer):
    """Region proposals from the RPN's ``(B, N, 5)`` output (objectness logit, 4 deltas).

    Args:
        anchors: ``(N, 4)`` xyxy anchors in pixels (see :func:`make_anchors`).
        image_size: ``(height, width)`` of the input.
        n_proposals: boxes kept per image after non-max suppression (``R``).
        pre_nms: best-scoring boxes considered by non-max suppression.
        iou_threshold: non-max suppression's overlap limit.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.detection._rcnn_ops import Proposals, make_anchors
        >>> layer = Proposals(make_anchors((2, 2), 8, [8], [1.0]), (16, 16), n_proposals=3)
        >>> tuple(layer(np.zeros((1, 4, 5), "float32")).shape)
        (1, 3, 4)
    """

    def __init__(self, anchors, image_size, n_proposals=64, pre_nms=256, iou_threshold=0.7,
                 **kwargs):
        super().__init__(**kwargs)
        self.anchors = np.asarray(anchors, "float32")
        self.image_size = tuple(int(v) for v in image_size)
        self.n_proposals = int(n_proposals)
        self.pre_nms = int(pre_nms)
        self.iou_threshold = float(iou_threshold)

    def call(self, rpn):
        rpn = tf.stop_gradient(tf.cast(rpn, tf.float32))
        scores = tf.sigmoid(rpn[..., 0])
        boxes = decode_rpn(tf.constant(self.anchors), rpn[..., 1:5], self.image_size)
        top = min(self.pre_nms, len(self.anchors))
        scores, index = tf.math.top_k(scores, k=top)
        boxes = tf.gather(boxes, index, batch_dims=1)
        kept, _, _, _ = tf.image.combined_non_max_suppression(
            boxes[:, :, None, :], scores[:, :, None], self.n_proposals, self.n_proposals,
            iou_threshold=self.iou_threshold, score_threshold=0.0, pad_per_class=False,
            clip_boxes=False)
        return tf.reshape(kept, [-1, self.n_proposals, 4])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n_proposals, 4)

    def get_config(self):
        return {**super().get_config(), "anchors": self.anchors.tolist(),
                "image_size": self.image_size, "n_proposals": self.n_proposals,
                "pre_nms": self.pre_nms, "iou_threshold": self.iou_threshold}


@keras.saving.register_keras_serializable(package="dl_notebook")
class RoIAlign(keras.layers.Layer):
    """RoI Align of ``[features (B, H, W, C), boxes (B, R, 4)]`` → ``(B, R, pool, pool, C)``.

    Args:
        stride: input pixels per feature-map cell.
        pool_size: bins per side.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.detection._rcnn_ops import RoIAlign
        >>> out = RoIAlign(stride=8, pool_size=2)([np.ones((1, 4, 4, 3)), np.ones((1, 5, 4))])
        >>> tuple(out.shape)
        (1, 5, 2, 2, 3)
    """

    def __init__(self, stride, pool_size=7, **kwargs):
        super().__init__(**kwargs)
        self.stride = int(stride)
        self.pool_size = int(pool_size)

    def call(self, inputs):
        features, rois = inputs
        return roi_align(features, rois, self.stride, self.pool_size)

    def compute_output_shape(self, input_shape):
        features, rois = input_shape
        return (rois[0], rois[1], self.pool_size, self.pool_size, features[-1])

    def get_config(self):
        return {**super().get_config(), "stride": self.stride, "pool_size": self.pool_size}
