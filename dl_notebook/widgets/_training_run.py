"""The steps of a dashboard's training run that need no widget: data, solver, messages.

:mod:`dl_notebook.widgets.train_inspect` calls these from its background thread
with a plain dict of settings (``folder``, ``size``, ``color``, ``valid``,
``test``, ``seed``, ``solver``, ``lr``).

Example:
    >>> from dl_notebook.errors import InvalidArgumentError
    >>> from dl_notebook.widgets._training_run import one_line
    >>> one_line(InvalidArgumentError("epochs must be positive."))
    'epochs must be positive.'
    >>> one_line(ValueError("bad\\nvalue"))
    'ValueError: bad value'
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from dl_notebook.errors import DLError

__all__ = ["SOLVERS", "digits_folder", "load_splits", "make_solver", "one_line"]

SOLVERS = (("Adam", "adam"), ("SGD", "sgd"), ("SGD + momentum", "momentum"),
           ("RMSProp", "rmsprop"))
_SOLVER_CLASSES = {"adam": "Adam", "sgd": "Vanilla", "momentum": "Momentum", "rmsprop": "RMSProp"}


def one_line(err: BaseException) -> str:
    """An exception as one line a student can read: its message, never a traceback."""
    text = " ".join(str(err).split())
    if isinstance(err, DLError) and text:
        return text
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def make_solver(settings):
    """The ``dn.solvers`` solver named by ``settings["solver"]`` at rate ``settings["lr"]``.

    Example:
        >>> from dl_notebook.widgets._training_run import make_solver
        >>> make_solver({"solver": "momentum", "lr": 0.01}).learning_rate
        0.01
    """
    from dl_notebook.train import solvers

    cls = getattr(solvers, _SOLVER_CLASSES[settings["solver"]])
    return cls(learning_rate=settings["lr"])


def digits_folder(data_root) -> Path:
    """The bundled digits as 32×32 PNGs in ``data_root/digits`` (written on first use).

    A data root that cannot be written to gets them in the temporary folder instead.
    """
    from dl_notebook.data.datasets import digits

    try:
        return digits(Path(data_root) / "digits", size=32, data_root=data_root)
    except OSError:
        return digits(Path(tempfile.gettempdir()) / "dl_notebook-digits", size=32)


def load_splits(settings, data_root, cache: dict):
    """``(train, valid, test)`` of the chosen dataset (``valid`` is None at 0 %).

    ``settings["folder"]`` None means the bundled digits. Loaded datasets are kept
    in *cache* by (folder, size, colours), so a second run does not scan again.
    """
    from dl_notebook.data import ImageDataset, three_way_split, two_way_split

    folder = settings["folder"]
    folder = digits_folder(data_root) if folder is None else folder
    size = settings["size"]
    key = (str(folder), size, settings["color"])
    if key not in cache:  # a chosen folder is read only inside the data root, links resolved
        root = None if settings["folder"] is None else data_root
        cache[key] = ImageDataset.from_folder(folder, image_size=(size, size),
                                              color_mode=settings["color"], verbose=False,
                                              data_root=root)
    data = cache[key]
    if settings["valid"]:
        return three_way_split(data, valid_rate=settings["valid"], test_rate=settings["test"],
                               seed=settings["seed"])
    train, test = two_way_split(data, test_rate=settings["test"], seed=settings["seed"])
    return train, None, test
