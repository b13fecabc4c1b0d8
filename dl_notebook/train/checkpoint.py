"""Training checkpoints that survive a crash and resume a run exactly.

At each epoch end :class:`CheckpointCallback` (defined in
:mod:`dl_notebook.train.checkpoint_callback`, importable from here) writes two files into a
folder: ``epoch-NNNN.keras`` (architecture, weights and optimizer state:
Adam moments, iteration count, learning rate) and ``epoch-NNNN.json`` (the
history rows so far, the state of every Keras ``SeedGenerator`` of the model
such as a Dropout's, and the size and SHA-256 of the ``.keras`` file). Then
it points the file ``latest`` at that epoch. Every file is written to a
temporary name in the same folder, flushed to disk (``fsync``) and renamed
over its final name (``os.replace``), so a crash at any moment leaves either
the old file or the new one, never half of one. The two newest complete
checkpoints are kept; older ones are deleted.

:func:`load_checkpoint` returns the checkpoint ``latest`` names, or, when
that one is missing, truncated or corrupt, the newest older one that is
complete. :meth:`Checkpoint.restore_into` puts its weights, optimizer state
and random-generator state into a live model.

Determinism: a resumed run reaches the same weights as an uninterrupted one
when nothing in epoch *e* depends on how many epochs ran in this process.
The data order of epoch *e* must come from ``epoch_seed(seed, e)`` (a fresh
``tf.data`` pipeline shuffled with that seed for each epoch; this is how
``fit`` shuffles), and the dropout masks come from the seed generators
stored in the checkpoint.

Example:
    >>> import os, tempfile
    >>> import keras, numpy as np
    >>> from dl_notebook.train.checkpoint import CheckpointCallback, load_checkpoint
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> model.compile("adam", "mse")
    >>> folder = tempfile.mkdtemp()
    >>> _ = model.fit(np.ones((8, 4)), np.zeros((8, 2)), epochs=3, verbose=0,
    ...               callbacks=[CheckpointCallback(folder)])
    >>> sorted(os.listdir(folder))
    ['epoch-0002.json', 'epoch-0002.keras', 'epoch-0003.json', 'epoch-0003.keras', 'latest']
    >>> ckpt = load_checkpoint(folder)
    >>> ckpt.epoch, len(ckpt.history_rows)
    (3, 3)
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import zipfile

from .._keras import keras
from ..errors import InvalidArgumentError
from . import _rng_state
from ._atomic import atomic_write, file_sha256, fsync_dir, write_bytes

__all__ = [
    "Checkpoint",
    "CheckpointCallback",  # noqa: F822 - from checkpoint_callback, by __getattr__ below
    "epoch_seed",
    "load_checkpoint",
    "save_checkpoint",
    "scan_checkpoints",
]

FORMAT = 1
LATEST = "latest"
_STEM = re.compile(r"^epoch-(\d{4,})\.json$")


def epoch_seed(seed, epoch):
    """The shuffle seed for epoch *epoch* (0-based) of a run started with *seed*.

    It depends only on the two numbers, so epoch 5 shuffles the same way
    whether the run started at epoch 0 or resumed at epoch 4. ``seed=None``
    gives None (an unseeded shuffle).

    Args:
        seed: the run's seed (an int) or None.
        epoch: the epoch index, as Keras counts it (the first epoch is 0).

    Returns:
        An int in ``[0, 2**31)`` or None.

    Example:
        >>> from dl_notebook.train.checkpoint import epoch_seed
        >>> epoch_seed(42, 3) == epoch_seed(42, 3), epoch_seed(42, 3) != epoch_seed(42, 4)
        (True, True)
        >>> epoch_seed(None, 3) is None
        True
    """
    if seed is None:
        return None
    for what, value in (("seed", seed), ("epoch", epoch)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidArgumentError(f"{what} must be a non-negative integer; got {value!r}.")
    digest = hashlib.sha256(f"dl_notebook-epoch:{seed}:{epoch}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


# -- writing ---------------------------------------------------------------------------
def _stem(epoch) -> str:
    return f"epoch-{epoch:04d}"


def _json_default(value):
    if hasattr(value, "item") and getattr(value, "size", 1) == 1:
        return value.item()  # NumPy / TF scalars
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def save_checkpoint(model, directory, epoch, history_rows=(), *, keep=2, settings=None) -> str:
    """Write the checkpoint of *model* after *epoch* completed epochs, atomically.

    Writes ``epoch-NNNN.keras``, then ``epoch-NNNN.json``, then ``latest``
    (see the module notes), then deletes all but the *keep* newest
    checkpoints, checkpoints of later epochs (left by a run this one
    replaces) and temporary files of interrupted writes. One process at a
    time may write into a folder.

    Args:
        model: a built ``keras.Model`` (compiled, to include the optimizer state).
        directory: the folder; created when missing.
        epoch: the number of completed epochs (1 after the first epoch).
        history_rows: a list of dicts (one per epoch) stored as JSON.
        keep: how many complete checkpoints to keep (at least 1).
        settings: the optimizer settings the run was given (its
            ``get_config()`` before training); None records the current ones.

    Returns:
        The path of the ``.keras`` file.

    Example:
        >>> import tempfile, keras
        >>> from dl_notebook.train.checkpoint import save_checkpoint
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        >>> path = save_checkpoint(model, tempfile.mkdtemp(), 1, [{"epoch": 1, "loss": 0.5}])
        >>> path.endswith("epoch-0001.keras")
        True
    """
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
        raise InvalidArgumentError(f"epoch must be a non-negative integer; got {epoch!r}.")
    if not isinstance(keep, int) or isinstance(keep, bool) or keep < 1:
        raise InvalidArgumentError(f"keep must be a positive integer; got {keep!r}.")
    directory = os.fspath(directory)
    os.makedirs(directory, exist_ok=True)
    stem = _stem(epoch)
    model_path = os.path.join(directory, stem + ".keras")
    atomic_write(model_path, model.save, suffix=".keras")  # Keras wants the suffix
    sha, size = file_sha256(model_path)
    meta = {
        "format": FORMAT,
        "epoch": epoch,
        "model_file": stem + ".keras",
        "sha256": sha,
        "size": size,
        "rng": _rng_state.capture(model),
        "optimizer": _optimizer_record(model, settings),
        "history_rows": list(history_rows),
    }
    text = json.dumps(meta, default=_json_default, indent=1)
    atomic_write(os.path.join(directory, stem + ".json"), write_bytes(text.encode()))
    pointer = json.dumps({"epoch": epoch, "checkpoint": stem})
    atomic_write(os.path.join(directory, LATEST), write_bytes(pointer.encode()))
    fsync_dir(directory)
    _prune(directory, epoch, keep)
    return model_path


def _optimizer_record(model, settings=None):
    """The class name and settings of *model*'s optimizer (None when uncompiled)."""
    opt = getattr(model, "optimizer", None)
    if opt is None:
        return None
    if settings is None:
        try:
            settings = opt.get_config()
        except Exception:  # an optimizer without a serialisable config
            settings = {}
    return {"class": type(opt).__name__, "config": settings}


