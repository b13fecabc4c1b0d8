"""Layer keywords of ``%%dl`` cells: which ``dn.layers`` spec each makes and how it reads values.

``conv 32 3x3 relu`` -> ``dn.layers.Conv2d(32, 3, act="relu")``. Each keyword
names a spec and types its positional arguments (*slots*: ``(param, kind,
required)``); *flags* are words that set one argument (``valid``,
``bidirectional``); *options* map ``key=`` names (the spec's DLPy names and
aliases such as ``filters``) to an argument and a kind. A kind says how a
value is read: ``int``, ``num`` (``0.5``, ``1e-3``, ``1/255``), ``size``
(``3`` or ``3x5``), ``shape`` (``32x32x1``, ``?`` for a free size), ``act``
(an activation name), a choice, ``names`` (layer names).

Example:
    >>> from dl_notebook.magics.layer_table import keyword_for
    >>> kw = keyword_for("fc")
    >>> kw.word, kw.cls, kw.slots
    ('dense', 'Dense', (('n', 'int', True), ('act', 'act', False)))
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model.layers.base import _ACTIVATIONS
from .grammar import DLSyntaxError, Token, did_you_mean
from .values import NAME_RE, auto_value, to_bool, to_int, to_number, to_shape, to_size

__all__ = ["Keyword", "KEYWORDS", "ACTIVATIONS", "keyword_for", "all_words", "convert"]

ACTIVATIONS = tuple(sorted(_ACTIVATIONS))


@dataclass(frozen=True)
class Keyword:
    """One layer keyword: the spec it makes and how its arguments are read.

    ``slots``: ``(param, kind, required)`` for positional arguments in
    order; ``flags``: word -> ``(param, value)``; ``options``: key ->
    ``(param, kind)``; ``preset``: arguments always passed.
    """

    word: str
    cls: str
    slots: tuple = ()
    flags: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    preset: dict = field(default_factory=dict)
    example: str = ""
    help: str = ""


def _opts(*groups, **extra):
    out = {}
    for group in groups:
        out.update(group)
    out.update(extra)
    return out


_PAD = {"same": ("padding", "same"), "valid": ("padding", "valid")}
_CONV_OPTS = {
    "n_filters": ("n_filters", "int"), "filters": ("n_filters", "int"),
    "width": ("width", "size"), "kernel": ("width", "size"), "kernel_size": ("width", "size"),
    "height": ("height", "int"), "stride": ("stride", "size"), "strides": ("stride", "size"),
    "stride_horizontal": ("stride_horizontal", "int"),
    "stride_vertical": ("stride_vertical", "int"),
    "padding": ("padding", "padding"), "act": ("act", "act"), "activation": ("act", "act"),
    "dropout": ("dropout", "num"), "include_bias": ("include_bias", "bool"),
    "bias": ("include_bias", "bool"), "dilation": ("dilation", "size"), "init": ("init", "word"),
}
_FC_OPTS = {
    "n": ("n", "int"), "units": ("n", "int"), "act": ("act", "act"),
    "activation": ("act", "act"), "dropout": ("dropout", "num"),
    "include_bias": ("include_bias", "bool"), "bias": ("include_bias", "bool"),
    "flatten": ("flatten", "flatten"), "init": ("init", "word"),
}
_POOL_OPTS = {
    "width": ("width", "size"), "size": ("width", "size"), "height": ("height", "int"),
    "stride": ("stride", "size"), "strides": ("stride", "size"), "pool": ("pool", "pool"),
    "padding": ("padding", "padding"), "dropout": ("dropout", "num"),
}
_RNN_FLAGS = {
    "bidirectional": ("bidirectional", True), "bi": ("bidirectional", True),
    "samelength": ("output_type", "samelength"), "seq": ("output_type", "samelength"),
    "sequences": ("output_type", "samelength"), "encoding": ("output_type", "encoding"),
    "last": ("output_type", "encoding"), "reversed": ("reversed_", True),
    "backwards": ("reversed_", True),
}
_RNN_OPTS = {
    "n": ("n", "int"), "units": ("n", "int"), "act": ("act", "act"),
    "activation": ("act", "act"), "dropout": ("dropout", "num"),
    "bidirectional": ("bidirectional", "bool"), "output_type": ("output_type", "output_type"),
    "reversed": ("reversed_", "bool"), "reversed_": ("reversed_", "bool"),
}
_CONV_SLOTS = (("n_filters", "int", True), ("width", "size", True), ("act", "act", False))
_MERGE_SLOTS = (("inputs", "names", True), ("act", "act", False))


def _kw(word, cls, **kw):
    return Keyword(word, cls, **kw)


_TABLE = [
    _kw("input", "InputLayer", slots=(("shape", "shape", False),),
        options={"shape": ("shape", "shape"), "n_channels": ("n_channels", "int"),
                 "width": ("width", "int"), "height": ("height", "int"),
                 "scale": ("scale", "num"), "offsets": ("offsets", "nums"),
                 "std": ("std", "nums"), "dtype": ("dtype", "dtype")},
        example="input 32x32x3 scale=1/255", help="an input (a shape; ? for a free size)"),
    _kw("conv", "Conv2d", slots=_CONV_SLOTS, flags=_PAD, options=_CONV_OPTS,
        example="conv 32 3x3 relu",
        help="convolution: filters, kernel, activation (1-D after a sequence input)"),
    _kw("conv2d", "Conv2d", slots=_CONV_SLOTS, flags=_PAD, options=_CONV_OPTS,
        example="conv2d 32 3x3 relu", help="2-D convolution"),
    _kw("conv1d", "Conv1d", slots=(("n_filters", "int", True), ("width", "size1", True),
                                   ("act", "act", False)),
        flags=_PAD, options=_CONV_OPTS, example="conv1d 16 3 relu", help="1-D convolution"),
    _kw("deconv", "Conv2DTranspose", slots=_CONV_SLOTS, flags=_PAD, options=_CONV_OPTS,
        example="deconv 16 3x3 relu stride=2", help="transposed 2-D convolution"),
    _kw("pool", "Pooling", slots=(("pool", "pool", False), ("width", "size", False)),
        flags=_PAD, options=_POOL_OPTS, example="pool max 2",
        help="max or average pooling (max, avg); window size (stride defaults to it)"),
    _kw("maxpool", "Pooling", slots=(("width", "size", False),), flags=_PAD, options=_POOL_OPTS,
        preset={"pool": "max"}, example="maxpool 2", help="max pooling"),
    _kw("avgpool", "Pooling", slots=(("width", "size", False),), flags=_PAD, options=_POOL_OPTS,
        preset={"pool": "mean"}, example="avgpool 2", help="average pooling"),
    _kw("gap", "GlobalAveragePooling2D", example="gap",
        help="global average pooling: (h, w, c) -> (c,)"),
    _kw("upsample", "UpSampling2D", slots=(("size", "size", False),),
        flags={"nearest": ("interpolation", "nearest"), "bilinear": ("interpolation", "bilinear")},
        options={"size": ("size", "size"), "interpolation": ("interpolation", "interpolation")},
        example="upsample 2 bilinear", help="repeat rows and columns"),
    _kw("bn", "BN", slots=(("act", "act", False),),
        options={"act": ("act", "act"), "activation": ("act", "act"),
                 "momentum": ("momentum", "num"), "epsilon": ("epsilon", "num")},
        example="bn relu", help="batch normalisation, then an optional activation"),
    _kw("dense", "Dense", slots=(("n", "int", True), ("act", "act", False)), options=_FC_OPTS,
        example="dense 128 relu dropout=0.5", help="fully connected (flattens images first)"),
    _kw("output", "OutputLayer", slots=(("n", "int", True), ("act", "act", False)),
        options=_opts(_FC_OPTS, error=("error", "error")), example="output 10 softmax",
        help="the prediction layer (softmax by default)"),
    _kw("dropout", "Dropout", slots=(("rate", "num", False),),
        options={"rate": ("rate", "num")}, example="dropout 0.25", help="dropout"),
    _kw("flatten", "Flatten", example="flatten", help="flatten to one axis"),
    _kw("reshape", "Reshape", slots=(("target_shape", "rshape", True),),
        options={"target_shape": ("target_shape", "rshape")}, example="reshape 7x7x16",
        help="reshape (-1 for one free size)"),
    _kw("embedding", "Embedding", slots=(("input_dim", "int", True), ("output_dim", "int", True)),
        flags={"mask_zero": ("mask_zero", True), "mask": ("mask_zero", True)},
        options={"input_dim": ("input_dim", "int"), "output_dim": ("output_dim", "int"),
                 "mask_zero": ("mask_zero", "bool")},
        example="embedding 1000 64 mask_zero", help="token ids -> vectors: vocabulary, size"),
    _kw("res", "Res", slots=_MERGE_SLOTS, options={"act": ("act", "act")},
        example="res conv1 conv3 relu", help="element-wise sum of the named layers"),
    _kw("concat", "Concat", slots=_MERGE_SLOTS,
        options={"act": ("act", "act"), "axis": ("axis", "axis")},
        example="concat a b", help="concatenate the named layers (channels)"),
    _kw("lstm", "Recurrent", slots=(("n", "int", True), ("act", "act", False)), flags=_RNN_FLAGS,
        options=_RNN_OPTS, preset={"rnn_type": "lstm"}, example="lstm 64 bidirectional",
        help="LSTM (samelength: one output per step)"),
    _kw("gru", "Recurrent", slots=(("n", "int", True), ("act", "act", False)), flags=_RNN_FLAGS,
        options=_RNN_OPTS, preset={"rnn_type": "gru"}, example="gru 32 samelength", help="GRU"),
    _kw("rnn", "Recurrent", slots=(("n", "int", True), ("act", "act", False)), flags=_RNN_FLAGS,
        options=_RNN_OPTS, preset={"rnn_type": "rnn"}, example="rnn 32", help="simple RNN"),
    _kw("recurrent", "Recurrent", slots=(("n", "int", True), ("act", "act", False)),
        flags=_RNN_FLAGS, options=_opts(_RNN_OPTS, rnn_type=("rnn_type", "rnn_type")),
        example="recurrent 32 rnn_type=gru", help="DLPy's Recurrent"),
    _kw("keras", "KerasLayer", slots=(("class", "class", True), ("args", "values", False)),
        example="keras LayerNormalization epsilon=1e-5",
        help="any keras.layers class with its own arguments"),
]
KEYWORDS: dict[str, Keyword] = {k.word: k for k in _TABLE}
_ALIASES = {
    "fc": "dense", "fullyconnected": "dense", "batchnorm": "bn", "globalpool": "gap",
    "upsampling": "upsample", "embed": "embedding", "sum": "res", "cat": "concat",
    "convt": "deconv", "conv2dtranspose": "deconv", "maxpooling": "maxpool",
    "avgpooling": "avgpool",
}
_CHOICES = {
    "padding": ("same", "valid"),
    "pool": ("max", "mean", "avg", "average"),
    "interpolation": ("nearest", "bilinear"),
    "output_type": ("encoding", "samelength"),
    "rnn_type": ("lstm", "gru", "rnn"),
    "error": ("auto", "entropy", "crossentropy", "normal", "mse", "mae", "huber", "poisson"),
    "dtype": ("float32", "float16", "bfloat16", "float64", "int32", "int64", "uint8"),
    "flatten": ("auto", "true", "false"),
}


def keyword_for(word: str) -> Keyword | None:
    """The keyword for *word* (aliases such as ``fc`` included), or None."""
    word = word.lower()
    return KEYWORDS.get(_ALIASES.get(word, word))


def all_words() -> list[str]:
    """Every layer keyword and alias, sorted."""
    return sorted(set(KEYWORDS) | set(_ALIASES))


def accepts(kind: str, tok: Token, defined) -> bool:
    text = tok.text.lower()
    if kind in ("class", "values"):
        return True
    if tok.quoted:
        return False
    if kind == "act":
        return text in _ACTIVATIONS
    if kind == "pool":
        return text in _CHOICES["pool"]
    if kind == "names":
        return NAME_RE.match(tok.text) is not None and (
            text not in _ACTIVATIONS or (defined is not None and tok.text in defined))
    try:
        convert(kind, tok)
    except DLSyntaxError:
        return False
    return True


def convert(kind: str, tok: Token):
    """The value of *tok* read as *kind* (a slot or option kind), or DLSyntaxError."""
    text = tok.text
    if kind == "int":
        return to_int(tok)
    if kind == "axis":
        value = to_int(tok, "a non-zero axis", minimum=None)
        if value == 0:
            raise DLSyntaxError.at(tok, "the axis must not be 0 (the batch axis)")
        return value
    if kind == "num":
        return to_number(tok)
    if kind == "nums":
        parts = text.split(",")
        start, out = 0, []
        for part in parts:
            out.append(to_number(tok.part(start, part)))
            start += len(part) + 1
        return out[0] if len(out) == 1 else out
    if kind == "size":
        return to_size(tok)
    if kind == "size1":
        return to_size(tok, "one size (a 1-D layer has one kernel size)", dims=(1,))
    if kind == "shape":
        return to_shape(tok)
    if kind == "rshape":
        return to_shape(tok, "a shape such as 7x7x16 (-1 for one free size)", free="-1")
    if kind == "bool":
        return to_bool(tok)
    if kind == "act":
        if text.lower() not in _ACTIVATIONS:
            raise DLSyntaxError.at(tok, f"unknown activation `{text}`",
                                   did_you_mean(text.lower(), ACTIVATIONS))
        return text.lower()
    if kind in _CHOICES:
        word = text.lower()
        if word not in _CHOICES[kind]:
            raise DLSyntaxError.at(tok, f"expected one of {', '.join(_CHOICES[kind])}, "
                                        f"got `{text}`", did_you_mean(word, _CHOICES[kind]))
        if kind == "flatten":
            return {"auto": "auto", "true": True, "false": False}[word]
        return word
    if kind == "word":
        if not text:
            raise DLSyntaxError.at(tok, "expected a word, got nothing")
        return text
    return auto_value(tok)
