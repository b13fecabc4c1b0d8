"""DLPy's ``dlpy.applications``: ready networks with DLPy's names and arguments.

Each function builds the core network of :mod:`dl_notebook.applications`
at ``(height, width, n_channels)`` and returns it as a DLPy
:class:`~dl_notebook.dlpy.model.Model` named *model_table*.

Input normalisation follows SAS: images reach a DLPy network in the order
SAS stores them, **B, G, R**, so every colour network here first turns its
RGB input into BGR, then computes ``(x * scale - offsets) / norm_stds``
with *offsets* and *norm_stds* in B, G, R order (DLPy's default offsets
``(103.939, 116.779, 123.68)`` are the ImageNet means of B, G and R, and
:attr:`ImageTable.channel_means <dl_notebook.dlpy.images.ImageTable.channel_means>`
gives them in that order).

``pre_trained_weights=True`` with ``pre_trained_weights_file`` loads a
Keras-format weight file (a ``.weights.h5``, ``.keras``, or the legacy HDF5
of ``keras.applications``) by layer name: the features alone with
``include_top=False``, whose new head has *n_classes* outputs. Nothing is
downloaded. ``random_flip``, ``random_crop`` and ``random_mutation`` are
augmentations SAS applies while training; they are accepted, and any value
but ``None`` / ``'none'`` is named in a warning as not applied here.
"""

from __future__ import annotations

from .. import applications as zoo
from ..errors import InvalidArgumentError
from ._data import table_name
from ._ignored import warn_ignored
from .model import Model

__all__ = [
    "Darknet", "DenseNet121", "InceptionV3", "LeNet5", "MobileNetV1", "MobileNetV2",
    "ResNet18_Caffe", "ResNet34_Caffe", "ResNet50_Caffe", "ResNet50_SAS", "ResNet101_Caffe",
    "ResNet152_Caffe", "TextClassification", "VGG16", "VGG19",
]

CAFFE_OFFSETS = (103.939, 116.779, 123.68)
_TORCH_OFFSETS = (255 * 0.485, 255 * 0.456, 255 * 0.406)
_TORCH_STDS = (255 * 0.229, 255 * 0.224, 255 * 0.225)


def _is_off(value):
    return value is None or value is False or (isinstance(value, str) and value.lower() == "none")


def _input(n_channels, scale, offsets, norm_stds=None):
    """The InputLayer arguments of a DLPy network: SAS's BGR order, scale, offsets, stds."""
    options = {"reverse_channels": True}
    if scale is not None and scale != 1:
        options["scale"] = float(scale)
    for key, value in (("offsets", offsets), ("std", norm_stds)):
        if isinstance(value, (tuple, list)):
            options[key] = tuple(float(v) for v in value)
        elif value is not None and value != 0:
            options[key] = float(value)
    return options


def _weights(where, pre_trained_weights, pre_trained_weights_file):
    if not pre_trained_weights:
        return None
    if pre_trained_weights_file is None:
        raise InvalidArgumentError(
            f"{where}: pre_trained_weights=True needs pre_trained_weights_file, a Keras-format "
            "weight file (.weights.h5, .keras or keras.applications' HDF5); nothing is "
            "downloaded."
        )
    return pre_trained_weights_file


def _build(where, core, *, conn, model_table, n_classes, n_channels, width, height,
           include_top, weights, preprocessing, augment, ignored=(), **options):
    """The core network *core* built from DLPy's arguments, as a DLPy Model."""
    del conn  # the connection has no role here
    ignored = list(ignored) + [name for name, value in augment.items() if not _is_off(value)]
    warn_ignored(where, ignored)
    net = core(n_classes=n_classes, input_shape=(height, width, n_channels),
               include_top=include_top, pretrained_weights=weights,
               name=table_name(model_table, where.lower()), preprocessing=preprocessing,
               **options)
    return Model.from_network(net)


_DOC = """{title} (DLPy ``{fn}``) over :func:`dl_notebook.applications.{core}`.

    Args:
        conn: the connection (ignored).
        model_table: the model's name (a str, or a dict with ``name``).
        n_classes: outputs of the last layer.
        n_channels, width, height: the input images.
        scale, offsets: the input normalisation, ``x * scale - offsets``
            after RGB → BGR (see the module notes).
        random_flip, random_crop, random_mutation: accepted; applied by SAS
            only, so any value but None / 'none' is named in a warning.
        pre_trained_weights, pre_trained_weights_file: load a Keras-format
            weight file by layer name (see the module notes).
        include_top: keep the architecture's own classifier (and load its
            weights); False ends in a new head of *n_classes* outputs.
        **kwargs: DLPy's other options ({extra}); accepted, named in a warning
            when given.

    Returns:
        A :class:`~dl_notebook.dlpy.model.Model`.

    Example:
        >>> import inspect
        >>> from dl_notebook.dlpy.applications import {fn}
        >>> list(inspect.signature({fn}).parameters)[1:4]
        ['model_table', 'n_classes', 'n_channels']
        >>> inspect.signature({fn}).parameters["model_table"].default
        '{name}'
"""


