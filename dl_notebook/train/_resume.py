"""Resuming a run from ``checkpoint_dir``: what is restored, what is set aside, what is said.

``fit(checkpoint_dir=..., resume=True)`` goes through :func:`resume`:

* Damaged checkpoints (missing file, wrong checksum, unreadable record)
  newer than the one used are **moved** into ``checkpoint_dir/damaged/``,
  never deleted, and the fallback is announced in one line (a
  ``UserWarning``). When every checkpoint is damaged, the run starts from
  epoch 0 and says so.
* The solver settings given to this ``fit`` win over the checkpoint's.
  Each checkpoint records the settings its run was given; when this run's
  differ, the learning rate given now replaces the one the checkpoint's
  optimizer state brings back, the other settings (momentum, betas, …)
  come with this run's optimizer, and every changed setting is named in
  one line. With the same settings the optimizer state is restored as it
  was (a rate lowered by ``ReduceLROnPlateau`` stays lowered). When
  the checkpoint's optimizer state cannot go into this run's optimizer
  (another solver, a schedule instead of a fixed rate), only the weights
  are restored and the optimizer starts fresh, which is announced too.

Example:
    >>> import os, tempfile
    >>> from dl_notebook.train._resume import check_folder
    >>> folder = os.path.join(tempfile.mkdtemp(), "ckpt")
    >>> check_folder(folder); os.path.isdir(folder)
    True
"""

from __future__ import annotations

import json
import math
import os
import warnings

from ..errors import InvalidArgumentError
from .checkpoint import _json_default, _stem, scan_checkpoints

__all__ = ["DAMAGED", "check_folder", "resume", "set_aside", "settings"]

DAMAGED = "damaged"  # the sub-folder damaged checkpoints are moved into


def announce(message, notes=None) -> None:
    """Say *message* once, as a ``UserWarning`` (and append it to *notes*)."""
    if notes is not None:
        notes.append(message)
    warnings.warn(message, UserWarning, stacklevel=4)


def check_folder(directory) -> None:
    """Create the checkpoint folder now, or raise before any epoch trains.

    Args:
        directory: the ``checkpoint_dir`` given to ``fit``.

    Example:
        >>> import tempfile
        >>> from dl_notebook.train._resume import check_folder
        >>> path = tempfile.mkstemp()[1]
        >>> try:
        ...     check_folder(path)
        ... except Exception as err:
        ...     print(type(err).__name__)
        InvalidArgumentError
    """
    directory = os.fspath(directory)
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise InvalidArgumentError(
            f"checkpoint_dir {directory!r} is a file; give a folder for the checkpoints."
        )
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as err:
        raise InvalidArgumentError(
            f"checkpoint_dir {directory!r} cannot be created ({err.strerror or err}); "
            f"give a folder you can write to."
        ) from None


def set_aside(directory, epochs) -> str | None:
    """Move the files of checkpoints *epochs* into ``directory/damaged/``; return that folder.

    A file whose name is already taken there gets a numbered name
    (``epoch-0003.keras.1``). Nothing is deleted.

    Args:
        directory: the checkpoint folder.
        epochs: epoch numbers whose ``.keras`` / ``.json`` files to move.

    Returns:
        The ``damaged`` folder, or None when there was nothing to move.

    Example:
        >>> import os, tempfile
        >>> from dl_notebook.train._resume import set_aside
        >>> folder = tempfile.mkdtemp()
        >>> open(os.path.join(folder, "epoch-0002.json"), "w").close()
        >>> os.listdir(set_aside(folder, [2]))
        ['epoch-0002.json']
    """
    target = os.path.join(os.fspath(directory), DAMAGED)
    moved = False
    for epoch in epochs:
        for suffix in (".keras", ".json"):
            name = _stem(epoch) + suffix
            source = os.path.join(directory, name)
            if not os.path.exists(source):
                continue
            os.makedirs(target, exist_ok=True)
            dest, n = os.path.join(target, name), 0
            while os.path.exists(dest):
                n += 1
                dest = os.path.join(target, f"{name}.{n}")
            os.replace(source, dest)
            moved = True
    return target if moved else None


def _fixed_rate(opt):
    """The optimizer's learning-rate variable, or None under a schedule."""
    rate = getattr(opt, "_learning_rate", None)
    return rate if hasattr(rate, "assign") else None


def _show(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict) and "class_name" in value:
        return value["class_name"]
    return repr(value)


def settings(opt) -> dict:
    """*opt*'s ``get_config()`` as it reads back from a checkpoint's JSON ({} without one)."""
    try:
        return json.loads(json.dumps(opt.get_config(), default=_json_default))
    except Exception:  # an optimizer without a serialisable config: nothing to compare
        return {}


def _changes(before, now) -> list[str]:
    """``"name old → new"`` for each optimizer setting that differs between two configs."""
    changed = []
    for key, value in now.items():
        if key == "name" or not before or key not in before:
            continue
        old = before[key]
        same = old == value or (isinstance(old, float) and isinstance(value, float)
                                and math.isclose(old, value, rel_tol=1e-6))
        if not same:
            changed.append(f"{key} {_show(old)} → {_show(value)}")
    return changed


def resume(model, directory, notes=None):
    """Restore the newest usable checkpoint of *directory* into *model*.

    Args:
        model: the compiled ``keras.Model`` of the run.
        directory: ``checkpoint_dir``.
        notes: a list the announcements are appended to (also warned).

    Returns:
        ``(initial_epoch, history_rows)``: ``(0, None)`` when there is no
        usable checkpoint.

    Example:
        >>> import tempfile, keras
        >>> from dl_notebook.train._resume import resume
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        >>> model.compile("sgd", "mse")
        >>> resume(model, tempfile.mkdtemp())
        (0, None)
    """
    found, damaged = scan_checkpoints(directory)
    epochs = [epoch for epoch, _ in damaged if epoch is not None]
    moved = set_aside(directory, epochs)
    if damaged:
        reasons = "; ".join(reason for _, reason in damaged)
        where = f" (moved to {moved})" if moved else ""
        if found is not None:
            announce(f"Resuming from {_stem(found.epoch)} (epoch {found.epoch}), passing over "
                     f"what is damaged: {reasons}{where}.", notes)
        else:
            announce(f"No usable checkpoint in {os.fspath(directory)!r} ({reasons}){where}; "
                     f"training starts from epoch 0.", notes)
    if found is None:
        return 0, None
    opt = model.optimizer
    given = settings(opt)  # before the checkpoint's state replaces the learning rate
    saved_class = (found.optimizer or {}).get("class")
    fresh = saved_class is not None and saved_class != type(opt).__name__
    if not fresh:
        try:
            found.restore_into(model)
        except InvalidArgumentError:
            fresh = True
    if fresh:
        found.restore_into(model, optimizer=False)
        announce(f"The checkpoint's optimizer state ({saved_class or 'another optimizer'}) "
                 f"does not fit this run's {type(opt).__name__}: its weights are restored and "
                 f"the optimizer starts fresh with the settings given now.", notes)
        return found.epoch, found.history_rows
    changed = _changes((found.optimizer or {}).get("config"), given)
    if changed:  # the rate given now, not the one the checkpoint's state brought back
        rate = _fixed_rate(opt)
        if rate is not None and isinstance(given.get("learning_rate"), float):
            rate.assign(given["learning_rate"])
        announce(f"Resuming {_stem(found.epoch)} with the solver settings given now: "
                 f"{', '.join(changed)}.", notes)
    return found.epoch, found.history_rows
