"""A network written back as a ``%%dl model`` cell or as Python API code.

:func:`dl_cell` and :func:`python_code` describe every layer by its
arguments that differ from the defaults, so running either text rebuilds
a network with the same layers, names, edges, configuration and
parameter count. A layer's name is written only where it differs from
the automatic one (``conv1``, ``pool2``, …). Plain Keras layers keep their
simple arguments (numbers, words, sizes); nested settings such as
initializer objects are left at their defaults.

A network built from a ready one (``%%dl model NAME --from KEY``, the
model builder's "start from") whose ready layers are still as built is
written as that start — ``--from KEY …`` or ``dn.applications.ResNet18(…)``
— followed by the layers added after them (see :mod:`.zoo`).

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

from ..model.layers.base import ACTIVATIONS
from ..model.layers.keras_layer import KerasLayer
from .model_cell import _snake

__all__ = ["dl_cell", "python_code", "layer_arguments"]


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
    if isinstance(spec, KerasLayer):
        return f"keras.{type(spec.source).__name__}", spec.arguments()
    return type(spec).__name__, spec.arguments()


# -- names and inputs, as a rebuilt network would choose them ---------------------------------
def _prefix(spec, cls):
    if cls.startswith("keras."):
        return _snake(cls[len("keras."):])
    return type(spec).prefix


def _joins(spec) -> bool:
    """True for layers that name the layers they join (``res a b``)."""
    return (spec.min_inputs or 0) >= 2


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
        if not inputs or (inputs == [previous] and not _joins(spec)):
            inputs = None
        rows.append((spec, cls, args, label, inputs))
        taken.add(spec.name)
        previous = spec.name
    return rows


# -- the %%dl cell ------------------------------------------------------------------------------
def _act_word(act):
    if act is None:
        return "identity"
    if act in ACTIVATIONS:
        return act
    return next((k for k, v in ACTIVATIONS.items() if v == act), str(act))


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


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b


def _text(arg, value) -> str:
    """*value* of *arg* as a ``%%dl`` word."""
    if arg.kind == "act":
        return _act_word(value)
    if isinstance(arg.choices, dict):
        if isinstance(value, str) and _same(arg.choices.get(value), value):
            return value
        return next((w for w, v in arg.choices.items() if _same(v, value)), _fmt(value))
    if arg.kind == "kernel" and isinstance(value, int):
        return f"{value}x{value}"
    if arg.kind == "nums" and isinstance(value, (list, tuple)):
        return ",".join(_fmt(v) for v in value)
    return _fmt(value)


def _keyword_of(spec, by_name, sequence):
    """The first keyword of *spec*'s type whose presets it matches."""
    for kw in type(spec).keywords:
        if sequence and kw.sequence:
            continue
        if all(_same(by_name[k].value(spec), v) for k, v in kw.preset.items()):
            return kw
    return type(spec).keywords[-1]


def _line(spec, cls, args, inputs, sequence) -> str:
    args = dict(args)
    if isinstance(spec, KerasLayer):
        words = ["keras", cls[len("keras."):]]
        return " ".join(words + [f"{k}={_fmt(v)}" for k, v in args.items()] +
                        (["inputs=" + ",".join(inputs)] if inputs else []))
    by_name = {arg.name: arg for arg in type(spec).args}
    kw = _keyword_of(spec, by_name, sequence)
    for key in kw.preset:
        args.pop(key, None)
    words = [kw.word]
    for slot in kw.slots:
        if slot == "inputs":  # names take every word after them: the rest go as key=value
            words += list(inputs or [])
            inputs = None
            break
        if slot in args:
            words.append(_text(by_name[slot], args.pop(slot)))
        elif slot in kw.shown:
            words.append(_text(by_name[slot], by_name[slot].default_for(spec)))
    for name in list(args):
        flag = next((w for w, v in by_name[name].flags.items() if _same(v, args[name])), None)
        if flag is not None:
            words.append(flag)
            del args[name]
    words += [f"{by_name[k].key}={_text(by_name[k], v)}" for k, v in args.items()]
    if inputs:
        words.append("inputs=" + ",".join(inputs))
    return " ".join(words)


def _variable(net, name):
    name = name or net.name
    name = re.sub(r"\W", "_", name)
    return name if name.isidentifier() else f"net_{name}"


