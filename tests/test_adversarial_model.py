"""Adversarial edits and cells: huge layers are refused before allocation, bad values are DLErrors.

Every huge layer here is huge only next to a small budget (tens of MB at
most), so a broken size check fails the test instead of exhausting memory;
the default budget (half the free memory) is checked against a layer of
260 GB with this process' address space capped.
"""

from __future__ import annotations

import contextlib
import os
import re

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.magics.grammar import DLSyntaxError  # noqa: E402
from dl_notebook.model import memory  # noqa: E402

from conftest import ipython_shell, run_cell  # noqa: E402

L = dn.layers


@pytest.fixture
def budget(monkeypatch):
    """Set the per-layer weight budget for one test (the module setting, then the default)."""
    monkeypatch.delenv(memory.MAX_LAYER_BYTES_ENV, raising=False)

    def set_budget(value):
        monkeypatch.setattr(memory, "max_layer_bytes", value)

    return set_budget


def small_net():
    return dn.Sequential(name="small", layers=[
        L.InputLayer(shape=(64,), name="x"), L.Dense(8, name="a"), L.OutputLayer(2, name="out")])


def state(net):
    """What an edit may change: layers, edges, shapes, weights, and the model's outputs."""
    x = np.linspace(-1, 1, 2 * 64, dtype="float32").reshape(2, 64)
    return (net.layer_names, net.edges, [s.output_shape for s in net], net.count_params(),
            [w.tolist() for w in net["a"].get_weights()],
            net.to_keras().predict(x, verbose=0).tolist())


def assert_one_sentence(err, *words):
    text = str(err)
    assert "\n" not in text and text.count(". ") == 0 and text.endswith("."), text
    for word in words:
        assert word in text, text


# -- size checks before allocation -----------------------------------------------------------------
def test_a_huge_dense_insert_is_refused_and_the_network_is_unchanged(budget):
    budget("1MB")
    net = small_net()
    before = state(net)
    with pytest.raises(dn.NetworkEditError) as info:
        net.insert(L.Dense(1_000_000, name="big"), after="a")  # 8 x 10**6 float32 + bias: 36 MB
    assert_one_sentence(info.value, "'big' (Dense)", "36 MB", "1 MB")
    assert state(net) == before
    net.insert(L.Dense(100, name="fits"), after="a")  # 26 KB: under the budget
    assert net.layer_names == ["x", "a", "fits", "out"]
    assert net["fits"].count_params() == 8 * 100 + 100


def test_a_huge_conv2d_is_refused_under_the_environment_budget(monkeypatch, budget):
    monkeypatch.setenv(memory.MAX_LAYER_BYTES_ENV, "2MB")
    net = dn.Sequential(layers=[L.InputLayer(shape=(32, 32, 3), name="img"),
                                L.Conv2d(8, 3, name="c1")])
    names, params = net.layer_names, net.count_params()
    with pytest.raises(dn.NetworkEditError) as info:
        net.add(L.Conv2d(1024, 31, name="c2"))  # 31 x 31 x 8 x 1024 float32: 31 MB
    assert_one_sentence(info.value, "'c2' (Conv2d)", "31 MB", "$DL_NOTEBOOK_MAX_LAYER_BYTES")
    assert (net.layer_names, net.count_params()) == (names, params)
    monkeypatch.setenv(memory.MAX_LAYER_BYTES_ENV, "0")  # 0: no check
    net.add(L.Conv2d(64, 31, name="c2"))
    assert net["c2"].count_params() == 31 * 31 * 8 * 64 + 64


def test_a_huge_keras_layer_added_as_is_is_refused_with_its_sublayers_counted(budget):
    budget(10**6)
    net = dn.Sequential(layers=[L.InputLayer(shape=(5, 8), name="seq")])
    lstm = keras.layers.Bidirectional(keras.layers.LSTM(1000), name="bilstm")  # 32 MB in all
    with pytest.raises(dn.NetworkEditError) as info:
        net.add(lstm)
    assert_one_sentence(info.value, "'bilstm' (Bidirectional)", "32 MB")
    assert net.layer_names == ["seq"]
    with pytest.raises(dn.NetworkEditError, match="'wide' \\(Dense\\)"):
        net.add(keras.layers.Dense(100_000, name="wide"))
    net.add(keras.layers.GRU(4, name="gru"))  # a small one still goes in, with weights
    assert net["gru"].count_params() == 3 * 4 * (8 + 4 + 2)
    assert net.to_keras().predict(np.ones((1, 5, 8), "float32"), verbose=0).shape == (1, 4)


