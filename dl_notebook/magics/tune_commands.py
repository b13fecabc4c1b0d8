"""``%dl tune`` and the ``%%dl tune`` cell with its search space.

The cell form takes one parameter per line::

    %%dl tune search --build make_net --data train --valid valid --trials 10
    learning_rate 1e-4..1e-1 log
    dropout 0.0..0.5
    units 16..128 int
    batch_size 16 32 64

``LOW..HIGH`` is a range (``log`` samples it on a log scale, ``int`` takes whole
numbers); one or more plain values are a choice. The line form names a space
dict instead: ``%dl tune search --build make_net --data train --space SPACE``.
Both make one call of :func:`dl_notebook.tune` and bind its result to NAME.

Example:
    >>> from dl_notebook.magics.tune_commands import parse_space
    >>> parse_space("learning_rate 1e-4..1e-1 log\\nunits 16..128 int\\nact relu tanh")
    {'learning_rate': (0.0001, 0.1, 'log'), 'units': (16, 128, 'int'), 'act': ['relu', 'tanh']}
"""

from __future__ import annotations

from ._registry import command, find_data
from .grammar import DLSyntaxError, did_you_mean, tokenize
from .names import check_binding, check_variable
from .options import OptionSpec, parse_command
from .values import to_int, to_number

__all__ = ["parse_space", "run_cell"]

_HEADER_PREFIX = "%%dl "
_FLAGS = ("log", "int")
_OPTIONS = (
    OptionSpec("build", "FUNC", "a function params -> network in the notebook", required=True),
    OptionSpec("data", "TRAIN", "the training data in the notebook", required=True),
    OptionSpec("valid", "VALID", "the validation data the metric is measured on"),
    OptionSpec("trials", "N", "finished trials the study should have (default 10)",
               convert=lambda tok: to_int(tok, "a number of trials")),
    OptionSpec("method", "METHOD", "random, tpe or hyperband (TPE with pruning)",
               choices=("random", "tpe", "hyperband")),
    OptionSpec("epochs", "N", "the epochs of each trial (default 3)",
               convert=lambda tok: to_int(tok, "a number of epochs")),
    OptionSpec("seed", "S", "seed of the sampler and the trials' training", convert=int),
    OptionSpec("metric", "NAME", "the logged value trials are scored by (default val_accuracy)"),
    OptionSpec("storage", "PATH", "a journal file or an RDB URL (default dl_tune/NAME.journal)"),
    OptionSpec("study", "NAME", "the study's name in its storage (default: NAME)"),
    OptionSpec("space", "VAR", "a dict of the search space in the notebook (the line form)"),
    OptionSpec("force", help="bind NAME even when it holds something else"),
)


def _choice_value(tok):
    word = tok.text.lower()
    if not tok.quoted and word in ("true", "false", "none"):
        return {"true": True, "false": False, "none": None}[word]
    try:
        return to_number(tok)
    except DLSyntaxError:
        return tok.text


def _parse_line(tokens):
    name_tok, values = tokens[0], tokens[1:]
    if not name_tok.text.isidentifier():
        raise DLSyntaxError.at(name_tok, f"`{name_tok.text}` is not a parameter name",
                               "start the line with a name such as `learning_rate`")
    if not values:
        raise DLSyntaxError.after(name_tok, f"`{name_tok.text}` needs a range or choices",
                                  "e.g. `0.0..0.5`, `16..128 int` or `16 32 64`")
    first = values[0]
    if ".." not in first.text or first.quoted:
        return [_choice_value(tok) for tok in values]
    low_text, _, high_text = first.text.partition("..")
    if not low_text or not high_text:
        raise DLSyntaxError.at(first, f"`{first.text}` is not a range",
                               "write LOW..HIGH, e.g. `0.0..0.5`")
    low = to_number(first.part(0, low_text), "a number before `..`")
    high = to_number(first.part(len(low_text) + 2, high_text), "a number after `..`")
    flags = []
    for tok in values[1:]:
        if tok.text not in _FLAGS or tok.text in flags:
            raise DLSyntaxError.at(tok, f"unexpected `{tok.text}` after a range",
                                   did_you_mean(tok.text, _FLAGS) or "a range may end in "
                                   "`log` and/or `int`")
        flags.append(tok.text)
    if "int" in flags:
        flags.remove("int")
        flags.insert(0, "int")
    return (low, high, *flags)


