"""One home for the words and colours Python and the JupyterLab extension share."""

import pathlib
import re

from dl_notebook.graph.kinds import KINDS, PALETTE
from dl_notebook.magics.layer_table import ACTIVATIONS
from dl_notebook.model.layers.describe import layer_types
from dl_notebook.model.layers.keras_layer import _KINDS as KERAS_KINDS
from dl_notebook.vocabulary import typescript, vocabulary

ROOT = pathlib.Path(__file__).resolve().parents[1]
SRC = ROOT / "labextension" / "src"


def test_the_committed_typescript_vocabulary_is_current():
    committed = (SRC / "vocabulary.ts").read_text(encoding="utf-8")
    assert committed == typescript(), (
        "labextension/src/vocabulary.ts is stale: run "
        "`python -m dl_notebook.vocabulary labextension/src/vocabulary.ts` and rebuild"
    )


def test_every_layer_kind_has_a_colour():
    builtin = [cls for cls in layer_types() if cls.__module__.startswith("dl_notebook.")]
    kinds = {cls.kind for cls in builtin if "kind" in vars(cls)} | set(KERAS_KINDS)
    assert kinds <= set(KINDS), kinds - set(KINDS)
    assert set(KINDS) | {"group"} == set(PALETTE)


def test_the_vocabulary_holds_every_activation_and_argument_word():
    words = vocabulary()
    assert words["ACTIVATIONS"] == list(ACTIVATIONS)
    assert {"max", "avg", "same", "valid", "bidirectional", "true"} <= set(words["ATOM_WORDS"])


def test_no_typescript_file_keeps_its_own_list_of_kinds_colours_or_activations():
    words = vocabulary()
    quoted = {f"'{w}'" for w in words["KINDS"] + words["ACTIVATIONS"] if w != "none"}
    for path in SRC.rglob("*.ts"):
        if path.name == "vocabulary.ts":
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"#[0-9a-f]{6}\b", text, re.I), f"{path}: a colour literal"
        found = sorted(w for w in quoted if w in text)  # one word ('input', 'other') may be
        assert len(found) < 3, f"{path} lists kinds or activations itself: {found}"  # another's
