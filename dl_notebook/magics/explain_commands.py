"""``%dl`` subcommands that show heatmaps over evaluated images: gradcam, heatmap.

Both show misclassified images by default (what a model gets wrong teaches most);
``--img-type A`` shows all images, ``--img-type C`` the correct ones. Each makes one
call of ``EvaluationResult.heat_map_analysis``.
"""

from __future__ import annotations

from ..explain import registry
from ._registry import command, find_result
from .grammar import DLSyntaxError
from .options import OptionSpec

__all__: list[str] = []  # the subcommands register themselves in _registry.COMMANDS

_MODEL = ("MODEL", "a network in the notebook")
_INSPECT = "Inspect"  # heading of %dl help
_IMG_TYPES = ("a", "c", "m")
_DEFAULT_TYPE = "m"

_HEAT_OPTIONS = (OptionSpec("img-type", "M|C|A", "which images: misclassified (the default), "
                            "correct or all", choices=_IMG_TYPES),
                 OptionSpec("n", "N", "how many images (5)", convert=int))


@command("gradcam", [_MODEL], _HEAT_OPTIONS,
         help="Grad-CAM heatmaps over evaluated images, misclassified ones unless --img-type "
              "says A (all) or C (correct).",
         examples=("%dl gradcam lenet --n 4", "%dl gradcam lenet --img-type A"),
         group=_INSPECT)
def _gradcam(ns, p):
    return _heat(ns, p, "gradcam")


def _heatmap(ns, p):
    return _heat(ns, p, p.options.get("method", "gradcam"))


def _method_option():
    """``--method``: its choices and help are the methods registered in dl_notebook.explain."""
    shown = [f"{m.name} ({m.title}{', the default' if m.name == 'gradcam' else ''})"
             for m in registry.methods()]
    return OptionSpec("method", "NAME", "the heatmap method: " + ", ".join(shown),
                      choices=registry.names())


def _register_heatmap():
    """(Re)register ``%dl heatmap`` with the methods registered now."""
    command("heatmap", [_MODEL], (_method_option(),) + _HEAT_OPTIONS,
            help="Heatmaps of what MODEL looks at, over evaluated images: misclassified ones "
                 "unless --img-type says A (all) or C (correct).",
            examples=("%dl heatmap lenet --method occlusion --n 4",
                      "%dl heatmap lenet --img-type C"),
            group=_INSPECT)(_heatmap)


_register_heatmap()
registry.on_change(_register_heatmap)  # a method registered later is a choice at once


def _heat(ns, p, method):
    result = find_result(ns, p.args["MODEL"])
    n = p.options.get("n", 5)
    if n < 1:
        raise DLSyntaxError.at(p.option_tokens["n"], "--n must be at least 1")
    img_type = p.options.get("img-type", _DEFAULT_TYPE).upper()
    return result.heat_map_analysis(img_type=img_type, method=method, n_images=n)
