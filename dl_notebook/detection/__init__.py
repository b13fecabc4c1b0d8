"""Object detection heads: target encoding, losses with their parts, decoding with non-max suppression.

A detection network (``dn.applications.YoloV2``, ``TinyYoloV2``) carries its
head as ``net.head``; ``net.fit`` asks the head for the training stream and the
loss, and ``net.predict_boxes`` for the decoding.
"""

from ._decode import decode
from ._targets import encode_targets, ideal_output
from .yolo import VOC_ANCHORS, YoloHead

__all__ = ["VOC_ANCHORS", "YoloHead", "decode", "encode_targets", "ideal_output"]