def _caffe_style(fn, core, title, default_table, *, extra=()):
    def build(conn, model_table=default_table, n_classes=1000, n_channels=3, width=224,
              height=224, scale=1, random_flip=None, random_crop=None,
              offsets=CAFFE_OFFSETS, pre_trained_weights=False, pre_trained_weights_file=None,
              include_top=False, random_mutation=None, **kwargs):
        ignored = [k for k, v in kwargs.items() if v not in (None, False, "none")]
        return _build(fn, core, conn=conn, model_table=model_table, n_classes=n_classes,
                      n_channels=n_channels, width=width, height=height,
                      include_top=include_top,
                      weights=_weights(fn, pre_trained_weights, pre_trained_weights_file),
                      preprocessing=_input(n_channels, scale, offsets),
                      augment=dict(random_flip=random_flip, random_crop=random_crop,
                                   random_mutation=random_mutation), ignored=ignored)

    build.__name__ = build.__qualname__ = fn
    build.__doc__ = _DOC.format(title=title, fn=fn, core=core.__name__, name=default_table,
                                extra=", ".join(f"``{e}``" for e in extra) or "none")
    return build


ResNet18_Caffe = _caffe_style("ResNet18_Caffe", zoo.ResNet18, "ResNet-18", "RESNET18_CAFFE",
                              extra=("batch_norm_first", "reshape_after_input"))
ResNet34_Caffe = _caffe_style("ResNet34_Caffe", zoo.ResNet34, "ResNet-34", "RESNET34_CAFFE",
                              extra=("batch_norm_first", "reshape_after_input"))
ResNet50_Caffe = _caffe_style("ResNet50_Caffe", zoo.ResNet50, "ResNet-50 (Keras' layers)",
                              "RESNET50_CAFFE", extra=("batch_norm_first", "reshape_after_input"))
ResNet101_Caffe = _caffe_style("ResNet101_Caffe", zoo.ResNet101, "ResNet-101",
                               "RESNET101_CAFFE", extra=("batch_norm_first",))
ResNet152_Caffe = _caffe_style("ResNet152_Caffe", zoo.ResNet152, "ResNet-152",
                               "RESNET152_CAFFE", extra=("batch_norm_first",))
VGG16 = _caffe_style("VGG16", zoo.VGG16, "VGG-16", "VGG16", extra=("reshape_after_input",))
VGG19 = _caffe_style("VGG19", zoo.VGG19, "VGG-19", "VGG19", extra=("reshape_after_input",))
InceptionV3 = _caffe_style("InceptionV3", zoo.InceptionV3, "Inception-v3", "InceptionV3")


def ResNet50_SAS(conn, model_table="RESNET50_SAS", n_classes=1000, n_channels=3, width=224,
                 height=224, scale=1, batch_norm_first=True, random_flip=None, random_crop=None,
                 offsets=CAFFE_OFFSETS, random_mutation=None, **kwargs):
    """ResNet-50 (DLPy ``ResNet50_SAS``), built with the convolution first in each block.

    DLPy's SAS variant puts batch normalisation before the convolutions
    (``batch_norm_first=True``); the core's ResNet-50 is Keras' (convolution
    first), so ``batch_norm_first=True`` is named in a warning.

    Args:
        conn, model_table, n_classes, n_channels, width, height, scale,
            offsets, random_flip, random_crop, random_mutation, **kwargs: as
            :func:`ResNet50_Caffe`.
        batch_norm_first: accepted (see above).

    Returns:
        A :class:`~dl_notebook.dlpy.model.Model`.

    Example:
        >>> import inspect
        >>> from dl_notebook.dlpy.applications import ResNet50_SAS
        >>> inspect.signature(ResNet50_SAS).parameters["batch_norm_first"].default
        True
    """
    ignored = (["batch_norm_first"] if batch_norm_first else []) + \
        [k for k, v in kwargs.items() if v not in (None, False, "none")]
    return _build("ResNet50_SAS", zoo.ResNet50, conn=conn, model_table=model_table,
                  n_classes=n_classes, n_channels=n_channels, width=width, height=height,
                  include_top=False, weights=None, preprocessing=_input(n_channels, scale,
                                                                        offsets),
                  augment=dict(random_flip=random_flip, random_crop=random_crop,
                               random_mutation=random_mutation), ignored=ignored)


