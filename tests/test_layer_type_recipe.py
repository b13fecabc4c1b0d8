"""A new layer type is one file: here, ``LayerNorm`` below and nothing else.

Declaring it makes ``%%dl`` parse its keyword, ``%dl code`` and
``python_code`` write it back, the model builder offer it with a form, and
the DAG view colour it by its kind, without any other file naming it.
"""

import pathlib
import re

import keras
import pytest

import dl_notebook as dn
from dl_notebook.graph.kinds import PALETTE
from dl_notebook.magics.codegen import dl_cell, python_code
from dl_notebook.magics.commands import run_cell, run_line
from dl_notebook.magics.completion import complete
from dl_notebook.magics.usage import help_text


class LayerNorm(dn.layers.Layer):
    """Layer normalisation over the channels, optionally followed by an activation.

    Args:
        epsilon: small constant added to the variance.
        act: activation after normalising (default none).
    """

    prefix = "ln"
    kind = "norm"
    args = (
        dn.layers.Arg("epsilon", "num", 1e-3, positional=True, form=True),
        dn.layers.Arg("act", "act", None, keys=("activation",), form=True),
        dn.layers.Arg("center", "bool", True, flags={"nocenter": False}),
    )
    keywords = (dn.layers.Keyword("layernorm", ("epsilon", "act"), aliases=("ln",),
                        example="layernorm 1e-5 relu", help="layer normalisation"),)

    def __init__(self, epsilon=1e-3, act=None, center=True, name=None):
        super().__init__(name=name)
        self.epsilon = float(epsilon)
        self.act = dn.layers.check_activation(act, where="LayerNorm")
        self.center = bool(center)

    def make_layers(self, in_shapes, fresh):
        layer = keras.layers.LayerNormalization(epsilon=self.epsilon, center=self.center,
                                                name=self.name)
        return self._post([layer], act=self.act)


CELL = "%%dl model m --input 8x8x3\nconv 4 3x3\nln 1e-05 relu nocenter\noutput 2"


def _net():
    ns = {}
    header, _, body = CELL.partition("\n")
    run_cell(ns, header[len("%%dl "):], body)
    return ns["m"]


def test_the_dl_cell_parses_its_keyword_and_alias(capsys):
    net = _net()
    spec = net["ln1"]
    assert isinstance(spec, LayerNorm)
    assert (spec.epsilon, spec.act, spec.center) == (1e-5, "relu", False)
    assert net.count_params() == net.to_keras().count_params()
    assert "layernorm" in help_text("layers")
    assert "layernorm" in complete({}, "%%dl model m --input 8\nlayer")[0]
    assert "nocenter" in complete({}, "%%dl model m --input 8\nlayernorm ")[0]


def test_dl_code_and_python_code_write_it_back(capsys):
    net = _net()
    cell = dl_cell(net)
    assert "layernorm 1e-05 relu nocenter" in cell.split("\n")
    ns = {}
    header, _, body = cell.partition("\n")
    run_cell(ns, header[len("%%dl "):], body)
    assert ns["m"].layer_names == net.layer_names
    assert ns["m"].count_params() == net.count_params()
    code = python_code(net)
    assert f"from {__name__} import LayerNorm" in code
    assert "LayerNorm(1e-05, act='relu', center=False)" in code
    namespace = {}
    exec(code, namespace)
    assert isinstance(namespace["m"]["ln1"], LayerNorm)
    capsys.readouterr()
    run_line({"m": net}, "code m")
    assert "layernorm 1e-05 relu nocenter" in capsys.readouterr().out


def test_the_builder_offers_it_with_its_form():
    from dl_notebook.widgets.builder import ModelBuilder

    builder = ModelBuilder(input_shape=(8, 8, 3))
    assert "LayerNorm" in builder.layer_type.options
    builder.layer_type.value = "LayerNorm"
    assert list(builder.fields) == ["epsilon", "act"]
    builder.fields["act"].value = "relu"
    builder._on_add()
    spec = builder.network[builder.network.layer_names[-1]]
    assert isinstance(spec, LayerNorm) and spec.act == "relu"


def test_the_dag_colours_it_by_its_kind():
    net = _net()
    node = next(n for n in net.to_dag().nodes if n.name == "ln1")
    assert node.kind == "norm" and node.type == "LayerNorm"
    svg = net.plot_network().svg
    box = re.search(r'<g class="node" data-name="ln1" data-kind="norm".*?</g>', svg, re.S)
    assert box is not None and PALETTE["norm"][0] in box.group(0)


def test_no_other_file_names_it():
    package = pathlib.Path(dn.__file__).parent
    sources = [p for p in package.rglob("*") if p.suffix in (".py", ".js", ".ts")]
    assert not [p for p in sources if re.search(r"\bLayerNorm\b|layernorm", p.read_text())]


def test_a_keyword_naming_an_undeclared_argument_is_refused_at_definition():
    with pytest.raises(dn.InvalidArgumentError, match="not among its args"):
        class Broken(dn.layers.Layer):  # noqa: F841
            args = (dn.layers.Arg("units", "int"),)
            keywords = (dn.layers.Keyword("broken", ("n",)),)
    assert "broken" not in complete({}, "%%dl model m --input 8\nbrok")[0]
