"""Faster R-CNN (Ren, He, Girshick & Sun, 2015) on one feature map, small enough for a laptop.

A backbone (``"small"``: four 3×3 convolution blocks to stride 8; or a zoo
classifier such as ``"resnet18"``, ``"vgg16"``, ``"mobilenetv2"``, cut at
stride 16) feeds the region proposal network (a 3×3 convolution, then 1×1
convolutions to an objectness logit and four deltas per anchor). The
proposals are made inside the graph (``proposals``: decoding, the best
``pre_nms``, non-max suppression, no gradient), RoI Align (``roi_align``,
``tf.image.crop_and_resize``) takes 7×7 features of each, and two dense
layers lead to the class logits (``cls_logits``, background first) and the
class-specific deltas (``box_deltas``). Everything is packed into one output
(``output``) that :class:`~dl_notebook.detection.faster_rcnn.FasterRCNNHead`
(``net.head``) splits: ``net.fit`` trains both stages at once on detection
data (the loss makes the targets from the ground truth each step) and
``net.predict_boxes`` decodes. Images go in as pixel values 0..255.
"""

from __future__ import annotations

from ..errors import InvalidArgumentError
from ..model import Network
from ..model import layers as L
from . import _zoo
from ._checks import check_image_shape
from ._classifier import _adder
from ._zoo import application

__all__ = ["FasterRCNN"]

SMALL = (16, 32, 64, 128)  # the small backbone's blocks; the first three end in a 2×2 max pooling


def _small_backbone(net, add, input_shape):
    x = add(L.InputLayer(shape=input_shape, scale=1 / 255, name="input_layer"))
    for n, filters in enumerate(SMALL, start=1):
        x = add(L.Conv2d(filters, 3, act=None, include_bias=False, name=f"conv{n}"), x)
        x = add(L.BN(momentum=0.9, name=f"conv{n}_bn"), x)
        x = add(L.Activation("relu", name=f"conv{n}_relu"), x)
        if n < len(SMALL):
            x = add(L.Pooling(2, pool="max", name=f"pool{n}"), x)
    return net, x, 8


def _zoo_backbone(key, input_shape, name):
    """A zoo classifier without its top, cut after its last layer at stride 16."""
    entry = _zoo.find(key)
    if entry.task != "image":
        raise InvalidArgumentError(
            f"FasterRCNN: backbone {key!r} is not an image classifier; use 'small' or one such "
            f"as 'resnet18', 'vgg16' or 'mobilenetv2'.")
    net = entry.function(input_shape=input_shape, include_top=False, name=name)
    side = input_shape[0] // 16
    cut = [n for n in net.layer_names
           if len(net[n].output_shape) == 4 and net[n].output_shape[1] == side]
    if not cut:
        raise InvalidArgumentError(
            f"FasterRCNN: backbone {key!r} has no feature map at stride 16 for "
            f"{input_shape[0]}×{input_shape[1]} images.")
    keep = set(net.select(up_to=cut[-1]))
    with net.atomic():
        for layer in reversed(net.layer_names):
            if layer not in keep:
                net.remove(layer)
    return net, cut[-1], 16


@application("fasterrcnn", title="Faster R-CNN", task="detection", min_size=32,
             native_shape=(128, 128, 3))
