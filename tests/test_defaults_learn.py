"""Every architecture a teaching dashboard offers learns the bundled digits with its defaults.

Each network registered with a ``Recipe`` (``applications/_zoo.py``) is trained
the way the Train and inspect dashboard trains it: the app itself, on the
bundled digits at 32×32, with its default split (validation 15 %, test 20 %,
seed 123) and the recipe's solver, learning rate, epochs and batch size. Each
must reach at least 90 % accuracy on the test split.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

from dl_notebook.applications import catalog  # noqa: E402
from dl_notebook.applications._zoo import Recipe, dashboard_choices  # noqa: E402
from dl_notebook.train.status import RunStatus  # noqa: E402
from dl_notebook.widgets.train_inspect import TrainInspectApp  # noqa: E402

TARGET = 0.90
RUN_TIMEOUT = 600  # seconds; a run takes 10 to 30 on two shared cores
SHAPE = (32, 32, 1)  # the dashboard's default: the digits at 32×32, grayscale


def test_the_dashboard_networks_are_the_ones_with_a_recipe():
    offered = dashboard_choices(SHAPE)
    assert {"lenet5", "small_cnn"} <= set(offered)
    assert all(isinstance(entry.recipe, Recipe) for entry in offered.values())
    # the big ImageNet networks stay in the zoo, but no dashboard offers them
    assert {"resnet152", "vgg19", "densenet201"} <= set(catalog()) - set(offered)



@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    return tmp_path_factory.mktemp("data")  # the app writes the digits here once


@pytest.mark.parametrize("key", list(dashboard_choices(SHAPE)))
def test_each_dashboard_network_learns_the_digits_with_its_defaults(key, data_root):
    recipe = catalog()[key].recipe
    app = TrainInspectApp(data_root=data_root)
    app.architecture.value = key  # what a student does; everything else stays as it opens
    assert (app.dataset.value, app.image_size.value, app.color_mode.value) == \
        ("digits", recipe.image_size, "grayscale")
    assert (app.valid_rate.value, app.test_rate.value, app.seed.value) == (15, 20, 123)
    assert dict(solver=app.solver.value, learning_rate=app.learning_rate.value,
                epochs=app.epochs.value, batch_size=app.batch_size.value) == \
        recipe.as_settings()
    assert app.train(), app.status_text
    assert app.wait(RUN_TIMEOUT), "the run did not end"
    assert app.status_kind == "finished", (app.status_text, repr(app.last_error))
    assert app.history.status is RunStatus.COMPLETED
    assert len(app.history.frame) == recipe.epochs
    accuracy = app.result.accuracy
    assert accuracy >= TARGET, (f"{key}: {accuracy:.1%} test accuracy after {recipe.epochs} "
                                f"epochs; the target is {TARGET:.0%}")


def test_the_app_offers_only_the_networks_with_a_recipe(data_root):
    app = TrainInspectApp(data_root=data_root)
    offered = [key for _, key in app.architecture.options if key != "builder"]
    assert offered == list(dashboard_choices(SHAPE))
    app.image_size.value = 16  # another size: what fits it, still only networks with a recipe
    offered = [key for _, key in app.architecture.options if key != "builder"]
    assert offered == list(dashboard_choices((16, 16, 1))) and "resnet18" not in offered


@pytest.fixture()
def probe():
    """A network registered with a recipe unlike the others' for one test, then removed."""
    from dl_notebook.applications import SmallCNN, _zoo

    @_zoo.application("recipe_probe", title="Recipe probe", min_size=1,
                      recipe=Recipe(solver="sgd", learning_rate=1e-2, epochs=2, batch_size=64))
    def probe_network(n_classes=10, input_shape=SHAPE, name="probe"):
        """A one-block Small CNN."""
        return SmallCNN(n_classes, input_shape, name, filters=(4,))

    yield _zoo.catalog()["recipe_probe"].recipe
    del _zoo._REGISTRY["recipe_probe"]


def test_choosing_a_network_sets_its_recipe_unless_the_settings_were_changed(data_root, probe):
    app = TrainInspectApp(data_root=data_root)
    lenet = catalog()["lenet5"].recipe
    app.architecture.value = "recipe_probe"
    settings = dict(solver=app.solver.value, learning_rate=app.learning_rate.value,
                    epochs=app.epochs.value, batch_size=app.batch_size.value)
    assert settings == probe.as_settings()
    app.architecture.value = "lenet5"
    assert (app.solver.value, app.epochs.value) == (lenet.solver, lenet.epochs)
    app.epochs.value = 7  # a student's own setting stays
    app.architecture.value = "recipe_probe"
    assert (app.solver.value, app.epochs.value) == (lenet.solver, 7)
