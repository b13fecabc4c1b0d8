"""The %dl / %%dl grammar: tokens, layer lines, options, DLSyntaxError; no Keras needed."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dl_notebook as dn
from dl_notebook.magics.commands import parse_line
from dl_notebook.magics.grammar import DLSyntaxError, Token, tokenize
from dl_notebook.magics.layer_line import parse_layer
from dl_notebook.magics.layer_table import KEYWORDS
from dl_notebook.magics.lr_forms import read_lr
from dl_notebook.magics.model_cell import parse_model_cell


def layer(text, **kw):
    return parse_layer(tokenize(text, line=2), **kw)


def syntax_error(func, *args, **kwargs) -> DLSyntaxError:
    with pytest.raises(DLSyntaxError) as info:
        func(*args, **kwargs)
    return info.value


# -- tokens -------------------------------------------------------------------------------------
def test_tokens_keep_columns_quotes_and_drop_comments():
    tokens = tokenize('conv1: conv 32 3x3  name="a b" # comment 1 2', line=3)
    assert [t.text for t in tokens] == ["conv1:", "conv", "32", "3x3", "name=a b"]
    assert [t.column for t in tokens] == [1, 8, 13, 16, 21]
    assert {t.line for t in tokens} == {3}
    assert tokenize("   # only a comment") == []
    assert [t.text for t in tokenize("path/a#b c")] == ["path/a#b", "c"]


def test_unclosed_quote_points_at_the_quote():
    err = syntax_error(tokenize, 'conv 3 3x3 init="he', line=4)
    assert (err.line, err.column) == (4, 17)
    assert "never closed" in str(err)


# -- DLSyntaxError ------------------------------------------------------------------------------
def test_syntax_error_is_a_dlerror_with_line_column_caret_and_hint():
    err = syntax_error(layer, "conv 32 3x3 rleu")
    assert isinstance(err, dn.DLError)
    assert str(err) == ("line 2, column 13: `conv` does not take `rleu` here; it takes act, "
                        "same, valid; did you mean `relu`?")
    assert err.caret == "conv 32 3x3 rleu\n            ^^^^"
    lines = err._render_traceback_()
    assert lines[0].startswith("DLSyntaxError: line 2, column 13")
    assert lines[1:] == ["    conv 32 3x3 rleu", "                ^^^^"]
    assert "\n" not in str(err)


def test_unknown_layer_type_suggests_the_closest():
    err = syntax_error(layer, "cnv 32 3x3 relu")
    assert err.column == 1 and err.width == 3
    assert err.hint == "did you mean `conv`?"
    err = syntax_error(layer, "qqqqq 3")
    assert "help layers" in err.hint


# -- layer lines --------------------------------------------------------------------------------
@pytest.mark.parametrize("text, cls, kwargs", [
    ("conv 32 3x3 relu", "Conv2d", dict(n_filters=32, width=3, act="relu")),
    ("conv 64 3x3 stride=2 padding=valid", "Conv2d",
     dict(n_filters=64, width=3, stride=2, padding="valid")),
    ("conv 8 3x5 identity valid", "Conv2d",
     dict(n_filters=8, width=(3, 5), act="identity", padding="valid")),
    ("pool max 2", "Pooling", dict(pool="max", width=2)),
    ("pool 2 avg", "Pooling", dict(pool="mean", width=2)),
    ("pool max 2x3 stride=1", "Pooling", dict(pool="max", width=(2, 3), stride=1)),
    ("bn relu", "BN", dict(act="relu")),
    ("dense 128 relu dropout=0.5", "Dense", dict(n=128, act="relu", dropout=0.5)),
    ("fc 10 units=3", None, None),
    ("lstm 64 bidirectional", "Recurrent", dict(rnn_type="lstm", n=64, bidirectional=True)),
    ("gru 8 samelength reversed", "Recurrent",
     dict(rnn_type="gru", n=8, output_type="samelength", reversed_=True)),
    ("output 10 softmax", "OutputLayer", dict(n=10, act="softmax")),
    ("output 1 identity error=mse", "OutputLayer", dict(n=1, act="identity", error="mse")),
    ("input 32x32x3 scale=1/255 offsets=0.5,0.5,0.5", "InputLayer",
     dict(shape=(32, 32, 3), scale=1 / 255, offsets=[0.5, 0.5, 0.5])),
    ("input ?x8", "InputLayer", dict(shape=(None, 8))),
    ("reshape 7x7x-1", "Reshape", dict(target_shape=(7, 7, -1))),
    ("embedding 1000 64 mask_zero", "Embedding", dict(input_dim=1000, output_dim=64,
                                                      mask_zero=True)),
    ("dropout 0.25", "Dropout", dict(rate=0.25)),
    ("conv 32 filters=3", None, None),
])
def test_layer_lines(text, cls, kwargs):
    if cls is None:
        err = syntax_error(layer, text)
        assert "given twice" in str(err)
        return
    plan = layer(text)
    assert plan.cls_name == cls
    assert plan.kwargs == kwargs
    assert type(plan.spec).__name__ == cls


def test_names_branches_and_options():
    plan = layer("conv1: conv 32 3x3 relu")
    assert plan.name == "conv1" and plan.spec.name == "conv1"
    assert layer("conv1:conv 32 3x3").name == "conv1"
    plan = layer("res1: res conv1 conv3 relu")
    assert [t.text for t in plan.inputs] == ["conv1", "conv3"]
    assert plan.kwargs == {"act": "relu"}
    # a defined layer named like an activation is read as a name
    assert [t.text for t in layer("res a relu", defined={"a", "relu"}).inputs] == ["a", "relu"]
    plan = layer("cat: concat a b axis=-1")
    assert plan.cls_name == "Concat" and plan.kwargs == {"axis": -1}
    assert [t.text for t in layer("dense 4 inputs=a,b").inputs] == ["a", "b"]
    assert layer("conv 8 3 relu", sequence=True).cls_name == "Conv1d"
    assert layer("conv2d 8 3x3 relu", sequence=True).cls_name == "Conv2d"


@pytest.mark.parametrize("text, column, words", [
    ("conv 32", 9, "needs a size"),
    ("conv 32 3x3 strid=2", 13, "did you mean `stride`"),
    ("conv 32 3x3 dropout=1.5", 21, "dropout must be"),
    ("res a", 7, "two or more"),
    ("pool max 2 max", 12, "given twice"),
    ("conv 32 3x3 --after x", 13, "not of a layer"),
    ("1x: conv 3 3", 1, "cannot be a layer name"),
    ("conv1d 8 3x3", 10, "one size"),
    ("keras 3x", 7, "not a class name"),
    ("dense 0", 7, "at least 1"),
])
def test_layer_line_errors_point_at_the_fault(text, column, words):
    err = syntax_error(layer, text)
    assert err.column == column, str(err)
    assert words in str(err)


@pytest.mark.parametrize("text", ["reshape ²", "conv 3 ³x3", "dense ٣", "input 8x²"])
def test_only_ascii_digits_make_numbers(text):
    assert isinstance(syntax_error(layer, text), DLSyntaxError)


def test_every_dn_layer_type_is_reachable_by_a_keyword():
    reachable = {kw.spec for kw in KEYWORDS.values()}
    concrete = {getattr(dn.layers, name) for name in dn.layers.__all__} - {dn.layers.Layer}
    assert concrete <= reachable, concrete - reachable
    assert dn.layers.FullyConnected in reachable  # the DLPy alias of Dense


# -- cells -------------------------------------------------------------------------------------
def test_model_cell_names_layers_like_the_api_and_resolves_branches():
    cell = parse_model_cell("model net --input 8x8x3", "\n".join([
        "conv 8 3x3          # conv1",
        "c2: conv 8 3x3 identity",
        "",
        "conv 8 1x1 inputs=input1",
        "res1: res conv1 c2 relu",
        "cat: concat res1 conv2",
        "output 2",
    ]))
    assert [p.name for p in cell.plans] == ["conv1", "c2", "conv2", "res1", "cat", "output1"]
    assert cell.inputs == [["input1"], ["conv1"], ["input1"], ["conv1", "c2"],
                           ["res1", "conv2"], ["cat"]]
    assert cell.branched and cell.kind == "cnn"
    assert not parse_model_cell("model a --input 4", "dense 3").branched


@pytest.mark.parametrize("header, body, line, column, words", [
    ("model x --input 8x8x1", "conv1: conv 3 3\nres conv1 cnv1", 3, 11, "did you mean `conv1`"),
    ("model x --input 8x8x1", "c1: conv 3 3\nres c1 zz", 3, 8, "the layers so far are input1, c1"),
    ("model x --input 8x8x1", "c1: conv 3 3\nc1: conv 3 3", 3, 1, "already used on line 2"),
    ("model x --input 8x8x1", "conv 3 3\nconv1: dense 3", 3, 1, "already used"),
    ("model x", "dense 3", 2, 1, "no input yet"),
    ("model x --input 8x8x1", "", 1, 28, "no layers"),
    ("model 2x --input 8", "dense 3", 1, 12, "Python variable"),
    ("modle x --input 8", "dense 3", 1, 6, "did you mean `model`"),
    ("model x --imput 8", "dense 3", 1, 14, "did you mean `input`"),
    ("model x --input 8x8 --type cnn", "dense 3", 1, 22, "height x width x channels"),
    ("model x --input 8 --type rnm", "dense 3", 1, 31, "one of cnn, rnn, dnn"),
    ("model x --input", "dense 3", 1, 22, "needs a value"),
])
def test_model_cell_errors(header, body, line, column, words):
    err = syntax_error(parse_model_cell, header, body)
    assert (err.line, err.column) == (line, column), str(err)
    assert words in str(err)
    assert err.text.startswith("%%dl ") if line == 1 else True


def test_rnn_cells_return_sequences_between_recurrent_layers():
    cell = parse_model_cell("model t --input 20x8 --type rnn",
                            "lstm 16 bidirectional\ngru 8\nconv 4 3\nlstm 4\noutput 3")
    kinds = [(p.cls_name, p.kwargs.get("output_type")) for p in cell.plans]
    assert kinds == [("Recurrent", "samelength"), ("Recurrent", "samelength"), ("Conv1d", None),
                     ("Recurrent", None), ("OutputLayer", None)]
    cell = parse_model_cell("model t --input 20x8", "lstm 16 encoding\nlstm 8")
    assert cell.plans[0].kwargs["output_type"] == "encoding"  # what the line says wins


# -- %dl lines ----------------------------------------------------------------------------------
def test_subcommand_lines_parse_options_anywhere():
    command, parsed = parse_line("train lenet digits --epochs 3 --solver SGD --lr=0.01 --resume")
    assert command.spec.name == "train"
    assert parsed.args["MODEL"].text == "lenet" and parsed.args["DATA"].text == "digits"
    assert parsed.options == {"epochs": 3, "solver": "sgd", "lr": ("number", [0.01]),
                              "resume": True}
    _, parsed = parse_line("add lenet bn1: bn relu --after conv1")
    assert [t.text for t in parsed.rest] == ["bn1:", "bn", "relu"]
    assert parse_line("")[0].spec.name == "help"


@pytest.mark.parametrize("line, column, words", [
    ("trian lenet", 5, "did you mean `train`"),
    ("train lenet", 17, "needs DATA"),
    ("train", 11, "needs MODEL"),
    ("train a b --epochs x", 24, "whole number"),
    ("train a b --epoch 2", 15, "did you mean `epochs`"),
    ("train a b --solver adan", 24, "did you mean `adam`"),
    ("train a b --lr cyclc:1:2", 20, "did you mean `cyclic`"),
    ("train a b --lr cyclic:1e-4", 32, "needs BASE, MAX"),
    ("train a b --lr 0", 20, "positive"),
    ("train a b --resume=1", 15, "takes no value"),
    ("summary a b", 15, "unexpected `b`"),
    ("data d --split 60/20/10 --folder x", 20, "add up to 100"),
    ("data d --from mnist", 19, "digits"),
    ("data d --from digits --force=1", 26, "takes no value"),
    ("model x", 5, "cell magic"),
])
def test_subcommand_errors(line, column, words):
    err = syntax_error(parse_line, line)
    assert err.line is None
    assert err.column == column, str(err)
    assert words in str(err)
    assert err.text == "%dl " + line


def test_learning_rate_forms():
    assert read_lr(Token("0.01")) == ("number", [0.01])
    assert read_lr(Token("step:0.1:0.5:3")) == ("step", [0.1, 0.5, 3])
    assert read_lr(Token("multistep:0.1:0.5:2,4")) == ("multistep", [0.1, 0.5, [2, 4]])
    assert read_lr(Token("cosine:0.01:1")) == ("cosine", [0.01, 1])
    assert syntax_error(read_lr, Token("onecycle:0.1:2")).column == 14


# -- property: any text parses or raises DLSyntaxError ------------------------------------------
_WORDS = st.sampled_from([
    "conv", "pool", "dense", "output", "res", "concat", "lstm", "gru", "bn", "input", "keras",
    "embedding", "reshape", "dropout", "max", "relu", "3x3", "32", "0.5", "-1", "x", "a:", "c1:",
    "stride=2", "padding=valid", "inputs=a,b", "act=relu", "dropout=2", "name=q", "=", ":", "#",
    '"', "'", "--after", "--input", "8x8x1", "?x8", "1/0", "1e-3", "Dense", "units=3", "nan",
    "train", "model", "data", "--lr", "cyclic:1:2", "--split", "50/50", "help",
])
_LINES = st.lists(st.one_of(_WORDS, st.text(max_size=6)), max_size=8).map(" ".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=st.one_of(_LINES, st.just("model m --input 8x8x1")),
       body=st.lists(st.one_of(_LINES, st.text(max_size=30)), max_size=5).map("\n".join))
def test_any_cell_parses_or_raises_dlsyntaxerror(header, body):
    try:
        parse_model_cell(header, body)
    except DLSyntaxError as err:
        assert str(err) and "\n" not in str(err)


@settings(max_examples=300, deadline=None)
@given(line=st.one_of(_LINES, st.text(max_size=40)))
def test_any_layer_or_command_line_parses_or_raises_dlsyntaxerror(line):
    for parse in (lambda: layer(line), lambda: parse_line(line)):
        try:
            parse()
        except DLSyntaxError as err:
            assert str(err) and "\n" not in str(err)
