"""Ready networks for ``%%dl model NAME --from KEY``: building one by key, and how it was built.

:func:`build_ready` calls the builder that ``dn.applications`` registered
under a key with the arguments the magic's options give; the model
builder and the Train and inspect dashboard call it too. It remembers how
each network was built (:func:`origin`), so the code writer can write
``--from KEY`` (or ``dn.applications.ResNet18(...)``) followed by the
layers added since, instead of every layer of the ready network.

Example:
    >>> from dl_notebook.magics.zoo import build_ready, origin
    >>> net = build_ready("lenet5", name="digits", n_classes=3, input_shape=(16, 16, 1))
    >>> net.name, net.layer_names[-1], net["output1"].output_shape
    ('digits', 'output1', (None, 3))
    >>> origin(net).call
    "LeNet5(n_classes=3, input_shape=(16, 16, 1), name='digits')"
"""

from __future__ import annotations

import inspect
import weakref
from dataclasses import dataclass

from ..errors import InvalidArgumentError

__all__ = ["Origin", "build_ready", "origin"]

_ORIGINS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Origin:
    """How :func:`build_ready` built a network.

    Attributes:
        key: the registry key (``"resnet18"``).
        function: the builder's name in ``dn.applications`` (``"ResNet18"``).
        arguments: the keyword arguments it was called with, in call order.
        options: the same as ``%%dl model --from`` options (``{"classes": 10, …}``),
            and the builder's other arguments (``{"growth_rate": 12}``).
        load: a weight file loaded after building (for builders that take none).
        layers: the network's layers as built (see :func:`origin`).
    """

    key: str
    function: str
    arguments: dict
    options: dict
    load: str | None
    layers: tuple

    @property
    def call(self) -> str:
        """The builder call, as Python: ``ResNet18(n_classes=10, input_shape=(64, 64, 3))``."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.arguments.items())
        return f"{self.function}({args})"


def _layers(net) -> tuple:
    """What must not change for a network to still start with the layers it was built with."""
    return tuple((spec.name, type(spec).__name__, spec.arguments(), tuple(spec.inputs),
                  spec.trainable) for spec in net)


def build_ready(key, *, name=None, n_classes=None, input_shape=None, include_top=True,
                weights=None, freeze=False, **arguments):
    """Build the ready network registered as *key* with the arguments its builder takes.

    Image classifiers are called with ``n_classes=…, input_shape=…,
    include_top=…``; arguments left at None are not passed (the builder's
    defaults hold). A builder without ``pretrained_weights`` gets the
    weight file through ``net.load_weights`` after it is built.

    Args:
        key: a key of ``dn.applications.catalog()`` (case and ``-``/``_`` ignored).
        name: the network's name.
        n_classes: classes of the output layer (``--classes``).
        input_shape: the input shape (``--input``).
        include_top: False leaves out the architecture's classifier (``--notop``).
        weights: a weight file to load (``--weights``).
        freeze: freeze every layer but the top or new head (``--freeze``).
        **arguments: the builder's other arguments (``ARG=VALUE`` words).

    Returns:
        The new ``dn.Network``.

    Raises:
        InvalidArgumentError: an unknown key (with the close ones), or an
            argument the builder does not take; the builder's own errors
            (an input too small, say) pass through.

    Example:
        >>> from dl_notebook.magics.zoo import build_ready
        >>> build_ready("lenet5", include_top=False)
        Traceback (most recent call last):
        dl_notebook.errors.InvalidArgumentError: LeNet-5 (lenet5) has no separate top to leave out (--notop).
    """
    from ..applications import find

    entry = find(key)
    params = inspect.signature(entry.function).parameters
    where = f"{entry.title} ({entry.key})"
    others = arguments
    arguments, options = {}, {}

    def give(param, value, option, what):
        if param not in params:
            raise InvalidArgumentError(f"{where} takes no {what} ({option}).")
        arguments[param] = value
        options[option[2:]] = value

    if n_classes is not None:
        give("n_classes", n_classes, "--classes", "number of classes")
    if input_shape is not None:
        give("input_shape", tuple(input_shape), "--input", "input shape")
    if "include_top" in params:
        arguments["include_top"] = bool(include_top)
        options["notop"] = not include_top
    elif not include_top:
        raise InvalidArgumentError(f"{where} has no separate top to leave out (--notop).")
    if weights is not None and "pretrained_weights" in params:
        give("pretrained_weights", str(weights), "--weights", "weight file")
    if freeze:
        give("freeze", True, "--freeze", "freezing")
    if name is not None and "name" in params:
        arguments["name"] = name
    for key, value in others.items():
        if key not in params:
            raise InvalidArgumentError(
                f"{where} takes no argument {key!r}; its arguments are {', '.join(params)}."
            )
        arguments[key] = options[key] = value
    missing = [p.name for p in params.values() if p.default is p.empty and p.name not in arguments
               and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if missing:
        raise InvalidArgumentError(
            f"{where} needs {', '.join(missing)}: add {missing[0]}=… to the %%dl model line "
            f"(or call dn.applications.{entry.function.__name__} in Python)."
        )
    net = entry.function(**arguments)
    load = None
    if weights is not None and "pretrained_weights" not in params:
        load = str(weights)
        net.load_weights(load)
        options["weights"] = load
    _ORIGINS[net] = Origin(entry.key, entry.function.__name__, arguments,
                           {k: v for k, v in options.items() if k in others or
                            v not in (None, False)}, load,
                           _layers(net))
    return net


def origin(net):
    """How :func:`build_ready` built *net*, or None (built otherwise, or its layers changed).

    The network may have grown: layers added after the ready ones leave
    its origin valid. An edit of a ready layer (inserted before it,
    removed, renamed, frozen, given other arguments) makes it None.

    Args:
        net: a ``dn.Network``.

    Example:
        >>> from dl_notebook.magics.zoo import build_ready, origin
        >>> net = build_ready("lenet5", n_classes=3, input_shape=(16, 16, 1))
        >>> origin(net).key
        'lenet5'
        >>> net.rename("fc1", "dense1")
        >>> origin(net) is None
        True
    """
    found = _ORIGINS.get(net)
    if found is None or _layers(net)[:len(found.layers)] != found.layers:
        return None
    return found
