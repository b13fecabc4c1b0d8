"""Usage texts of ``%dl`` / ``%%dl``: the overview (``%dl?``), one subcommand, the layer types,
the ready networks.

Example:
    >>> from dl_notebook.magics.usage import help_text
    >>> print(help_text("summary"))
    %dl summary NAME
    <BLANKLINE>
    The layer table: types, shapes, parameters, FLOPs.
    <BLANKLINE>
      NAME  a network in the notebook
    <BLANKLINE>
    Example:
      %dl summary lenet
"""

from __future__ import annotations

from ._registry import groups
from .commands import COMMANDS
from .grammar import DLSyntaxError, did_you_mean
from .layer_table import ACTIVATIONS, aliases, keywords
from .lr_forms import LR_FORMS, form_usage
from .model_cell import MODEL_SPEC

__all__ = ["help_text", "overview", "layers_text", "models_text", "full_usage"]

def _table(rows, indent="  "):
    width = max((len(a) for a, _ in rows), default=0)
    return [f"{indent}{a.ljust(width)}  {b}".rstrip() for a, b in rows]


def overview() -> str:
    """All subcommands, one line each, and an example session."""
    lines = [f"%%dl {MODEL_SPEC.usage()}   (a cell: one layer per line)",
             f"  {MODEL_SPEC.help}",
             "%dl model NAME --from KEY [--classes N] [--input SHAPE] …   (one line)",
             "  Build a ready network (`%dl help models`) and bind it to NAME.", ""]
    for title, names in groups():
        if not names:
            continue
        lines.append(f"{title}:")
        lines += _table([(f"%dl {COMMANDS[n].spec.usage()}", "") for n in names])
        lines.append("")
    lines += [
        "`%dl help SUBCOMMAND` explains one subcommand; `%dl help layers` lists the layer types;",
        "`%dl help models` lists the ready networks.",
        "",
        "Example:",
        "  %%dl model lenet --input 32x32x1 --scale 1/255",
        "  conv1: conv 6 5x5 relu",
        "  pool max 2",
        "  conv 16 5x5 relu padding=valid",
        "  pool max 2",
        "  dense 84 relu dropout=0.5     # a comment",
        "  output 10 softmax",
        "",
        "  %dl data digits --size 32 --grayscale --split 64/16/20 --seed 123   # bundled: no folder",
        "  %dl train lenet digits --epochs 5 --solver adam --lr onecycle:0.005",
        "  %dl evaluate lenet digits",
        "  %dl confusion lenet",
        "  %dl browse lenet M",
        "  %dl gradcam lenet --img-type M --n 4",
    ]
    return "\n".join(lines)


def _command_text(spec) -> str:
    prefix = "%%dl " if spec is MODEL_SPEC else "%dl "
    lines = [prefix + spec.usage(), "", spec.help, ""]
    rows = [(name.rstrip("?"), text) for name, text in spec.positionals]
    if spec.rest:
        rows.append((spec.rest, "a layer, as in a %%dl cell (`%dl help layers`)"))
    rows += [(f"--{o.name}" + ("" if o.flag else f" {o.metavar}"), o.help) for o in spec.options]
    lines += _table(rows)
    if spec.name == "train":
        lines += ["", "Learning-rate schedules (--lr NAME:ARG…; epochs are converted to steps):"]
        lines += _table([(form_usage(k), text) for k, (_, _, text) in LR_FORMS.items()])
    if spec is MODEL_SPEC:
        lines += ["", "Below the %%dl line, one layer per line (`%dl help layers`). With --from,",
                  "the network starts as a ready one (`%dl help models`) and the lines, if any,",
                  "are added after its last layer; `%dl model NAME --from KEY …` is the same in",
                  "one line."]
    lines += ["", "Example:" if len(spec.examples) == 1 else "Examples:"]
    for example in spec.examples:
        lines += ["  " + part for part in example.split("\n")]
    return "\n".join(lines)