def _ready_header(start) -> str:
    """The ``--from`` options of a network built by :func:`~.zoo.build_ready`."""
    flags = ("classes", "input", "weights", "freeze", "notop")
    words = [f"--from {start.key}"]
    for key in flags:
        value = start.options.get(key)
        if value is True:
            words.append(f"--{key}")
        elif value is not None:
            words.append(f"--{key} {_fmt(value)}")
    words += [f"{k}={_fmt(v)}" for k, v in start.options.items() if k not in flags]
    return " " + " ".join(words)


def dl_cell(net, name=None) -> str:
    """A ``%%dl model`` cell that, run, rebuilds *net* (bound to *name*, default its name).

    A ready network with no layers added is one ``%dl model NAME --from KEY …``
    line (IPython runs no ``%%`` cell without a body).

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
    from .zoo import origin

    rows = _walk(net)
    header = f"%%dl model {_variable(net, name)}"
    first = rows[0] if rows else None
    start = origin(net)
    if start is not None:
        header += _ready_header(start)
        rows = rows[len(start.layers):]
    elif first is not None and first[1] == "InputLayer" and first[3] is None and \
            set(first[2]) <= {"shape", "scale"} and len(net.input_names) == 1 and \
            isinstance(first[2].get("scale", 1.0), (int, float)):
        header += f" --input {_fmt(first[2]['shape'])}"
        if "scale" in first[2]:
            header += f" --scale {_fmt(float(first[2]['scale']))}"
        rows = rows[1:]
    inputs = [spec for spec in net if type(spec).__name__ == "InputLayer"]
    sequence = bool(inputs) and len(inputs[0].shape) == 2
    if start is not None and not rows:  # a cell needs a body: the one-line form
        return header[1:]
    lines = [header]
    for spec, cls, args, label, inputs in rows:
        line = _line(spec, cls, args, inputs, sequence)
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
    from .zoo import origin

    var = _variable(net, name)
    chains = isinstance(net, Sequential)
    rows = _walk(net)
    start = origin(net)
    if start is not None:
        rows = rows[len(start.layers):]
        made = [f"{var} = dn.applications.{start.call}"]
        made += [f"{var}.load_weights({start.load!r})"] if start.load else []
    else:
        made = [f"{var} = dn.{'Sequential' if chains else 'Network'}(name={net.name!r})"]
    uses_keras = any(cls.startswith("keras.") for _, cls, *_ in rows)
    lines = ["import dl_notebook as dn"] + (["import keras"] if uses_keras else [])
    lines += sorted({f"from {type(spec).__module__} import {cls}" for spec, cls, *_ in rows
                     if not cls.startswith("keras.") and _foreign(spec)})
    lines += ["", *made]
    for spec, cls, args, label, inputs in rows:
        if cls.startswith("keras."):
            keywords = [f"{k}={_py(v)}" for k, v in args.items()] + [f"name={spec.name!r}"]
            call = f"keras.layers.{cls[len('keras.'):]}({', '.join(keywords)})"
        else:
            call = _spec_call(spec, cls, args, label)
        if not chains and spec.inputs and inputs is None:
            inputs = spec.inputs
        where = ""
        if inputs:
            where = f", inputs={inputs[0]!r}" if len(inputs) == 1 else f", inputs={inputs!r}"
        lines.append(f"{var}.add({call}{where})")
    return "\n".join(lines)


def _foreign(spec) -> bool:
    """True for a layer type defined outside ``dn.layers`` (imported by name instead)."""
    return not type(spec).__module__.startswith("dl_notebook.")


def _spec_call(spec, cls, args, label) -> str:
    args = dict(args)
    by_name = {arg.name: arg for arg in type(spec).args}
    positional = []
    for arg in type(spec).args:
        if not arg.positional or arg.name not in args:
            break
        positional.append(_py(args.pop(arg.name)))
    keywords = [f"{k}={_py(_act_word(v) if by_name[k].kind == 'act' else v)}"
                for k, v in args.items()]
    if label:
        keywords.append(f"name={label!r}")
    prefix = "" if _foreign(spec) else "dn.layers."
    return f"{prefix}{cls}({', '.join(positional + keywords)})"
