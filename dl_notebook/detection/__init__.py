"""Object detection heads: target encoding, losses with their parts, decoding with non-max suppression.

A detection network (``dn.applications.YoloV2``, ``TinyYoloV2``, ``FasterRCNN``) carries its
head as ``net.head``; ``net.fit`` asks the head for the training stream and the
loss, and ``net.predict_boxes`` for the decoding.
"""

from ._decode import decode
from ._targets import encode_targets, ideal_output
from .yolo import VOC_ANCHORS, YoloHead

__all__ = ["VOC_ANCHORS", "FasterRCNNHead", "YoloHead", "decode", "decode_faster_rcnn",
           "encode_targets", "ideal_output"]


def __getattr__(name):  # Faster R-CNN's modules define Keras layers: they load Keras on first use
    if name in ("FasterRCNNHead", "decode_faster_rcnn"):
        from . import faster_rcnn

        return faster_rcnn.FasterRCNNHead if name == "FasterRCNNHead" else faster_rcnn.decode
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
