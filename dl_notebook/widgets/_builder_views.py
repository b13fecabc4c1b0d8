"""What the model builder draws besides its form: the DAG pane, the summary line, the code.

Example:
    >>> import dl_notebook as dn
    >>> from dl_notebook.widgets._builder_views import code_texts, summary_html
    >>> net = dn.Sequential(name="tiny", layers=[dn.layers.InputLayer(shape=(4,)),
    ...                                          dn.layers.OutputLayer(2)])
    >>> summary_html(net)
    '<b>tiny</b>: 2 layers, 10 parameters; input (4,) → output (2,)'
    >>> code_texts(net)[0].splitlines()[0]
    '%%dl model tiny --input 4'
"""

from __future__ import annotations

import html

import anywidget
import traitlets

from dl_notebook.errors import DLError
from dl_notebook.widgets._assets import _read

__all__ = ["DagPane", "code_box", "code_texts", "layer_shape", "summary_html"]


class DagPane(anywidget.AnyWidget):
    """The drawing: inline SVG; a click on a layer's box selects that layer."""

    _esm, _css = _read("_builder.js"), _read("_builder.css")
    svg = traitlets.Unicode("", help="The network drawn as SVG markup.").tag(sync=True)
    selected = traitlets.Unicode(
        None, allow_none=True, help="Name of the selected layer (a click on its box sets it)."
    ).tag(sync=True)


def layer_shape(spec) -> str:
    """A layer's output shape without the batch axis, as text (its first output's)."""
    shape = spec.output_shape
    if shape and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return str(tuple(shape[1:])) if shape else "?"


def summary_html(net) -> str:
    """The line above the drawing: name, layers, parameters, input and output shapes."""
    if not len(net):
        return "<i>The network has no layers yet: add an InputLayer.</i>"
    ins = ", ".join(layer_shape(net[n]) for n in net.input_names)
    outs = ", ".join(layer_shape(net[n]) for n in net.output_names)
    return (f"<b>{html.escape(net.name)}</b>: {len(net)} layers, "
            f"{net.count_params():,} parameters; input {ins} → output {outs}")


def code_texts(net) -> tuple[str, str]:
    """The ``%%dl`` cell and the Python code that rebuild *net* (a comment when one cannot)."""
    from dl_notebook.magics.codegen import dl_cell, python_code

    texts = []
    for make in (dl_cell, python_code):
        try:
            texts.append(make(net))
        except DLError as err:
            texts.append(f"# {err}")
    return tuple(texts)


def code_box(text: str, kind: str) -> str:
    """A read-only text box of *text* to copy (``kind``: "dl" or "python")."""
    rows = min(max(text.count("\n") + 2, 4), 24)
    return (f'<textarea class="dln-builder-code dln-builder-code-{kind}" readonly '
            f'spellcheck="false" rows="{rows}">{html.escape(text)}</textarea>')
