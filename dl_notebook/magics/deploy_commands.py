"""``%dl export`` and ``%dl score``: a network out to a file, and an exported file scoring data."""

from __future__ import annotations

import os
import re

from ._registry import command, find_data, find_network
from .grammar import DLSyntaxError
from .options import OptionSpec

__all__ = ["scores_name"]

_GROUP = "Deploy and tune"
_FORMATS = ("onnx", "keras", "savedmodel", "weights")


def scores_name(path) -> str:
    """The name ``%dl score`` binds its table to: the file's stem and ``_scores``.

    Example:
        >>> scores_name("models/lenet.onnx"), scores_name("2nd-try.keras")
        ('lenet_scores', 'm_2nd_try_scores')
    """
    stem = os.path.basename(os.fspath(path)).split(".")[0]
    stem = re.sub(r"\W", "_", stem) or "model"
    return f"{'m_' if stem[0].isdigit() else ''}{stem}_scores"


@command("export", [("MODEL", "a network in the notebook"),
                    ("PATH", "file.onnx, file.keras, file.weights.h5 or a SavedModel folder")],
         [OptionSpec("format", "F", "the format when PATH's suffix does not say it",
                     choices=_FORMATS),
          OptionSpec("raw-images", help="the exported model takes raw uint8 images of any "
                     "size and resizes and normalises them itself")],
         help="Write MODEL to PATH for another runtime; an ONNX file is checked in onnxruntime "
              "against Keras first and the largest difference is printed.",
         examples=("%dl export lenet lenet.onnx", "%dl export lenet lenet.onnx --raw-images",
                   "%dl export lenet served --format savedmodel"), group=_GROUP)
def _export(ns, p):
    net = find_network(ns, p.args["MODEL"])
    result = net.export(p.args["PATH"].text, format=p.options.get("format"),
                        include_preprocessing=bool(p.options.get("raw-images")))
    print(f"{p.args['MODEL'].text} -> {result._summary()}")


@command("score", [("PATH", "a file written by %dl export (.onnx or .keras)"),
                   ("DATA", "a dataset in the notebook")],
         [OptionSpec("batch", "N", "batch size (256)", convert=int)],
         help="Score DATA with an exported file (onnxruntime or Keras): a table with the "
              "predicted class and each class's probability; binds STEM_scores.",
         examples=("%dl score lenet.onnx digits_test",), group=_GROUP)
def _score(ns, p):
    from ..io.score import score

    path_tok = p.args["PATH"]
    if not os.path.isfile(path_tok.text):
        raise DLSyntaxError.at(path_tok, f"no file `{path_tok.text}`",
                               "write one with `%dl export MODEL PATH`")
    data = find_data(ns, p.args["DATA"])
    table = score(path_tok.text, data, batch_size=p.options.get("batch", 256))
    ns[scores_name(path_tok.text)] = table
    return table
