"""The registry of heatmap methods: one list read by the dispatcher, the evaluation figures,
``%dl heatmap`` and the image browser; a method added in this module alone reaches them all.
"""

from __future__ import annotations

import contextlib
import io
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from _evaluate import evaluation_fixtures  # noqa: E402
from _nets import assert_one_sentence  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.explain import registry  # noqa: E402
from dl_notebook.magics.commands import run_line  # noqa: E402
from dl_notebook.magics.grammar import DLSyntaxError  # noqa: E402

trained, res = evaluation_fixtures()
BUILTIN = ("gradcam", "gradcam++", "occlusion", "saliency")


# -- a new method, defined here and nowhere else -----------------------------------------------
def centre_prior(model, images, class_index=None, sigma=0.3):
    """Heat that falls off from the image centre: the same map for every image."""
    x = np.asarray(images)
    h, w = x.shape[1:3]
    yy, xx = np.mgrid[0:h, 0:w]
    dist = ((yy - (h - 1) / 2) / h) ** 2 + ((xx - (w - 1) / 2) / w) ** 2
    heat = np.exp(-dist / (2 * sigma ** 2))
    heat = (heat - heat.min()) / (heat.max() - heat.min())
    return np.repeat(heat[None], len(x), axis=0).astype(np.float32)


def true_class_shade(model, images, class_index=None, labels=None):
    """A flat map at the true class id / 10 (a method that needs the ground truth)."""
    shape = np.asarray(images).shape[:3]
    return np.ones(shape, np.float32) * (np.asarray(labels, np.float32)[:, None, None] / 10)


@pytest.fixture
def centre():
    registry.register("centre", title="Centre prior", needs_gradients=False,
                      aliases=("center",), description="a fixed centre-weighted map")(centre_prior)
    yield registry.get("centre")
    registry.unregister("centre")


