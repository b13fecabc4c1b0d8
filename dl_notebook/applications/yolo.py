"""YOLOv2 and Tiny YOLOv2 (Redmon & Farhadi, 2016), as in Darknet's VOC configurations.

Both end in a 1×1 convolution to ``anchors × (5 + n_classes)`` channels,
reshaped (``output``) to ``(rows, columns, anchors, 5 + n_classes)``: per
cell and anchor the raw ``tx, ty, tw, th``, objectness and class logits.
The grid is the input size / 32, so any input whose sides are multiples of
32 works (416×416 → 13×13, 96×96 → 3×3); ``stride=16`` or ``8`` keeps the
last poolings at stride 1 for a finer grid (96×96 → 6×6 or 12×12), which
small objects need. The network carries its
:class:`~dl_notebook.detection.YoloHead` as ``net.head``: ``net.fit`` trains
it on detection data with the YOLOv2 loss and ``net.predict_boxes`` decodes
its output. Exported files (``.keras``, ONNX) hold the raw output; decode
it with ``dn.detection.decode(raw, net.head)``.

Images go in as pixel values 0..255; the input layer scales them to 0..1
as Darknet reads them.
"""

from __future__ import annotations

import numpy as np

from .._keras import keras
from ..detection import VOC_ANCHORS, YoloHead
from ..errors import InvalidArgumentError
from ..model import Network
from ..model import layers as L
from ._checks import check_image_shape, check_n_classes
from ._classifier import _adder
from ._zoo import application
from .darknet import DARKNET19, _conv_bn_leaky

__all__ = ["TinyYoloV2", "YoloV2"]

STRIDE = 32  # Darknet's output stride; 16 or 8 keep the last poolings at stride 1 (a finer grid)
STRIDES = (8, 16, 32)
TINY = (16, 32, 64, 128, 256, 512)  # 3×3 convolutions, each followed by a 2×2 max pooling
TINY_TOP = (1024, 1024)