def parse_space(body: str) -> dict:
    """Read the lines of a ``%%dl tune`` cell into a search space dict for ``dn.tune``.

    Args:
        body: one ``NAME LOW..HIGH [log] [int]`` or ``NAME VALUE…`` line per parameter.

    Raises:
        DLSyntaxError: with the line and column of the first fault.
    """
    space, where = {}, {}
    for index, text in enumerate(body.splitlines()):
        tokens = tokenize(text, line=index + 2)
        if not tokens:
            continue
        name = tokens[0].text
        if name in space:
            raise DLSyntaxError.at(tokens[0], f"`{name}` is given twice",
                                   f"it was given on line {where[name]}")
        space[name], where[name] = _parse_line(tokens), index + 2
    return space


def _tune(ns, parsed, space):
    from ..tuning.result import TuneResult
    from ..tuning.search import tune

    name_tok = parsed.args["NAME"]
    name = check_variable(name_tok)
    check_binding(ns, name_tok, force=bool(parsed.options.get("force"))
                  or isinstance(ns.get(name), TuneResult))
    build_tok = parsed.option_tokens["build"]
    build = ns.get(build_tok.text)
    if not callable(build):
        raise DLSyntaxError.at(build_tok, f"`{build_tok.text}` is not a function in the "
                               "notebook", "define `def make_net(params): …` returning a network")
    options = parsed.options
    train = find_data(ns, parsed.option_tokens["data"])
    valid = find_data(ns, parsed.option_tokens["valid"]) if "valid" in options else None
    metric = options.get("metric", "val_accuracy" if valid is not None else "accuracy")
    result = tune(build, train, valid, space=space, trials=options.get("trials", 10),
                  method=options.get("method", "tpe"), max_epochs=options.get("epochs", 3),
                  metric=metric, seed=options.get("seed"), storage=options.get("storage"),
                  study=options.get("study", name))
    ns[name] = result


@command("tune", (("NAME", "the Python name the result is bound to"),), _OPTIONS,
         help="Search hyperparameters with dn.tune and bind the result to NAME; the cell form "
              "`%%dl tune NAME …` gives one parameter per line: `NAME LOW..HIGH [log] [int]` "
              "or `NAME VALUE…` (choices).",
         examples=("%%dl tune search --build make_net --data train --valid valid --trials 10\n"
                   "learning_rate 1e-4..1e-1 log\ndropout 0.0..0.5\nunits 16..128 int\n"
                   "batch_size 16 32 64",
                   "%dl tune search --build make_net --data train --valid valid --space SPACE"),
         group="Deploy and tune")
def _run_line(ns, parsed):
    space_tok = parsed.option_tokens.get("space")
    if space_tok is None:
        raise DLSyntaxError.after(parsed.end, "`%dl tune` needs --space VAR (a dict in the "
                                  "notebook)", "or write the space in a `%%dl tune` cell, one "
                                  "parameter per line")
    space = ns.get(space_tok.text)
    if not isinstance(space, dict):
        raise DLSyntaxError.at(space_tok, f"`{space_tok.text}` is not a dict in the notebook",
                               "e.g. SPACE = {'learning_rate': (1e-4, 1e-1, 'log')}")
    _tune(ns, parsed, space)


def run_cell(ns, line: str, cell: str) -> None:
    """``%%dl tune NAME --build FUNC --data TRAIN …`` and its parameter lines: run the search.

    Example:
        >>> from dl_notebook.magics.tune_commands import run_cell
        >>> run_cell({}, "tune s --build f --data d", "units 16..128 integer")
        Traceback (most recent call last):
        dl_notebook.magics.grammar.DLSyntaxError: line 2, column 15: unexpected `integer` after a range; did you mean `int`?
    """
    from ._registry import COMMANDS

    source = _HEADER_PREFIX + line
    tokens = tokenize(line, line=1, offset=len(_HEADER_PREFIX), source=source)
    parsed = parse_command(tokens[1:], COMMANDS["tune"].spec, tokens[0])
    if "space" in parsed.options:
        raise DLSyntaxError.at(parsed.option_tokens["space"], "--space is for the line form",
                               "in a cell, write the space below, one parameter per line")
    space = parse_space(cell)
    if not space:
        raise DLSyntaxError.after(tokens[-1], "the cell has no parameters",
                                  "write one per line, e.g. `learning_rate 1e-4..1e-1 log`")
    _tune(ns, parsed, space)