def _listed_epochs(directory) -> list[int]:
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return sorted({int(m.group(1)) for m in map(_STEM.match, names) if m}, reverse=True)


def _prune(directory, epoch, keep) -> None:
    kept = [e for e in _listed_epochs(directory) if e <= epoch][:keep]
    for name in os.listdir(directory):
        m = re.match(r"^epoch-(\d{4,})\.(json|keras)$", name)
        stale = name.startswith(".") and ".tmp" in name
        if stale or (m and int(m.group(1)) not in kept):
            with contextlib.suppress(OSError):
                os.remove(os.path.join(directory, name))


def __getattr__(name):
    # The callback lives in checkpoint_callback.py (it imports this module, so it is
    # re-exported here on first access rather than imported at the top).
    if name == "CheckpointCallback":
        from .checkpoint_callback import CheckpointCallback

        return CheckpointCallback
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- reading ---------------------------------------------------------------------------
class Checkpoint:
    """A complete checkpoint found by :func:`load_checkpoint`.

    Attributes:
        epoch: completed epochs (train on from ``initial_epoch=epoch``).
        history_rows: the stored history rows (list of dicts).
        path: the ``.keras`` file (architecture, weights, optimizer state).
        rng: the stored SeedGenerator states by key.
        optimizer: ``{"class": name, "config": settings}`` of the optimizer
            it was saved with (None in checkpoints written before this field).
        skipped: why newer checkpoints in the folder were not used (sentences).

    Example:
        >>> import tempfile, keras
        >>> from dl_notebook.train.checkpoint import load_checkpoint, save_checkpoint
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        >>> folder = tempfile.mkdtemp(); _ = save_checkpoint(model, folder, 2)
        >>> load_checkpoint(folder)
        <Checkpoint epoch 2: epoch-0002.keras>
    """

    def __init__(self, path, meta, skipped=()):
        self.path = path
        self.epoch = int(meta["epoch"])
        self.history_rows = list(meta.get("history_rows") or [])
        self.rng = dict(meta.get("rng") or {})
        self.optimizer = meta.get("optimizer")
        self.skipped = list(skipped)

    def load_model(self, **kwargs):
        """The saved model as a new ``keras.Model`` (``keras.models.load_model`` options)."""
        return keras().models.load_model(self.path, **kwargs)

    def restore_into(self, model, *, optimizer=True) -> None:
        """Put the saved weights, optimizer state and RNG state into *model*.

        *model* must have the architecture that was saved (a rebuilt or
        cloned model is fine). With ``optimizer=True`` it must be compiled
        with the same kind of optimizer; the optimizer's variables are
        created first when training has not created them yet.

        Args:
            model: a built ``keras.Model``.
            optimizer: also restore the optimizer state (moments, iteration
                count, learning rate).

        Example:
            >>> import tempfile, keras, numpy as np
            >>> from dl_notebook.train.checkpoint import load_checkpoint, save_checkpoint
            >>> def make():
            ...     m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
            ...     m.compile("adam", "mse"); return m
            >>> a, b = make(), make(); folder = tempfile.mkdtemp()
            >>> _ = save_checkpoint(a, folder, 1)
            >>> load_checkpoint(folder).restore_into(b)
            >>> all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights()))
            True
        """
        from keras.src.saving import saving_lib

        if not getattr(model, "built", False):
            raise InvalidArgumentError(
                "The model is not built; build it (or call it on a batch) before restore_into."
            )
        opt = getattr(model, "optimizer", None)
        if optimizer and opt is None:
            raise InvalidArgumentError(
                "The model is not compiled; compile it before restore_into, "
                "or pass optimizer=False to restore only the weights."
            )
        if not os.path.isfile(self.path):
            raise InvalidArgumentError(
                f"The checkpoint file {self.path!r} is gone; call load_checkpoint again."
            )
        skip = None
        if optimizer:
            saved = _saved_optimizer_variables(self.path)
            if not opt.built and saved != len(opt.variables):  # saved after training began
                with model.distribute_strategy.scope():
                    opt.build(model.trainable_variables)
            if saved != len(opt.variables):
                raise InvalidArgumentError(
                    f"The checkpoint's optimizer has {saved} variables and the model's "
                    f"{type(opt).__name__} has {len(opt.variables)}; compile the model with "
                    f"the optimizer it was trained with, or pass optimizer=False."
                )
        elif opt is not None:
            skip = [opt]
        try:
            saving_lib.load_weights_only(model, self.path, objects_to_skip=skip)
        except ValueError as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise InvalidArgumentError(
                f"The checkpoint {os.path.basename(self.path)} does not fit this model "
                f"({first.rstrip('.')}); restore it into a model with the saved architecture."
            ) from None
        _rng_state.restore(model, self.rng)

    def __repr__(self):
        return f"<Checkpoint epoch {self.epoch}: {os.path.basename(self.path)}>"


