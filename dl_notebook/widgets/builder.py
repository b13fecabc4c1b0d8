"""The model builder: edit a network with forms and watch its DAG change.

:class:`ModelBuilder` is a widget over a :class:`~dl_notebook.Network`. It can start
from a ready network (an image classifier of ``dn.applications`` that takes its
input shape, which replaces the network being edited). Its form adds
a layer of a chosen type before the output layer (the default: in a chain, after the
last layer that is not an output), at the end, or after or before a layer; the selected layer
(picked in the list or by a click on its box in the drawing) can be removed, moved
up or down, or renamed. Every action is one call of the network's editing API
(``add``, ``insert``, ``remove``, ``switch``, ``rename``): a failed edit leaves the
network as it was and its one-sentence message shows in the status line. After each
edit the DAG (``net.plot_network``; a network of more than 40 layers has its
repeated blocks grouped unless "Draw every layer" is ticked), the summary line and
the equivalent ``%%dl`` cell and Python code are drawn again. Another view can
follow the edits with :meth:`ModelBuilder.on_change` or by observing the
``version`` trait.
"""

from __future__ import annotations

import html
import inspect

import ipywidgets
import traitlets

from dl_notebook.errors import DLError, InvalidArgumentError, ShapeError
from dl_notebook.model import Network, Sequential
from dl_notebook.model.layers.core import InputLayer, OutputLayer
from dl_notebook.widgets._builder_views import (
    DagPane,
    code_box,
    code_texts,
    layer_shape,
    summary_html,
)
from dl_notebook.widgets._layer_form import (
    MERGES,
    STYLE,
    builder_types,
    field,
    field_value,
    form_args,
    start_value,
)
from dl_notebook.widgets._ready_start import ReadyStartForm

__all__ = ["ModelBuilder"]

EXPAND_UP_TO = 40  # larger networks are drawn with their repeated blocks grouped


