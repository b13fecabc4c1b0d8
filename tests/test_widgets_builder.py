"""ModelBuilder driven from Python: form values, button clicks, the network, the DAG and the code."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

import dl_notebook as dn
from dl_notebook.errors import InvalidArgumentError
from dl_notebook.widgets._layer_form import LAYER_TYPES, MERGES
from dl_notebook.widgets.builder import ModelBuilder

from conftest import NOTEBOOKS_DIR

DASHBOARD = NOTEBOOKS_DIR / "dashboards" / "model_builder.ipynb"


def lenet():
    return dn.Sequential(name="lenet", layers=[
        dn.layers.InputLayer(shape=(32, 32, 1), name="input1"),
        dn.layers.Conv2d(6, 5, name="conv1"),
        dn.layers.Pooling(2, name="pool1"),
        dn.layers.Conv2d(16, 5, name="conv2"),
        dn.layers.Pooling(2, name="pool2"),
        dn.layers.Dense(84, name="fc1"),
        dn.layers.OutputLayer(10, name="output1"),
    ])


def node(name):
    return f'data-name="{name}"'


def state(builder):
    net = builder.network
    return net.layer_names, net.edges, net.count_params(), builder.dag_svg, builder.version


@pytest.fixture
def builder():
    return ModelBuilder(lenet())


def test_adding_a_layer_through_the_form_changes_network_dag_and_code(builder):
    seen = []
    builder.on_change(seen.append)
    svg_before = builder.dag_svg
    assert svg_before.count('class="node"') == 7

    builder.layer_type.value = "Conv2d"
    builder.fields["n_filters"].value = 8
    builder.fields["width"].value = 3
    builder.fields["act"].value = "tanh"
    builder.layer_name.value = "extra_conv"
    builder.where.value = "after"
    builder.anchor.value = "pool1"
    builder.add_button.click()

    net = builder.network
    assert net.layer_names == ["input1", "conv1", "pool1", "extra_conv", "conv2", "pool2",
                               "fc1", "output1"]
    assert ("pool1", "extra_conv") in net.edges and ("extra_conv", "conv2") in net.edges
    assert ("pool1", "conv2") not in net.edges
    assert net["extra_conv"].n_filters == 8 and net["extra_conv"].act == "tanh"
    assert builder.dag_svg != svg_before
    assert node("extra_conv") in builder.dag_svg
    assert builder.dag_svg.count('class="node"') == 8
    assert "extra_conv" in builder.cell_text and "extra_conv" in builder.python_text
    assert "extra_conv" in builder.cell_view.value and "extra_conv" in builder.python_view.value
    assert builder.message == "Added extra_conv (Conv2d) after pool1."
    assert builder.message_kind == "ok"
    assert builder.layers.value == "extra_conv"  # the new layer is selected
    assert builder.version == 1 and seen == [net]
    assert "8 layers" in builder.summary.value
    assert f"{net.count_params():,} parameters" in builder.summary.value


def test_the_code_shown_is_the_magics_code_of_the_network(builder):
    from dl_notebook.magics.codegen import dl_cell, python_code

    builder.layer_type.value = "Dropout"
    builder.fields["rate"].value = 0.25
    builder.add_button.click()
    assert builder.cell_text == dl_cell(builder.network)
    assert builder.python_text == python_code(builder.network)


def test_an_invalid_edit_shows_one_sentence_and_leaves_the_network_as_it_was(builder):
    before = state(builder)
    builder.layer_type.value = "Conv2d"
    builder.fields["n_filters"].value = 0
    builder.add_button.click()
    with pytest.raises(InvalidArgumentError) as expected:
        dn.layers.Conv2d(0, 3)
    assert builder.message == str(expected.value)
    assert builder.message_kind == "error"
    assert "\n" not in builder.message and builder.message.endswith(".")
    assert "Traceback" not in builder.status.value and "⚠" in builder.status.value
    assert state(builder) == before

    # A shape error from the network's edit: pooling before the input layer cannot be placed.
    builder.layer_type.value = "Pooling"
    builder.where.value = "before"
    builder.anchor.value = "input1"
    builder.add_button.click()
    assert builder.message_kind == "error" and "input1" in builder.message
    assert state(builder) == before


def test_a_failed_move_leaves_the_network_as_it_was(builder):
    before = state(builder)
    builder.layers.value = "fc1"
    builder.up_button.click()  # a dense layer before pooling: pooling cannot take (84,)
    assert builder.message_kind == "error" and "pool2" in builder.message
    assert state(builder) == before
    builder.layers.value = "input1"
    builder.up_button.click()
    assert builder.message == "input1 is already the first layer."
    assert state(builder) == before


def test_remove_reconnects_and_redraws(builder):
    before_code = builder.cell_text
    assert before_code.count("pool max") == 2
    builder.layers.value = "pool1"
    builder.remove_button.click()
    net = builder.network
    assert "pool1" not in net.layer_names and ("conv1", "conv2") in net.edges
    assert node("pool1") not in builder.dag_svg and builder.dag_svg.count('class="node"') == 6
    assert builder.cell_text.count("pool max") == 1 and "pool max" in before_code
    assert builder.message == "Removed pool1."
    assert builder.layers.value == "conv2"  # the next layer is selected


def test_move_up_and_down_switch_neighbours(builder):
    builder.layer_type.value = "BN"
    builder.where.value = "end"
    builder.add_button.click()  # bn1 after output1
    builder.layers.value = "bn1"
    builder.up_button.click()
    assert builder.network.layer_names[-2:] == ["bn1", "output1"]
    assert ("fc1", "bn1") in builder.network.edges and ("bn1", "output1") in builder.network.edges
    assert builder.message == "Moved bn1 up, past output1."
    assert builder.layers.value == "bn1"
    builder.down_button.click()
    assert builder.network.layer_names[-2:] == ["output1", "bn1"]
    assert ("output1", "bn1") in builder.network.edges
    assert builder.version == 3


def test_a_layer_goes_before_the_output_layer_by_default(builder):
    assert builder.where.value == "output" and builder.anchor.layout.display == "none"
    builder.layer_type.value = "Dropout"
    builder.add_button.click()
    net = builder.network
    assert net.layer_names[-2:] == ["dropout1", "output1"]
    assert ("fc1", "dropout1") in net.edges and ("dropout1", "output1") in net.edges
    assert builder.message == "Added dropout1 (Dropout) before output1."
    assert net.output_names == ["output1"] and net["output1"].output_shape == (None, 10)
    # a convolution on a network whose last hidden layer still has rows and columns
    conv_net = dn.Sequential(name="c", layers=[
        dn.layers.InputLayer(shape=(8, 8, 1), name="input1"),
        dn.layers.Conv2d(4, 3, name="conv1"),
        dn.layers.OutputLayer(3, name="output1")])
    builder.network = conv_net
    builder.layer_type.value = "Conv2d"
    builder.add_button.click()
    assert builder.message_kind == "ok", builder.message
    assert conv_net.layer_names == ["input1", "conv1", "conv2", "output1"]
    # a convolution after a Dense layer cannot work: it goes after the last layer with rows
    # and columns instead, and the message says so
    builder.network = lenet()
    builder.layer_type.value = "Conv2d"
    builder.add_button.click()
    assert builder.message_kind == "ok", builder.message
    assert builder.network.layer_names == ["input1", "conv1", "pool1", "conv2", "pool2",
                                           "conv3", "fc1", "output1"]
    assert builder.message == ("Added conv3 (Conv2d) after pool2, the last layer with rows "
                               "and columns.")
    # no output layer yet: at the end
    builder.network = dn.Sequential(name="n", layers=[dn.layers.InputLayer(shape=(4,))])
    builder.layer_type.value = "Dense"
    builder.add_button.click()
    assert builder.message.endswith("at the end.") and builder.network.layer_names[-1] == "fc1"


def test_rename_and_insert_before(builder):
    builder.layers.value = "fc1"
    builder.new_name.value = "hidden"
    builder.rename_button.click()
    assert "hidden" in builder.network.layer_names and "fc1" not in builder.network.layer_names
    assert node("hidden") in builder.dag_svg and "hidden" in builder.python_text

    builder.layer_type.value = "Dropout"
    builder.where.value = "before"
    builder.anchor.value = "output1"
    builder.add_button.click()
    assert ("hidden", "dropout1") in builder.network.edges
    assert ("dropout1", "output1") in builder.network.edges


def test_merge_layers_join_the_selected_inputs():
    net = dn.Network(name="branches", layers=[dn.layers.InputLayer(shape=(8, 8, 4), name="x")])
    net.add(dn.layers.Conv2d(4, 3, name="c"), inputs="x")
    builder = ModelBuilder(net)
    builder.layer_type.value = "Res"
    assert builder.join.layout.display == "flex" and builder.where.layout.display == "none"
    builder.join.value = ("c",)
    builder.add_button.click()
    assert builder.message_kind == "error" and "two or more" in builder.message
    builder.join.value = ("c", "x")
    builder.add_button.click()
    assert ("c", "res1") in builder.network.edges and ("x", "res1") in builder.network.edges


def test_a_click_on_a_box_of_the_drawing_selects_the_layer(builder):
    builder.dag.selected = "conv2"  # what the view sets when a box is clicked
    assert builder.layers.value == "conv2" and builder.anchor.value == "conv2"
    builder.layers.value = "pool2"
    assert builder.dag.selected == "pool2"


@pytest.mark.parametrize("kind", list(LAYER_TYPES))
def test_every_layer_type_adds_with_the_form_defaults(kind):
    shape = {"Conv1d": (10, 4), "Recurrent": (10, 4), "Embedding": (10,)}.get(kind, (16, 16, 3))
    builder = ModelBuilder(input_shape=shape)
    builder.layer_type.value = kind
    assert list(builder.fields) == list(LAYER_TYPES[kind][0])
    if kind in MERGES:
        builder.layer_type.value = "Conv2d"
        builder.fields["n_filters"].value = 3
        builder.add_button.click()
        builder.layer_type.value = kind
        builder.join.value = ("input1", "conv1")
    builder.add_button.click()
    assert builder.message_kind == "ok", builder.message
    added = builder.network.layer_names[-1]
    assert builder.network[added].type_name.endswith(kind.replace("Recurrent", "LSTM"))
    assert node(added) in builder.dag_svg


def test_a_new_builder_starts_from_an_input_layer_and_takes_another_network():
    builder = ModelBuilder(input_shape=(28, 28, 1))
    assert isinstance(builder.network, dn.Sequential)
    assert builder.network.layer_names == ["input1"]
    assert builder.network["input1"].shape == (28, 28, 1)
    assert builder.fields["n_filters"].value == 16  # Conv2d is the first type offered

    empty = ModelBuilder(input_shape=None)
    assert len(empty.network) == 0 and empty.dag_svg == ""
    empty.layer_type.value = "Dense"
    empty.add_button.click()
    assert empty.message_kind == "error" and "InputLayer" in empty.message
    empty.layer_type.value = "InputLayer"
    empty.fields["shape"].value = "(4,)"
    empty.add_button.click()
    assert empty.network.layer_names == ["input1"]

    seen = []
    builder.observe(lambda change: seen.append(change["new"]), "version")
    other = lenet()
    builder.network = other
    assert builder.network is other and seen == [1]
    assert node("conv2") in builder.dag_svg
    with pytest.raises(InvalidArgumentError, match="dn.Network or dn.Sequential"):
        ModelBuilder(net="lenet")


def test_dashboard_notebook_runs_headless_and_shows_the_builder(jupyter_env, monkeypatch):
    for key, value in jupyter_env.items():
        monkeypatch.setenv(key, value)
    nb = nbformat.read(DASHBOARD, as_version=4)
    assert [cell.cell_type for cell in nb.cells] == ["markdown", "code"]
    assert all(cell.outputs == [] for cell in nb.cells if cell.cell_type == "code")
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(DASHBOARD.parent)}}).execute()
    outputs = nb.cells[1].outputs
    assert [o.output_type for o in outputs if o.output_type == "error"] == []
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 1