def run(ns, line):
    """Run a ``%dl`` line as the magic does; return (what it returned, what it printed)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = run_line(ns, line)
    return result, out.getvalue()


# -- the registry --------------------------------------------------------------------------------
def test_builtin_methods_register_themselves_where_they_are_implemented():
    assert registry.names()[:4] == BUILTIN
    assert dn.explain.METHODS[:4] == BUILTIN
    assert registry.get("gradcam").function is dn.explain.gradcam
    assert registry.get("gradcam++").function is dn.explain.gradcam_plus_plus
    assert registry.get("occlusion").function is dn.explain.occlusion
    assert registry.get("saliency").function is dn.explain.saliency
    assert [registry.get(n).needs_gradients for n in BUILTIN] == [True, True, False, True]
    assert not any(registry.get(n).needs_ground_truth for n in BUILTIN)
    assert registry.get(" Grad-CAM ").name == "gradcam"
    assert registry.get("SmoothGrad").name == "saliency"
    assert registry.get("gradcam_plus_plus").title == "Grad-CAM++"


def test_unknown_and_badly_named_methods_are_one_sentence_errors():
    with pytest.raises(dn.InvalidArgumentError) as err:
        registry.get("gradcm")
    assert_one_sentence(err.value, "'gradcm'", "did you mean 'gradcam'?", "'occlusion'")
    with pytest.raises(dn.InvalidArgumentError) as err:
        registry.get("smoothgrd")  # close to an alias: the hint names the method
    assert_one_sentence(err.value, "did you mean 'saliency'?")
    with pytest.raises(dn.InvalidArgumentError) as err:
        registry.register("Two Words", title="x")
    assert_one_sentence(err.value, "'Two Words'")
    with pytest.raises(dn.InvalidArgumentError) as err:
        registry.register("mine", title="Mine", aliases=("gradcam",))
    assert_one_sentence(err.value, "'gradcam'")
    with pytest.raises(dn.InvalidArgumentError) as err:
        registry.register("mine", title="")
    assert_one_sentence(err.value, "'mine'", "title")
    assert "mine" not in registry.names()


def test_registering_again_replaces_and_unregistering_removes(centre):
    before = registry.names()
    registry.register("centre", title="Centre", needs_gradients=False)(centre_prior)
    assert registry.names() == before and registry.get("centre").title == "Centre"
    with pytest.raises(dn.InvalidArgumentError):
        registry.get("center")  # the old alias went with the old entry
    registry.unregister("centre")
    assert "centre" not in registry.names() and registry.names()[:4] == BUILTIN


# -- one module reaches everything ---------------------------------------------------------------
def test_a_method_registered_in_one_module_reaches_the_api_figures_magic_and_browser(
        centre, trained, res):
    from dl_notebook.widgets.browser import ImageBrowser

    net, _, test = trained
    x = res.model_input([0, 1, 2])
    expected = centre_prior(None, x)
    # the dispatcher and the evaluation result
    assert "centre" in dn.explain.METHODS
    np.testing.assert_array_equal(dn.explain.heatmaps(net, x, "center"), expected)
    np.testing.assert_array_equal(res.heatmaps([0, 1, 2], "centre"), expected)
    with pytest.raises(dn.InvalidArgumentError) as err:
        dn.explain.heatmaps(net, x, "centre", layer="conv")
    assert_one_sentence(err.value, "'layer'", "sigma")
    fig = res.heat_map_analysis(img_type="M", method="centre", n_images=2)
    assert fig.ax_.shape == (2, 3) and fig.ax_[0, 1].get_title() == "Centre prior heatmap"
    np.testing.assert_array_equal(fig.ax_[0, 1].images[0].get_array(), expected[0])

    # %dl heatmap: a choice, in the help, and it runs
    ns = {"net_r": net, "net_r_result": res}
    _, output = run(ns, "help heatmap")
    assert "centre (Centre prior)" in output, output
    assert "gradcam (Grad-CAM, the default)" in output and "saliency (SmoothGrad)" in output
    figure, _ = run(ns, "heatmap net_r --method centre --img-type M --n 2")
    assert figure.ax_[0, 1].get_title() == "Centre prior heatmap"
    with pytest.raises(DLSyntaxError) as err:
        run(ns, "heatmap net_r --method centr")
    assert "did you mean `centre`?" in f"{err.value} {err.value.hint}"

    # the image browser: in its method list, also in one opened before the method existed
    browser = ImageBrowser(res, img_type="M", page_size=4, thumb_size=32)
    assert {"name": "centre", "title": "Centre prior"}.items() <= browser.methods[-1].items()
    browser.heatmap = "Center"
    assert browser.heatmap == "centre" and len(browser.thumbnails) == 4

    registry.unregister("centre")
    assert "centre" not in [m["name"] for m in browser.methods]
    assert "centre" not in run(ns, "help heatmap")[1]
    with pytest.raises(DLSyntaxError):
        run(ns, "heatmap net_r --method centre")
    registry.register("centre", title="Centre prior")(centre_prior)
    assert browser.methods[-1]["name"] == "centre"


def test_a_method_that_needs_the_ground_truth_gets_the_labels(res):
    registry.register("shade", title="True class", needs_gradients=False,
                      needs_ground_truth=True)(true_class_shade)
    try:
        idx = res.select("M")[:3]
        maps = res.heatmaps(idx, "shade")
        np.testing.assert_allclose(maps[:, 0, 0], res.y_true[idx] / 10)
    finally:
        registry.unregister("shade")


def test_python_and_the_browser_offer_the_same_methods(res):
    from dl_notebook.widgets import browser as browser_module

    browser = browser_module.ImageBrowser(res, page_size=2, thumb_size=32)
    offered = [(m["name"], m["title"]) for m in browser.methods]
    assert offered == [(m.name, m.title) for m in registry.methods()]
    assert [name for name, _ in offered] == list(dn.explain.METHODS)
    # the page draws the trait: it names no method of its own
    js = open(os.path.join(os.path.dirname(browser_module.__file__), "_browser.js")).read()
    for method in registry.methods():
        assert f'"{method.name}"' not in js and f'"{method.title}"' not in js
    assert 'model.get("methods")' in js and "change:methods" in js
    for method in registry.methods():  # every offered method runs in the browser
        browser.heatmap = method.name
        assert browser.heatmap == method.name and browser.error == ""


# -- the protocol: explanations need no dn.Network -----------------------------------------------
class KerasTarget:
    """The smallest ExplainTarget: a Keras model and its layers' outputs by name."""

    def __init__(self, kmodel):
        self.kmodel = kmodel
        self.asked = []

    def to_keras(self):
        return self.kmodel

    def layer_output(self, name):
        self.asked.append(name)
        names = [layer.name for layer in self.kmodel.layers]
        return self.kmodel.get_layer(name).output if name in names else None


def test_any_object_of_the_explain_target_protocol_is_explained(trained, res):
    net, _, _ = trained
    target = KerasTarget(net.to_keras())
    assert isinstance(target, dn.explain.ExplainTarget) and isinstance(net, dn.explain.ExplainTarget)
    x = res.model_input([0, 1])
    np.testing.assert_allclose(dn.explain.gradcam(target, x, layer="conv"),
                               dn.explain.gradcam(net, x, layer="conv"), atol=1e-5)
    assert target.asked == ["conv"]
    assert net.layer_output("conv") is net["conv"]._tensor and net.layer_output("nope") is None
    np.testing.assert_allclose(dn.explain.gradcam(net, x, layer=net["conv"]),
                               dn.explain.gradcam(net, x, layer="conv"), atol=1e-6)
    with pytest.raises(dn.InvalidArgumentError) as err:
        dn.explain.gradcam(object(), x)
    assert_one_sentence(err.value, "object")
