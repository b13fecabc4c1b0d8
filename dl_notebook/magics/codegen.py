"""A network written back as a ``%%dl model`` cell or as Python API code.

:func:`dl_cell` and :func:`python_code` describe every layer by its
arguments that differ from the defaults, so running either text rebuilds
a network with the same layers, names, edges, configuration and
parameter count. A layer's name is written only where it differs from
the automatic one (``conv1``, ``pool2``, …). Plain Keras layers keep their
simple arguments (numbers, words, sizes); nested settings such as
initializer objects are left at their defaults.

Example:
    >>> import dl_notebook as dn
    >>> from dl_notebook.magics.codegen import dl_cell
    >>> net = dn.Sequential(name="lenet", layers=[
    ...     dn.layers.InputLayer(shape=(32, 32, 1)), dn.layers.Conv2d(6, 5, name="c1"),
    ...     dn.layers.Pooling(2), dn.layers.OutputLayer(10)])
    >>> print(dl_cell(net))
    %%dl model lenet --input 32x32x1
    c1: conv 6 5x5 relu
    pool max 2
    output 10 softmax
"""

from __future__ import annotations

import re

from ..model.layers.base import _ACTIVATIONS
from .model_cell import _snake

__all__ = ["dl_cell", "python_code", "layer_arguments"]

_KERAS_SKIP = {"name", "trainable", "dtype"}
_POSITIONAL = {
    "Conv2d": ("n_filters", "width"), "Conv1d": ("n_filters", "width"),
    "Conv2DTranspose": ("n_filters", "width"), "Dense": ("n",), "OutputLayer": ("n",),
    "Dropout": ("rate",), "Reshape": ("target_shape",), "Embedding": ("input_dim", "output_dim"),
    "Recurrent": ("n",), "Pooling": ("width",), "UpSampling2D": ("size",),
}


def _kernel(spec):
    return spec.width if spec.height == spec.width else (spec.height, spec.width)


def _differs(value, default) -> bool:
    if default is None:
        return value is not None
    try:
        return bool(value != default)
    except (TypeError, ValueError):  # arrays
        return True


def _nondefault(pairs):
    return {key: value for key, value, default in pairs if _differs(value, default)}


