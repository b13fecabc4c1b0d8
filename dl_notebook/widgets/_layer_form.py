"""The layer form of the model builder: which arguments each layer type shows, as controls.

Each layer type of ``dn.layers`` that the builder offers lists the arguments its form
shows; their initial values are the layer's own defaults (from its signature), or a
sensible value for arguments without one. Choices become dropdowns, flags checkboxes,
numbers number fields, and anything else (tuples, optional values) a text field read
as a Python literal.

Example:
    >>> import inspect
    >>> from dl_notebook.widgets._layer_form import field, field_value
    >>> field_value(field("stride", None)) is inspect.Parameter.empty
    True
    >>> field_value(field("target_shape", (7, 7, 16)))
    (7, 7, 16)
"""

from __future__ import annotations

import ast
import inspect

import ipywidgets

from dl_notebook.errors import InvalidArgumentError

__all__ = ["LAYER_TYPES", "MERGES", "STYLE", "field", "field_value"]

_ACTS = ("relu", "identity", "softmax", "sigmoid", "tanh", "elu", "selu", "gelu", "swish",
         "leaky", "softplus")
_CHOICES = {
    "act": _ACTS,
    "padding": ("same", "valid"),
    "pool": ("max", "mean"),
    "rnn_type": ("lstm", "gru", "rnn"),
    "output_type": ("encoding", "samelength"),
    "interpolation": ("nearest", "bilinear"),
    "error": ("auto", "entropy", "mse", "mae", "huber", "poisson"),
}
_FLOATS = ("dropout", "rate")
_CONV = ("n_filters", "width", "stride", "padding", "act", "dropout")
# Layer type (a dn.layers name) -> (arguments shown in the form, values for the ones
# without a default); the other defaults come from the layer's signature.
LAYER_TYPES = {
    "Conv2d": (_CONV, {"n_filters": 16, "width": 3}),
    "Pooling": (("width", "stride", "pool", "padding"), {}),
    "BN": (("act",), {}),
    "Dense": (("n", "act", "dropout"), {"n": 64}),
    "Dropout": (("rate",), {}),
    "Flatten": ((), {}),
    "GlobalAveragePooling2D": ((), {}),
    "OutputLayer": (("n", "act", "error"), {"n": 10}),
    "Conv2DTranspose": (("n_filters", "width", "stride", "act"), {"n_filters": 16, "width": 3}),
    "UpSampling2D": (("size", "interpolation"), {}),
    "Conv1d": (_CONV, {"n_filters": 16, "width": 3}),
    "Recurrent": (("n", "rnn_type", "output_type", "bidirectional"), {"n": 32}),
    "Embedding": (("input_dim", "output_dim", "mask_zero"), {"input_dim": 1000, "output_dim": 64}),
    "Reshape": (("target_shape",), {"target_shape": (-1,)}),
    "Res": (("act",), {}),
    "Concat": (("act",), {}),
    "InputLayer": (("shape",), {}),
}
MERGES = ("Res", "Concat")
STYLE = {"description_width": "92px"}


def field(name, default):
    """A form control for one layer argument, holding its default."""
    if name in _CHOICES:
        options = list(_CHOICES[name])
        if default == "auto" and "auto" not in options:
            options.insert(0, "auto")
        elif default not in options:
            default = "identity" if name == "act" else options[0]
        return ipywidgets.Dropdown(options=options, value=default, description=name, style=STYLE)
    if isinstance(default, bool):
        return ipywidgets.Checkbox(value=default, description=name, indent=False)
    if name in _FLOATS and isinstance(default, (int, float)):
        return ipywidgets.FloatText(value=float(default), step=0.05, description=name,
                                    style=STYLE)
    if isinstance(default, int):
        return ipywidgets.IntText(value=default, description=name, style=STYLE)
    return ipywidgets.Text(value="" if default is None else repr(default), placeholder="default",
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