def layers_text() -> str:
    """The layer line grammar and every layer keyword with an example."""
    also_words = {}
    for alias, word in aliases().items():
        also_words.setdefault(word, []).append(alias)
    lines = [
        "A layer line: [NAME:] TYPE ARG… [key=value …] [inputs=A,B] [# comment]",
        "Positional arguments fill the layer's slots by their kind (numbers, sizes such as 3x3,",
        "an activation), so `pool max 2` = `pool 2 max`; key=value takes any argument of the",
        "dn.layers spec by its DLPy name. `res` and `concat` name the layers they join, and",
        "inputs=A,B feeds any layer from named layers (the network is then a dn.Network).",
        "",
    ]
    rows = []
    for word, kw in keywords().items():
        also = f" (also {', '.join(also_words[word])})" if word in also_words else ""
        rows.append((f"{kw.example}", f"{kw.cls}: {kw.help}{also}"))
    lines += _table(rows)
    lines += ["", "Activations: " + ", ".join(ACTIVATIONS)]
    return "\n".join(lines)


def _min_input(entry) -> str:
    if entry.task != "image":
        return "-"
    return "any" if entry.min_size is None else f"{entry.min_size}x{entry.min_size}"


def models_text() -> str:
    """The ready networks of ``dn.applications`` (``%dl help models``), from its registry.

    Example:
        >>> from dl_notebook.magics.usage import models_text
        >>> [line.split()[:3] for line in models_text().splitlines() if "lenet5" in line]
        [['lenet5', 'LeNet-5', 'image']]
        >>> "dashboard offers LeNet-5 and Small CNN:" in models_text()
        True
    """
    from ..applications import catalog

    dashboard = [e.title for e in catalog().values() if e.recipe is not None]
    rows = [("KEY", "NETWORK", "TASK", "MIN INPUT", "SAME LAYERS AS")]
    rows += [(e.key, e.title, e.task, _min_input(e),
              f"keras.applications.{e.keras_name}" if e.keras_name else "")
             for e in catalog().values()]
    width = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["Ready networks: %%dl model NAME --from KEY [--classes N] [--input SHAPE] "
             "[--weights FILE] [--freeze] [--notop]", ""]
    lines += ["  " + "  ".join([*(c.ljust(w) for c, w in zip(row, width)), row[4]]).rstrip()
              for row in rows]
    lines += [
        "",
        "--input is the input shape (an image classifier takes at least its MIN INPUT);",
        "--classes the classes of the output layer; --notop leaves out the network's own",
        "classifier (with --classes, a new head `avg_pool`, `output` ends it); --freeze",
        "freezes every layer but the top or new head. Lines below a %%dl cell's header are",
        "added after the last layer.",
        "",
        "The Train and inspect dashboard offers " + " and ".join(dashboard) + ": each learns the",
        "bundled digits with its tested training recipe (solver, learning rate, epochs).",
        "",
        "Weights are never downloaded. --weights FILE loads a weight file by layer name: a",
        "Keras 3 .weights.h5 or .keras file, a file written by net.save_weights, or, for a",
        "network with the same layers as a keras.applications one, that model's legacy HDF5",
        "ImageNet weights (with or without top). In Python: dn.applications.ResNet50(",
        "pretrained_weights=FILE) or net.load_weights(FILE).",
        "",
        "Examples:",
        "  %dl model net --from resnet18 --classes 10 --input 64x64x3",
        "  %%dl model net --from resnet50 --input 224x224x3 --weights resnet50_notop.h5 "
        "--notop --freeze",
        "  gap",
        "  output 5",
    ]
    return "\n".join(lines)


def help_text(token=None) -> str:
    """The help for *token* (a subcommand name token, ``model``, ``layers``) or the overview."""
    if token is None:
        return overview()
    word = token if isinstance(token, str) else token.text
    if word == "layers":
        return layers_text()
    if word == "models":
        return models_text()
    if word == "model":
        return _command_text(MODEL_SPEC)
    if word in COMMANDS:
        return _command_text(COMMANDS[word].spec)
    if isinstance(token, str):
        raise DLSyntaxError(f"no %dl subcommand `{word}`")
    raise DLSyntaxError.at(token, f"no %dl subcommand `{word}`",
                           did_you_mean(word, list(COMMANDS) + ["model", "layers", "models"]))


def full_usage() -> str:
    """Everything: the overview, every subcommand and the layer types (``%dl?``)."""
    parts = [overview(), _command_text(MODEL_SPEC)]
    parts += [_command_text(COMMANDS[name].spec) for _, names in groups() for name in names]
    parts += [layers_text(), models_text()]
    return ("\n\n" + "-" * 72 + "\n\n").join(parts)