def FasterRCNN(n_classes=None, backbone="small", input_shape=(128, 128, 3), anchor_scales=None,
               anchor_ratios=(0.5, 1, 2), class_names=None, n_proposals=64, fc_units=256,
               name=None, **head_options):
    """Faster R-CNN: backbone, region proposal network, RoI Align and a two-layer box head.

    Args:
        n_classes: object classes (or the number of *class_names*).
        backbone: ``"small"`` (stride 8, trains in minutes on a CPU) or the key of
            a zoo image classifier (``"resnet18"``, ``"vgg16"``, ``"mobilenetv2"``, …),
            cut at stride 16.
        input_shape: ``(height, width, channels)``; sides multiples of the stride.
        anchor_scales: anchor sides in pixels; default the input side / 8, / 4 and / 2.
        anchor_ratios: anchor heights / widths.
        class_names: the class names, kept on the head.
        n_proposals: proposals per image the second stage classifies.
        fc_units: units of the box head's two dense layers.
        name: the network's name.
        **head_options: more settings of the
            :class:`~dl_notebook.detection.faster_rcnn.FasterRCNNHead` (``pre_nms``,
            ``rpn_batch``, ``roi_batch``, ``pool_size`` …).

    Returns:
        A new ``dn.Network`` with ``net.head`` set.

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.applications.FasterRCNN(class_names=("circle", "square"),
        ...                                  input_shape=(64, 64, 3), n_proposals=8, fc_units=32)
        >>> net.head
        FasterRCNNHead(n_classes=2, anchors=576, grid=(8, 8), proposals=8)
        >>> net["output"].output_shape == (None, *net.head.output_shape)
        True
    """
    where = "FasterRCNN"
    input_shape = check_image_shape(input_shape, where)
    if class_names is not None and n_classes is None:
        n_classes = len(class_names)
    if isinstance(n_classes, bool) or not isinstance(n_classes, int) or n_classes < 1:
        raise InvalidArgumentError(f"{where}: n_classes must be a positive integer; got "
                                   f"{n_classes!r}.")
    name = name or "faster_rcnn"
    if backbone == "small":
        net = Network(name=name)
        stride = 8
    else:
        net, features, stride = _zoo_backbone(backbone, input_shape, name)
    if input_shape[0] % stride or input_shape[1] % stride:
        raise InvalidArgumentError(
            f"{where} needs image sides that are multiples of {stride} with backbone "
            f"{backbone!r}; got {input_shape[0]}×{input_shape[1]}.")
    if anchor_scales is None:
        side = min(input_shape[:2])
        anchor_scales = (side / 8, side / 4, side / 2)
    from ..detection._rcnn_ops import Proposals, RoIAlign  # Keras layers: Keras on first use
    from ..detection.faster_rcnn import FasterRCNNHead

    head = FasterRCNNHead(n_classes, input_shape[:2], stride, anchor_scales, anchor_ratios,
                          class_names, n_proposals=n_proposals, **head_options)
    a, r, c = head.anchors_per_cell, head.n_proposals, head.n_classes
    add = _adder(net)
    with net.atomic():
        if backbone == "small":
            _, features, _ = _small_backbone(net, add, input_shape)
        x = add(L.Conv2d(256 if stride == 16 else 128, 3, name="rpn_conv"), features)
        obj = add(L.Conv2d(a, 1, act=None, name="rpn_cls"), x)
        obj = add(L.Reshape((-1, 1), name="rpn_cls_flat"), obj)
        deltas = add(L.Conv2d(4 * a, 1, act=None, name="rpn_box"), x)
        deltas = add(L.Reshape((-1, 4), name="rpn_box_flat"), deltas)
        rpn = add(L.Concat(name="rpn"), obj, deltas)
        rois = add(Proposals(head.anchors, head.input_size, r, head.pre_nms, head.rpn_nms_iou,
                             name="proposals"), rpn)
        x = add(RoIAlign(stride, head.pool_size, name="roi_align"), features, rois)
        x = add(L.Reshape((r, -1), name="roi_flat"), x)
        x = add(L.Dense(fc_units, flatten=False, name="fc1"), x)
        x = add(L.Dense(fc_units, flatten=False, name="fc2"), x)
        logits = add(L.Dense(c + 1, act=None, flatten=False, name="cls_logits"), x)
        box = add(L.Dense(4 * c, act=None, flatten=False, name="box_deltas"), x)
        parts = [add(L.Flatten(name=f"{part}_packed"), part)
                 for part in (rpn, rois, logits, box)]
        add(L.Concat(name="output"), *parts)
    net.head = head
    return net
