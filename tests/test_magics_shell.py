"""%dl / %%dl through a real IPython shell: every subcommand, errors, help, completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402
from IPython.core.completer import provisionalcompleter  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.magics.grammar import DLSyntaxError, Token  # noqa: E402
from dl_notebook.magics.lr_forms import make_solver, read_lr  # noqa: E402

from conftest import REPO_ROOT, ipython_shell, run_cell  # noqa: E402


@pytest.fixture(scope="module")
def ip():
    return ipython_shell()


run = run_cell  # (result, everything it printed)


def assert_one_message(result, output, cls, *words):
    assert isinstance(result.error_in_exec, cls), (result.error_in_exec, output)
    assert "Traceback" not in output and 'File "' not in output, output
    for word in words:
        assert word in output, output


LENET = """%%dl model {name} --input 8x8x1
conv1: conv 4 3x3 relu
pool max 2
dense 16 relu dropout=0.25
output 10 softmax
"""


# -- loading ---------------------------------------------------------------------------------------
_LOAD_PROBE = """
import json, sys, time
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
start = time.perf_counter()
shell.run_line_magic("load_ext", "dl_notebook")
seconds = time.perf_counter() - start
magics = shell.magics_manager.magics
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras"))
print(json.dumps({"seconds": seconds, "heavy": heavy, "line": "dl" in magics["line"],
                  "cell": "dl" in magics["cell"]}))
