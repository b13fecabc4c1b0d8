"""Ready networks through the magics in a real IPython shell: %%dl model NAME --from KEY …

The networks built with --from are compared with the same call of ``dn.applications``
(layer by layer: names, types, arguments, inputs, trainable flags, parameter count);
weight files are real ones written by ``net.save_weights``; the help reads the registry.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from IPython.core.completer import provisionalcompleter  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.applications import catalog  # noqa: E402
from dl_notebook.magics.grammar import DLSyntaxError  # noqa: E402

from conftest import ipython_shell, run_cell  # noqa: E402

SHAPE = (32, 32, 3)


@pytest.fixture(scope="module")
def ip():
    return ipython_shell()


run = run_cell  # (result, everything it printed, colours removed)


def built(ip, code, name):
    result, output = run(ip, code)
    assert result.success, output
    net = ip.user_ns[name]
    assert output.strip().splitlines()[-1] == repr(net)
    return net


def layers(net):
    """Everything that makes two networks the same, layer by layer (weights aside)."""
    return [(s.name, type(s).__name__, s.arguments(), s.inputs, s.trainable, s.output_shape)
            for s in net]


def assert_same(net, api):
    assert type(net) is type(api)
    assert layers(net) == layers(api)
    assert net.edges == api.edges and net.count_params() == api.count_params()


def assert_one_line(result, output, cls, *words):
    assert isinstance(result.error_in_exec, cls), (result.error_in_exec, output)
    assert "Traceback" not in output and 'File "' not in output, output
    assert len(output.strip().splitlines()) == 1, output
    for word in words:
        assert word in output, output


# -- building -------------------------------------------------------------------------------------
def test_from_builds_the_same_network_as_the_api(ip):
    # IPython refuses a %%dl cell with an empty body: the line form builds the ready network
    net = built(ip, "%dl model zoo_a --from resnet18 --classes 3 --input 32x32x3", "zoo_a")
    api = dn.applications.ResNet18(n_classes=3, input_shape=SHAPE, name="zoo_a")
    assert_same(net, api)
    assert net.name == "zoo_a" and net.layer_names[-1] == "predictions"
    assert net["predictions"].output_shape == (None, 3)


def test_the_usual_edits_work_on_it(ip):
    net = built(ip, "%dl model zoo_b --from lenet5 --classes 4 --input 16x16x1", "zoo_b")
    assert_same(net, dn.applications.LeNet5(n_classes=4, input_shape=(16, 16, 1), name="zoo_b"))
    result, output = run(ip, "%dl add zoo_b bn1: bn relu --after conv1")
    assert result.success, output
    assert net.layer_names[:3] == ["input1", "conv1", "bn1"]
    result, output = run(ip, "%dl remove zoo_b fc2")
    assert result.success and "fc2" not in net, output
    view = ip.run_line_magic("dl", "show zoo_b --expand")
    assert 'data-name="bn1"' in view.svg


def test_lines_below_the_header_are_added_after_the_last_layer(ip):
    net = built(ip, "%%dl model zoo_c --from resnet18 --input 32x32x3 --notop\n"
                    "gap\ndropout 0.25\nhead: output 5", "zoo_c")
    api = dn.applications.ResNet18(input_shape=SHAPE, include_top=False, name="zoo_c")
    assert layers(net)[:len(api)] == layers(api)
    assert net.layer_names[len(api):] == ["gap1", "dropout1", "head"]
    assert net["gap1"].inputs == [api.layer_names[-1]]
    assert net["head"].output_shape == (None, 5)
    # a line may read any layer of the ready network by name
    net = built(ip, "%%dl model zoo_d --from resnet18 --input 32x32x3 --notop\n"
                    "side: gap inputs=conv4_block2_out\nout: output 2", "zoo_d")
    assert net["side"].inputs == ["conv4_block2_out"] and net["out"].inputs == ["side"]


def test_weights_loads_a_file_written_by_save_weights(ip, tmp_path):
    source = dn.applications.ResNet18(n_classes=3, input_shape=SHAPE)
    path = source.save_weights(tmp_path / "resnet18.weights.h5")
    net = built(ip, f"%dl model zoo_w --from resnet18 --classes 3 --input 32x32x3 "
                    f"--weights {path}", "zoo_w")
    fresh = built(ip, "%dl model zoo_x --from resnet18 --classes 3 --input 32x32x3", "zoo_x")
    images = np.random.default_rng(0).uniform(0, 255, (2, *SHAPE)).astype("float32")
    want = np.asarray(source.to_keras()(images, training=False))
    np.testing.assert_allclose(np.asarray(net.to_keras()(images, training=False)), want,
                               rtol=1e-5, atol=1e-6)
    assert not np.allclose(np.asarray(fresh.to_keras()(images, training=False)), want)


def test_weights_of_a_builder_without_pretrained_weights_load_after_building(ip, tmp_path):
    source = dn.applications.SmallCNN(n_classes=3, input_shape=(16, 16, 1))
    path = source.save_weights(tmp_path / "small.weights.h5")
    net = built(ip, f"%dl model zoo_s --from small_cnn --classes 3 --input 16x16x1 "
                    f"--weights {path}", "zoo_s")
    for a, b in zip(net.to_keras().weights, source.to_keras().weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_freeze_freezes_all_but_the_top(ip):
    net = built(ip, "%dl model zoo_f --from resnet18 --classes 3 --input 32x32x3 --freeze",
                "zoo_f")
    api = dn.applications.ResNet18(n_classes=3, input_shape=SHAPE, freeze=True, name="zoo_f")
    assert_same(net, api)
    trainable = [s.name for s in net if s.trainable]
    assert trainable == ["avg_pool", "predictions"]


def test_builder_arguments_go_as_arg_value_words(ip):
    net = built(ip, "%dl model zoo_g --from small_cnn --classes 3 --input 16x16x1 "
                    "filters=8,16 dense=32", "zoo_g")
    api = dn.applications.SmallCNN(n_classes=3, input_shape=(16, 16, 1), filters=(8, 16),
                                   dense=32, name="zoo_g")
    assert_same(net, api)


# -- code -----------------------------------------------------------------------------------------
def test_code_of_an_unchanged_ready_network_is_one_line(ip):
    built(ip, "%dl model zoo_l --from small_cnn --classes 3 --input 16x16x1 dense=32", "zoo_l")
    result, output = run(ip, "%dl code zoo_l")
    line = "%dl model zoo_l --from small_cnn --classes 3 --input 16x16x1 dense=32"
    assert output.strip() == line
    rebuilt = built(ip, line.replace("zoo_l", "zoo_l2"), "zoo_l2")
    assert layers(rebuilt) == layers(ip.user_ns["zoo_l"])


def test_code_writes_from_and_the_layers_added_since(ip):
    built(ip, "%%dl model zoo_h --from resnet18 --input 32x32x3 --notop\ngap\noutput 4", "zoo_h")
    run(ip, "%dl add zoo_h dropout 0.5 --before output1")
    result, output = run(ip, "%dl code zoo_h")
    assert output.strip().splitlines() == [
        "%%dl model zoo_h --from resnet18 --input 32x32x3 --notop", "gap", "dropout 0.5",
        "output 4 softmax"]
    result, python = run(ip, "%dl code zoo_h --python")
    assert "zoo_h = dn.applications.ResNet18(input_shape=(32, 32, 3), include_top=False, " \
           "name='zoo_h')" in python
    first = ip.user_ns["zoo_h"]
    ns = {}
    exec(python, ns)
    assert_same(ns["zoo_h"], first)
    rebuilt = built(ip, output.strip().replace("model zoo_h", "model zoo_h2"), "zoo_h2")
    assert layers(rebuilt) == layers(first) and rebuilt.edges == first.edges


def test_code_after_an_edit_of_a_ready_layer_writes_every_layer(ip):
    built(ip, "%dl model zoo_i --from resnet18 --classes 3 --input 32x32x3", "zoo_i")
    run(ip, "%dl add zoo_i bn_extra: bn --after conv1_conv")
    result, output = run(ip, "%dl code zoo_i")
    lines = output.strip().splitlines()
    assert "--from" not in lines[0] and len(lines) == 1 + len(ip.user_ns["zoo_i"])
    rebuilt = built(ip, output.strip().replace("model zoo_i", "model zoo_i2"), "zoo_i2")
    first = ip.user_ns["zoo_i"]
    assert rebuilt.layer_names == first.layer_names and rebuilt.edges == first.edges
    assert rebuilt.count_params() == first.count_params()


# -- help and completion --------------------------------------------------------------------------
def test_help_models_lists_the_registry(ip):
    result, output = run(ip, "%dl help models")
    assert result.success, output
    rows = {line.split()[0]: line for line in output.splitlines()[3:] if line.startswith("  ")}
    for key, entry in catalog().items():
        assert key in rows, key
        assert entry.title in rows[key] and entry.task in rows[key]
        if entry.task == "image":
            assert f"{entry.min_size}x{entry.min_size}" in rows[key]
    assert "--weights FILE" in output and "net.load_weights" in output
    result, output = run(ip, "%dl help model")
    assert "--from KEY" in output and "--notop" in output
    result, output = run(ip, "%dl")
    assert "%dl help models" in output


@pytest.mark.parametrize("code, expected", [
    ("%%dl model x --from res", sorted(k for k in catalog() if k.startswith("res"))),
    ("%dl model x --from le", ["lenet5"]),
    ("%dl model x --from resnet18 --fr", ["--freeze"]),
    ("%dl model x --from small_cnn --classes 3 d", ["dense=", "dropout="]),
    ("%dl help mode", ["model", "models"]),
])
def test_completion(ip, code, expected):
    with provisionalcompleter():
        found = [c.text for c in ip.Completer.completions(code, len(code))]
    assert found == expected


# -- errors: one line, no traceback ---------------------------------------------------------------
def test_an_unknown_key_names_the_close_ones(ip):
    result, output = run(ip, "%dl model zoo_e --from resnet81 --classes 3")
    assert_one_line(result, output, dn.InvalidArgumentError, "no ready network 'resnet81'",
                    "resnet18")
    assert "zoo_e" not in ip.user_ns


def test_a_too_small_input_gives_the_architectures_message(ip):
    result, output = run(ip, "%dl model zoo_e --from resnet18 --classes 3 --input 16x16x3")
    assert_one_line(result, output, dn.InvalidArgumentError, "at least 32×32", "16×16")


@pytest.mark.parametrize("code, words", [
    ("%dl model zoo_e --from lenet5 --notop", ["LeNet-5", "--notop"]),
    ("%dl model zoo_e --from densenet --input 32x32x3 growth=12", ["'growth'", "growth_rate"]),
    ("%dl model zoo_e --from text_classification --classes 2", ["vocab_size=…"]),
])
def test_arguments_a_builder_does_not_take_or_needs(ip, code, words):
    if code.split("--from ")[1].split()[0] not in catalog():
        pytest.skip("that network is not registered")
    result, output = run(ip, code)
    assert_one_line(result, output, dn.InvalidArgumentError, *words)


@pytest.mark.parametrize("code, words", [
    ("%%dl model zoo_e --input 8 --freeze\ndense 2", "--freeze goes with --from"),
    ("%dl model zoo_e --from resnet18 --scale 2", "--scale does not go with --from"),
    ("%dl model zoo_e --from resnet18 n_classes=3", "give n_classes with --classes"),
    ("%dl model zoo_e --from resnet18 --classes 1", "at least 2"),
    ("%dl model zoo_e --input 8x8x1", "needs --from KEY"),
    ("%%dl model zoo_e --from resnet18 --input 32x32x3\nres conv1 zz", "did you mean"),
])
def test_syntax_errors_show_a_caret(ip, code, words):
    result, output = run(ip, code)
    assert isinstance(result.error_in_exec, DLSyntaxError), output
    assert "Traceback" not in output and words in output and "^" in output, output
