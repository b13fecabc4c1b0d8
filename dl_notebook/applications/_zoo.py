"""The one list of ready networks: what each is called, what it is for, what input it needs.

A builder function registers itself with :func:`application`; ``dn.applications``,
``%%dl model NAME --from KEY``, ``%dl help models``, the Train and inspect
dashboard's architecture list and the model builder's "start from" list all
read this registry, so a new architecture is one decorated function in one
file of this package.

A network that gives a :class:`Recipe` is one the teaching dashboards offer
(:func:`dashboard_choices`), and the recipe is how they train it by
default: ``tests/test_defaults_learn.py`` trains each such network with its
recipe on the bundled digits and holds it to 90 % test accuracy. The rest
of the zoo stays available from Python and ``%%dl model NAME --from KEY``.

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

__all__ = ["Application", "Recipe", "application", "catalog", "dashboard_choices", "find",
           "fitting"]

TASKS = ("image", "text", "sequence", "tabular", "autoencoder", "detection", "segmentation")
SOLVERS = ("adam", "sgd", "momentum", "rmsprop")  # the solvers a dashboard offers


@dataclass(frozen=True)
class Recipe:
    """How a teaching dashboard trains a network by default, on images of ``image_size``.

    A network registered with a recipe learns the bundled digits to at least
    90 % test accuracy with it (``tests/test_defaults_learn.py``).

    Attributes:
        solver: ``"adam"``, ``"sgd"``, ``"momentum"`` or ``"rmsprop"``.
        learning_rate: the solver's learning rate.
        epochs: passes over the training split.
        batch_size: images per batch.
        image_size: the image side, in pixels, the recipe was measured at.

    Example:
        >>> from dl_notebook.applications._zoo import Recipe
        >>> Recipe(epochs=3).as_settings()
        {'solver': 'adam', 'learning_rate': 0.001, 'epochs': 3, 'batch_size': 32}
        >>> Recipe(solver="lbfgs")
        Traceback (most recent call last):
        dl_notebook.errors.InvalidArgumentError: Recipe: solver must be one of adam, sgd, momentum, rmsprop; got 'lbfgs'.
    """

    solver: str = "adam"
    learning_rate: float = 1e-3
    epochs: int = 5
    batch_size: int = 32
    image_size: int = 32

    def __post_init__(self):
        if self.solver not in SOLVERS:
            raise InvalidArgumentError(
                f"Recipe: solver must be one of {', '.join(SOLVERS)}; got {self.solver!r}.")
        for field_name in ("epochs", "batch_size", "image_size"):
            value = getattr(self, field_name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidArgumentError(
                    f"Recipe: {field_name} must be a positive integer; got {value!r}.")
        if not isinstance(self.learning_rate, (int, float)) or not self.learning_rate > 0:
            raise InvalidArgumentError(
                f"Recipe: learning_rate must be a positive number; got {self.learning_rate!r}.")

    def as_settings(self) -> dict:
        """The training settings, by the names of the dashboard's controls."""
        return dict(solver=self.solver, learning_rate=self.learning_rate, epochs=self.epochs,
                    batch_size=self.batch_size)


@dataclass(frozen=True)
class Application:
    """One ready network.

    Attributes:
        key: its word in ``%%dl model NAME --from KEY`` (``"resnet50"``).
        function: the builder (``dn.applications.ResNet50``).
        title: the name people read (``"ResNet-50"``).
        task: ``"image"`` (classifiers), ``"text"``, ``"sequence"``, ``"tabular"``,
            ``"autoencoder"``, ``"detection"`` or ``"segmentation"``.
        min_size: the smallest image side it takes (image models).
        native_shape: the input shape it was designed for (and Keras' weights use).
        keras_name: the ``keras.applications`` function with the same layers, if any.
        recipe: how a teaching dashboard trains it (a :class:`Recipe`); None when
            the dashboards do not offer it.
    """

    key: str
    function: object
    title: str
    task: str = "image"
    min_size: int | None = None
    native_shape: tuple | None = None
    keras_name: str | None = None
    recipe: Recipe | None = None

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


def application(key, *, title, task="image", min_size=None, native_shape=None, keras_name=None,
                recipe=None):
    """Register the decorated builder function under *key* (see :class:`Application`).

    Give a *recipe* only with a test showing the network learns with it: the
    dashboards then offer the network and train it that way by default.
    """
    if task not in TASKS:
        raise InvalidArgumentError(f"application {key!r}: task must be one of {', '.join(TASKS)}.")
    if recipe is not None and not isinstance(recipe, Recipe):
        raise InvalidArgumentError(f"application {key!r}: recipe must be a Recipe; got "
                                   f"{type(recipe).__name__}.")

    def register(function):
        _REGISTRY[key] = Application(key, function, title, task, min_size,
                                     None if native_shape is None else tuple(native_shape),
                                     keras_name, recipe)
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


def dashboard_choices(input_shape) -> dict:
    """The image classifiers a teaching dashboard offers for images of *input_shape* ``(h, w, c)``.

    Those registered with a :class:`Recipe` (their tested default training)
    that take images of that size, by key.

    Example:
        >>> from dl_notebook.applications._zoo import dashboard_choices
        >>> list(dashboard_choices((32, 32, 1)))
        ['lenet5', 'small_cnn']
        >>> dashboard_choices((32, 32, 1))["small_cnn"].recipe.epochs
        5
    """
    return {k: a for k, a in fitting(input_shape).items() if a.recipe is not None}


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