def DenseNet121(conn, model_table="DENSENET121", n_classes=1000, conv_channel=64, growth_rate=32,
                n_cells=(6, 12, 24, 16), n_channels=3, reduction=0.5, width=224, height=224,
                scale=1, random_flip=None, random_crop=None, offsets=CAFFE_OFFSETS,
                random_mutation=None, pre_trained_weights=False, pre_trained_weights_file=None,
                include_top=False):
    """DenseNet-121 (DLPy ``DenseNet121``) over :func:`dl_notebook.applications.DenseNet`.

    Args:
        conn, model_table, n_classes, n_channels, width, height, scale,
            offsets, random_flip, random_crop, random_mutation,
            pre_trained_weights, pre_trained_weights_file, include_top: as
            :func:`ResNet50_Caffe`.
        growth_rate: filters each building block adds.
        n_cells: building blocks per dense block.
        conv_channel, reduction: DLPy's first-convolution filters and
            transition compression; only 64 and 0.5 (Keras' DenseNet).

    Returns:
        A :class:`~dl_notebook.dlpy.model.Model`.

    Example:
        >>> from dl_notebook.dlpy.applications import DenseNet121
        >>> DenseNet121(None, n_classes=2, n_cells=(1, 1), width=32, height=32).name
        'DENSENET121'
    """
    if conv_channel != 64 or reduction != 0.5:
        raise InvalidArgumentError(
            "DenseNet121: only conv_channel=64 and reduction=0.5 (Keras' DenseNet) are "
            f"supported; got conv_channel={conv_channel!r}, reduction={reduction!r}."
        )
    return _build("DenseNet121", zoo.DenseNet, conn=conn, model_table=model_table,
                  n_classes=n_classes, n_channels=n_channels, width=width, height=height,
                  include_top=include_top,
                  weights=_weights("DenseNet121", pre_trained_weights, pre_trained_weights_file),
                  preprocessing=_input(n_channels, scale, offsets),
                  augment=dict(random_flip=random_flip, random_crop=random_crop,
                               random_mutation=random_mutation),
                  blocks=tuple(n_cells), growth_rate=growth_rate)


def Darknet(conn, model_table="Darknet", n_classes=1000, act="leaky", n_channels=3, width=224,
            height=224, scale=1.0 / 255, random_flip=None, random_crop=None,
            random_mutation=None, pre_trained_weights=False, pre_trained_weights_file=None,
            include_top=False):
    """Darknet's reference classifier (DLPy ``Darknet``) over ``applications.DarknetReference``.

    Args:
        conn, model_table, n_classes, n_channels, width, height, scale,
            random_flip, random_crop, random_mutation, pre_trained_weights,
            pre_trained_weights_file, include_top: as :func:`ResNet50_Caffe`
            (no offsets: DLPy's Darknet only scales, by 1/255).
        act: the activation; only ``'leaky'`` (Darknet's).

    Returns:
        A :class:`~dl_notebook.dlpy.model.Model`.

    Example:
        >>> import inspect
        >>> from dl_notebook.dlpy.applications import Darknet
        >>> inspect.signature(Darknet).parameters["scale"].default
        0.00392156862745098
    """
    if str(act).lower() not in ("leaky", "leakyrelu", "leaky_relu"):
        raise InvalidArgumentError(f"Darknet: only act='leaky' is supported; got {act!r}.")
    return _build("Darknet", zoo.DarknetReference, conn=conn, model_table=model_table,
                  n_classes=n_classes, n_channels=n_channels, width=width, height=height,
                  include_top=include_top,
                  weights=_weights("Darknet", pre_trained_weights, pre_trained_weights_file),
                  preprocessing=_input(n_channels, scale, None),
                  augment=dict(random_flip=random_flip, random_crop=random_crop,
                               random_mutation=random_mutation))


