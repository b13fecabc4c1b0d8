"""Subcommand grammar: positional arguments and ``--options``, read into a ParsedCommand.

Example:
    >>> from dl_notebook.magics.grammar import tokenize
    >>> from dl_notebook.magics.options import CommandSpec, OptionSpec, parse_command
    >>> spec = CommandSpec("show", (("NAME", "a network"),), (OptionSpec("expand"),))
    >>> spec.usage()
    'show NAME [--expand]'
    >>> parse_command(tokenize("lenet --expand"), spec).options
    {'expand': True}
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .grammar import DLSyntaxError, Token, did_you_mean
from .values import to_int, to_number

__all__ = ["OptionSpec", "CommandSpec", "ParsedCommand", "parse_command"]


@dataclass(frozen=True)
class OptionSpec:
    """One ``--option`` of a subcommand: a flag, or an option that takes a value."""

    name: str
    metavar: str | None = None  # None: a flag
    help: str = ""
    choices: tuple = ()
    convert: object = None  # Token -> value; default: the text
    required: bool = False

    @property
    def flag(self) -> bool:
        return self.metavar is None


@dataclass(frozen=True)
class CommandSpec:
    """A subcommand: its positional arguments, options, help and examples.

    ``rest`` names what the tokens after the positionals are (e.g. a layer
    line for ``add``); without it, extra tokens are an error.
    """

    name: str
    positionals: tuple = ()  # (name, help) pairs; a name ending in "?" is optional
    options: tuple = ()
    help: str = ""
    examples: tuple = ()
    rest: str | None = None  # e.g. "LAYER…": what the remaining tokens are
    rest_required: bool = False

    def option(self, name):
        return next((o for o in self.options if o.name == name), None)

    def usage(self) -> str:
        """One line: ``name POS [--opt VALUE] …``."""
        words = [self.name]
        for pos, _ in self.positionals:
            words.append(f"[{pos[:-1]}]" if pos.endswith("?") else pos)
        if self.rest:
            words.append(self.rest)
        for opt in self.options:
            word = f"--{opt.name}" if opt.flag else f"--{opt.name} {opt.metavar}"
            words.append(word if opt.required else f"[{word}]")
        return " ".join(words)


@dataclass
class ParsedCommand:
    """What :func:`parse_command` read: positionals, options and the remaining tokens."""

    spec: CommandSpec
    args: dict = field(default_factory=dict)  # positional name -> Token
    options: dict = field(default_factory=dict)  # option name -> value (True for flags)
    option_tokens: dict = field(default_factory=dict)  # option name -> Token of its value
    rest: list = field(default_factory=list)
    end: Token | None = None  # the last token read (for "missing ..." carets)


def parse_command(tokens: list[Token], spec: CommandSpec, head: Token | None = None
                  ) -> ParsedCommand:
    """Read the tokens after a subcommand name against *spec*.

    ``--name value``, ``--name=value`` and flags are taken wherever they
    stand; the other tokens fill the positionals in order, then ``rest``.
    *head* (the subcommand's own token) places the caret when nothing follows it.

    Example:
        >>> from dl_notebook.magics.grammar import tokenize
        >>> from dl_notebook.magics.options import CommandSpec, OptionSpec, parse_command
        >>> spec = CommandSpec("train", (("MODEL", ""), ("DATA", "")),
        ...                    (OptionSpec("epochs", "N", convert=int), OptionSpec("resume")))
        >>> p = parse_command(tokenize("lenet digits --epochs 3 --resume"), spec)
        >>> p.args["MODEL"].text, p.options
        ('lenet', {'epochs': 3, 'resume': True})
    """
    parsed = ParsedCommand(spec, end=head)
    names = [pos for pos, _ in spec.positionals]
    plain = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        parsed.end = tok
        if tok.text.startswith("--") and not tok.quoted:
            key, eq, value = tok.text[2:].partition("=")
            opt = spec.option(key)
            if opt is None:
                known = [o.name for o in spec.options]
                hint = did_you_mean(key, known) or (
                    f"{spec.name} takes {', '.join('--' + k for k in known)}" if known
                    else f"{spec.name} takes no options")
                raise DLSyntaxError.at(tok, f"unknown option `--{key}` for {spec.name}", hint)
            if key in parsed.options:
                raise DLSyntaxError.at(tok, f"option `--{key}` is given twice")
            if opt.flag:
                if eq:
                    raise DLSyntaxError.at(tok, f"`--{key}` is a flag and takes no value")
                parsed.options[key] = True
            else:
                if eq:
                    vtok = tok.part(len(key) + 3, value)
                elif i + 1 < len(tokens):
                    i += 1
                    vtok = tokens[i]
                    parsed.end = vtok
                else:
                    raise DLSyntaxError.after(tok, f"`--{key}` needs a value ({opt.metavar})")
                parsed.options[key] = _convert(opt, vtok)
                parsed.option_tokens[key] = vtok
        else:
            plain.append(tok)
        i += 1
    for name, tok in zip(names, plain):
        parsed.args[name.rstrip("?")] = tok
    extra = plain[len(names):]
    if extra and not spec.rest:
        raise DLSyntaxError.at(extra[0], f"unexpected `{extra[0].text}`",
                               f"usage: {spec.usage()}")
    parsed.rest = extra
    missing = [n for n in names[len(plain):] if not n.endswith("?")]
    missing += [f"--{o.name} {o.metavar}" for o in spec.options
                if o.required and o.name not in parsed.options]
    if missing or (spec.rest_required and not extra):
        what = missing[0] if missing else spec.rest
        if parsed.end is None:
            raise DLSyntaxError(f"{spec.name} needs {what}", hint=f"usage: {spec.usage()}")
        raise DLSyntaxError.after(parsed.end, f"{spec.name} needs {what}",
                                  f"usage: {spec.usage()}")
    return parsed


def _convert(opt: OptionSpec, tok: Token):
    if opt.choices:
        word = tok.text.lower()
        if word not in opt.choices:
            raise DLSyntaxError.at(tok, f"`--{opt.name}` must be one of {', '.join(opt.choices)}",
                                   did_you_mean(word, opt.choices))
        return word
    if opt.convert is None:
        return tok.text
    if opt.convert is int:
        return to_int(tok, f"a whole number for --{opt.name}", minimum=0)
    if opt.convert is float:
        return to_number(tok, f"a number for --{opt.name}")
    return opt.convert(tok)
