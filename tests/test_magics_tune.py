"""%%dl tune (the space one parameter per line) and %dl tune --space: parsing, errors with a
caret, and one real search bound to NAME."""

from __future__ import annotations

import pytest
from _tune_data import DIGITS_MLP

from dl_notebook.magics.grammar import DLSyntaxError
from dl_notebook.magics.tune_commands import parse_space

from conftest import ipython_shell, run_cell


@pytest.fixture(scope="module")
def ip():
    shell = ipython_shell()
    result, _ = run_cell(shell, DIGITS_MLP)
    assert result.success
    return shell


def test_the_cell_lines_give_ranges_and_choices():
    space = parse_space("learning_rate 1e-4..1e-1 log\n\ndropout 0.0..0.5  # a comment\n"
                        "units 16..128 int\nbatch_size 16 32 64\nsolver adam sgd\nbn true false")
    assert space == {"learning_rate": (1e-4, 0.1, "log"), "dropout": (0.0, 0.5),
                     "units": (16, 128, "int"), "batch_size": [16, 32, 64],
                     "solver": ["adam", "sgd"], "bn": [True, False]}


@pytest.mark.parametrize("body, message, column", [
    ("units 16..x int", "expected a number after `..`", 11),
    ("units 16..128 integer", "unexpected `integer`", 15),
    ("units", "`units` needs a range or choices", 7),
    ("units 8 16\nunits 4 8", "`units` is given twice", 1),
])
def test_a_bad_line_is_shown_with_its_place(body, message, column):
    with pytest.raises(DLSyntaxError, match=message) as info:
        parse_space(body)
    assert info.value.column == column


def test_a_tune_cell_runs_a_search_and_binds_its_result(ip, tmp_path):
    storage = tmp_path / "search.journal"
    result, out = run_cell(ip, f"%%dl tune search --build make_net --data train --valid valid "
                               f"--trials 2 --epochs 1 --seed 0 --storage {storage}\n"
                               f"units 8..16 int\nbatch_size 32 64\n")
    assert result.success, out
    res = ip.user_ns["search"]
    assert res.study.study_name == "search" and res.finished == 2
    assert list(res.trials.columns[:3]) == ["number", "units", "batch_size"]
    assert out.count("trial ") >= 2  # one text line per finished trial outside a kernel

    # the line form, with the space in a variable, resumes the study: it has its trials
    ip.user_ns["SPACE"] = {"units": (8, 16, "int"), "batch_size": [32, 64]}
    result, out = run_cell(ip, f"%dl tune search --build make_net --data train --valid valid "
                               f"--space SPACE --trials 2 --epochs 1 --storage {storage}")
    assert result.success, out
    assert "Resuming: 2 trials finished before" in out
    assert ip.user_ns["search"] is not res and ip.user_ns["search"].finished == 2
    assert ip.user_ns["search"].trials.equals(res.trials)


def test_tune_errors_reach_the_notebook_without_a_traceback(ip):
    result, out = run_cell(ip, "%%dl tune s --build nothing --data train\nunits 8..16 int\n")
    assert not result.success
    assert "`nothing` is not a function in the notebook" in out and "Traceback" not in out
    result, out = run_cell(ip, "%dl tune s --build make_net --data train")
    assert "needs --space VAR" in out
    result, out = run_cell(ip, "%%dl tune s --build make_net --data train\n# none yet\n")
    assert "the cell has no parameters" in out
