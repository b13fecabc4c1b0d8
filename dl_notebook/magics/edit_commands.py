"""``%dl`` subcommands that build, edit and show networks: add, remove, show, summary, code, help.

Example:
    >>> from dl_notebook.magics.commands import run_cell, run_line
    >>> ns = {}
    >>> run_cell(ns, "model mlp --input 4", "dense 8\\noutput 2")
    <Sequential 'mlp': 3 layers, 58 parameters, (4,) -> (2,)>
    >>> run_line(ns, "remove mlp fc1")
    removed fc1: <Sequential 'mlp': 2 layers, 10 parameters, (4,) -> (2,)>
"""

from __future__ import annotations

from ..errors import DLError
from ._registry import command, find_layer, find_network
from .grammar import DLSyntaxError, locate
from .layer_line import parse_layer
from .model_cell import _snake
from .options import OptionSpec
from .values import to_names

__all__: list[str] = []  # the subcommands register themselves in _registry.COMMANDS

_NAME = ("NAME", "a network in the notebook")
_BUILD = "Build and edit"


@command("add", [_NAME], [
    OptionSpec("after", "LAYER", "insert right after this layer"),
    OptionSpec("before", "LAYER", "insert right before this layer"),
    OptionSpec("inputs", "A,B", "the layers that feed the new one", convert=to_names)],
    help="Add a layer (written as in a %%dl cell) at the end, after or before a layer.",
    examples=("%dl add lenet bn1: bn relu --after conv1", "%dl add lenet dropout 0.25",
              "%dl add net res1: res conv1 conv3", "%dl add net conv 8 1x1 --inputs input1"),
    rest="LAYER…", rest_required=True, group=_BUILD)
def _add(ns, p):
    net = find_network(ns, p.args["NAME"])
    first = net[net.input_names[0]] if net.input_names else None
    sequence = first is not None and len(first.output_shape or ()) == 3
    plan = parse_layer(p.rest, sequence=sequence, defined=set(net.layer_names))
    inputs = list(plan.inputs) + list(p.options.get("inputs", []))
    if plan.inputs and "inputs" in p.options:
        raise DLSyntaxError.at(p.option_tokens["inputs"], "the inputs are named twice")
    names = [find_layer(net, tok) for tok in inputs]
    anchors = {k: find_layer(net, p.option_tokens[k]) for k in ("after", "before")
               if k in p.options}
    if len(anchors) > 1 or (anchors and names):
        tok = p.option_tokens["before" if len(anchors) > 1 else next(iter(anchors))]
        raise DLSyntaxError.at(tok, "give one of --after, --before or the inputs, not several")
    if plan.name is not None and plan.name in net:
        raise DLSyntaxError.at(plan.name_token, f"network `{net.name}` already has a layer "
                                                f"`{plan.name}`", "choose another name")
    if plan.cls_name == "KerasLayer" and plan.name is None:
        prefix, n = _snake(plan.params["class"].text), 1
        while f"{prefix}{n}" in net:
            n += 1
        plan.name = f"{prefix}{n}"
    spec = plan.make_spec()
    try:
        if anchors:
            net.insert(spec, **anchors)
        else:
            net.add(spec, inputs=names or None)
    except DLError as err:
        raise locate(err, plan.token) from None
    where = " ".join(f"{k} {v}" for k, v in anchors.items()) or (
        f"reading {', '.join(spec.inputs)}")
    print(f"added {spec.name} {where}: {net!r}")


@command("remove", [_NAME, ("LAYER", "the layer to remove")], [
    OptionSpec("reconnect", "LAYER", "for a layer that joins several inputs: the input its "
                                     "readers read instead")],
    help="Remove a layer; its readers read its input instead.",
    examples=("%dl remove lenet bn1", "%dl remove net res1 --reconnect conv3"), group=_BUILD)
def _remove(ns, p):
    net = find_network(ns, p.args["NAME"])
    name = find_layer(net, p.args["LAYER"])
    other = find_layer(net, p.option_tokens["reconnect"]) if "reconnect" in p.options else None
    net.remove(name, reconnect_to=other)
    print(f"removed {name}: {net!r}")


@command("show", [_NAME], [OptionSpec("expand", help="draw every layer (no grouping)"),
                            OptionSpec("shapes", help="label the edges with shapes")],
          help="Draw the network as a graph.", examples=("%dl show lenet", "%dl show net --expand"),
          group=_BUILD)
def _show(ns, p):
    net = find_network(ns, p.args["NAME"])
    return net.plot_network(expand=bool(p.options.get("expand")),
                            show_shapes=bool(p.options.get("shapes")))


@command("summary", [_NAME], help="The layer table: types, shapes, parameters, FLOPs.",
          examples=("%dl summary lenet",), group=_BUILD)
def _summary(ns, p):
    return find_network(ns, p.args["NAME"]).summary()


@command("code", [_NAME], [OptionSpec("python", help="Python API code instead of a %%dl cell")],
          help="Print a %%dl cell (or Python code) that rebuilds the network.",
          examples=("%dl code lenet", "%dl code lenet --python"), group=_BUILD)
def _code(ns, p):
    from .codegen import dl_cell, python_code

    net = find_network(ns, p.args["NAME"])
    name = p.args["NAME"].text
    print(python_code(net, name) if p.options.get("python") else dl_cell(net, name))


@command("help", [("SUBCOMMAND?", "a subcommand, `model`, `layers` or `models`")],
          help="Usage of %dl, of one subcommand, the layer types of %%dl cells, or the ready "
               "networks.",
          examples=("%dl help train", "%dl help layers", "%dl help models"), group="Help")
def _help(ns, p):
    from .usage import help_text

    tok = p.args.get("SUBCOMMAND")
    print(help_text(tok))