def _mobilenet(fn, core, default_table):
    def build(conn, model_table=default_table, n_classes=1000, n_channels=3, width=224,
              height=224, random_flip=None, random_crop=None, random_mutation=None,
              norm_stds=_TORCH_STDS, offsets=_TORCH_OFFSETS, alpha=1, depth_multiplier=1,
              pre_trained_weights=False, pre_trained_weights_file=None, include_top=False):
        return _build(fn, core, conn=conn, model_table=model_table, n_classes=n_classes,
                      n_channels=n_channels, width=width, height=height,
                      include_top=include_top,
                      weights=_weights(fn, pre_trained_weights, pre_trained_weights_file),
                      preprocessing=_input(n_channels, None, offsets, norm_stds),
                      augment=dict(random_flip=random_flip, random_crop=random_crop,
                                   random_mutation=random_mutation),
                      ignored=["depth_multiplier"] if depth_multiplier != 1 else [],
                      alpha=alpha)

    build.__name__ = build.__qualname__ = fn
    build.__doc__ = f"""{fn} (DLPy ``{fn}``) over :func:`dl_notebook.applications.{fn}`.

    Args:
        conn, model_table, n_classes, n_channels, width, height, random_flip,
            random_crop, random_mutation, offsets, pre_trained_weights,
            pre_trained_weights_file, include_top: as :func:`ResNet50_Caffe`.
        norm_stds: what the input is divided by after the offsets (B, G, R).
        alpha: the width multiplier.
        depth_multiplier: accepted; only 1 has an effect (named in a warning otherwise).

    Returns:
        A :class:`~dl_notebook.dlpy.model.Model`.

    Example:
        >>> from dl_notebook.dlpy.applications import {fn}
        >>> {fn}(None, n_classes=2, width=32, height=32, alpha=0.25).name
        '{default_table}'
    """
    return build


MobileNetV1 = _mobilenet("MobileNetV1", zoo.MobileNetV1, "MobileNetV1")
MobileNetV2 = _mobilenet("MobileNetV2", zoo.MobileNetV2, "MobileNetV2")


def LeNet5(conn, model_table="LENET5", n_classes=10, n_channels=1, width=28, height=28,
           scale=1.0 / 255, random_flip=None, random_crop=None, offsets=0,
           random_mutation=None):
    """LeNet-5 (DLPy ``LeNet5``) over :func:`dl_notebook.applications.LeNet5`.

    Args:
        conn, model_table, n_classes, n_channels, width, height, random_flip,
            random_crop, random_mutation: as :func:`ResNet50_Caffe`.
        scale: the factor the input layer applies (1/255).
        offsets: accepted; only 0 (the input is scaled, not shifted).

    Returns:
        A :class:`~dl_notebook.dlpy.model.Model`.

    Example:
        >>> from dl_notebook.dlpy.applications import LeNet5
        >>> LeNet5(None).layer_names[-1]
        'output1'
    """
    ignored = [] if _is_off(offsets) or offsets == 0 else ["offsets"]
    ignored += [k for k, v in (("random_flip", random_flip), ("random_crop", random_crop),
                               ("random_mutation", random_mutation)) if not _is_off(v)]
    warn_ignored("LeNet5", ignored)
    net = zoo.LeNet5(n_classes=n_classes, input_shape=(height, width, n_channels),
                     name=table_name(model_table, "LENET5"), scale=scale)
    return Model.from_network(net)


def TextClassification(conn, model_table="text_classifier", neurons=10, n_blocks=3,
                       rnn_type="gru"):
    """A recurrent text classifier (DLPy ``TextClassification``), made at the first ``fit``.

    DLPy reads the number of classes (and the word vectors) from the data;
    so does this model: ``fit(data, texts=..., target=...)`` on a DataFrame
    (or a ``TextDataset``) builds :func:`dl_notebook.applications.TextClassification`
    for its vocabulary, text length and classes, with ``n_blocks``
    bidirectional layers of ``neurons`` units.

    Args:
        conn: ignored.
        model_table: the model's name.
        neurons, n_blocks, rnn_type: as DLPy (``'gru'``, ``'lstm'`` or ``'rnn'``).

    Returns:
        A :class:`~dl_notebook.dlpy.model.Model` whose layers come at the first fit.

    Example:
        >>> from dl_notebook.dlpy.applications import TextClassification
        >>> model = TextClassification(None, n_blocks=1)
        >>> model.name, model.layers
        ('text_classifier', [InferredNetwork(TextClassification: set at the first fit)])
    """
    from ._inferred import InferredNetwork

    name = table_name(model_table, "text_classifier")

    def build(data, n_classes):
        if not hasattr(data, "vocabulary_size"):
            raise InvalidArgumentError(
                "TextClassification trains on texts: give fit a DataFrame with texts= and "
                "target=, or a TextDataset."
            )
        return zoo.TextClassification(n_classes, data.vocabulary_size, data.sequence_length,
                                      neurons=neurons, n_blocks=n_blocks,
                                      rnn_type=str(rnn_type).lower(), name=name)

    model = Model(conn, model_table=name)
    model.add(InferredNetwork(build, name="TextClassification"))
    return model