class ModelBuilder(ipywidgets.VBox):
    """A form-driven editor of a network, with its live DAG and equivalent code.

    Args:
        net: the ``dn.Network`` / ``dn.Sequential`` to edit, in place; a new
            ``dn.Sequential`` with an InputLayer of *input_shape* when None.
        input_shape: input shape (without the batch axis) of the new network, the
            default shape offered for an InputLayer, and the shape the ready
            networks of "Start from" take.
        title: heading shown above the builder ("" for none).

    Example:
        >>> from dl_notebook.widgets.builder import ModelBuilder
        >>> builder = ModelBuilder(input_shape=(8, 8, 1))
        >>> builder.layer_type.value = "Flatten"
        >>> builder.add_button.click()
        >>> builder.network.layer_names, builder.message
        (['input1', 'flatten1'], 'Added flatten1 (Flatten) at the end.')
        >>> builder.layer_type.value = "OutputLayer"; builder.add_button.click()
        >>> builder.layer_type.value = "Dense"; builder.add_button.click()
        >>> builder.network.layer_names, builder.message
        (['input1', 'flatten1', 'fc1', 'output1'], 'Added fc1 (Dense) before output1.')
    """

    version = traitlets.Int(0, help="Number of successful edits; observe it to follow them.")

    def __init__(self, net=None, input_shape=(32, 32, 1), *, title="Model builder", **kwargs):
        if net is None:
            net = Sequential(name="model")
            if input_shape is not None:
                net.add(InputLayer(shape=tuple(input_shape)))
        elif not isinstance(net, Network):
            raise InvalidArgumentError(
                f"ModelBuilder edits a dn.Network or dn.Sequential; got {type(net).__name__}."
            )
        self._net = net
        self._input_shape = tuple(input_shape) if input_shape is not None else (32, 32, 1)
        self._callbacks = ipywidgets.CallbackDispatcher()
        self.message, self.message_kind = "", "info"
        self.cell_text = self.python_text = ""
        self._build_form()
        self._build_views(title)
        super().__init__(children=self._children, **kwargs)
        self.add_class("dln-builder")
        self._on_type()
        self._refresh()
        self._say("Choose a layer type and press Add; select a layer to remove, move or "
                  "rename it.")

    # -- public ----------------------------------------------------------------------
    @property
    def network(self) -> Network:
        """The network being edited (edits change it in place)."""
        return self._net

    @network.setter
    def network(self, net):
        if not isinstance(net, Network):
            raise InvalidArgumentError(
                f"ModelBuilder edits a dn.Network or dn.Sequential; got {type(net).__name__}."
            )
        self._net = net
        self._changed(f"Editing {net.name!r}.")

    @property
    def input_shape(self) -> tuple:
        """The input shape offered for an InputLayer and given to a ready network."""
        return self._input_shape

    @input_shape.setter
    def input_shape(self, shape):
        self._input_shape = tuple(shape)
        self.start.input_shape = self._input_shape
        self._on_type()

    @property
    def dag_svg(self) -> str:
        """The SVG markup of the drawing shown now."""
        return self.dag.svg

    def on_change(self, callback, remove=False) -> None:
        """Call ``callback(network)`` after every successful edit (``remove=True`` stops it)."""
        self._callbacks.register_callback(callback, remove=remove)

    # -- building the widgets ----------------------------------------------------------
    def _build_form(self):
        self.start = ReadyStartForm(self._input_shape, self._classes_guess())
        self.start.button.on_click(self._on_start)
        self.layer_type = ipywidgets.Dropdown(options=list(builder_types()), value="Conv2d",
                                              description="Layer type", style=STYLE)
        self.layer_type.add_class("dln-builder-type")
        self.fields: dict[str, ipywidgets.Widget] = {}
        self._fields_box = ipywidgets.VBox()
        self.layer_name = ipywidgets.Text(description="Name", placeholder="automatic",
                                          style=STYLE)
        self.layer_name.add_class("dln-builder-name")
        self.where = ipywidgets.Dropdown(  # the output layer: at the end when there is none
            options=[("before the output layer", "output"), ("at the end", "end"),
                     ("after a layer", "after"), ("before a layer", "before")],
            value="output", description="Place", style=STYLE)
        self.where.add_class("dln-builder-where")
        self.anchor = ipywidgets.Dropdown(description="Layer", style=STYLE)
        self.join = ipywidgets.SelectMultiple(description="Inputs", rows=5, style=STYLE)
        self.add_button = ipywidgets.Button(description="Add layer", button_style="primary",
                                            icon="plus")
        self.add_button.add_class("dln-builder-add")
        self.layers = ipywidgets.Select(rows=10, layout={"width": "96%"})
        self.layers.add_class("dln-builder-layers")
        self.remove_button = ipywidgets.Button(description="Remove", button_style="danger",
                                               layout={"width": "auto"})
        self.up_button = ipywidgets.Button(description="Move up", layout={"width": "auto"})
        self.down_button = ipywidgets.Button(description="Move down", layout={"width": "auto"})
        self.new_name = ipywidgets.Text(placeholder="new name", layout={"width": "150px"})
        self.rename_button = ipywidgets.Button(description="Rename", layout={"width": "auto"})
        for button in (self.remove_button, self.up_button, self.down_button, self.rename_button):
            button.add_class(f"dln-builder-{button.description.lower().replace(' ', '-')}")
        self.layer_type.observe(self._on_type, "value")
        self.where.observe(self._on_where, "value")
        self.layers.observe(self._on_select, "value")
        self.add_button.on_click(self._on_add)
        self.remove_button.on_click(self._on_remove)
        self.up_button.on_click(lambda _: self._on_move(-1))
        self.down_button.on_click(lambda _: self._on_move(+1))
        self.rename_button.on_click(self._on_rename)

    def _build_views(self, title):
        heading = ipywidgets.HTML(f"<h3>{html.escape(title)}</h3>" if title else "")
        self.summary = ipywidgets.HTML()
        self.summary.add_class("dln-builder-summary")
        self.status = ipywidgets.HTML()
        self.status.add_class("dln-builder-status")
        self.dag = DagPane()
        self.dag.observe(self._on_dag_click, "selected")
        self.expand_all = ipywidgets.Checkbox(description="Draw every layer", indent=False)
        self.expand_all.add_class("dln-builder-expand")
        self.expand_all.observe(self._draw, "value")
        self.cell_view, self.python_view = ipywidgets.HTML(), ipywidgets.HTML()
        code = ipywidgets.Tab(children=[self.cell_view, self.python_view])
        code.titles = ("%%dl cell", "Python")
        add_box = ipywidgets.VBox([
            ipywidgets.HTML("<b>Add a layer</b>"), self.layer_type, self._fields_box,
            self.layer_name, self.where, self.anchor, self.join, self.add_button,
        ])
        edit_box = ipywidgets.VBox([
            ipywidgets.HTML("<b>Edit the selected layer</b>"), self.layers,
            ipywidgets.HBox([self.up_button, self.down_button, self.remove_button]),
            ipywidgets.HBox([self.new_name, self.rename_button]),
        ])
        form = ipywidgets.VBox([self.start, add_box, edit_box],
                               layout={"width": "400px", "flex": "0 0 auto"})
        drawing = ipywidgets.VBox([self.expand_all, self.dag],
                                  layout={"flex": "1 1 auto", "min_width": "0"})
        form.add_class("dln-builder-form")
        hint = ipywidgets.HTML("Equivalent code: click in the box, select all (Ctrl+A) and "
                               "copy (Ctrl+C) into a notebook cell to rebuild this network.")
        self._children = [heading, self.summary, self.status,
                          ipywidgets.HBox([form, drawing]), hint, code]

    # -- events ------------------------------------------------------------------------
    def _on_type(self, _=None):
        kind = self.layer_type.value
        self.fields = {arg.name: field(arg, start_value(arg, self._input_shape))
                       for arg in form_args(builder_types()[kind])}
        self._fields_box.children = list(self.fields.values())
        merge = kind in MERGES
        self.join.layout.display = "flex" if merge else "none"
        self.where.layout.display = "none" if merge else "flex"
        self._on_where()

    def _on_where(self, _=None):
        hidden = self.where.value in ("end", "output") or self.layer_type.value in MERGES
        self.anchor.layout.display = "none" if hidden else "flex"

    def _on_select(self, change):
        name = change["new"]
        self.dag.selected = name
        if name in self.anchor.options:
            self.anchor.value = name
            self.new_name.value = name

    def _on_dag_click(self, change):
        if change["new"] in self._net and change["new"] != self.layers.value:
            self.layers.value = change["new"]

    def _on_add(self, _=None):
        kind = self.layer_type.value

        def add():
            spec = self._make_layer(kind)
            where = self.where.value
            if kind in MERGES:
                if len(self.join.value) < 2:
                    raise InvalidArgumentError(
                        f"{kind} joins two or more layers; select them under Inputs "
                        f"(Ctrl+click to select several)."
                    )
                self._net.add(spec, inputs=list(self.join.value))
                place = f"joining {', '.join(self.join.value)}"
            elif where == "end" or (where == "output" and self._output_layer() is None):
                self._net.add(spec)
                place = "at the end"
            elif where == "output":
                place = self._insert_before_output(spec)
            else:
                if self.anchor.value is None:
                    raise InvalidArgumentError(
                        f"Choose the layer to insert {where}, or place the layer at the end."
                    )
                self._net.insert(spec, **{where: self.anchor.value})
                place = f"{where} {self.anchor.value}"
            self.layer_name.value = ""
            return f"Added {spec.name} ({spec.type_name}) {place}.", spec.name

        self._edit(add)

    def _on_start(self, _=None):
        def start():
            self._net = self.start.build()
            return (f"Started from {self.start.choice.label}: {len(self._net)} layers, "
                    f"editable like any network."), self._net.layer_names[-1]

        self._edit(start)

    def _on_remove(self, _=None):
        def remove():
            name = self._selected("remove")
            order = self._net.layer_names
            index = order.index(name)
            self._net.remove(name)
            rest = [n for n in order if n != name]
            return f"Removed {name}.", rest[min(index, len(rest) - 1)] if rest else None

        self._edit(remove)

    def _on_move(self, step):
        def move():
            name = self._selected("move")
            order = self._net.layer_names
            index = order.index(name) + step
            if not 0 <= index < len(order):
                raise InvalidArgumentError(
                    f"{name} is already the {'first' if step < 0 else 'last'} layer."
                )
            self._net.switch(name, order[index])
            return f"Moved {name} {'up' if step < 0 else 'down'}, past {order[index]}.", name

        self._edit(move)

    def _on_rename(self, _=None):
        def rename():
            name = self._selected("rename")
            new = self.new_name.value.strip()
            self._net.rename(name, new)
            return f"Renamed {name} to {new}.", new

        self._edit(rename)

    # -- helpers -----------------------------------------------------------------------
    def _selected(self, what) -> str:
        name = self.layers.value
        if name is None or name not in self._net:
            raise InvalidArgumentError(
                f"Select the layer to {what} in the list or in the drawing first."
            )
        return name

    def _insert_before_output(self, spec) -> str:
        """Insert *spec* before the output layer; a layer that needs rows and columns (a
        convolution or pooling after a Dense layer) goes after the last layer that still
        has them instead. Returns where it went, in words."""
        output = self._output_layer()
        try:
            self._net.insert(spec, before=output)
            return f"before {output}"
        except ShapeError:
            spatial = [n for n in self._net.layer_names
                       if n != output and len(self._net[n].output_shape or ()) >= 4]
            if not spatial:
                raise
            self._net.insert(spec, after=spatial[-1])
            return f"after {spatial[-1]}, the last layer with rows and columns"

    def _output_layer(self):
        """The network's one output layer when it is an OutputLayer, else None."""
        outputs = self._net.output_names
        if len(outputs) == 1 and isinstance(self._net[outputs[0]], OutputLayer):
            return outputs[0]
        return None

    def _classes_guess(self) -> int:
        outputs = [self._net[n].output_shape for n in self._net.output_names]
        shape = outputs[0] if len(outputs) == 1 else None
        return shape[-1] if shape and len(shape) == 2 and (shape[-1] or 0) >= 2 else 10

    def _make_layer(self, kind):
        kwargs = {name: field_value(widget) for name, widget in self.fields.items()}
        kwargs = {k: v for k, v in kwargs.items() if v is not inspect.Parameter.empty}
        name = self.layer_name.value.strip()
        return builder_types()[kind](**kwargs, name=name or None)

    def _edit(self, action) -> bool:
        """Run one edit; show its message, or its error with the network unchanged."""
        try:
            message, select = action()
        except DLError as err:
            self._say(str(err), kind="error")
            return False
        except Exception as err:  # noqa: BLE001 - a dashboard shows one line, never a traceback
            first = (str(err).strip().splitlines() or [type(err).__name__])[0]
            self._say(f"The edit failed ({type(err).__name__}: {first}).", kind="error")
            return False
        self._changed(message, select)
        return True

    def _changed(self, message, select=None):
        self._refresh(select)
        self._say(message, kind="ok")
        self.version += 1
        self._callbacks(self._net)

    def _say(self, message, kind="info"):
        self.message, self.message_kind = message, kind
        mark = {"error": "⚠ ", "ok": "✓ "}.get(kind, "")
        self.status.value = (f'<div class="dln-builder-{kind}">{mark}{html.escape(message)}'
                             f"</div>")

    def _refresh(self, select=None):
        net = self._net
        names = net.layer_names
        keep = next((n for n in (select, self.layers.value) if n in names),
                    names[-1] if names else None)
        self.anchor.options = names
        self.anchor.value = keep
        self.join.options = names
        self.join.value = (keep,) if keep is not None else ()
        self.layers.options = [(f"{s.name} · {s.type_name} · {layer_shape(s)}", s.name)
                               for s in net]
        self.layers.value = keep
        self._draw()
        self.dag.selected = keep
        self.summary.value = summary_html(net)
        self.cell_text, self.python_text = code_texts(net)
        self.cell_view.value = code_box(self.cell_text, "dl")
        self.python_view.value = code_box(self.python_text, "python")

    def _draw(self, _=None):
        big = len(self._net) > EXPAND_UP_TO
        self.expand_all.layout.display = "flex" if big else "none"
        expand = self.expand_all.value or not big
        self.dag.svg = self._net.plot_network(expand=expand).svg if len(self._net) else ""