def _setup(where, n_classes, anchors, input_shape, class_names, width, stride):
    input_shape = check_image_shape(input_shape, where)
    if stride not in STRIDES:
        raise InvalidArgumentError(f"{where}: stride must be 8, 16 or 32; got {stride!r}.")
    if input_shape[0] % stride or input_shape[1] % stride:
        raise InvalidArgumentError(
            f"{where} needs image sides that are multiples of {stride} (the grid is the size / "
            f"{stride}); got {input_shape[0]}×{input_shape[1]}.")
    if isinstance(width, bool) or not isinstance(width, (int, float)) or not 0 < width <= 4:
        raise InvalidArgumentError(f"{where}: width must be a number in (0, 4]; got {width!r}.")
    if class_names is not None and n_classes is None:
        n_classes = len(class_names)
    n_classes = check_n_classes(20 if n_classes is None else n_classes, where)
    grid = (input_shape[0] // stride, input_shape[1] // stride)
    if anchors is None:  # VOC's anchors were made for a 13×13 grid: keep their share of the image
        anchors = VOC_ANCHORS * np.array([grid[1], grid[0]], "float32") / 13
    head = YoloHead(n_classes, anchors, grid, input_shape[:2], class_names)
    return input_shape, head


def _unit(add, x, filters, name):
    """Darknet's 3×3 convolution unit, its batch norm with momentum 0.9 (settled in a few epochs)."""
    x = add(L.Conv2d(filters, 3, act=None, include_bias=False, name=name), x)
    x = add(L.BN(momentum=0.9, name=f"{name}_bn"), x)
    return add(L.LeakyReLU(0.1, name=f"{name}_leaky"), x)


def _filters(n, width):
    return max(8, int(round(n * width)))


def _output(add, x, head):
    depth = 5 + head.n_classes
    x = add(L.Conv2d(len(head.anchors) * depth, 1, act=None, name="detector"), x)
    return add(L.Reshape((*head.grid, len(head.anchors), depth), name="output"), x)


def _network(name, input_shape, body, head):
    net = Network(name=name)
    add = _adder(net)
    with net.atomic():
        x = add(L.InputLayer(shape=input_shape, scale=1 / 255, name="input_layer"))
        _output(add, body(add, x), head)
    net.head = head
    return net


def _reorg(add, x, grid, channels):
    """Darknet's reorg (space to depth, 2×2 → channels) as Reshape, Permute, Reshape (ONNX-safe)."""
    rows, cols = grid
    x = add(L.Reshape((rows, 2, cols, 2, channels), name="reorg_split"), x)
    x = add(keras().layers.Permute((1, 3, 2, 4, 5), name="reorg_permute"), x)
    return add(L.Reshape((rows, cols, 4 * channels), name="reorg"), x)


def _pool_strides(n_pools, stride):
    """The strides of *n_pools* 2×2 max poolings: 2 until the output stride is reached, then 1."""
    halvings = int(np.log2(stride))
    return [2 if n < halvings else 1 for n in range(n_pools)]


def _darknet_stages(add, x, stages, stride):
    """Darknet-19's stages (as ``darknet._stages``), their poolings at stride 1 past *stride*."""
    n, ends = 0, []
    strides = _pool_strides(len(stages) - 1, stride)
    for stage, filters in enumerate(stages, start=1):
        if stage > 1:
            x = add(L.Pooling(2, stride=strides[stage - 2], pool="max", name=f"pool{stage - 1}"),
                    x)
        for i, f in enumerate(filters):
            n += 1
            x = _conv_bn_leaky(add, x, f, 1 if i % 2 else 3, f"conv{n}")
        ends.append(x)
    return x, ends


@application("yolov2", title="YOLOv2", task="detection", min_size=64,
             native_shape=(416, 416, 3))
def YoloV2(n_classes=None, anchors=None, input_shape=(416, 416, 3), class_names=None, width=1.0,
           stride=32, name=None):
    """YOLOv2: Darknet-19's 18 convolutions, two more, a passthrough layer and the detector.

    The passthrough layer reads the 26×26 features of ``conv13`` (at 416×416),
    shrinks them with a 1×1 convolution (``conv21``, 64 filters), moves each
    2×2 block into channels (``reorg``: 13×13×256) and concatenates them with
    the 13×13 features (``route``); ``conv22`` (3×3) and the detector follow.

    Args:
        n_classes: object classes (default 20, Pascal VOC's; or the number of *class_names*).
        anchors: ``(n, 2)`` anchor widths and heights in grid cells (as
            ``dn.get_anchors`` gives them); default YOLOv2's five VOC anchors,
            scaled from their 13×13 grid to this grid.
        input_shape: ``(height, width, channels)``, sides multiples of 32.
        class_names: the class names, kept on the head.
        width: multiplies every convolution's filters (0.25 for a quick network).
        stride: the output stride, 32 (Darknet's) or 16 or 8 for a finer grid (the
            fifth, then fourth pooling keep stride 1): objects smaller than a 32-pixel
            cell are found far better at 16 or 8. At stride 32 the passthrough moves
            2×2 blocks into channels; otherwise ``conv13`` is at the grid already and
            the passthrough is its 1×1 convolution only.
        name: the network's name.

    Returns:
        A new ``dn.Network`` with ``net.head`` set.

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.applications.YoloV2(n_classes=2, input_shape=(64, 64, 3), width=0.125)
        >>> net["output"].output_shape, net.head.grid
        ((None, 2, 2, 5, 7), (2, 2))
    """
    input_shape, head = _setup("YoloV2", n_classes, anchors, input_shape, class_names, width,
                               stride)
    stages = tuple(tuple(_filters(f, width) for f in stage) for stage in DARKNET19)
    top = _filters(1024, width)

    def body(add, x):
        x, ends = _darknet_stages(add, x, stages, stride)
        x = _conv_bn_leaky(add, x, top, 3, "conv19")
        x = _conv_bn_leaky(add, x, top, 3, "conv20")
        skip = _conv_bn_leaky(add, ends[-2], _filters(64, width), 1, "conv21")
        if stride == STRIDE:  # conv13 is at twice the grid's resolution
            skip = _reorg(add, skip, head.grid, _filters(64, width))
        x = add(L.Concat(name="route"), skip, x)
        return _conv_bn_leaky(add, x, top, 3, "conv22")

    return _network(name or "yolov2", input_shape, body, head)


@application("tinyyolov2", title="Tiny YOLOv2", task="detection", min_size=64,
             native_shape=(416, 416, 3))
def TinyYoloV2(n_classes=None, anchors=None, input_shape=(416, 416, 3), class_names=None,
               width=1.0, stride=32, name=None):
    """Tiny YOLOv2: nine convolutions with batch norm and leaky ReLU, six max poolings.

    As Darknet's ``yolov2-tiny-voc.cfg``: 3×3 convolutions of 16 to 512
    filters each followed by a 2×2 max pooling (the sixth with stride 1, so
    the grid is the size / 32), two 3×3 convolutions of 1024 filters, then
    the 1×1 detector. Batch norm has momentum 0.9, so its statistics settle
    within a few epochs of small data.

    Args:
        n_classes: object classes (default 20, Pascal VOC's; or the number of *class_names*).
        anchors: ``(n, 2)`` anchor widths and heights in grid cells; default
            YOLOv2's five VOC anchors scaled to this grid.
        input_shape: ``(height, width, channels)``, sides multiples of 32.
        class_names: the class names, kept on the head.
        width: multiplies every convolution's filters (0.25 trains in seconds on small images).
        stride: the output stride, 32 (Darknet's) or 16 or 8 for a finer grid (the last
            poolings keep stride 1): objects smaller than a 32-pixel cell are found far
            better at 16 or 8.
        name: the network's name.

    Returns:
        A new ``dn.Network`` with ``net.head`` set.

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.applications.TinyYoloV2(class_names=("circle", "square"),
        ...                                  input_shape=(96, 96, 3), width=0.25)
        >>> net["output"].output_shape, net.head.class_names
        ((None, 3, 3, 5, 7), ('circle', 'square'))
    """
    input_shape, head = _setup("TinyYoloV2", n_classes, anchors, input_shape, class_names, width,
                               stride)
    strides = _pool_strides(len(TINY), stride)

    def body(add, x):
        n = 0
        for n, filters in enumerate(TINY, start=1):
            x = _unit(add, x, _filters(filters, width), f"conv{n}")
            x = add(L.Pooling(2, stride=strides[n - 1], pool="max", name=f"pool{n}"), x)
        for filters in TINY_TOP:
            n += 1
            x = _unit(add, x, _filters(filters, width), f"conv{n}")
        return x

    return _network(name or "tinyyolov2", input_shape, body, head)
