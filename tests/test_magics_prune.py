"""%dl prune through a real IPython shell: fine-tuning on split data, one-shot, errors, help."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dl_notebook.magics.grammar import DLSyntaxError  # noqa: E402

from conftest import ipython_shell, run_cell  # noqa: E402

MODEL = """%%dl model {name} --input 64
fc1: dense 32 relu
output 10 softmax
"""


@pytest.fixture(scope="module")
def ip():
    from sklearn.datasets import load_digits

    shell = ipython_shell()
    data = load_digits()
    order = np.random.default_rng(0).permutation(len(data.target))
    x = (data.data[order] / 16).astype("float32")
    y = data.target[order].astype("int32")
    shell.user_ns.update(pdigits_train=(x[:1400], y[:1400]), pdigits_valid=(x[1400:], y[1400:]))
    return shell


def kernel_zeros(ip, name):
    return int(np.count_nonzero(np.asarray(ip.user_ns[name]["fc1"].keras_layer.kernel) == 0))


def test_prune_fine_tunes_on_split_data_and_prints_the_result(ip):
    result, out = run_cell(ip, MODEL.format(name="pnet"))
    assert result.success, out
    result, out = run_cell(ip, "%dl prune pnet --sparsity 0.5 --data pdigits --epochs 1 --seed 2")
    assert result.success, out
    pruned = ip.user_ns["pnet_prune"]
    assert out.startswith("pnet: <PruneResult: 50.0% of 2,048 weights zero in 1 kernel")
    assert "accuracy" in out and "fc1" in out and "0.5000" in out
    assert pruned.history.frame["epoch"].tolist() == [1]  # fine-tuned on pdigits_train
    assert pruned.accuracy_after == pytest.approx(  # scored on pdigits_valid
        ip.user_ns["pnet"].evaluate(ip.user_ns["pdigits_valid"]).accuracy)
    assert kernel_zeros(ip, "pnet") == 1024


def test_prune_without_data_prunes_once(ip):
    run_cell(ip, MODEL.format(name="qnet"))
    result, out = run_cell(ip, "%dl prune qnet --sparsity 0.75 --method global")
    assert result.success, out
    assert "75.0% of 2,048 weights" in out and ip.user_ns["qnet_prune"].history is None
    assert kernel_zeros(ip, "qnet") == 1536


@pytest.mark.parametrize("line, words", [
    ("%dl prune qnet --sparsity 1.5", "strictly between 0 and 1"),
    ("%dl prune qnet --sparsity 0", "strictly between 0 and 1"),
    ("%dl prune qnet --sparsity half", "expected a sparsity"),
    ("%dl prune qnet --schedule cubic", "cubic"),
    ("%dl prune nonet --sparsity 0.5", "no network named `nonet`"),
    ("%dl prune qnet --data nodata", "no data named `nodata`"),
    ("%dl prune qnet --epochs 0 --data pdigits", "--epochs must be at least 1"),
])
def test_bad_words_give_one_message(ip, line, words):
    run_cell(ip, MODEL.format(name="qnet"))
    result, out = run_cell(ip, line)
    assert isinstance(result.error_in_exec, DLSyntaxError), out
    assert words in out and "Traceback" not in out, out
    assert kernel_zeros(ip, "qnet") == 0


def test_help_lists_prune_under_deploy_and_tune(ip):
    _, out = run_cell(ip, "%dl help")
    deploy = out[out.index("Deploy and tune"):]
    assert "prune" in deploy
    _, out = run_cell(ip, "%dl help prune")
    assert "--sparsity F" in out and "--schedule NAME" in out
