"""``%dl detect``: a detection network's boxes on a dataset, their mAP and the detection browser.

``%dl detect MODEL DATA`` runs ``net.predict_boxes`` once (boxes down to a
score of 0.01, which average precision ranks), scores them with
``dn.evaluate_detections``, prints the mAP line, binds ``MODEL_detections``
(the boxes scored at least ``--score``) and shows the detection browser
over them.
"""

from __future__ import annotations

from .. import _views
from ._registry import command, find_data, find_network
from .grammar import DLSyntaxError
from .options import OptionSpec
from .values import to_number

__all__: list[str] = []  # the subcommands register themselves in _registry.COMMANDS

_RANKED = 0.01  # the lowest score average precision ranks (as net.evaluate_object_detection)


def _fraction(what):
    def convert(tok):
        value = to_number(tok, what)
        if not 0 <= value <= 1:
            raise DLSyntaxError.at(tok, f"{what} must be from 0 to 1, got {tok.text}")
        return float(value)
    return convert


@command("detect", [("MODEL", "a detection network (dn.applications.TinyYoloV2, YoloV2, …)"),
                    ("DATA", "a detection dataset; DATA_test when %dl data split it")],
         [OptionSpec("score", "P", "the lowest score of a box shown and bound (0.3)",
                     convert=_fraction("--score")),
          OptionSpec("iou", "P", "non-max suppression's overlap limit (0.45)",
                     convert=_fraction("--iou"))],
         help="Detect objects with MODEL on DATA (DATA_test if there is one): print mAP@0.5 and "
              "mAP (COCO's 0.5:0.95), bind MODEL_detections (per image the boxes, labels and "
              "scores) and show the detection browser of missed, false and badly placed boxes.",
         examples=("%dl detect tiny shapes", "%dl detect tiny shapes --score 0.5 --iou 0.3"),
         group="Inspect")
def _detect(ns, p):
    from ..evaluate.detection import evaluate_detections

    model_tok, data_tok = p.args["MODEL"], p.args["DATA"]
    net = find_network(ns, model_tok)
    if getattr(net, "head", None) is None:
        raise DLSyntaxError.at(model_tok, f"`{model_tok.text}` is not a detection network",
                               "build one with `%dl model NAME --from tinyyolov2 …`")
    name = f"{data_tok.text}_test" if f"{data_tok.text}_test" in ns else data_tok.text
    data = ns[name] if name in ns else find_data(ns, data_tok)
    if not hasattr(data, "ground_truth"):
        raise DLSyntaxError.at(data_tok, f"`{name}` is a {type(data).__name__}, not a detection "
                               "dataset", "load one with `%dl data NAME --detect FOLDER`")
    score, iou = p.options.get("score", 0.3), p.options.get("iou", 0.45)
    ranked = net.predict_boxes(data, score_threshold=min(score, _RANKED), iou_threshold=iou)
    truth = data.ground_truth()
    result = evaluate_detections(truth, ranked, data.class_names)
    kept = [{key: value[entry["scores"] >= score] for key, value in entry.items()}
            for entry in ranked]
    ns[f"{model_tok.text}_detections"] = kept
    n_boxes = sum(len(entry["labels"]) for entry in kept)
    print(f"{model_tok.text}: mAP@0.5 {result.map50:.4f}, mAP {result.map:.4f} on "
          f"{len(truth):,} images of {name}; {n_boxes:,} boxes scored ≥ {score:g} in "
          f"{model_tok.text}_detections")
    browser = _views.view_class("detection_browser")
    if browser is None:
        return result
    return browser(data, truth, kept, data.class_names)
