"""The layer form of the model builder, read off the layer types' own declarations.

The builder offers every registered layer type whose ``in_builder`` is true;
its form shows the arguments declared with ``Arg(..., form=True)``. A
field starts at the argument's default, or at its declared ``start`` value
when it has none. Choices become dropdowns, flags checkboxes, numbers
number fields, and anything else (tuples, optional values) a text field
read as a Python literal.

Example:
    >>> import inspect
    >>> from dl_notebook.model.layers.describe import Arg
    >>> from dl_notebook.widgets._layer_form import field, field_value
    >>> field_value(field(Arg("stride", "size", None), None)) is inspect.Parameter.empty
    True
    >>> field_value(field(Arg("target_shape", "rshape"), (7, 7, 16)))
    (7, 7, 16)
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Mapping, Set

import ipywidgets

from dl_notebook.errors import InvalidArgumentError
from dl_notebook.model.layers.base import activation_names
from dl_notebook.model.layers.describe import REQUIRED, layer_types

__all__ = ["LAYER_TYPES", "MERGES", "STYLE", "builder_types", "form_args", "start_value",
           "field", "field_value"]

STYLE = {"description_width": "92px"}


def builder_types() -> dict[str, type]:
    """Name -> layer type, for every type the builder offers, in the order they were defined."""
    return {cls.__name__: cls for cls in layer_types() if cls.in_builder}


def form_args(cls) -> tuple:
    """The arguments of *cls* that its form shows."""
    return tuple(arg for arg in cls.args if arg.form)


def start_value(arg, input_shape=None):
    """The value a field for *arg* starts at (the network's input shape for ``shape``)."""
    if arg.name == "shape" and input_shape is not None:
        return input_shape
    if arg.default is REQUIRED or callable(arg.default):
        return None if arg.start is REQUIRED else arg.start
    return arg.default


class _Types(Mapping):
    """``LAYER_TYPES``: type name -> (form argument names, start values), as registered now."""

    def __getitem__(self, name):
        args = form_args(builder_types()[name])
        return tuple(a.name for a in args), {a.name: start_value(a) for a in args}

    def __iter__(self):
        return iter(builder_types())

    def __len__(self):
        return len(builder_types())


class _Merges(Set):
    """``MERGES``: the types that join two or more layers (they take ``inputs``)."""

    def _names(self):
        return [n for n, cls in builder_types().items() if (cls.min_inputs or 0) >= 2]

    def __contains__(self, name):
        return name in self._names()

    def __iter__(self):
        return iter(self._names())

    def __len__(self):
        return len(self._names())


LAYER_TYPES: Mapping = _Types()
MERGES: Set = _Merges()


def _options(arg):
    if arg.kind == "act":
        return list(activation_names())
    return list(arg.choice_values) if arg.choices else None


def field(arg, value):
    """A form control for the argument *arg*, holding *value*."""
    options = _options(arg)
    name = arg.name
    if options:
        if value is None and arg.kind == "act":
            value = "identity"
        if value not in options:
            value = options[0]
        return ipywidgets.Dropdown(options=options, value=value, description=name, style=STYLE)
    if arg.kind == "bool" or isinstance(value, bool):
        return ipywidgets.Checkbox(value=bool(value), description=name, indent=False)
    if arg.kind == "num" and isinstance(value, (int, float)):
        return ipywidgets.FloatText(value=float(value), step=0.05, description=name,
                                    style=STYLE)
    if arg.kind == "int" and isinstance(value, int):
        return ipywidgets.IntText(value=value, description=name, style=STYLE)
    if isinstance(value, int) and arg.kind in ("size", "kernel", "size1"):
        return ipywidgets.IntText(value=value, description=name, style=STYLE)
    return ipywidgets.Text(value="" if value is None else repr(value), placeholder="default",
                           description=name, style=STYLE)


def field_value(widget):
    """The argument a control holds; ``inspect.Parameter.empty`` for an empty text field."""
    if not isinstance(widget, ipywidgets.Text):
        return widget.value
    text = widget.value.strip()
    if not text:
        return inspect.Parameter.empty
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise InvalidArgumentError(
            f"{widget.description}: write a number or a tuple such as (2, 2); got {text!r}."
        ) from None
