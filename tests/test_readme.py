"""The README's code runs: its python and ipython blocks, top to bottom, in a real kernel.

Each ```python or ```ipython block of README.md becomes one notebook cell (``%dl``
lines and ``%%dl`` cells included); the notebook runs in a fresh temporary folder
with nbclient, so the README can only use files its own blocks write. Blocks in
other languages (``bash``, plain fences) are not run, and neither is a block right
after an HTML comment ``<!-- not run: REASON -->``. The recipes must reach 95 % on
the digits' test split.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import REPO_ROOT

README = REPO_ROOT / "README.md"
RUN_LANGUAGES = ("python", "ipython")
NOT_RUN = re.compile(r"^<!--\s*not run:\s*\S.*-->$")
TARGET = 0.95
# after the README's cells: the accuracies of its Python recipe and of its %dl recipe
CHECK = "import json; print(json.dumps({'python': res.accuracy, 'magics': lenet_result.accuracy}))"


def readme_blocks(text: str) -> list[dict]:
    """Every fenced block: its ``language``, ``code``, first ``line`` and whether it is ``run``.

    Example:
        >>> blocks = readme_blocks("x\\n```python\\n1 + 1\\n```\\n"
        ...                        "<!-- not run: needs a file -->\\n```python\\nopen('f')\\n```\\n"
        ...                        "```bash\\nmake demo\\n```\\n")
        >>> [(b["language"], b["code"], b["run"]) for b in blocks]
        [('python', '1 + 1', True), ('python', "open('f')", False), ('bash', 'make demo', False)]
    """
    blocks, lines, index = [], text.splitlines(), 0
    while index < len(lines):
        opening = re.match(r"^```(\S*)\s*$", lines[index])
        if not opening:
            index += 1
            continue
        before = next((line.strip() for line in reversed(lines[:index]) if line.strip()), "")
        end = next(i for i in range(index + 1, len(lines)) if lines[i].rstrip() == "```")
        language = opening.group(1).lower()
        blocks.append(dict(language=language, code="\n".join(lines[index + 1:end]),
                           line=index + 2,
                           run=language in RUN_LANGUAGES and not NOT_RUN.match(before)))
        index = end + 1
    return blocks


def test_the_readme_has_runnable_python_and_magic_blocks():
    blocks = readme_blocks(README.read_text(encoding="utf-8"))
    run = [b for b in blocks if b["run"]]
    assert len(run) >= 6, [b["line"] for b in run]
    code = "\n".join(b["code"] for b in run)
    assert "%load_ext dl_notebook" in code and "%%dl model" in code and "%dl train" in code
    skipped = [b["line"] for b in blocks if b["language"] in RUN_LANGUAGES and not b["run"]]
    assert len(skipped) <= 2, f"README blocks marked `not run` at lines {skipped}: keep them rare"


def _error_of(cell, block) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return (f"README.md line {block['line']}: {output.get('ename')}: "
                    f"{output.get('evalue')}")
        if output.get("name") == "stderr" and "Traceback" in output.get("text", ""):
            return f"README.md line {block['line']}: a traceback on stderr:\n{output['text']}"
    return None


def test_the_readme_runs_top_to_bottom_in_a_fresh_folder(tmp_path, jupyter_env, monkeypatch):
    blocks = [b for b in readme_blocks(README.read_text(encoding="utf-8")) if b["run"]]
    for key, value in jupyter_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DL_NOTEBOOK_CACHE", str(tmp_path / "cache"))  # bundled data, once
    work = tmp_path / "work"
    work.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(b["code"]) for b in blocks]
    nb.cells.append(nbformat.v4.new_code_cell(CHECK))
    client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(work)}})
    client.execute()
    errors = [e for cell, b in zip(nb.cells, blocks) if (e := _error_of(cell, b))]
    assert errors == [], "\n".join(errors)
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("name") == "stdout")
    accuracy = json.loads(printed.strip().splitlines()[-1])
    for recipe, value in accuracy.items():
        assert value >= TARGET, f"the README's {recipe} recipe reaches {value:.1%} on the test split"


@pytest.mark.parametrize("marker, run", [
    ("<!-- not run: needs your own weight file -->", False),
    ("<!-- a comment -->", True),
    ("<!-- not run: -->", True),  # a reason is required
])
def test_only_the_not_run_marker_skips_a_block(marker, run):
    text = f"Intro.\n\n{marker}\n```python\nprint(1)\n```\n"
    assert readme_blocks(text)[0]["run"] is run