def _plain(value):
    """NumPy arrays and scalars as Python lists and numbers."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    return value


def layer_arguments(spec) -> tuple[str, dict]:
    """``(class name, arguments)``: the arguments of *spec* that differ from the defaults.

    The spec's name is not among them. For a plain Keras layer the class
    is ``"keras.<Class>"`` and the arguments are its simple config values.

    Example:
        >>> import dl_notebook as dn
        >>> from dl_notebook.magics.codegen import layer_arguments
        >>> layer_arguments(dn.layers.Conv2d(8, 3, stride=2, act="identity"))
        ('Conv2d', {'n_filters': 8, 'width': 3, 'stride': 2, 'act': None})
    """
    cls = type(spec).__name__
    if cls == "InputLayer":
        args = {"shape": spec.shape}
        args.update(_nondefault([("offsets", _plain(spec.offsets), None),
                                 ("scale", _plain(spec.scale), None),
                                 ("std", _plain(spec.std), None),
                                 ("dtype", spec.dtype, "float32")]))
        return cls, args
    if cls in ("Conv2d", "Conv1d", "Conv2DTranspose"):
        args = {"n_filters": spec.n_filters, "width": _kernel(spec)}
        args.update(_nondefault([
            ("stride", spec.stride, 1), ("padding", spec.padding, "same"),
            ("act", spec.act, "relu"), ("dropout", spec.dropout, 0.0),
            ("include_bias", spec.include_bias, True), ("dilation", spec.dilation, 1),
            ("init", spec.init, "glorot_uniform")]))
        return cls, args
    if cls == "Pooling":
        args = {"width": spec.width}
        args.update(_nondefault([("height", spec.height, spec.width), ("stride", spec.stride, None),
                                 ("pool", spec.pool, "max"), ("padding", spec.padding, "same"),
                                 ("dropout", spec.dropout, 0.0)]))
        return cls, args
    if cls == "UpSampling2D":
        return cls, _nondefault([("size", spec.size, 2),
                                 ("interpolation", spec.interpolation, "nearest")])
    if cls == "BN":
        return cls, _nondefault([("act", spec.act, None), ("momentum", spec.momentum, 0.99),
                                 ("epsilon", spec.epsilon, 1e-3)])
    if cls in ("Dense", "OutputLayer"):
        args = {"n": spec.n}
        default_act = "relu" if cls == "Dense" else "softmax"
        args.update(_nondefault([
            ("act", spec.act, default_act), ("dropout", spec.dropout, 0.0),
            ("include_bias", spec.include_bias, True), ("flatten", spec.flatten, "auto"),
            ("init", spec.init, "glorot_uniform")]))
        if cls == "OutputLayer":
            auto = "entropy" if spec.act in ("softmax", "sigmoid") else "mse"
            if spec.error != auto:
                args["error"] = spec.error
        return cls, args
    if cls == "Dropout":
        return cls, {"rate": spec.rate}
    if cls == "Reshape":
        return cls, {"target_shape": spec.target_shape}
    if cls == "Embedding":
        args = {"input_dim": spec.input_dim, "output_dim": spec.output_dim}
        args.update(_nondefault([("mask_zero", spec.mask_zero, False)]))
        return cls, args
    if cls == "Res":
        return cls, _nondefault([("act", spec.act, None)])
    if cls == "Concat":
        return cls, _nondefault([("axis", spec.axis, -1), ("act", spec.act, None)])
    if cls == "Recurrent":
        args = {"n": spec.n, "rnn_type": spec.rnn_type}
        args.update(_nondefault([
            ("output_type", spec.output_type, "encoding"),
            ("bidirectional", spec.bidirectional, False), ("reversed_", spec.reversed_, False),
            ("act", spec.act, "tanh"), ("dropout", spec.dropout, 0.0)]))
        return cls, args
    if cls == "KerasLayer":
        layer = spec._source if not spec._layers else spec._layers[0]
        defaults = _keras_defaults(type(layer))
        config = {k: v for k, v in layer.get_config().items()
                  if k not in _KERAS_SKIP and _simple(v) and not _same(v, defaults.get(k, _NO))}
        return f"keras.{type(layer).__name__}", config
    return cls, {}  # GlobalAveragePooling2D, Flatten: no arguments


_NO = object()


def _keras_defaults(cls) -> dict:
    import inspect

    try:
        params = inspect.signature(cls.__init__).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}


def _same(value, default) -> bool:
    if default is _NO:
        return False
    if isinstance(value, (list, tuple)) and isinstance(default, (list, tuple)):
        return list(value) == list(default)
    return type(value) is type(default) and value == default or (value is None and
                                                                     default is None)


def _simple(value) -> bool:
    if isinstance(value, (list, tuple)):
        return all(isinstance(v, (bool, int, float, str)) or v is None for v in value)
    return value is None or isinstance(value, (bool, int, float, str))


# -- names and inputs, as a rebuilt network would choose them ---------------------------------
def _prefix(spec, cls):
    if cls.startswith("keras."):
        return _snake(cls[len("keras."):])
    return type(spec).prefix


def _walk(net):
    """Per layer: (spec, class, args, label or None, inputs or None (= the previous layer))."""
    taken, previous, rows = set(), None, []
    for spec in net:
        cls, args = layer_arguments(spec)
        prefix, n = _prefix(spec, cls), 1
        while f"{prefix}{n}" in taken:
            n += 1
        label = None if spec.name == f"{prefix}{n}" else spec.name
        inputs = spec.inputs
        if not inputs or (inputs == [previous] and cls not in ("Res", "Concat")):
            inputs = None
        rows.append((spec, cls, args, label, inputs))
        taken.add(spec.name)
        previous = spec.name
    return rows


# -- the %%dl cell ------------------------------------------------------------------------------
def _act_word(act):
    if act is None:
        return "identity"
    if act in _ACTIVATIONS:
        return act
    return next((k for k, v in _ACTIVATIONS.items() if v == act), str(act))


def _fmt(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (tuple, list)):
        if value and all(isinstance(v, int) and not isinstance(v, bool) and (v > 0 or v == -1)
                         or v is None for v in value) and len(value) > 1:
            return "x".join("?" if v is None else str(v) for v in value)
        if len(value) == 1:
            return _fmt(value[0])
        return ",".join(_fmt(v) for v in value)
    text = str(value)
    if not text or re.search(r"[\s#\"'=]", text):
        return '"' + text.replace('"', "'") + '"'
    return text


_WORDS = {"Conv2d": "conv", "Conv1d": "conv1d", "Conv2DTranspose": "deconv", "Pooling": "pool",
          "GlobalAveragePooling2D": "gap", "UpSampling2D": "upsample", "BN": "bn",
          "Dense": "dense", "OutputLayer": "output", "Dropout": "dropout", "Flatten": "flatten",
          "Reshape": "reshape", "Embedding": "embedding", "Res": "res", "Concat": "concat",
          "InputLayer": "input"}
_KEYS = {"include_bias": "bias", "reversed_": "reversed"}


def _line(cls, args, inputs, sequence) -> str:
    args = dict(args)
    if cls.startswith("keras."):
        words = ["keras", cls[len("keras."):]]
    elif cls == "Recurrent":
        words = [args.pop("rnn_type"), str(args.pop("n"))]
        if args.pop("bidirectional", False):
            words.append("bidirectional")
        if args.pop("output_type", "encoding") == "samelength":
            words.append("samelength")
        if args.pop("reversed_", False):
            words.append("reversed")
    else:
        word = _WORDS[cls]
        words = ["conv2d" if word == "conv" and sequence else word]
        if cls == "Pooling":
            words.append({"max": "max", "mean": "avg"}[args.pop("pool", "max")])
            height = args.pop("height", args["width"])
            args["width"] = args["width"] if height == args["width"] else (height, args["width"])
        for key in _POSITIONAL.get(cls, ()) + (("shape",) if cls == "InputLayer" else ()):
            if key in args:
                value = args.pop(key)
                if key == "width" and cls in ("Conv2d", "Conv2DTranspose") and \
                        isinstance(value, int):
                    value = (value, value)
                words.append(_fmt(value))
        if cls in ("Conv2d", "Conv1d", "Conv2DTranspose", "Dense", "OutputLayer"):
            default = "softmax" if cls == "OutputLayer" else "relu"
            words.append(_act_word(args.pop("act", default)))
        elif cls == "BN" and "act" in args:
            words.append(_act_word(args.pop("act")))
        if cls in ("Res", "Concat"):
            words += list(inputs or [])
            inputs = None
    for key, value in args.items():
        if key == "act":
            text = _act_word(value)
        elif key in ("offsets", "std", "scale") and isinstance(value, (list, tuple)):
            text = ",".join(_fmt(v) for v in value)
        else:
            text = _fmt(value)
        words.append(f"{_KEYS.get(key, key)}={text}")
    if inputs:
        words.append("inputs=" + ",".join(inputs))
    return " ".join(words)


def _variable(net, name):
    name = name or net.name
    name = re.sub(r"\W", "_", name)
    return name if name.isidentifier() else f"net_{name}"


def dl_cell(net, name=None) -> str:
    """A ``%%dl model`` cell that, run, rebuilds *net* (bound to *name*, default its name).

    Example:
        >>> import dl_notebook as dn
        >>> from dl_notebook.magics.codegen import dl_cell
        >>> net = dn.Network(name="two")
        >>> net.add(dn.layers.InputLayer(shape=(8, 8, 3), name="x"))
        >>> net.add(dn.layers.Conv2d(3, 3, act="identity", name="c"), inputs="x")
        >>> net.add(dn.layers.Res(act="relu", name="sum"), inputs=["c", "x"])
        >>> print(dl_cell(net))
        %%dl model two
        x: input 8x8x3
        c: conv 3 3x3 identity
        sum: res c x act=relu
    """
    rows = _walk(net)
    header = f"%%dl model {_variable(net, name)}"
    first = rows[0] if rows else None
    sequence = False
    if first is not None and first[1] == "InputLayer" and first[3] is None and \
            set(first[2]) <= {"shape", "scale"} and len(net.input_names) == 1 and \
            isinstance(first[2].get("scale", 1.0), (int, float)):
        header += f" --input {_fmt(first[2]['shape'])}"
        if "scale" in first[2]:
            header += f" --scale {_fmt(float(first[2]['scale']))}"
        rows = rows[1:]
    inputs = [spec for spec in net if type(spec).__name__ == "InputLayer"]
    sequence = bool(inputs) and len(inputs[0].shape) == 2
    lines = [header]
    for _, cls, args, label, inputs in rows:
        line = _line(cls, args, inputs, sequence)
        lines.append(f"{label}: {line}" if label else line)
    return "\n".join(lines)


# -- Python API code ----------------------------------------------------------------------------
def _py(value) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(_py(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def python_code(net, name=None) -> str:
    """Python code that builds *net* with the ``dn`` API (and ``keras`` for plain Keras layers).

    Example:
        >>> import dl_notebook as dn
        >>> from dl_notebook.magics.codegen import python_code
        >>> net = dn.Sequential(name="mlp", layers=[dn.layers.InputLayer(shape=(4,)),
        ...                                         dn.layers.Dense(8, dropout=0.5)])
        >>> print(python_code(net))
        import dl_notebook as dn
        <BLANKLINE>
        mlp = dn.Sequential(name='mlp')
        mlp.add(dn.layers.InputLayer(shape=(4,)))
        mlp.add(dn.layers.Dense(8, dropout=0.5))
    """
    from ..model import Sequential

    var = _variable(net, name)
    chains = isinstance(net, Sequential)
    rows = _walk(net)
    uses_keras = any(cls.startswith("keras.") for _, cls, *_ in rows)
    lines = ["import dl_notebook as dn"] + (["import keras"] if uses_keras else []) + [""]
    lines.append(f"{var} = dn.{'Sequential' if chains else 'Network'}(name={net.name!r})")
    for spec, cls, args, label, inputs in rows:
        positional = [_py(args.pop(k)) for k in _POSITIONAL.get(cls, ()) if k in args]
        keywords = [f"{k}={_py(_act_word(v) if k == 'act' and not cls.startswith('keras.') else v)}"
                    for k, v in args.items()]
        if cls.startswith("keras."):
            keywords.append(f"name={spec.name!r}")
            call = f"keras.layers.{cls[len('keras.'):]}({', '.join(positional + keywords)})"
        else:
            if label:
                keywords.append(f"name={label!r}")
            call = f"dn.layers.{cls}({', '.join(positional + keywords)})"
        if not chains and spec.inputs and inputs is None:
            inputs = spec.inputs
        where = ""
        if inputs:
            where = f", inputs={inputs[0]!r}" if len(inputs) == 1 else f", inputs={inputs!r}"
        lines.append(f"{var}.add({call}{where})")
    return "\n".join(lines)
