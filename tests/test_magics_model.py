"""%%dl model cells build the same networks as the API; codegen writes them back."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import pytest  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.magics.codegen import dl_cell, layer_arguments, python_code  # noqa: E402
from dl_notebook.magics.commands import run_line  # noqa: E402
from dl_notebook.magics.grammar import DLSyntaxError, render_error  # noqa: E402
from dl_notebook.magics.layer_table import KEYWORDS  # noqa: E402
from dl_notebook.magics.model_cell import build_network, parse_model_cell  # noqa: E402

L = dn.layers


def cell_net(cell: str):
    """Build a network from a whole ``%%dl`` cell (its first line included)."""
    header, _, body = cell.strip("\n").partition("\n")
    assert header.startswith("%%dl ")
    return build_network(parse_model_cell(header[len("%%dl "):], body))


def config(net):
    """What must match: layers, types, spec settings, edges, shapes, parameters, Keras configs."""
    model = net.to_keras()
    return {
        "layers": [(s.name, s.type_name, repr(s), s.inputs, s.output_shape) for s in net],
        "edges": net.edges,
        "params": net.count_params(),
        "keras_params": model.count_params(),
        "keras": [(type(layer).__name__, layer.get_config()) for layer in model.layers],
    }


def assert_same(a, b):
    ca, cb = config(a), config(b)
    for key in ca:
        assert ca[key] == cb[key], key


# -- equivalence with the API -------------------------------------------------------------------
def test_lenet_cell_equals_the_api_network():
    net = cell_net("""
%%dl model lenet --input 32x32x1
conv1: conv 6 5x5 relu
pool max 2
conv 16 5x5 relu padding=valid     # conv2
pool max 2
dense 120 relu dropout=0.5
dense 84 relu
output 10 softmax
""")
    api = dn.Sequential(name="lenet")
    api.add(L.InputLayer(shape=(32, 32, 1)))
    api.add(L.Conv2d(6, 5, act="relu", name="conv1"))
    api.add(L.Pooling(2, pool="max"))
    api.add(L.Conv2d(16, 5, act="relu", padding="valid"))
    api.add(L.Pooling(2, pool="max"))
    api.add(L.Dense(120, act="relu", dropout=0.5))
    api.add(L.Dense(84, act="relu"))
    api.add(L.OutputLayer(10, act="softmax"))
    assert type(net) is dn.Sequential and net.name == "lenet"
    assert_same(net, api)
    assert net.layer_names == api.layer_names


def test_branched_cell_is_a_network_equal_to_the_api_one():
    net = cell_net("""
%%dl model resnet --input 16x16x3
conv1: conv 8 3x3 relu
conv2: conv 8 3x3 relu stride=1
conv3: conv 8 3x3 identity
res1: res conv1 conv3 relu
bn relu
side: conv 4 1x1 inputs=conv1
cat: concat bn1 side
gap
output 5
""")
    api = dn.Network(name="resnet")
    api.add(L.InputLayer(shape=(16, 16, 3)))
    api.add(L.Conv2d(8, 3, act="relu", name="conv1"), inputs="input1")
    api.add(L.Conv2d(8, 3, act="relu", name="conv2"), inputs="conv1")
    api.add(L.Conv2d(8, 3, act="identity", name="conv3"), inputs="conv2")
    api.add(L.Res(act="relu", name="res1"), inputs=["conv1", "conv3"])
    api.add(L.BN(act="relu"), inputs="res1")
    api.add(L.Conv2d(4, 1, name="side"), inputs="conv1")
    api.add(L.Concat(name="cat"), inputs=["bn1", "side"])
    api.add(L.GlobalAveragePooling2D(), inputs="cat")
    api.add(L.OutputLayer(5), inputs="gap1")
    assert type(net) is dn.Network
    assert_same(net, api)


def test_rnn_cell_equals_the_api_network():
    net = cell_net("""
%%dl model tagger --input 40x8 --type rnn
lstm 32 bidirectional
conv 16 3 relu
gru 8
output 4
""")
    api = dn.Sequential(name="tagger", layers=[
        L.InputLayer(shape=(40, 8)),
        L.Recurrent(32, rnn_type="lstm", output_type="samelength", bidirectional=True),
        L.Conv1d(16, 3, act="relu"),
        L.Recurrent(8, rnn_type="gru"),
        L.OutputLayer(4)])
    assert_same(net, api)
    assert net.to_keras().output_shape == (None, 4)


def test_scale_on_the_model_line_scales_the_input():
    net = cell_net("%%dl model m --input 8x8x1 --scale 1/255\nconv 4 3x3")
    api = dn.Sequential(name="m", layers=[L.InputLayer(shape=(8, 8, 1), scale=1 / 255),
                                          L.Conv2d(4, 3)])
    assert_same(net, api)
    assert dl_cell(net).startswith("%%dl model m --input 8x8x1 --scale 0.00392156862745098\n")
    assert_same(cell_net(dl_cell(net)), api)


def test_text_cell_with_an_embedding():
    net = cell_net("""