def _saved_optimizer_variables(path) -> int:
    import h5py

    with zipfile.ZipFile(path) as archive, \
            h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as f:
        group = f.get("optimizer/vars")
        return 0 if group is None else len(group.keys())


def _read_checkpoint(directory, epoch):
    """``(Checkpoint, None)`` when epoch *epoch* is complete, else ``(None, reason)``."""
    stem = _stem(epoch)
    try:
        with open(os.path.join(directory, stem + ".json"), encoding="utf-8") as f:
            meta = json.load(f)
        if meta.get("format") != FORMAT or meta.get("epoch") != epoch:
            return None, f"{stem}.json is not a checkpoint record of epoch {epoch}"
        path = os.path.join(directory, meta["model_file"])
        sha, size = file_sha256(path)
        if (sha, size) != (meta["sha256"], meta["size"]):
            return None, f"{meta['model_file']} is truncated or changed"
        with zipfile.ZipFile(path) as archive:
            if "model.weights.h5" not in archive.namelist():
                return None, f"{meta['model_file']} holds no weights"
    except FileNotFoundError as err:
        return None, f"{os.path.basename(err.filename or stem)} is missing"
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as err:
        return None, f"{stem} cannot be read ({type(err).__name__})"
    return Checkpoint(path, meta), None


def load_checkpoint(directory):
    """The newest complete checkpoint in *directory*, or None when there is none.

    The checkpoint that ``latest`` names is used unless it is missing or
    damaged (wrong size or checksum, unreadable record); then the newest
    older complete one is. Without a readable ``latest``, the newest
    complete checkpoint in the folder is used.

    Args:
        directory: the folder :class:`CheckpointCallback` wrote into.

    Returns:
        A :class:`Checkpoint`, or None for a missing or empty folder.

    Example:
        >>> import tempfile
        >>> from dl_notebook.train.checkpoint import load_checkpoint
        >>> load_checkpoint(tempfile.mkdtemp()) is None
        True
    """
    return scan_checkpoints(directory)[0]


