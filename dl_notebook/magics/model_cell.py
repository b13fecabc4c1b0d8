"""``%%dl model NAME [--input 32x32x1] [--type cnn|rnn|dnn]``: a cell of layer lines -> a network.

:func:`parse_model_cell` reads the whole cell without Keras: every layer
line becomes a ``dn.layers`` spec with its final name, and every name a
line refers to is checked. :func:`build_network` then adds the specs to a
``dn.Sequential`` — or a ``dn.Network`` when a line names its inputs
(``res``, ``concat``, ``inputs=``) or the cell has several inputs — exactly
as the same calls of the Python API would.

``--type`` says what the input is: ``cnn`` an image (height x width x
channels), ``rnn`` a sequence (steps x features, or steps of token ids),
``dnn`` a vector; without it the shape's rank decides. ``--scale 1/255``
multiplies the input first (``InputLayer(scale=…)``). In an ``rnn`` cell
``conv`` is a 1-D convolution, and a recurrent layer that feeds another
recurrent or 1-D convolution layer returns one output per step
(``samelength``) unless its line says otherwise.

``--from KEY`` starts from a ready network of ``dn.applications`` instead
(``--classes``, ``--input``, ``--weights``, ``--freeze`` and ``--notop``
are its arguments, see :mod:`.zoo`); the cell's lines, if any, are added
after its last layer as ``%dl add`` would add them. Such a cell is read
in two steps: :func:`parse_model_cell` checks the header, and
:func:`build_network` builds the ready network and then reads the lines
against its layer names.

Example:
    >>> from dl_notebook.magics.model_cell import parse_model_cell
    >>> cell = parse_model_cell("model lenet --input 32x32x1",
    ...                         "conv 6 5x5 relu\\npool max 2\\noutput 10 softmax")
    >>> cell.name, cell.kind, [plan.name for plan in cell.plans]
    ('lenet', 'cnn', ['conv1', 'pool1', 'output1'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import layers as _layers
from ..errors import DLError
from .grammar import DLSyntaxError, Token, did_you_mean, locate, tokenize
from .layer_line import LayerPlan, parse_layer
from .names import check_variable
from .options import CommandSpec, OptionSpec, parse_command
from .values import auto_value, to_int, to_number, to_shape, value_of

__all__ = ["MODEL_SPEC", "ModelCell", "ReadyStart", "parse_model_cell", "build_network"]

MODEL_SPEC = CommandSpec(
    "model",
    (("NAME", "the Python name the network is bound to"),),
    (
        OptionSpec("input", "SHAPE", "input shape without the batch axis: 32x32x1 (image), "
                   "100x8 (steps x features), 784 (vector); ? for a free size",
                   convert=lambda tok: to_shape(tok)),
        OptionSpec("scale", "FACTOR", "multiply the input by this first, e.g. 1/255",
                   convert=lambda tok: to_number(tok, "a scale factor such as 1/255")),
        OptionSpec("type", "TYPE", "cnn, rnn or dnn (default: from the input's rank)",
                   choices=("cnn", "rnn", "dnn")),
        OptionSpec("from", "KEY", "start from a ready network (`%dl help models`); the lines "
                   "below, if any, are added after its last layer"),
        OptionSpec("classes", "N", "with --from: the number of classes",
                   convert=lambda tok: to_int(tok, "a number of classes such as 10", minimum=2)),
        OptionSpec("weights", "FILE", "with --from: a weight file to load (.weights.h5, .keras, "
                   "or Keras' HDF5 weights)"),
        OptionSpec("freeze", help="with --from: freeze every layer but the top (or new head)"),
        OptionSpec("notop", help="with --from: leave out the network's own classifier (with "
                   "--classes: end in a new head)"),
        OptionSpec("force", help="bind NAME even when it holds something that is not a network "
                   "or dataset"),
    ),
    help="Build a network from one layer per line and bind it to NAME.",
    rest="[ARG=VALUE…]",
    examples=(
        "%%dl model lenet --input 32x32x1 --scale 1/255\nconv1: conv 6 5x5 relu\npool max 2\n"
        "dense 84 relu dropout=0.5\noutput 10 softmax",
        "%%dl model resnet --input 32x32x3\nconv1: conv 16 3x3 relu\nconv2: conv 16 3x3 relu\n"
        "conv3: conv 16 3x3 identity\nres1: res conv1 conv3 relu\ngap\noutput 10",
        "%%dl model tagger --input 40x8 --type rnn\nlstm 64 bidirectional\ngru 32\noutput 5",
        "%%dl model net --from resnet18 --classes 10 --input 64x64x3",
        "%%dl model net --from densenet --classes 5 --input 64x64x3 blocks=6,12,24,16 "
        "growth_rate=12",
        "%%dl model net --from resnet50 --input 224x224x3 --weights resnet50_notop.h5 --notop "
        "--freeze\ngap\ndropout 0.5\noutput 5",
    ),
)
READY_OPTIONS = ("classes", "weights", "freeze", "notop")  # options that go with --from only
# the builder arguments the header gives by its own words, not as ARG=VALUE
READY_ARGUMENTS = {"n_classes": "--classes", "input_shape": "--input", "include_top": "--notop",
              "pretrained_weights": "--weights", "freeze": "--freeze", "name": "the NAME"}
HEADER_PREFIX = "%%dl "
_RANKS = {"cnn": (3,), "rnn": (1, 2), "dnn": (1,)}
_INPUT_HINT = {"cnn": "height x width x channels, e.g. 32x32x1",
               "rnn": "steps x features, e.g. 100x8 (or steps of token ids, e.g. 100)",
               "dnn": "a number of features, e.g. 784"}


@dataclass(frozen=True)
class ReadyStart:
    """What ``--from KEY`` asks for: the ready network and its arguments (None: not given)."""

    key: Token
    n_classes: int | None = None
    weights: str | None = None
    freeze: bool = False
    include_top: bool = True
    arguments: dict = field(default_factory=dict)  # the builder's other arguments (ARG=VALUE)


@dataclass
class ModelCell:
    """A parsed ``%%dl model`` cell: the network's name, input and layer plans.

    A cell with ``--from`` has a :class:`ReadyStart` in *ready* and keeps its
    lines in *body*: they are read once the ready network's layer names are
    known (by :func:`build_network`).
    """

    name: str
    kind: str
    input_shape: tuple | None
    plans: list[LayerPlan] = field(default_factory=list)
    inputs: list[list[str]] = field(default_factory=list)  # per plan: names it reads
    branched: bool = False
    input_token: object = None
    input_scale: float | None = None
    ready: ReadyStart | None = None
    body: str = ""
    name_token: Token | None = None  # where NAME stands, for the caret of check_binding
    force: bool = False  # --force: NAME may replace what the notebook binds to it

    @property
    def layer_names(self) -> list[str]:
        """Names of the layers the cell makes, in order (the input of ``--input`` first)."""
        return (["input1"] if self.input_shape and not self.ready else []) + \
            [p.name for p in self.plans]


def _kind_of(shape, token, kind):
    if kind is None:
        return {3: "cnn", 2: "rnn", 1: "dnn"}.get(len(shape), "cnn")
    if len(shape) not in _RANKS[kind]:
        raise DLSyntaxError.at(token, f"a {kind} takes an input of {_INPUT_HINT[kind]}, not "
                                      f"{token.text}", "or change --type")
    return kind


def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z][a-z])|(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _prefix(plan):
    if plan.cls_name == "KerasLayer":
        return _snake(plan.params["class"].text)
    return plan.keyword.spec.prefix


def parse_model_cell(header: str, body: str, *, prefix: str = HEADER_PREFIX) -> ModelCell:
    """Read a ``%%dl model`` cell (its header after ``%%dl`` and its body) without Keras.

    Args:
        header: the first line after *prefix*.
        body: the layer lines.
        prefix: what stands before *header* in the line the user sees
            (``"%dl "`` for the one-line ``%dl model NAME --from KEY``).

    Raises:
        DLSyntaxError: with the line and column of the first fault.

    Example:
        >>> from dl_notebook.magics.model_cell import parse_model_cell
        >>> cell = parse_model_cell("model net --input 8x8x3",
        ...     "c1: conv 8 3x3\\nc2: conv 8 3x3 identity\\nres c1 c2 relu  # skip")
        >>> cell.branched, cell.inputs[-1]
        (True, ['c1', 'c2'])
        >>> parse_model_cell("model net --from resnet18 --classes 3", "").ready.n_classes
        3
    """
    source = prefix + header
    tokens = tokenize(header, line=1, offset=len(prefix), source=source)
    if not tokens:
        raise DLSyntaxError("%%dl needs a subcommand", line=1, column=len(source) + 1,
                            text=source, hint="e.g. `%%dl model lenet --input 32x32x1`")
    if tokens[0].text != "model":
        raise DLSyntaxError.at(tokens[0], f"unknown %%dl subcommand `{tokens[0].text}`",
                               did_you_mean(tokens[0].text, ["model"]) or
                               "%%dl model NAME builds a network")
    parsed = parse_command(tokens[1:], MODEL_SPEC, tokens[0])
    name = check_variable(parsed.args["NAME"])
    shape = parsed.options.get("input")
    if "from" in parsed.options:
        cell = _ready_cell(name, parsed, tokens, body)
        cell.name_token, cell.force = parsed.args["NAME"], bool(parsed.options.get("force"))
        return cell
    if parsed.rest:
        raise DLSyntaxError.at(parsed.rest[0], f"unexpected `{parsed.rest[0].text}`",
                               "ARG=VALUE words give a ready network's arguments, with --from")
    for key in READY_OPTIONS:
        if key in parsed.options:
            raise DLSyntaxError.at(_option_token(parsed, tokens, key),
                                   f"--{key} goes with --from KEY (a ready network)",
                                   "`%dl help models` lists them")
    kind = parsed.options.get("type")
    if shape is not None:
        kind = _kind_of(shape, parsed.option_tokens["input"], kind)
    if "scale" in parsed.options and shape is None:
        raise DLSyntaxError.at(parsed.option_tokens["scale"], "--scale needs --input",
                               "or give scale= on the `input` line")
    cell = ModelCell(name, kind, shape, input_token=parsed.option_tokens.get("input"),
                     input_scale=parsed.options.get("scale"), name_token=parsed.args["NAME"],
                     force=bool(parsed.options.get("force")))
    taken = {"input1": "by --input"} if shape is not None else {}
    _read_lines(cell, body, taken, "input1" if shape is not None else None)
    if not cell.plans:
        raise DLSyntaxError.after(tokens[-1], "the cell has no layers",
                                  "write one layer per line below the %%dl line, "
                                  "e.g. `conv 32 3x3 relu`, or start from a ready network "
                                  "with --from KEY")
    cell.kind = cell.kind or "cnn"
    for plan in cell.plans:
        if plan.cls_name != "KerasLayer":
            plan.make_spec()
    return cell


def _option_token(parsed, tokens, key):
    """The token of option *key* (a flag has no value token: its own word)."""
    if key in parsed.option_tokens:
        return parsed.option_tokens[key]
    return next(t for t in tokens if not t.quoted and t.text.partition("=")[0] == f"--{key}")


def _ready_cell(name, parsed, tokens, body) -> ModelCell:
    for key in ("scale", "type"):
        if key in parsed.options:
            raise DLSyntaxError.at(_option_token(parsed, tokens, key),
                                   f"--{key} does not go with --from",
                                   "the ready network has its own input layer")
    arguments = {}
    for tok in parsed.rest:
        key, value = value_of(tok)
        if not key.isidentifier() or not value.text:
            raise DLSyntaxError.at(tok, f"expected ARG=VALUE, got `{tok.text}`",
                                   "e.g. growth_rate=12 (an argument of the ready network)")
        if key in READY_ARGUMENTS:
            raise DLSyntaxError.at(tok, f"give {key} with {READY_ARGUMENTS[key]}")
        if key in arguments:
            raise DLSyntaxError.at(tok, f"`{key}` is given twice")
        arguments[key] = auto_value(value)
    ready = ReadyStart(parsed.option_tokens["from"], parsed.options.get("classes"),
                       parsed.options.get("weights"), bool(parsed.options.get("freeze")),
                       not parsed.options.get("notop"), arguments)
    return ModelCell(name, None, parsed.options.get("input"),
                     input_token=parsed.option_tokens.get("input"), ready=ready, body=body)


def _read_lines(cell, body, taken, previous):
    """Add the layer lines of *body* to *cell*: *taken* maps the names so far to where they
    were made (a plan, or words such as ``"by --input"``), *previous* is the last layer."""
    n_inputs = int(previous is not None)
    for index, text in enumerate(body.split("\n")):
        line_tokens = tokenize(text, line=index + 2)
        if not line_tokens:
            continue
        plan = parse_layer(line_tokens, sequence=cell.kind == "rnn", defined=taken)
        if plan.cls_name == "InputLayer":
            n_inputs += 1
            if cell.kind is None and "shape" in plan.kwargs:
                cell.kind = _kind_of(plan.kwargs["shape"], plan.params["shape"], None)
        elif previous is None:
            raise DLSyntaxError.at(plan.token, "the network has no input yet",
                                   "give --input SHAPE on the %%dl line or start with "
                                   "an `input` line")
        _name(plan, taken, index + 2)
        sources = _sources(plan, taken, previous)
        cell.branched |= bool(plan.inputs)
        cell.plans.append(plan)
        cell.inputs.append(sources)
        taken[plan.name] = plan
        previous = plan.name
    cell.branched |= n_inputs > 1
    _sequences(cell)


def _name(plan, taken, line):
    if plan.name is not None:
        if plan.name in taken:
            other = taken[plan.name]
            where = f" on line {other.token.line}" if isinstance(other, LayerPlan) \
                else f" {other}"
            raise DLSyntaxError.at(plan.name_token, f"the name `{plan.name}` is already "
                                                    f"used{where}", "choose another name")
        return
    prefix, n = _prefix(plan), 1
    while f"{prefix}{n}" in taken:
        n += 1
    plan.name = f"{prefix}{n}"


def _sources(plan, taken, previous):
    if plan.cls_name == "InputLayer":
        if plan.inputs:
            raise DLSyntaxError.at(plan.inputs[0], "an input layer reads no other layer")
        return []
    for tok in plan.inputs:
        if tok.text not in taken:
            known = list(taken)
            some = ", ".join(known) if len(known) <= 12 else f"…, {', '.join(known[-8:])}"
            raise DLSyntaxError.at(tok, f"no layer named `{tok.text}` above this line",
                                   did_you_mean(tok.text, known) or
                                   f"the layers so far are {some}")
    return [tok.text for tok in plan.inputs] if plan.inputs else [previous]


def _sequences(cell):
    """Recurrent layers feeding a layer that reads sequences return every step, unless told."""
    readers = {}
    for plan, sources in zip(cell.plans, cell.inputs):
        for src in sources:
            readers.setdefault(src, []).append(plan)
    for plan in cell.plans:
        if "output_type" not in plan.keyword.options or "output_type" in plan.explicit:
            continue
        if any(r.keyword.spec.reads_sequences for r in readers.get(plan.name, [])):
            plan.kwargs["output_type"] = "samelength"


def build_network(cell: ModelCell):
    """Make the ``dn.Sequential`` / ``dn.Network`` that *cell* describes.

    A DLError from the API (a shape that does not fit, say) keeps its
    class and message and remembers its line, so the magic can show it
    with a caret. A cell with ``--from`` builds the ready network first
    (see :func:`~dl_notebook.magics.zoo.build_ready`), then reads and adds
    its lines.

    Example:
        >>> from dl_notebook.magics.model_cell import build_network, parse_model_cell
        >>> net = build_network(parse_model_cell("model tiny --input 4", "dense 3\\noutput 2"))
        >>> type(net).__name__, net.layer_names, net.count_params()
        ('Sequential', ['input1', 'fc1', 'output1'], 23)
    """
    from ..model import Network, Sequential

    if cell.ready is not None:
        net = _ready_network(cell)
    else:
        net = (Network if cell.branched else Sequential)(name=cell.name)
    if cell.input_shape is not None and cell.ready is None:
        try:
            net.add(_layers.InputLayer(shape=cell.input_shape, scale=cell.input_scale))
        except DLError as err:
            raise locate(err, cell.input_token) from None
    for plan, sources in zip(cell.plans, cell.inputs):
        try:
            spec = plan.make_spec()
            net.add(spec, inputs=(sources or None) if cell.branched or cell.ready else None)
        except DLSyntaxError:
            raise
        except DLError as err:
            raise locate(err, plan.token) from None
    return net


def _ready_network(cell: ModelCell):
    """The ready network of *cell*, with the cell's lines read against its layer names."""
    from .zoo import build_ready

    ready = cell.ready
    net = build_ready(ready.key.text, name=cell.name, n_classes=ready.n_classes,
                      input_shape=cell.input_shape, include_top=ready.include_top,
                      weights=ready.weights, freeze=ready.freeze, **ready.arguments)
    first = net[net.input_names[0]].output_shape if net.input_names else None
    cell.kind = "rnn" if first is not None and len(first) == 3 else "cnn"
    taken = {name: f"in {ready.key.text}" for name in net.layer_names}
    _read_lines(cell, cell.body, taken, net.layer_names[-1] if len(net) else None)
    return net
