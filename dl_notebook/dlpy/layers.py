"""DLPy's ``dlpy.layers``: DLPy's layer constructors, with its argument order, making core layers.

Each function returns a core layer spec (:mod:`dl_notebook.model.layers`), so
``model.add(Conv2d(8, 3))`` works on DLPy-style and core networks alike.
DLPy's activation names are read case-blind (``'RELU'``, ``'IDENTITY'``);
``'AUTO'`` means ReLU for hidden layers and softmax for the output layer.
``src_layers=[a, b]`` (layers already added) gives the inputs, as in DLPy;
so does calling a layer on tensors (DLPy's functional API:
``y = Conv2d(8, 3)(Input(1, 28, 28))``, see :class:`Model`).
Weight-initialisation settings (``init``, ``std``, ``mean``,
``truncation_factor``, ``init_bias``) and ``fcmp_act`` are accepted; those
given are named in a warning, since Keras' default initialisers are used.
"""

from __future__ import annotations

from ..errors import InvalidArgumentError
from ..model import layers as core
from ._functional import Tensor, callable_spec
from ._ignored import given, warn_ignored
from ._inferred import InferredInput, InferredOutput

__all__ = ["Input", "InputLayer", "Tensor", "Conv2d", "Pooling", "Dense", "Fc", "OutputLayer", "BN", "Res",
           "Concat", "GlobalAveragePooling2D", "Recurrent", "Keypoints", "Detection"]


def _act(act, hidden=True):
    if act is None:
        return None
    act = str(act).lower()
    if act == "auto":
        return "relu" if hidden else "softmax"
    return act


def _unused(where, **settings):
    warn_ignored(where, given(**settings), stacklevel=4)


def _linked(spec, src_layers=None):
    spec._src_layers = list(src_layers) if src_layers else None
    return callable_spec(spec)


def InputLayer(n_channels=None, width=None, height=None, nominals=None, std=None, scale=1,
               offsets=None, dropout=0, random_flip=None, random_crop=None, random_mutation=None,
               norm_stds=None, name=None, **kwargs):
    """An image (or vector) input in DLPy's order: ``InputLayer(3, 224, 224)`` (core ``InputLayer``).

    ``(x * scale - offsets) / norm_stds``; ``height`` defaults to ``width``
    and ``n_channels`` to 3. With ``n_channels`` but no ``width`` the input
    is a vector of ``n_channels`` values (tabular data). With neither, or
    with ``std='STD'`` / ``'MIDRANGE'`` (offsets and divisors computed from
    the training data), DLPy reads the missing parts from the data: this
    returns a placeholder that ``model.fit`` turns into the core layer
    (see :mod:`dl_notebook.dlpy._inferred`). ``random_flip`` /
    ``random_crop`` / ``random_mutation`` / ``dropout`` are accepted and
    named in a warning (no augmentation here).

    Example:
        >>> from dl_notebook.dlpy.layers import InputLayer
        >>> InputLayer(3, 224, 224, scale=1 / 255).shape
        (224, 224, 3)
        >>> InputLayer(std="STD")
        InferredInput(unnamed: set at the first fit)
    """
    _unused("InputLayer", nominals=nominals, dropout=dropout, random_flip=random_flip,
            random_crop=random_crop, random_mutation=random_mutation, **kwargs)
    scale = None if scale == 1 else scale
    statistics = std is not None and str(std).upper() != "NONE"
    if statistics or (width is None and height is None and n_channels is None):
        return InferredInput(n_channels, width, height, std=std, scale=scale, offsets=offsets,
                             norm_stds=norm_stds, name=name)
    if width is None and height is None:
        return _linked(core.InputLayer(shape=(n_channels,), scale=scale, offsets=offsets,
                                       std=norm_stds, name=name))
    return _linked(core.InputLayer(n_channels=n_channels or 3, width=width or height,
                                   height=height or width, scale=scale, offsets=offsets,
                                   std=norm_stds, name=name))


def Input(n_channels=3, width=None, height=None, name=None, **kwargs):
    """An input tensor of DLPy's functional API: ``InputLayer(...)()`` (DLPy ``Input``).

    Args:
        n_channels, width, height, name: as :func:`InputLayer`.
        kwargs: :func:`InputLayer`'s other arguments (``scale``, ``offsets`` …).

    Returns:
        A :class:`Tensor` to call layers on.

    Example:
        >>> from dl_notebook.dlpy.layers import Input
        >>> Input(3, 32, 32, name="image").layer.shape
        (32, 32, 3)
    """
    return InputLayer(n_channels, width, height, name=name, **kwargs)()


