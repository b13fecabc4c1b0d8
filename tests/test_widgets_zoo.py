"""Ready networks in the widgets: the Train and inspect architecture list and the builder's "Start from".

The dashboard offers the networks with a training recipe that take its images
(``dashboard_choices``), the builder every one that does (``fitting``); both follow a
change of the input shape and build the network chosen as
``dn.applications`` builds it.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.applications import Recipe, catalog, dashboard_choices, fitting  # noqa: E402
from dl_notebook.widgets._ready_start import ready_choices  # noqa: E402
from dl_notebook.widgets.builder import EXPAND_UP_TO, ModelBuilder  # noqa: E402
from dl_notebook.widgets.train_inspect import BUILDER, TrainInspectApp  # noqa: E402


def offered(shape):
    return [(entry.title, key) for key, entry in fitting(shape).items()]


def layers(net):
    return [(s.name, type(s).__name__, s.arguments(), s.inputs, s.output_shape) for s in net]


def needs_min_size_above(size):
    """A registered image classifier that does not take size×size images (or skip)."""
    keys = [k for k, e in catalog("image").items() if (e.min_size or 0) > size]
    if not keys:
        pytest.skip(f"no registered image classifier needs more than {size}×{size}")
    return keys


@pytest.mark.parametrize("shape", [(16, 16, 1), (32, 32, 3), (64, 64, 1), (80, 80, 3),
                                   (299, 299, 3)])
def test_the_choices_are_what_fitting_returns(shape):
    assert ready_choices(shape) == offered(shape)
    assert all(catalog()[key].task == "image" for _, key in ready_choices(shape))
    assert ready_choices((8,)) == [] and ready_choices((20, 4)) == []


# -- Train and inspect ----------------------------------------------------------------------------
def dashboard_offers(shape):
    return [(entry.title, key) for key, entry in dashboard_choices(shape).items()]


@pytest.fixture
def app(tmp_path):
    return TrainInspectApp(data_root=tmp_path, image_size=32, epochs=1)


@pytest.fixture
def big_probe():
    """A network with a recipe that needs images of at least 32×32, registered for one test."""
    from dl_notebook.applications import SmallCNN, _zoo

    @_zoo.application("big_probe", title="Big probe", min_size=32, recipe=Recipe())
    def big_probe_network(n_classes=10, input_shape=(32, 32, 1), name="big_probe"):
        """A one-block Small CNN that refuses images under 32×32."""
        return SmallCNN(n_classes, input_shape, name, filters=(4,))

    yield "big_probe"
    del _zoo._REGISTRY["big_probe"]


def test_the_architecture_list_is_the_networks_with_a_recipe_that_fit(app, big_probe):
    app.image_size.value = 24
    app.image_size.value = 32
    assert list(app.architecture.options) == [*dashboard_offers((32, 32, 1)),
                                              ("From the model builder", BUILDER)]
    values = [v for _, v in app.architecture.options]
    assert {"lenet5", "small_cnn", big_probe} <= set(values)
    assert not {"resnet18", "vgg16"} & set(values)  # the zoo, but no recipe: not offered
    app.image_size.value = 16
    values = [v for _, v in app.architecture.options]
    assert values == [k for _, k in dashboard_offers((16, 16, 1))] + [BUILDER]
    assert big_probe not in values
    app.color_mode.value = "rgb"
    assert list(app.architecture.options)[:-1] == dashboard_offers((16, 16, 3))


def test_a_choice_that_no_longer_fits_falls_back_to_lenet5(app, big_probe):
    app.image_size.value = 24
    app.image_size.value = 64
    app.architecture.value = big_probe
    app.image_size.value = 24
    assert app.architecture.value == "lenet5"
    assert app.status_kind == "idle"
    assert "LeNet-5 is selected instead" in app.status_text
    assert "Big probe" in app.status_text
    app.image_size.value = 64  # offered again; the choice stays
    assert big_probe in [v for _, v in app.architecture.options]
    assert app.architecture.value == "lenet5"


def test_a_choice_that_still_fits_is_kept(app):
    app.architecture.value = "small_cnn"
    app.image_size.value = 64
    assert app.architecture.value == "small_cnn"
    app.architecture.value = BUILDER
    app.image_size.value = 16
    assert app.architecture.value == BUILDER and app.builder_box.layout.display is None
    assert app.builder.input_shape == (16, 16, 1)  # the builder's offers follow the size
    assert [k for _, k in app.builder.start.choice.options] == [k for _, k in
                                                                offered((16, 16, 1))]


def test_the_chosen_zoo_network_is_what_train_builds(app):
    app.color_mode.value = "rgb"
    app.architecture.value = "lenet5"
    net = app.make_network(3)
    assert layers(net) == layers(dn.applications.LeNet5(n_classes=3, input_shape=(32, 32, 3)))
    app.architecture.value = "small_cnn"
    app.image_size.value = 16
    assert layers(app.make_network(4)) == layers(
        dn.applications.SmallCNN(n_classes=4, input_shape=(16, 16, 3)))


# -- the model builder ----------------------------------------------------------------------------
def test_start_from_offers_what_fits_the_builders_input_shape():
    builder = ModelBuilder(input_shape=(32, 32, 3))
    assert list(builder.start.choice.options) == offered((32, 32, 3))
    assert builder.start.layout.display == "flex"
    builder.input_shape = (16, 16, 1)
    assert list(builder.start.choice.options) == offered((16, 16, 1))
    builder.layer_type.value = "InputLayer"  # the shape offered for an input layer follows
    assert builder.fields["shape"].value == "(16, 16, 1)"
    builder.input_shape = (10,)  # not an image: nothing to start from
    assert builder.start.choice.options == () and builder.start.layout.display == "none"


def test_start_from_replaces_the_network_with_the_chosen_one():
    builder = ModelBuilder(dn.applications.LeNet5(n_classes=7, input_shape=(32, 32, 3)),
                           input_shape=(32, 32, 3))
    seen = []
    builder.on_change(seen.append)
    assert builder.start.classes.value == 7  # the classes of the network edited
    builder.start.choice.value = "resnet18"
    builder.start.classes.value = 5
    builder.start.button.click()
    net = builder.network
    api = dn.applications.ResNet18(n_classes=5, input_shape=(32, 32, 3))
    assert layers(net) == layers(api) and net.count_params() == api.count_params()
    assert seen == [net] and builder.message_kind == "ok"
    assert builder.message.startswith("Started from ResNet-18: 71 layers")
    assert builder.cell_text == "%dl model resnet18 --from resnet18 --classes 5 --input 32x32x3"
    assert "dn.applications.ResNet18(n_classes=5, input_shape=(32, 32, 3), include_top=True)" \
        in builder.python_text

    # Drawn with its repeated blocks grouped; "Draw every layer" draws them all.
    assert len(net) > EXPAND_UP_TO and builder.expand_all.layout.display == "flex"
    grouped = builder.dag_svg.count('class="node')
    assert 'class="node group' in builder.dag_svg and grouped < 20
    builder.expand_all.value = True
    assert builder.dag_svg.count('class="node"') == len(net)
    builder.expand_all.value = False

    # Editable afterwards, as any network.
    builder.layer_type.value = "Dropout"
    builder.layer_name.value = "extra_drop"
    builder.where.value = "before"
    builder.anchor.value = "predictions"
    builder.add_button.click()
    assert builder.message == "Added extra_drop (Dropout) before predictions.", builder.message
    assert net.layer_names[-3:] == ["avg_pool", "extra_drop", "predictions"]
    assert 'data-name="extra_drop"' in builder.dag_svg
    assert "extra_drop" in builder.cell_text


def test_with_nothing_to_start_from_start_says_so_in_one_sentence():
    builder = ModelBuilder(input_shape=(16, 16, 1))
    before = (builder.network, builder.network.layer_names, builder.version)
    builder.input_shape = (10,)
    builder.start.button.click()
    assert builder.message_kind == "error"
    assert builder.message == "No ready network takes inputs of shape (10,)."
    assert (builder.network, builder.network.layer_names, builder.version) == before