"""


def test_load_ext_registers_the_magics_without_importing_tensorflow():
    out = subprocess.run([sys.executable, "-c", _LOAD_PROBE], cwd=REPO_ROOT, check=True,
                         capture_output=True, text=True, timeout=120)
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"%load_ext dl_notebook took {probe['seconds']:.3f} s (importing dl_notebook "
          f"included)")
    assert probe["heavy"] == []
    assert probe["line"] and probe["cell"]


def test_loading_twice_keeps_one_completer(ip):
    ip.run_line_magic("load_ext", "dl_notebook")
    ip.run_line_magic("reload_ext", "dl_notebook")
    ids = [getattr(m, "matcher_identifier", None) for m in ip.Completer.custom_matchers]
    assert ids.count("dl_notebook.magics.completion") == 1


# -- building and editing --------------------------------------------------------------------------
def test_model_cell_binds_a_network(ip):
    result, output = run(ip, LENET.format(name="net_a"))
    assert result.success, output
    net = ip.user_ns["net_a"]
    assert isinstance(net, dn.Sequential)
    assert net.layer_names == ["input1", "conv1", "pool1", "fc1", "output1"]
    assert output.strip() == repr(net)


def test_add_and_remove_edit_the_network_by_name(ip):
    run(ip, LENET.format(name="net_b"))
    result, output = run(ip, "%dl add net_b bn1: bn relu --after conv1")
    assert result.success, output
    net = ip.user_ns["net_b"]
    assert net.layer_names == ["input1", "conv1", "bn1", "pool1", "fc1", "output1"]
    assert output.startswith("added bn1 after conv1: <Sequential 'net_b'")
    run(ip, "%dl add net_b dropout 0.1 --before output1")
    assert net.layer_names[-2:] == ["dropout1", "output1"]
    run(ip, "%dl add net_b side: conv 4 1x1 --inputs input1")
    run(ip, "%dl add net_b pool max 2 --inputs side")
    run(ip, "%dl add net_b sum: res pool1 pool2")
    assert net["sum"].inputs == ["pool1", "pool2"]
    result, output = run(ip, "%dl remove net_b sum --reconnect pool1")
    assert result.success, output
    run(ip, "%dl remove net_b bn1")
    assert "bn1" not in net and net.consumers("conv1") == ["pool1"]


def test_show_summary_and_code_return_or_print_the_api_objects(ip):
    run(ip, LENET.format(name="net_c"))
    view = ip.run_line_magic("dl", "show net_c --expand")
    assert view.svg.startswith("<svg") and 'class="node"' in view.svg
    table = ip.run_line_magic("dl", "summary net_c")
    assert table["Layer"].tolist()[:5] == ip.user_ns["net_c"].layer_names
    result, output = run(ip, "%dl code net_c")
    assert output.strip().split("\n") == [
        "%%dl model net_c --input 8x8x1", "conv 4 3x3 relu", "pool max 2",
        "dense 16 relu dropout=0.25", "output 10 softmax"]
    result, output = run(ip, "%dl code net_c --python")
    assert "net_c.add(dn.layers.Conv2d(4, 3))" in output


# -- help ------------------------------------------------------------------------------------------
def test_help_and_question_mark_print_usage_with_examples(ip):
    result, output = run(ip, "%dl?")
    assert "%dl train MODEL DATA" in output and "%%dl model NAME" in output
    assert "Examples:" in output and "conv 32 3x3 relu" in output
    result, output = run(ip, "%dl help train")
    assert output.startswith("%dl train MODEL DATA") and "cyclic:BASE:MAX" in output
    result, output = run(ip, "%dl help layers")
    assert "lstm 64 bidirectional" in output and "Activations:" in output
    result, output = run(ip, "%dl")
    assert "Build and edit:" in output
    assert "Deploy and tune:" in output
    for name in ("export", "score", "tune", "prune", "detect"):
        assert f"%dl {name} " in output
    assert "%dl load " not in output  # no such capability: nothing is offered for it


# -- errors: one message, no traceback -------------------------------------------------------------
def test_syntax_errors_show_line_column_caret_and_hint(ip):
    run(ip, LENET.format(name="net_d"))
    before = ip.user_ns["net_d"]
    result, output = run(ip, "%%dl model net_d --input 8x8x1\nconv 4 3x3\ncnv 8 3x3 relu\n")
    assert_one_message(result, output, DLSyntaxError,
                       "line 3, column 1: unknown layer type `cnv`; did you mean `conv`?",
                       "    cnv 8 3x3 relu\n    ^^^")
    assert ip.user_ns["net_d"] is before  # a failed cell binds nothing
    result, output = run(ip, "%dl trian net_d digits")
    assert_one_message(result, output, DLSyntaxError, "did you mean `train`?",
                       "    %dl trian net_d digits\n        ^^^^^")
    result, output = run(ip, "%dl add net_d bn --after conv9")
    assert_one_message(result, output, DLSyntaxError, "did you mean `conv1`?")


def test_api_errors_show_one_message(ip):
    run(ip, LENET.format(name="net_e"))
    result, output = run(ip, "%dl add net_e conv 4 3x3 --after fc1")
    assert_one_message(result, output, dn.ShapeError, "ShapeError: Layer 'conv2'",
                       "    %dl add net_e conv 4 3x3 --after fc1")
    result, output = run(ip, "%dl remove net_e input1")
    assert_one_message(result, output, dn.NetworkEditError, "NetworkEditError: Cannot remove")
    result, output = run(ip, "%dl confusion net_e")
    assert_one_message(result, output, dn.InvalidArgumentError,
                       "run `%dl evaluate net_e DATA` first")
    assert len(output.strip().splitlines()) == 1


# -- completion ------------------------------------------------------------------------------------
@pytest.mark.parametrize("code, expected", [
    ("%dl tr", ["train"]),
    ("%dl train net_f", ["net_f"]),
    ("%dl train net_f x --ep", ["--epochs"]),
    ("%dl train net_f x --solver ad", ["adam", "adamw"]),
    ("%dl train net_f x --lr cy", ["cyclic:"]),
    ("%dl remove net_f po", ["pool1"]),
    ("%dl add net_f conv 3 3x3 st", ["stride=", "stride_horizontal=", "stride_vertical=",
                                     "strides="]),
    ("%dl add net_f bn --after co", ["conv1"]),
    ("%dl browse net_f ", ["A", "C", "M"]),
    ("%dl help la", ["layers"]),
    ("%%dl model x --input 8x8x1 --ty", ["--type"]),
    ("%%dl model x --input 8x8x1 --type ", ["cnn", "dnn", "rnn"]),
    ("%%dl model x --input 8x8x1\nconv 8 3x3 re", ["relu", "relu6"]),
    ("%%dl model x --input 8x8x1\nc1: conv 8 3x3\nres c", ["c1"]),
    ("%%dl model x --input 8x8x1\nlst", ["lstm"]),
    ("%%dl model x --input 8x8x1\npool max 2 pad", ["padding="]),
    ("%%dl model x --input 8x8x1\npool max 2 padding=v", ["valid"]),
])
def test_completion(ip, code, expected):
    run(ip, LENET.format(name="net_f"))
    with provisionalcompleter():
        found = [c.text for c in ip.Completer.completions(code, len(code))]
    assert found == expected


# -- data, training and inspection -----------------------------------------------------------------
@pytest.fixture(scope="module")
def digits(tmp_path_factory, ip):
    folder = dn.datasets.digits(tmp_path_factory.mktemp("magics") / "digits")
    ip.user_ns["digits_folder"] = str(folder)
    result, output = run(ip, "%dl data digits --folder {digits_folder} --size 8 --grayscale "
                             "--split 64/16/20 --seed 1")
    assert result.success, output
    return output


def test_data_binds_the_dataset_and_its_parts(ip, digits):
    ns = ip.user_ns
    assert len(ns["digits"]) == 1797
    parts = dn.three_way_split(ns["digits"], valid_rate=16, test_rate=20, seed=1)
    sizes = [len(part) for part in parts]
    assert [len(ns[f"digits_{p}"]) for p in ("train", "valid", "test")] == sizes
    assert [ns["digits_test"].paths[i] for i in range(3)] == [parts[2].paths[i] for i in range(3)]
    assert ns["digits"].input_shape == (8, 8, 1)
    assert f"digits_train: {sizes[0]:,}, digits_valid: {sizes[1]}, digits_test: {sizes[2]}" \
        in digits
    run(ip, "%dl data whole --folder {digits_folder} --size 8")
    assert "whole_train" not in ns and ns["whole"].input_shape == (8, 8, 3)


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    """A fresh cache folder for the bundled datasets of this test."""
    monkeypatch.setenv("DL_NOTEBOOK_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_bundled_datasets_need_no_folder_and_are_written_once(ip, cache):
    result, output = run(ip, "%dl data shapes --size 32 --split 80/20 --seed 0")
    assert result.success, output
    shapes = ip.user_ns["shapes"]
    assert len(shapes) == 300 and shapes.class_names == ["circle", "square", "triangle"]
    assert shapes.input_shape == (32, 32, 3) and len(ip.user_ns["shapes_test"]) == 60
    assert str(shapes.paths[0]).startswith(str(cache / "shapes-32x32"))
    result, output = run(ip, "%dl data small_digits --from digits --size 16 --grayscale")
    assert result.success, output
    data = ip.user_ns["small_digits"]
    assert len(data) == 1797 and data.input_shape == (16, 16, 1)
    first = cache / "digits-16x16" / "0" / "0000.png"
    assert str(data.paths[0]) == str(first)
    stamp = first.stat().st_mtime_ns
    run(ip, "%dl data small_digits --from digits --size 16 --grayscale")
    assert first.stat().st_mtime_ns == stamp, "the digits were written again"
    assert sorted(p.name for p in cache.iterdir()) == ["digits-16x16", "shapes-32x32"]


def test_a_folder_is_needed_for_other_names(ip, cache):
    result, output = run(ip, "%dl data pets --size 32")
    assert_one_message(result, output, DLSyntaxError, "`pets` is not a bundled dataset",
                       "--folder", "digits and shapes")
    result, output = run(ip, "%dl data pets --from digits --folder here")
    assert_one_message(result, output, DLSyntaxError, "--from and --folder")
    assert "pets" not in ip.user_ns and not cache.exists()


def test_help_data_names_the_bundled_datasets(ip):
    _, output = run(ip, "%dl help data")
    assert "%dl data digits --size 32" in output and "--from DATASET" in output
    assert "need no --folder" in output and "cache folder" in output


def test_names_bound_to_other_things_are_kept_unless_forced(ip, cache):
    ip.user_ns["kept"] = 3
    result, output = run(ip, "%dl data kept --from digits --size 8 --grayscale")
    assert_one_message(result, output, DLSyntaxError, "`kept` already holds an int (3)",
                       "--force")
    assert ip.user_ns["kept"] == 3 and not cache.exists()
    result, output = run(ip, "%dl data kept --from digits --size 8 --grayscale --force")
    assert result.success, output
    assert len(ip.user_ns["kept"]) == 1797
    # a dataset (or network) under the name is what a rerun replaces: no --force needed
    result, output = run(ip, "%dl data kept --from digits --size 8")
    assert result.success, output
    assert ip.user_ns["kept"].input_shape == (8, 8, 3)


def test_model_cells_keep_names_bound_to_other_things_unless_forced(ip):
    ip.user_ns["model_kept"] = print
    result, output = run(ip, "%%dl model model_kept --input 4\ndense 2")
    assert_one_message(result, output, DLSyntaxError,
                       "`model_kept` already holds the function print", "--force")
    assert ip.user_ns["model_kept"] is print
    ip.user_ns["model_kept"] = 3
    result, output = run(ip, "%dl model model_kept --from lenet5 --classes 3 --input 16x16x1")
    assert_one_message(result, output, DLSyntaxError, "already holds an int (3)")
    assert ip.user_ns["model_kept"] == 3
    result, output = run(ip, "%%dl model model_kept --input 4 --force\ndense 2")
    assert result.success, output
    assert isinstance(ip.user_ns["model_kept"], dn.Network)
    result, output = run(ip, "%%dl model model_kept --input 8\ndense 2")  # a network: rebuilt
    assert result.success, output


def test_train_evaluate_and_inspect(ip, digits):
    run(ip, LENET.format(name="net_g"))
    result, output = run(ip, "%dl train net_g digits --epochs 2 --batch 64 --solver sgd "
                             "--lr cyclic:1e-3:1e-1:1 --seed 0")
    assert result.success, output
    hist = ip.user_ns["net_g_history"]
    assert hist.frame["epoch"].tolist() == [1, 2]
    assert "val_loss" in hist.frame.columns  # digits_valid was used
    optimizer = ip.user_ns["net_g"].to_keras().optimizer
    assert type(optimizer).__name__ == "SGD"
    assert type(optimizer._learning_rate).__name__ == "CyclicLR"
    batches = -(-len(ip.user_ns["digits_train"]) // 64)
    assert optimizer._learning_rate.step_size == batches  # half a cycle = 1 epoch

    result, output = run(ip, "%dl evaluate net_g digits")
    assert result.success, output
    res = ip.user_ns["net_g_result"]
    n_test = len(ip.user_ns["digits_test"])
    assert len(res.y_true) == n_test
    assert output.startswith(f"net_g: accuracy {res.accuracy:.4f} on {n_test} examples "
                             "of digits_test")

    matrix = ip.run_line_magic("dl", "confusion net_g --normalize true")
    assert matrix.matrix.shape == (10, 10) and matrix.normalize == "true"
    browser = ip.run_line_magic("dl", "browse net_g M")
    assert len(browser.indices) == len(res.misclassified())
    cams = ip.run_line_magic("dl", "gradcam net_g --img-type A --n 2")
    assert cams.figure_ is not None
    heat = ip.run_line_magic("dl", "heatmap net_g --method occlusion --img-type C --n 2")
    assert heat.figure_ is not None


def test_make_solver_maps_every_learning_rate_form():
    made = {}
    for text in ("0.01", "fixed:0.01", "step:0.1:0.5:2", "multistep:0.1:0.5:1,3",
                 "poly:0.1:2", "cyclic:1e-4:1e-2", "cosine:0.1:1", "onecycle:0.1"):
        solver, schedule = make_solver("momentum", read_lr(Token(text)), epochs=4,
                                       steps_per_epoch=10)
        assert type(solver).__name__ == "Momentum"
        made[text] = schedule
    assert made["0.01"] is None
    assert made["step:0.1:0.5:2"].get_config() == {"learning_rate": 0.1, "gamma": 0.5,
                                                  "step_size": 2, "steps_per_epoch": 10}
    assert made["cyclic:1e-4:1e-2"].step_size == 20
    assert made["cosine:0.1:1"].warmup_steps == 10 and made["cosine:0.1:1"].decay_steps == 30
    assert made["onecycle:0.1"].total_steps == 40
    assert made["poly:0.1:2"].max_steps == 40
    assert make_solver(None, None, 1, None) == (None, None)
    with pytest.raises(dn.InvalidArgumentError):
        make_solver("adam", read_lr(Token("cyclic:1e-4:1e-2")), 4, None)