def _padding(padding, size, where):
    if padding is None:
        return "same"
    if padding == 0:
        return "valid"
    if padding == size // 2:
        return "same"
    raise InvalidArgumentError(
        f"{where}: padding={padding!r} is supported as None or {size // 2} (same size) or 0 "
        f"(none); add a ZeroPadding2D layer for other padding."
    )


def Conv2d(n_filters, width=None, height=None, stride=1, name=None, stride_horizontal=None,
           stride_vertical=None, padding=None, padding_width=None, padding_height=None, act="relu",
           fcmp_act=None, init=None, std=None, mean=None, truncation_factor=None, init_bias=None,
           dropout=None, include_bias=True, src_layers=None, **kwargs):
    """A 2-D convolution, DLPy's arguments (core ``Conv2d``).

    ``height`` defaults to ``width`` (and ``width`` to 3); DLPy's default
    padding keeps the size (``"same"``).

    Example:
        >>> from dl_notebook.dlpy.layers import Conv2d
        >>> conv = Conv2d(8, 3, act="IDENTITY")
        >>> conv.n_filters, conv.act
        (8, None)
    """
    _unused("Conv2d", fcmp_act=fcmp_act, init=init, std=std, mean=mean,
            truncation_factor=truncation_factor, init_bias=init_bias, **kwargs)
    width = 3 if width is None else width
    height = width if height is None else height
    pad = padding if padding is not None else (padding_width if padding_width is not None
                                               else padding_height)
    return _linked(core.Conv2d(n_filters, width, height, stride=stride,
                               stride_horizontal=stride_horizontal,
                               stride_vertical=stride_vertical,
                               padding=_padding(pad, width, "Conv2d"), act=_act(act),
                               dropout=dropout or 0, include_bias=include_bias, name=name),
                   src_layers)


def Pooling(width=None, height=None, stride=None, name=None, stride_horizontal=None,
            stride_vertical=None, padding=None, padding_width=None, padding_height=None,
            pool="max", dropout=None, src_layers=None, **kwargs):
    """Max or mean pooling, DLPy's arguments (core ``Pooling``); ``pool='mean'`` or ``'average'``.

    Example:
        >>> from dl_notebook.dlpy.layers import Pooling
        >>> Pooling(2).pool
        'max'
    """
    _unused("Pooling", stride_horizontal=stride_horizontal, stride_vertical=stride_vertical,
            **kwargs)
    width = 2 if width is None else width
    pool = {"average": "mean", "avg": "mean"}.get(str(pool).lower(), str(pool).lower())
    pad = padding if padding is not None else padding_width
    return _linked(core.Pooling(width, height, stride=stride, pool=pool,
                                padding=_padding(pad, width, "Pooling") if pad else "same",
                                dropout=dropout or 0, name=name), src_layers)


def Dense(n, name=None, act="relu", fcmp_act=None, init=None, std=None, mean=None,
          truncation_factor=None, init_bias=None, dropout=None, include_bias=True,
          src_layers=None, **kwargs):
    """A fully connected layer, DLPy's arguments (core ``Dense``).

    Example:
        >>> from dl_notebook.dlpy.layers import Dense
        >>> Dense(16).n
        16
    """
    _unused("Dense", fcmp_act=fcmp_act, init=init, std=std, mean=mean,
            truncation_factor=truncation_factor, init_bias=init_bias, **kwargs)
    return _linked(core.Dense(n, act=_act(act), dropout=dropout or 0,
                              include_bias=include_bias, name=name), src_layers)


Fc = Dense  # DLPy's older name


