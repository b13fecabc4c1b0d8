"""``%dl train --solver NAME --lr FORM``: solver names and learning-rate forms -> ``dn`` objects.

``--lr`` is a number (the solver's learning rate) or a schedule written
``NAME:ARG:ARG…``; epochs in these forms are converted to steps with the
number of batches per epoch:

=====================================  ============================================
``0.01``                               the solver's ``learning_rate``
``fixed:LR``                           ``FixedLR(LR)``
``step:LR[:GAMMA[:EPOCHS]]``           ``StepLR`` (GAMMA 0.1 every EPOCHS, default 10)
``multistep:LR:GAMMA:E1,E2…``          ``MultiStepLR`` at the given epochs
``poly:LR[:POWER[:END_LR]]``           ``PolynomialLR`` over the whole run
``cyclic:BASE:MAX[:EPOCHS]``           ``CyclicLR``, half a cycle = EPOCHS (default 2)
``cosine:LR[:WARMUP_EPOCHS]``          ``CosineDecay`` over the run, after a warm-up
``onecycle:MAX_LR``                    ``OneCycle`` over the whole run
=====================================  ============================================

Example:
    >>> from dl_notebook.magics.grammar import Token
    >>> from dl_notebook.magics.lr_forms import read_lr
    >>> read_lr(Token("cyclic:1e-4:1e-2"))
    ('cyclic', [0.0001, 0.01])
    >>> read_lr(Token("0.01"))
    ('number', [0.01])
"""

from __future__ import annotations

import math

from ..errors import InvalidArgumentError
from .grammar import DLSyntaxError, Token, did_you_mean
from .values import to_int, to_number

__all__ = ["SOLVERS", "LR_FORMS", "read_lr", "make_solver"]

SOLVERS = {"sgd": "Vanilla", "vanilla": "Vanilla", "momentum": "Momentum", "adam": "Adam",
           "adamw": "AdamW", "rmsprop": "RMSProp", "nadam": "Nadam"}
# form -> (required args, optional args, help)
LR_FORMS = {
    "fixed": (("LR",), (), "a constant rate"),
    "step": (("LR",), ("GAMMA", "EPOCHS"), "multiply by GAMMA (0.1) every EPOCHS (10)"),
    "multistep": (("LR", "GAMMA", "EPOCHS"), (), "multiply by GAMMA at each of E1,E2,…"),
    "poly": (("LR",), ("POWER", "END_LR"), "polynomial decay over the run"),
    "cyclic": (("BASE", "MAX"), ("EPOCHS",), "cyclic between BASE and MAX, half a cycle = "
                                             "EPOCHS (2)"),
    "cosine": (("LR",), ("WARMUP_EPOCHS",), "cosine decay over the run after a warm-up"),
    "onecycle": (("MAX_LR",), (), "the one-cycle policy over the run"),
}


def read_lr(token: Token) -> tuple[str, list]:
    """Check an ``--lr`` value and return ``(form, numbers)`` (form ``"number"`` for a rate)."""
    text = token.text
    if ":" not in text:
        return "number", [_positive(token)]
    parts = text.split(":")
    form = parts[0].lower()
    if form not in LR_FORMS:
        raise DLSyntaxError.at(token.part(0, parts[0]), f"unknown learning-rate form `{parts[0]}`",
                               did_you_mean(form, LR_FORMS) or
                               f"use a number or one of {', '.join(LR_FORMS)}")
    required, optional, _ = LR_FORMS[form]
    args, start = [], len(parts[0]) + 1
    names = required + optional
    for index, part in enumerate(parts[1:]):
        sub = token.part(start, part)
        start += len(part) + 1
        if index >= len(names):
            raise DLSyntaxError.at(sub, f"`{form}` takes at most {len(names)} value(s)",
                                   f"write {_usage(form)}")
        name = names[index]
        if name == "EPOCHS" and form == "multistep":
            epochs, offset = [], 0
            for epoch in part.split(","):
                epochs.append(to_int(sub.part(offset, epoch), "an epoch number"))
                offset += len(epoch) + 1
            args.append(epochs)
        elif name in ("EPOCHS", "WARMUP_EPOCHS"):
            args.append(to_int(sub, "a number of epochs", minimum=0 if "WARMUP" in name else 1))
        elif name == "END_LR":
            args.append(float(to_number(sub)))
        else:
            args.append(_positive(sub))
    if len(args) < len(required):
        raise DLSyntaxError.after(token, f"`{form}` needs {', '.join(required)}",
                                  f"write {_usage(form)}")
    return form, args


def form_usage(form) -> str:
    """``step:LR[:GAMMA[:EPOCHS]]``: how to write a learning-rate form."""
    required, optional, _ = LR_FORMS[form]
    text = ":".join((form,) + required).replace(":EPOCHS", ":E1,E2…") if form == "multistep" \
        else ":".join((form,) + required)
    for name in optional:
        text += f"[:{name}"
    return text + "]" * len(optional)


def _usage(form):
    return f"`{form_usage(form)}`"


def _positive(token: Token) -> float:
    value = float(to_number(token, "a learning rate such as 0.01"))
    if not math.isfinite(value) or value <= 0:
        raise DLSyntaxError.at(token, f"a learning rate must be positive, got {token.text}")
    return value


def make_solver(solver: str | None, lr: tuple | None, epochs: int, steps_per_epoch):
    """``(solver, lr_scheduler)`` for ``Network.fit`` from ``--solver`` and :func:`read_lr`.

    Example:
        >>> from dl_notebook.magics.lr_forms import make_solver
        >>> solver, schedule = make_solver("sgd", ("cyclic", [1e-4, 1e-2]), 3, 10)
        >>> type(solver).__name__, type(schedule).__name__, schedule.step_size
        ('Vanilla', 'CyclicLR', 20)
    """
    from ..train import schedules, solvers

    cls = getattr(solvers, SOLVERS[solver or "adam"])
    if lr is None:
        return (cls() if solver else None), None
    form, args = lr
    if form == "number":
        return cls(learning_rate=args[0]), None
    if form == "fixed":
        return cls(), schedules.FixedLR(args[0])
    if steps_per_epoch is None:
        raise InvalidArgumentError(
            f"--lr {form}: needs the number of batches per epoch, which this data does not "
            f"tell (it has no len()); give a number or fixed:LR instead."
        )
    spe, total = steps_per_epoch, max(epochs * steps_per_epoch, 2)
    if form == "step":
        gamma, every = (args[1:] + [0.1, 10][len(args) - 1:])[:2]
        schedule = schedules.StepLR(args[0], gamma, every, steps_per_epoch=spe)
    elif form == "multistep":
        schedule = schedules.MultiStepLR(args[0], args[1], args[2], steps_per_epoch=spe)
    elif form == "poly":
        power, end = (args[1:] + [1.0, 0.0][len(args) - 1:])[:2]
        schedule = schedules.PolynomialLR(args[0], power, total, end)
    elif form == "cyclic":
        half = args[2] if len(args) > 2 else 2
        schedule = schedules.CyclicLR(args[0], args[1], step_size=half * spe)
    elif form == "cosine":
        warm = (args[1] if len(args) > 1 else 0) * spe
        schedule = schedules.CosineDecay(args[0], decay_steps=max(total - warm, 1),
                                         warmup_steps=warm)
    else:
        schedule = schedules.OneCycle(args[0], total_steps=total)
    return cls(), schedule
