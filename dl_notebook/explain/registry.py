"""The one list of heatmap methods: each method registers itself where it is implemented.

Everything that offers a choice of method reads this registry: the
:func:`~dl_notebook.explain.heatmaps` dispatcher, ``EvaluationResult``'s
``heatmaps`` and ``heat_map_analysis``, the ``%dl heatmap --method``
choices and help, and the image browser's method buttons. Adding a method
is one module: a function ``fn(model, images, class_index=None, **options)``
that returns float32 ``(N, H, W)`` maps in [0, 1], decorated with
:func:`register`.

The registry holds names and titles only; a method's module imports
TensorFlow inside its function, so listing the methods stays cheap.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import InvalidArgumentError

__all__ = ["ExplainMethod", "get", "methods", "names", "on_change", "register", "unregister"]

_NAME = re.compile(r"[a-z][a-z0-9_+\-]*")
_METHODS: dict[str, ExplainMethod] = {}
_ALIASES: dict[str, str] = {}
_LISTENERS: list[Callable[[], None]] = []


@dataclass(frozen=True)
class ExplainMethod:
    """A registered heatmap method: its name, title, function and what it needs.

    Args:
        name: the name users type (``method="gradcam"``, ``--method gradcam``).
        title: the name shown in figures and on the browser's buttons.
        function: ``fn(model, images, class_index=None, **options)`` returning
            float32 ``(N, H, W)`` maps in [0, 1].
        needs_gradients: whether the method differentiates the model.
        needs_ground_truth: whether the method needs the true class ids
            (callers that know them pass them as ``labels=``).
        aliases: other accepted spellings of the name.
        description: one line for help texts and tooltips.

    Example:
        >>> from dl_notebook.explain import registry
        >>> m = registry.get("Grad-CAM")
        >>> m.name, m.title, m.needs_gradients
        ('gradcam', 'Grad-CAM', True)
    """

    name: str
    title: str
    function: Callable = field(repr=False)
    needs_gradients: bool = True
    needs_ground_truth: bool = False
    aliases: tuple = ()
    description: str = ""

    def as_dict(self) -> dict:
        """Name, title and needs as JSON-safe values (what a browser page receives).

        Example:
            >>> from dl_notebook.explain import registry
            >>> registry.get("occlusion").as_dict()["needs_gradients"]
            False
        """
        return {"name": self.name, "title": self.title, "description": self.description,
                "needs_gradients": self.needs_gradients,
                "needs_ground_truth": self.needs_ground_truth}


def _key(name) -> str:
    return name.strip().lower() if isinstance(name, str) else name


def register(name, *, title, needs_gradients=True, needs_ground_truth=False, aliases=(),
             description=""):
    """Decorator that registers a heatmap function as method *name*.

    Registering a name again replaces the method (re-running a notebook cell
    is fine); an alias may not be another method's name.

    Args:
        name: lower-case letters, digits and ``+ - _``, starting with a letter.
        title, needs_gradients, needs_ground_truth, aliases, description:
            see :class:`ExplainMethod`.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.explain import registry
        >>> @registry.register("flat", title="Flat", needs_gradients=False)
        ... def flat(model, images, class_index=None):
        ...     return np.zeros(np.shape(images)[:3], np.float32)
        >>> "flat" in registry.names()
        True
        >>> registry.unregister("flat")
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidArgumentError(
            f"A method name must be lower-case letters, digits and + - _ starting with a letter "
            f"(e.g. 'gradcam'); got {name!r}."
        )
    if not isinstance(title, str) or not title.strip():
        raise InvalidArgumentError(
            f"Method {name!r} needs a title (e.g. 'Grad-CAM'); got {title!r}."
        )
    alias_keys = tuple(dict.fromkeys(_key(a) for a in aliases if _key(a) != name))
    for alias in alias_keys:
        owner = _ALIASES.get(alias, alias if alias in _METHODS else None)
        if not isinstance(alias, str) or (owner is not None and owner != name):
            raise InvalidArgumentError(
                f"Alias {alias!r} of method {name!r} is already the name or an alias of method "
                f"{owner!r}; choose another alias."
            )

    def decorate(function):
        if not callable(function):
            raise InvalidArgumentError(
                f"register({name!r}) decorates a function; got {type(function).__name__}."
            )
        _drop_aliases(name)
        _METHODS[name] = ExplainMethod(name, title, function, bool(needs_gradients),
                                       bool(needs_ground_truth), alias_keys, description)
        _ALIASES.update(dict.fromkeys(alias_keys, name))
        _changed()
        return function

    return decorate


def unregister(name) -> None:
    """Remove method *name* (and its aliases); an unknown name is ignored."""
    if _METHODS.pop(name, None) is not None:
        _drop_aliases(name)
        _changed()


def _drop_aliases(name):
    for alias in [a for a, owner in _ALIASES.items() if owner == name]:
        del _ALIASES[alias]


def methods() -> tuple:
    """Every registered :class:`ExplainMethod`, in the order they were registered.

    Example:
        >>> from dl_notebook.explain import registry
        >>> [m.name for m in registry.methods()][:4]
        ['gradcam', 'gradcam++', 'occlusion', 'saliency']
    """
    return tuple(_METHODS.values())


def names() -> tuple:
    """The names of the registered methods, in the order of :func:`methods`."""
    return tuple(_METHODS)


def get(name) -> ExplainMethod:
    """The method called *name* (any letter case, or an alias such as ``"smoothgrad"``).

    Example:
        >>> from dl_notebook.explain import registry
        >>> registry.get("SmoothGrad").name
        'saliency'
        >>> registry.get("gradcm")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        dl_notebook.errors.InvalidArgumentError: Unknown ... 'gradcm' (did you mean 'gradcam'?); ...
    """
    key = _key(name)
    key = _ALIASES.get(key, key)
    if isinstance(key, str) and key in _METHODS:
        return _METHODS[key]
    known = list(_METHODS)
    close = difflib.get_close_matches(str(key), known + list(_ALIASES), n=1, cutoff=0.6)
    hint = f" (did you mean {_ALIASES.get(close[0], close[0])!r}?)" if close else ""
    raise InvalidArgumentError(
        f"Unknown heatmap method {name!r}{hint}; use one of {', '.join(map(repr, known))}."
    )


def on_change(callback: Callable[[], None]) -> None:
    """Call *callback()* after every registration or removal (e.g. to refresh a help text)."""
    if callback not in _LISTENERS:
        _LISTENERS.append(callback)


def _changed():
    for callback in list(_LISTENERS):
        callback()