def OutputLayer(n=None, name=None, act="softmax", fcmp_act=None, init=None, std=None, mean=None,
                truncation_factor=None, init_bias=None, target_std=None, fcmp_err=None,
                error=None, include_bias=True, full_connect=True, src_layers=None, **kwargs):
    """The output layer, DLPy's arguments (core ``OutputLayer``).

    *n* is the number of classes, or of values to predict; without it, as
    in DLPy, it is read from the training data at the first ``fit`` (the
    number of classes; 1 value for ``act='IDENTITY'`` or a numeric target).
    ``error`` is ``'ENTROPY'`` or ``'NORMAL'`` (squared error), or None
    (from the activation).

    Example:
        >>> from dl_notebook.dlpy.layers import OutputLayer
        >>> out = OutputLayer(act="softmax", n=10)
        >>> out.n, out.act
        (10, 'softmax')
    """
    if not full_connect:
        raise InvalidArgumentError("OutputLayer: full_connect=False is not supported.")
    _unused("OutputLayer", fcmp_act=fcmp_act, init=init, std=std, mean=mean,
            truncation_factor=truncation_factor, init_bias=init_bias, target_std=target_std,
            fcmp_err=fcmp_err, **kwargs)
    err = "auto" if error is None else str(error).lower()
    if n is None:
        return InferredOutput(act=_act(act, hidden=False), error=err, include_bias=include_bias,
                              name=name, src_layers=src_layers)
    return _linked(core.OutputLayer(n, act=_act(act, hidden=False), error=err,
                                    include_bias=include_bias, name=name), src_layers)


def BN(name=None, act="AUTO", fcmp_act=None, src_layers=None, **kwargs):
    """Batch normalisation (core ``BN``); DLPy's ``act='AUTO'`` is ReLU.

    Example:
        >>> from dl_notebook.dlpy.layers import BN
        >>> BN().act
        'relu'
    """
    _unused("BN", fcmp_act=fcmp_act, **kwargs)
    return _linked(core.BN(act=_act(act), name=name), src_layers)


def Res(name=None, act="AUTO", fcmp_act=None, src_layers=None, **kwargs):
    """The sum of its inputs (core ``Res``); DLPy's ``act='AUTO'`` is ReLU.

    Example:
        >>> from dl_notebook.dlpy.layers import Res
        >>> Res(act="identity").act is None
        True
    """
    _unused("Res", fcmp_act=fcmp_act, **kwargs)
    return _linked(core.Res(act=_act(act), name=name), src_layers)


def Concat(name=None, act="AUTO", fcmp_act=None, src_layers=None, **kwargs):
    """Its inputs joined along the channels (core ``Concat``); ``act='AUTO'`` adds no activation.

    Example:
        >>> from dl_notebook.dlpy.layers import Concat
        >>> Concat().act is None
        True
    """
    _unused("Concat", fcmp_act=fcmp_act, **kwargs)
    act = None if act is None or str(act).lower() == "auto" else _act(act)
    return _linked(core.Concat(act=act, name=name), src_layers)


def GlobalAveragePooling2D(name=None, src_layers=None):
    """The mean of each channel (core ``GlobalAveragePooling2D``).

    Example:
        >>> from dl_notebook.dlpy.layers import GlobalAveragePooling2D
        >>> GlobalAveragePooling2D(name="gap").name
        'gap'
    """
    return _linked(core.GlobalAveragePooling2D(name=name), src_layers)


def Recurrent(n, name=None, rnn_type="RNN", output_type="ENCODING", reversed_=False,
              init=None, std=None, mean=None, truncation_factor=None, init_bias=None,
              dropout=None, act="AUTO", src_layers=None, **kwargs):
    """A recurrent layer, DLPy's arguments (core ``Recurrent``).

    ``rnn_type``: ``'RNN'``, ``'LSTM'`` or ``'GRU'``; ``output_type``:
    ``'ENCODING'`` (the last state) or ``'SAMELENGTH'`` (every step;
    ``'ARBITRARYLENGTH'`` is refused); ``act='AUTO'`` is tanh.

    Example:
        >>> from dl_notebook.dlpy.layers import Recurrent
        >>> Recurrent(8, rnn_type="GRU").rnn_type
        'gru'
    """
    _unused("Recurrent", init=init, std=std, mean=mean, truncation_factor=truncation_factor,
            init_bias=init_bias, **kwargs)
    act = "tanh" if act is None or str(act).lower() == "auto" else _act(act)
    return _linked(core.Recurrent(n, rnn_type=str(rnn_type).lower(),
                                  output_type=str(output_type).lower(), reversed_=reversed_,
                                  act=act, dropout=dropout or 0, name=name), src_layers)


def Keypoints(*args, **kwargs):
    """DLPy's keypoint-detection output: refused (no keypoint loss here)."""
    raise InvalidArgumentError(
        "Keypoints layers are not supported: dl_notebook has no keypoint-regression output."
    )


def Detection(*args, **kwargs):
    """DLPy's YOLO detection output: refused (no detection loss here)."""
    raise InvalidArgumentError(
        "Detection layers are not supported: dl_notebook has no object-detection output."
    )
