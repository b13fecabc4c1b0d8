"""Tab completion in ``%dl`` lines and ``%%dl`` cells (an IPython completer matcher).

It completes subcommands, option names and their values, layer types,
activations and layer arguments, the networks and datasets in the
notebook's namespace, and layer names (of a network, or defined above in
the cell). Paths are left to IPython's own file completion.

Example:
    >>> from dl_notebook.magics.completion import complete
    >>> complete({}, "%dl tra")
    (['train'], 'tra')
    >>> complete({}, "%%dl model lenet --input 32x32x1\\nconv 32 3x3 re")[0]
    ['relu', 'relu6']
"""

from __future__ import annotations

import sys

from ..errors import DLError
from .commands import COMMANDS, datasets, networks
from .layer_table import ACTIVATIONS, Choice, all_words, keyword_for
from .lr_forms import LR_FORMS
from .model_cell import MODEL_SPEC

__all__ = ["complete", "make_matcher"]

_KIND_VALUES = {"act": ACTIVATIONS, "bool": ("true", "false")}


def _values_of(kind) -> tuple:
    """The words a value of *kind* can be (none for numbers, sizes and the like)."""
    return kind.words if isinstance(kind, Choice) else _KIND_VALUES.get(kind, ())


def _words_and_fragment(text):
    """The whole words before the cursor and the fragment being typed."""
    cut = max(text.rfind(" "), text.rfind("\t"))
    return text[:cut + 1].split(), text[cut + 1:]


def _network(ns, name):
    from ..model import Network

    obj = ns.get(name)
    return obj if isinstance(obj, Network) else None


def _layer_names(ns, name):
    net = _network(ns, name)
    return net.layer_names if net is not None else []


def _after_comma(fragment, names):
    head, _, tail = fragment.rpartition(",")
    return [n for n in names if n.startswith(tail)], tail


def _layer_line(words, fragment, defined):
    """Completions inside a layer line: ``[NAME:] TYPE ARG… key=value``."""
    if words and words[0].endswith(":"):
        words = words[1:]
    if not words:
        if ":" in fragment:
            fragment = fragment.rpartition(":")[2]
        return all_words(), fragment
    keyword = keyword_for(words[0])
    if keyword is None:
        return [], fragment
    if "=" in fragment:
        key, _, value = fragment.partition("=")
        if key == "inputs":
            return _after_comma(value, defined)
        option = keyword.options.get(key.lower())
        return (list(_values_of(option[1])) if option else []), value
    if keyword.word == "keras":
        keras = sys.modules.get("keras")  # class names only when Keras is already loaded
        names = [n for n in dir(keras.layers) if n[:1].isupper()] if len(words) == 1 and keras \
            else []
        return names + [f"{k}=" for k in ("name", "inputs")], fragment
    options = [f"{k}=" for k in sorted(set(keyword.options) | {"name", "inputs"})]
    words_ = list(keyword.flags)
    for _, kind, _ in keyword.slots:
        words_ += list(_values_of(kind))
    if any(kind == "names" for _, kind, _ in keyword.slots):
        words_ += list(defined)
    return sorted(set(words_)) + options, fragment


def _option_value(ns, spec, option, positional, fragment):
    if option.choices:
        return list(option.choices), fragment
    meta = option.metavar
    if meta in ("LAYER", "A,B"):
        names = _layer_names(ns, positional.get("NAME") or positional.get("MODEL"))
        return _after_comma(fragment, names) if meta == "A,B" else (names, fragment)
    if meta == "DATA":
        return datasets(ns), fragment
    if option.name == "lr":
        return [f"{form}:" for form in LR_FORMS], fragment
    if option.name == "type":
        return list(option.choices), fragment
    if option.name == "from":
        from ..applications import catalog

        return list(catalog()), fragment
    return None