def scan_checkpoints(directory):
    """``(checkpoint, damaged)``: what :func:`load_checkpoint` uses, and what it passed over.

    *damaged* lists ``(epoch, reason)`` for each checkpoint newer than the
    one returned (all of them when none is complete) that is missing a
    file, truncated or unreadable; epoch None stands for an unreadable
    ``latest`` pointer.

    Args:
        directory: the folder :class:`CheckpointCallback` wrote into.

    Returns:
        A :class:`Checkpoint` or None, and a list of ``(epoch, reason)``.

    Example:
        >>> import os, tempfile
        >>> from dl_notebook.train.checkpoint import scan_checkpoints
        >>> folder = tempfile.mkdtemp()
        >>> with open(os.path.join(folder, "epoch-0003.json"), "w") as f:
        ...     _ = f.write("{")
        >>> scan_checkpoints(folder)
        (None, [(3, 'epoch-0003 cannot be read (JSONDecodeError)')])
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        if os.path.exists(directory):
            raise InvalidArgumentError(
                f"checkpoint_dir {directory!r} is a file; give a folder for the checkpoints."
            )
        return None, []
    epochs = _listed_epochs(directory)
    damaged = []
    try:
        with open(os.path.join(directory, LATEST), encoding="utf-8") as f:
            committed = int(json.load(f)["epoch"])
        epochs = [committed] + [e for e in epochs if e < committed]
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError):
        damaged.append((None, "the 'latest' pointer cannot be read"))
    for epoch in epochs:
        ckpt, reason = _read_checkpoint(directory, epoch)
        if ckpt is not None:
            ckpt.skipped = [why for _, why in damaged]
            return ckpt, damaged
        damaged.append((epoch, reason))
    return None, damaged