class _FromValue(keras.layers.Layer):
    """A layer that makes its weight from a value, which Keras cannot defer."""

    def build(self, input_shape):
        self.scale = keras.Variable(np.full((input_shape[-1],), 2.0, "float32"), name="scale")

    def call(self, x):
        return x * self.scale


def test_a_layer_that_makes_weights_from_values_is_still_placed(budget):
    budget("1MB")
    net = dn.Sequential(layers=[L.InputLayer(shape=(3,), name="x"), _FromValue(name="double")])
    assert net.to_keras().predict(np.ones((1, 3), "float32"), verbose=0).tolist() == [[2.0] * 3]


@contextlib.contextmanager
def address_space_capped(extra):
    """Cap this process' address space at its current size plus *extra* bytes, for a block.

    A safety net: were the size check broken, the allocation would fail
    here instead of growing until the machine runs out of memory.
    """
    import resource

    status = open("/proc/self/status").read()
    size = int(re.search(r"VmSize:\s+(\d+) kB", status).group(1)) * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (size + extra, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads /proc (Linux)")
def test_the_default_budget_refuses_a_billion_unit_dense_before_allocating(budget):
    budget(None)  # the default: half the free memory
    net = small_net()
    before = state(net)
    with address_space_capped(4 * 2**30), pytest.raises(dn.NetworkEditError) as info:
        net.insert(L.Dense(10**9, name="big"), after="x")  # 64 x 10**9 float32 + bias: 260 GB
    assert_one_sentence(info.value, "'big' (Dense)", "260 GB", "free")
    assert state(net) == before


def test_the_budget_setting_is_read_as_bytes_and_refused_when_unreadable(budget):
    budget("1.5 GiB")
    assert memory.layer_budget() == (int(1.5 * 2**30), "dl_notebook.model.memory.max_layer_bytes")
    budget("lots")
    with pytest.raises(dn.InvalidArgumentError, match="max_layer_bytes must be a number"):
        small_net().add(L.Dense(4, name="more"), inputs="a")
    budget(None)
    free = memory.available_memory()
    limit, source = memory.layer_budget()
    assert free is not None and source.startswith("50% of the")
    assert 0.4 * free < limit < 0.6 * free


# -- raw errors in cells become one sentence ---------------------------------------------------------
@pytest.fixture(scope="module")
def ip():
    return ipython_shell()


def run(ip, code):
    """Run a cell; return (the error it raised, everything it printed)."""
    result, output = run_cell(ip, code)
    return result.error_in_exec, output


def assert_shown_as_one_message(error, output, *words):
    assert isinstance(error, dn.DLError), (error, output)
    assert "Traceback" not in output and 'File "' not in output, output
    for word in words:
        assert word in output, output


def test_a_keras_layer_that_fails_to_construct_is_one_message(ip):
    error, output = run(ip, "%%dl model tfsm --input 8\nkeras TFSMLayer filepath=/etc\n")
    assert_shown_as_one_message(error, output, "TFSMLayer", "OSError", "/etc")
    assert isinstance(error, DLSyntaxError) and (error.line, error.column) == (2, 7)
    assert "tfsm" not in ip.user_ns


@pytest.mark.parametrize("line, words", [
    ("dense " + "9" * 5000, ["too large", "5000 characters"]),
    ("conv 4 " + "3" * 5000, ["too large"]),
    ("dense 4\ndropout 1e999", ["1e999", "too large"]),
    ("keras Dense 4 bias_initializer=" + "1" * 5000, ["too large"]),
])
def test_huge_numbers_in_a_cell_are_one_message(ip, line, words):
    error, output = run(ip, f"%%dl model huge --input 8\n{line}\n")
    assert_shown_as_one_message(error, output, *words)
    assert isinstance(error, DLSyntaxError) and len(str(error)) < 200, str(error)[:300]


def test_a_huge_layer_in_a_cell_is_one_message_at_its_line(ip, budget):
    budget("1MB")
    error, output = run(ip, "%%dl model wide --input 64\nwide: dense 100000\noutput 2\n")
    assert_shown_as_one_message(error, output, "'wide' (Dense)", "26 MB")
    assert "wide" not in ip.user_ns