%%dl model sentiment --type rnn
tokens: input 50 dtype=int32
embed 500 16 mask_zero
lstm 8
lstm 8
output 2
""")
    assert [s.type_name for s in net] == ["InputLayer", "Embedding", "LSTM", "LSTM",
                                          "OutputLayer"]
    assert net["rnn1"].output_type == "samelength" and net["rnn2"].output_type == "encoding"
    assert net["tokens"].dtype == "int32"


CELLS_BY_KEYWORD = {
    "input": "%%dl model m\ninput 8x8x3 scale=1/255 std=2\nflatten",
    "conv": "%%dl model m --input 8x8x3\nconv 4 3x3 relu",
    "conv2d": "%%dl model m --input 8x8x3\nconv2d 4 3x3",
    "conv1d": "%%dl model m --input 10x3\nconv1d 4 3",
    "deconv": "%%dl model m --input 8x8x3\ndeconv 4 3x3 stride=2",
    "pool": "%%dl model m --input 8x8x3\npool avg 2",
    "maxpool": "%%dl model m --input 8x8x3\nmaxpool 2",
    "avgpool": "%%dl model m --input 8x8x3\navgpool 2",
    "gap": "%%dl model m --input 8x8x3\ngap",
    "upsample": "%%dl model m --input 8x8x3\nupsample 2 bilinear",
    "bn": "%%dl model m --input 8x8x3\nbn relu",
    "dense": "%%dl model m --input 8\ndense 4 tanh",
    "output": "%%dl model m --input 8\noutput 3",
    "dropout": "%%dl model m --input 8\ndropout 0.2",
    "flatten": "%%dl model m --input 8x8x3\nflatten",
    "reshape": "%%dl model m --input 8x8x3\nreshape 64x-1",
    "embedding": "%%dl model m --input 12\nembedding 50 4",
    "res": "%%dl model m --input 8\na: dense 8\nres input1 a",
    "concat": "%%dl model m --input 8\na: dense 8\nconcat input1 a",
    "lstm": "%%dl model m --input 10x3\nlstm 4",
    "gru": "%%dl model m --input 10x3\ngru 4",
    "rnn": "%%dl model m --input 10x3\nrnn 4",
    "recurrent": "%%dl model m --input 10x3\nrecurrent 4 rnn_type=gru",
    "keras": "%%dl model m --input 8x8x3\nkeras LayerNormalization epsilon=1e-5",
    "activation": "%%dl model m --input 8x8x3\nconv 4 3x3 identity\nactivation relu6",
    "dwconv": "%%dl model m --input 8x8x3\ndwconv 3x3 relu stride=2",
    "sepconv": "%%dl model m --input 8x8x3\nsepconv 8 3x3 relu",
    "zeropad": "%%dl model m --input 8x8x3\nzeropad 3",
    "leakyrelu": "%%dl model m --input 8\ndense 4 identity\nleakyrelu 0.1",
}


@pytest.mark.parametrize("word", sorted(w for w, kw in KEYWORDS.items()
                                         if kw.spec.__module__.startswith("dl_notebook.")))
def test_every_keyword_builds_its_layer(word):
    net = cell_net(CELLS_BY_KEYWORD[word])
    cls = KEYWORDS[word].spec
    specs = [s for s in net if isinstance(s, cls)]
    assert specs, f"{word} made no {cls.__name__}"
    assert net.count_params() == net.to_keras().count_params()


def test_a_keras_layer_line_equals_the_keras_layer():
    net = cell_net("%%dl model m --input 8x8x3\nnorm: keras LayerNormalization epsilon=1e-5\n"
                   "keras Dropout 0.2")
    api = dn.Sequential(name="m", layers=[
        L.InputLayer(shape=(8, 8, 3)), keras.layers.LayerNormalization(epsilon=1e-5, name="norm"),
        keras.layers.Dropout(0.2, name="dropout1")])
    assert_same(net, api)


# -- errors the API finds while building ----------------------------------------------------------
def test_shape_errors_keep_their_class_and_point_at_the_line():
    cell = parse_model_cell("model m --input 8x8x1", "conv 4 3x3\npool max 16 padding=valid")
    with pytest.raises(dn.ShapeError) as info:
        build_network(cell)
    lines = render_error(info.value)
    assert lines[0].startswith("ShapeError: Layer 'pool1' (Pooling)")
    assert lines[1] == "    line 3: pool max 16 padding=valid"
    assert lines[2] == " " * 12 + "^^^^"


def test_keras_class_typo_is_a_syntax_error_with_a_hint():
    cell = parse_model_cell("model m --input 8", "keras Dence 3")
    with pytest.raises(DLSyntaxError) as info:
        build_network(cell)
    assert info.value.hint == "did you mean `Dense`?"
    assert (info.value.line, info.value.column) == (2, 7)


# -- codegen ------------------------------------------------------------------------------------
def _networks():
    a = dn.Sequential(name="a", layers=[
        L.InputLayer(shape=(28, 28, 3), scale=1 / 255, offsets=[0.1, 0.2, 0.3]),
        L.Conv2d(8, (3, 5), stride=2, padding="valid", act="identity", dropout=0.1,
                 include_bias=False, name="c"),
        L.Pooling(2, 3, stride=1, pool="mean"), L.BN(act="swish", momentum=0.9),
        L.Conv2DTranspose(4, 3, stride=2), L.UpSampling2D(2, interpolation="bilinear"),
        L.GlobalAveragePooling2D(), L.Dense(16, act="hard_swish", dropout=0.5), L.Dropout(0.3),
        keras.layers.Dense(7, name="kd"), L.Reshape((7, 1)), L.Flatten(),
        L.OutputLayer(3, act="sigmoid", error="mse")])
    b = dn.Sequential(name="b", layers=[
        L.InputLayer(shape=(20,), dtype="int32"), L.Embedding(100, 8, mask_zero=True),
        L.Recurrent(8, "gru", "samelength", bidirectional=True),
        L.Recurrent(6, "rnn", act="relu", reversed_=True), L.OutputLayer(2)])
    n = dn.Network(name="n")
    n.add(L.InputLayer(shape=(8, 8, 3), name="x"))
    n.add(L.Conv2d(3, 3, name="c1"), inputs="x")
    n.add(L.Conv2d(3, 3, name="c2"), inputs="c1")
    n.add(L.Res(act="relu"), inputs=["c2", "x"])
    n.add(L.Conv2d(5, 1), inputs="x")
    n.add(L.Concat(), inputs=["res1", "conv1"])
    n.add(L.OutputLayer(2))
    n.insert(L.BN(name="first"), after="x")
    x = keras.Input((8, 8, 1), name="img")
    y = keras.layers.Conv2D(4, 3, activation="relu", name="kc")(x)
    z = keras.layers.Conv2D(4, 3, padding="same", name="kd")(y)
    out = keras.layers.Dense(3, name="o")(keras.layers.Flatten(name="f")(
        keras.layers.Add(name="add")([y, z])))
    k = dn.Network.from_keras(keras.Model(x, out, name="k"))
    return [a, b, n, k]


@pytest.mark.parametrize("index", range(4), ids=["sequential", "rnn", "branched", "from_keras"])
def test_dl_cell_and_python_code_rebuild_the_network(index):
    net = _networks()[index]
    rebuilt = cell_net(dl_cell(net))
    assert_same(net, rebuilt)
    namespace = {}
    exec(python_code(net), namespace)
    assert_same(net, namespace[net.name])
    assert type(namespace[net.name]) is type(net)


def test_dl_cell_writes_names_only_where_they_differ_from_automatic_ones():
    net = cell_net("%%dl model m --input 8x8x1\nconv1: conv 4 3x3\nmine: conv 4 3x3\nconv 4 3x3")
    assert dl_cell(net).split("\n") == ["%%dl model m --input 8x8x1", "conv 4 3x3 relu",
                                        "mine: conv 4 3x3 relu", "conv 4 3x3 relu"]
    assert dl_cell(net, name="other").startswith("%%dl model other ")


def test_layer_arguments_are_the_non_default_ones():
    assert layer_arguments(L.Pooling(2)) == ("Pooling", {"width": 2})
    assert layer_arguments(L.OutputLayer(1, act="identity")) == (
        "OutputLayer", {"n": 1, "act": None})
    assert layer_arguments(L.OutputLayer(1, act="identity", error="mae"))[1]["error"] == "mae"


@pytest.mark.parametrize("name", ["__builtins__", "print", "len", "In", "get_ipython", "_x"])
def test_names_the_notebook_needs_are_refused(name):
    with pytest.raises(DLSyntaxError) as info:
        parse_model_cell(f"model {name} --input 8", "dense 2")
    assert "Python or IPython needs" in str(info.value)
    ns = {}
    with pytest.raises(DLSyntaxError, match="Python or IPython needs"):
        run_line(ns, f"data {name} --folder data/digits")
    assert name not in ns