def _command_line(ns, words, fragment, spec, rest_defined=None):
    """Completions after a subcommand name (*words* excludes it)."""
    positional, rest, i = {}, [], 0
    names = [n for n, _ in spec.positionals]
    while i < len(words):
        word = words[i]
        if word.startswith("--"):
            option = spec.option(word[2:].partition("=")[0])
            i += 2 if option is not None and not option.flag and "=" not in word else 1
            continue
        if len(positional) < len(names):
            positional[names[len(positional)].rstrip("?")] = word
        else:
            rest.append(word)
        i += 1
    if words and words[-1].startswith("--"):
        option = spec.option(words[-1][2:])
        if option is not None and not option.flag:
            return _option_value(ns, spec, option, positional, fragment)
    if fragment.startswith("-"):
        return [f"--{o.name}" for o in spec.options if f"--{o.name}" not in words], fragment
    if len(positional) < len(names):
        slot = names[len(positional)].rstrip("?")
        if slot in ("NAME", "MODEL"):
            return (networks(ns) if spec.name not in ("data", "model") else []), fragment
        if slot == "DATA":
            return datasets(ns), fragment
        if slot == "LAYER":
            return _layer_names(ns, positional.get("NAME")), fragment
        if slot == "IMG_TYPE":
            return ["C", "M", "A"], fragment
        if slot == "SUBCOMMAND":
            return sorted(COMMANDS) + ["layers", "model", "models"], fragment
        return [], fragment
    options = [f"--{o.name}" for o in spec.options if f"--{o.name}" not in words]
    if spec is MODEL_SPEC:
        return _ready_arguments(words) + options, fragment
    if spec.rest:
        return _layer_line(rest, fragment, _layer_names(ns, positional.get("NAME")))
    return options, fragment


def _ready_arguments(words) -> list[str]:
    """``ARG=`` for each argument of the ready network named by ``--from`` (none without)."""
    import inspect

    from ..applications import catalog
    from .model_cell import READY_ARGUMENTS

    key = words[words.index("--from") + 1] if "--from" in words[:-1] else None
    entry = catalog().get(key)
    if entry is None:
        return []
    given = {w.partition("=")[0] for w in words}
    return [f"{p}=" for p in inspect.signature(entry.function).parameters
            if p not in READY_ARGUMENTS and p not in given]


def _cell_names(full_text, line_index):
    """Layer names defined above line *line_index* of a %%dl cell."""
    from .model_cell import parse_model_cell

    lines = full_text.split("\n")
    header = lines[0].lstrip()[len("%%dl"):].strip()
    try:  # a last layer so that a cell with none above still parses
        body = "\n".join(lines[1:line_index] + ["flatten"])
        return parse_model_cell(header, body).layer_names[:-1]
    except DLError:
        labels = [ln.split(":", 1)[0].strip() for ln in lines[1:line_index] if ":" in ln]
        return ["input1"] + [n for n in labels if n.isidentifier()]


def complete(ns, full_text, cursor_line=None, cursor_pos=None):
    """``(completions, fragment)`` at the cursor, or None outside ``%dl`` / ``%%dl``.

    Args:
        ns: the namespace (networks and datasets are looked up there).
        full_text: the cell's text.
        cursor_line: the cursor's line (default the last).
        cursor_pos: the cursor's column in that line (default its end).
    """
    lines = full_text.split("\n")
    cursor_line = len(lines) - 1 if cursor_line is None else cursor_line
    line = lines[cursor_line]
    line = line if cursor_pos is None else line[:cursor_pos]
    result = None
    if lines[0].lstrip().startswith("%%dl"):
        if cursor_line == 0:
            words, fragment = _words_and_fragment(line.lstrip()[len("%%dl"):])
            if not words:
                result = ["model"], fragment
            elif words[0] == "model":
                result = _command_line(ns, words[1:], fragment, MODEL_SPEC)
        else:
            words, fragment = _words_and_fragment(line.split("#", 1)[0] if "#" in line else line)
            if "#" not in line:
                result = _layer_line(words, fragment, _cell_names(full_text, cursor_line))
    else:
        start = line.find("%dl")
        if start >= 0 and (start == 0 or line[start - 1] != "%"):
            words, fragment = _words_and_fragment(line[start + len("%dl"):])
            if not words:
                result = sorted([*COMMANDS, "model"]), fragment
            elif words[0] == "model":
                result = _command_line(ns, words[1:], fragment, MODEL_SPEC)
            elif words[0] in COMMANDS:
                result = _command_line(ns, words[1:], fragment, COMMANDS[words[0]].spec)
    if result is None:
        return None
    candidates, fragment = result
    return sorted(dict.fromkeys(c for c in candidates if c.startswith(fragment))), fragment


def make_matcher(shell):
    """An IPython completer matcher (API v2) for ``%dl`` / ``%%dl`` on *shell*'s namespace."""
    from IPython.core.completer import SimpleCompletion

    def dl_notebook_matcher(context):
        found = complete(shell.user_ns, context.full_text, context.cursor_line,
                         context.cursor_position)
        if not found or not found[0]:
            return {"completions": [], "suppress": False}
        words, fragment = found
        return {"completions": [SimpleCompletion(text=w, type="dl") for w in words],
                "matched_fragment": fragment, "suppress": True}

    dl_notebook_matcher.matcher_api_version = 2
    dl_notebook_matcher.matcher_priority = 1
    dl_notebook_matcher.matcher_identifier = "dl_notebook.magics.completion"
    return dl_notebook_matcher

