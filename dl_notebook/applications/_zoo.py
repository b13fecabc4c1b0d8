"""The one list of ready networks: what each is called, what it is for, what input it needs.

A builder function registers itself with :func:`application`; ``dn.applications``,
``%%dl model NAME --from KEY``, ``%dl help models``, the Train and inspect
dashboard's architecture list and the model builder's "start from" list all
read this registry, so a new architecture is one decorated function in one
file of this package.

Example:
    >>> import dl_notebook as dn
    >>> from dl_notebook.applications import catalog
    >>> entry = catalog()["lenet5"]
    >>> entry.title, entry.function is dn.applications.LeNet5
    ('LeNet-5', True)
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..errors import InvalidArgumentError

__all__ = ["Application", "application", "catalog", "find", "fitting"]

TASKS = ("image", "text", "sequence", "tabular", "autoencoder")


@dataclass(frozen=True)
class Application:
    """One ready network.

    Attributes:
        key: its word in ``%%dl model NAME --from KEY`` (``"resnet50"``).
        function: the builder (``dn.applications.ResNet50``).
        title: the name people read (``"ResNet-50"``).
        task: ``"image"`` (classifiers), ``"text"``, ``"sequence"``, ``"tabular"``
            or ``"autoencoder"``.
        min_size: the smallest image side it takes (image models).
        native_shape: the input shape it was designed for (and Keras' weights use).
        keras_name: the ``keras.applications`` function with the same layers, if any.
    """

    key: str
    function: object
    title: str
    task: str = "image"
    min_size: int | None = None
    native_shape: tuple | None = None
    keras_name: str | None = None

    @property
    def summary(self) -> str:
        """The first line of the builder's docstring."""
        return (self.function.__doc__ or "").strip().splitlines()[0] if self.function.__doc__ \
            else ""

    def fits(self, input_shape) -> bool:
        """Whether an image of *input_shape* ``(h, w, c)`` is large enough for it."""
        if self.task != "image" or self.min_size is None:
            return True
        return min(input_shape[:2]) >= self.min_size


_REGISTRY: dict[str, Application] = {}


def application(key, *, title, task="image", min_size=None, native_shape=None, keras_name=None):
    """Register the decorated builder function under *key* (see :class:`Application`)."""
    if task not in TASKS:
        raise InvalidArgumentError(f"application {key!r}: task must be one of {', '.join(TASKS)}.")

    def register(function):
        _REGISTRY[key] = Application(key, function, title, task, min_size,
                                     None if native_shape is None else tuple(native_shape),
                                     keras_name)
        function.application = _REGISTRY[key]
        return function

    return register


def catalog(task=None) -> dict:
    """The registered networks by key, in the order they were defined (one *task* if given)."""
    return {k: a for k, a in _REGISTRY.items() if task is None or a.task == task}


def fitting(input_shape, task="image") -> dict:
    """The networks of *task* that take images of *input_shape* ``(h, w, c)``.

    Example:
        >>> from dl_notebook.applications import fitting
        >>> "lenet5" in fitting((28, 28, 1))
        True
    """
    return {k: a for k, a in catalog(task).items() if a.fits(input_shape)}


def find(key) -> Application:
    """The network registered as *key* (case and ``-``/``_`` ignored), or a DLError naming the keys.

    Example:
        >>> from dl_notebook.applications import find
        >>> find("LeNet-5").key
        'lenet5'
    """
    word = str(key).lower().replace("-", "").replace("_", "")
    for k, entry in _REGISTRY.items():
        if k.replace("_", "") == word:
            return entry
    close = difflib.get_close_matches(str(key).lower(), list(_REGISTRY), n=3)
    hint = f"did you mean {' or '.join(close)}?" if close else f"the models are {', '.join(_REGISTRY)}."
    raise InvalidArgumentError(f"There is no ready network {key!r}; {hint}")
