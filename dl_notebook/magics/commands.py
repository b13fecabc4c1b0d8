"""The ``%dl`` subcommands: each reads its arguments and makes one call of the public API.

Results are bound in the notebook's namespace under names derived from
the ones given (``%dl evaluate lenet digits`` binds ``lenet_result``), so
the next cell can keep working with them in Python. A subcommand that
shows something returns it, and the notebook displays it.

Example:
    >>> from dl_notebook.magics.commands import run_cell, run_line
    >>> ns = {}
    >>> run_cell(ns, "model mlp --input 4", "dense 8\\noutput 2")
    <Sequential 'mlp': 3 layers, 58 parameters, (4,) -> (2,)>
    >>> run_line(ns, "add mlp dropout 0.5 --after fc1")
    added dropout1 after fc1: <Sequential 'mlp': 4 layers, 58 parameters, (4,) -> (2,)>
    >>> ns["mlp"].layer_names
    ['input1', 'fc1', 'dropout1', 'output1']
"""

from __future__ import annotations

# They register the subcommands; explain_commands (gradcam, heatmap) after data_commands.
from . import (  # noqa: F401
    data_commands,
    deploy_commands,
    detect_commands,
    edit_commands,
    explain_commands,
    prune_commands,
    tune_commands,
)
from ._registry import COMMANDS, Command, datasets, networks
from .grammar import DLSyntaxError, did_you_mean, tokenize
from .model_cell import HEADER_PREFIX, MODEL_SPEC, build_network, parse_model_cell
from .names import check_binding
from .options import ParsedCommand, parse_command

__all__ = ["COMMANDS", "Command", "run_line", "run_cell", "parse_line", "networks", "datasets"]

LINE_PREFIX = "%dl "


def run_cell(ns, line, cell, *, prefix=HEADER_PREFIX):
    """``%%dl model NAME …`` + layer lines: build the network and bind it to NAME.

    *prefix* is what the user wrote before *line* (``"%dl "`` for the
    one-line ``%dl model NAME --from KEY …``), for the carets of errors.
    """
    parsed = parse_model_cell(line, cell, prefix=prefix)
    check_binding(ns, parsed.name_token, force=parsed.force)
    net = build_network(parsed)
    ns[parsed.name] = net
    print(repr(net))


def _model_line(line):
    """``%dl model NAME --from KEY …``: a ready network in one line (a cell with no layers)."""
    def run(ns, _parsed):
        return run_cell(ns, line, "", prefix=LINE_PREFIX)

    return Command(MODEL_SPEC, run, "Build and edit")


def parse_line(line: str) -> tuple[Command, ParsedCommand]:
    """Read a ``%dl`` line (the text after ``%dl``) without running it."""
    source = LINE_PREFIX + line
    tokens = tokenize(line, offset=len(LINE_PREFIX), source=source)
    if not tokens:
        return COMMANDS["help"], parse_command([], COMMANDS["help"].spec)
    head = tokens[0]
    if head.text == "model":
        parsed = parse_command(tokens[1:], MODEL_SPEC, head)
        if "from" not in parsed.options:
            raise DLSyntaxError.at(head, "`%dl model` needs --from KEY (a ready network, "
                                   "`%dl help models`)", "otherwise `model` is a cell magic: "
                                   "start the cell with `%%dl model NAME`")
        return _model_line(line), parsed
    command = COMMANDS.get(head.text)
    if command is None:
        hint = did_you_mean(head.text, list(COMMANDS) + ["model"])
        raise DLSyntaxError.at(head, f"unknown %dl subcommand `{head.text}`",
                               hint or f"the subcommands are {', '.join(COMMANDS)}")
    return command, parse_command(tokens[1:], command.spec, head)


def run_line(ns, line: str):
    """Run one ``%dl`` line against the namespace *ns*; return what it shows (or None)."""
    command, parsed = parse_line(line)
    return command.run(ns, parsed)
