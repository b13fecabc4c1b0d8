"""Weight files in and out: Keras' files load into our networks with identical outputs.

The oracle is Keras itself: a small Keras functional model written with
``keras.layers`` (independent of our layer types) and, in the slow tests,
``keras.applications.ResNet50(weights=None)``. Their weights are saved the
ways Keras saves them (``save_weights``, ``.keras``, ``model.save("x.h5")``)
and, with h5py, in the layout of Keras' published ImageNet files (root
attribute ``layer_names``, one group per layer listing ``weight_names``,
with and without top, also with other layer names, which Keras' own loader
ignores: it goes by position). Loading must give the same outputs, and a file
that does not fit must change nothing.
"""

from __future__ import annotations

import os
import zipfile

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from _nets import assert_one_sentence  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.applications._classifier import classifier  # noqa: E402
from dl_notebook.errors import InvalidArgumentError  # noqa: E402

L = dn.layers
SHAPE = (16, 16, 3)
FILTERS = (8, 16)
BLOCK = ["block1_0_conv", "block1_0_bn", "block1_1_conv", "block1_1_bn", "block1_2_conv",
         "block1_2_bn"]


# -- the same small residual network, once in Keras and once in dl_notebook --------------

def keras_mini(include_top=True, n_classes=4, filters=FILTERS, names=True):
    """A Keras functional model: stem, one residual block with a projection, top."""
    def n(name):
        return {"name": name} if names else {}

    layers = keras.layers
    inputs = keras.Input(SHAPE, **n("input_layer"))
    x = layers.Conv2D(filters[0], 3, padding="same", **n("conv1_conv"))(inputs)
    x = layers.BatchNormalization(epsilon=1.001e-5, **n("conv1_bn"))(x)
    x = layers.Activation("relu", **n("conv1_relu"))(x)
    short = layers.Conv2D(filters[1], 1, strides=2, **n("block1_0_conv"))(x)
    short = layers.BatchNormalization(epsilon=1.001e-5, **n("block1_0_bn"))(short)
    y = layers.Conv2D(filters[1], 3, strides=2, padding="same", **n("block1_1_conv"))(x)
    y = layers.BatchNormalization(epsilon=1.001e-5, **n("block1_1_bn"))(y)
    y = layers.Activation("relu", **n("block1_1_relu"))(y)
    y = layers.Conv2D(filters[1], 3, padding="same", **n("block1_2_conv"))(y)
    y = layers.BatchNormalization(epsilon=1.001e-5, **n("block1_2_bn"))(y)
    x = layers.Add(**n("block1_add"))([short, y])
    x = layers.Activation("relu", **n("block1_out"))(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(**n("avg_pool"))(x)
        x = layers.Dense(n_classes, activation="softmax", **n("predictions"))(x)
    return keras.Model(inputs, x)


def _body(add, x):
    def conv_bn(x, filters, kernel, name, stride=1, act=True):
        x = add(L.Conv2d(filters, kernel, stride=stride, act=None,
                         padding="valid" if kernel == 1 else "same", name=f"{name}_conv"), x)
        x = add(L.BN(epsilon=1.001e-5, name=f"{name}_bn"), x)
        return add(L.Activation("relu", name=f"{name}_relu"), x) if act else x

    x = conv_bn(x, FILTERS[0], 3, "conv1")
    short = conv_bn(x, FILTERS[1], 1, "block1_0", stride=2, act=False)
    y = conv_bn(x, FILTERS[1], 3, "block1_1", stride=2)
    y = conv_bn(y, FILTERS[1], 3, "block1_2", act=False)
    x = add(L.Res(name="block1_add"), short, y)
    return add(L.Activation("relu", name="block1_out"), x)


def _top(add, x, n_classes):
    x = add(L.GlobalAveragePooling2D(name="avg_pool"), x)
    return add(L.OutputLayer(n_classes, act="softmax", name="predictions"), x)


def ours_mini(include_top=True, n_classes=None, pretrained_weights=None, freeze=False):
    """The same network built by the zoo's classifier scaffold from dl_notebook layers."""
    if include_top and n_classes is None:
        n_classes = 4
    return classifier("Mini", _body, _top, n_classes=n_classes, input_shape=SHAPE,
                      include_top=include_top, pretrained_weights=pretrained_weights,
                      freeze=freeze, name="mini", preprocessing=None, min_size=8)


# -- writing files ------------------------------------------------------------------------

def randomize(model, seed=0):
    """Give every weight random values (variances positive) so that no layer is trivial."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.uniform(0.5, 1.5, w.shape).astype(w.dtype)
                       if w.path.endswith("variance")
                       else rng.normal(0.0, 0.3, w.shape).astype(w.dtype)
                       for w in model.weights])
    return model


def write_imagenet_layout(model, path, chunks=1, rename=None):
    """Write *model*'s weights as Keras' published ImageNet ``.h5`` files lay them out.

    Root attributes ``layer_names`` (every layer, split into ``layer_names0``,
    ``layer_names1`` … when Keras had to chunk it), ``backend`` and
    ``keras_version``; one group per layer with attribute ``weight_names``
    (``layer/kernel:0`` …, an empty array for layers without weights) and
    one dataset per weight under that name. *rename* maps layer names to the
    names the file gives them.
    """
    rename = rename or {}
    names = np.array([rename.get(layer.name, layer.name).encode() for layer in model.layers])
    with h5py.File(path, "w") as f:
        if chunks == 1:
            f.attrs["layer_names"] = names
        else:
            for i, part in enumerate(np.array_split(names, chunks)):
                f.attrs[f"layer_names{i}"] = part
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.2.4"
        for layer in model.layers:
            name = rename.get(layer.name, layer.name)
            group = f.create_group(name)
            weight_names = [f"{name}/{w.name}:0".encode() for w in layer.weights]
            group.attrs["weight_names"] = np.array(weight_names) if weight_names else np.array([])
            for name, value in zip(weight_names, layer.get_weights()):
                group.create_dataset(name.decode(), data=value)
    return path


def strip_names(path):
    """Remove the ``name`` attribute of every ``vars`` group (files of older Keras 3)."""
    with h5py.File(path, "r+") as f:
        groups = []
        f.visititems(lambda key, obj: groups.append(obj)
                     if key.endswith("vars") and "name" in obj.attrs else None)
        for group in groups:
            del group.attrs["name"]
        assert groups
    return path


def save(model, folder, how):
    """Write *model*'s weights to a file in *folder* the way *how* says; return its path."""
    folder = str(folder)
    if how == "weights.h5":
        path = os.path.join(folder, "mini.weights.h5")
        model.save_weights(path)
    elif how == "keras":
        path = os.path.join(folder, "mini.keras")
        model.save(path)
    elif how == "model.h5":
        path = os.path.join(folder, "mini.h5")
        model.save(path)
    elif how == "imagenet":
        path = write_imagenet_layout(model, os.path.join(folder, "mini_tf_kernels.h5"))
    elif how == "imagenet-chunked":
        path = write_imagenet_layout(model, os.path.join(folder, "mini_tf_kernels.h5"), chunks=3)
    else:
        raise AssertionError(how)
    return path


def images(n=4, seed=1):
    return np.random.default_rng(seed).uniform(0, 255, (n, *SHAPE)).astype("float32") / 64


def weights_by_layer(net):
    return {layer.name: [w.copy() for w in layer.get_weights()]
            for layer in net.to_keras().layers if layer.weights}


def assert_same_weights(a, b, names=None):
    for name in names or a:
        assert len(a[name]) == len(b[name]), name
        for x, y in zip(a[name], b[name]):
            np.testing.assert_array_equal(x, y, err_msg=name)


def compiled_keras_mini():
    """A compiled Keras model with its optimizer built, so its files hold optimizer state."""
    model = randomize(keras_mini())
    model.compile("adam", "sparse_categorical_crossentropy")
    model.optimizer.build(model.trainable_variables)
    return model


def predict(model, x):
    """Inference outputs as NumPy (a direct call: no traced function to build)."""
    return keras.ops.convert_to_numpy(model(x, training=False))


# -- Keras' files load with identical outputs ---------------------------------------------

def test_the_two_networks_have_the_same_layers():
    ours, theirs = ours_mini().to_keras(), keras_mini()
    assert [(type(a).__name__, a.name) for a in ours.layers] == \
        [(type(b).__name__, b.name) for b in theirs.layers]
    assert ours.count_params() == theirs.count_params()


@pytest.mark.parametrize("how", ["weights.h5", "keras", "model.h5", "imagenet",
                                 "imagenet-chunked"])
def test_keras_files_load_with_identical_outputs(how, tmp_path):
    model = compiled_keras_mini()
    path = save(model, tmp_path, how)
    net = ours_mini()
    x = images()
    expected = predict(model, x)
    assert not np.allclose(predict(net.to_keras(), x), expected, atol=1e-3)
    report = net.load_weights(path)
    np.testing.assert_allclose(predict(net.to_keras(), x), expected, rtol=0,
                               atol=1e-6)
    weighted = [layer.name for layer in model.layers if layer.weights]
    assert report.loaded == weighted
    assert report.missing == [] and report.unused == [] and report.skipped == {}


def test_keras3_file_without_layer_names_loads_by_class_and_position(tmp_path):
    # Keras' own names here (conv2d_7, batch_normalization_3 ...) differ from ours: with
    # the names in the file nothing matches, without them layers match as Keras matches
    # them, by class and position.
    model = randomize(keras_mini(names=False))
    path = os.path.join(tmp_path, "auto.weights.h5")
    model.save_weights(path)
    net = ours_mini()
    with pytest.raises(InvalidArgumentError) as info:
        net.load_weights(path)
    assert_one_sentence(info.value, "None of the", "auto.weights.h5")

    strip_names(path)
    x = images()
    report = net.load_weights(path)
    np.testing.assert_allclose(predict(net.to_keras(), x),
                               predict(model, x), rtol=0, atol=1e-6)
    assert len(report.loaded) == 9 and report.missing == [] and report.unused == []


def test_imagenet_notop_layout_loads_the_features(tmp_path):
    model = randomize(keras_mini(include_top=False), seed=3)
    path = write_imagenet_layout(model, os.path.join(tmp_path, "mini_notop.h5"))
    x = images()
    features = ours_mini(include_top=False)
    features.load_weights(path)
    np.testing.assert_allclose(predict(features.to_keras(), x),
                               predict(model, x), rtol=0, atol=1e-6)

    headed = ours_mini(include_top=False, n_classes=3)
    head = weights_by_layer(headed)["output"]
    report = headed.load_weights(path)
    assert report.missing == ["output"] and "output" not in report.loaded
    assert_same_weights({"output": head}, weights_by_layer(headed))
    file_weights = {layer.name: layer.get_weights() for layer in model.layers}
    assert_same_weights(file_weights, weights_by_layer(headed), names=report.loaded)


def test_notop_file_into_a_network_with_top_reports_the_top_missing(tmp_path):
    path = write_imagenet_layout(randomize(keras_mini(include_top=False)),
                                 os.path.join(tmp_path, "mini_notop.h5"))
    net = ours_mini()
    report = net.load_weights(path)
    assert report.missing == ["predictions"] and len(report.loaded) == 8
    assert "predictions" in repr(report) and "kept 1 not in the file" in repr(report)

    other = ours_mini()
    before = weights_by_layer(other)
    with pytest.raises(InvalidArgumentError) as info:
        other.load_weights(path, required=["conv1_conv", "predictions"])
    assert_one_sentence(info.value, "predictions", "no weight was loaded")
    assert "conv1_conv" not in str(info.value)
    assert_same_weights(before, weights_by_layer(other))


def test_imagenet_layout_with_other_layer_names_loads_by_position(tmp_path):
    # Keras loads legacy files by position, and the names in them come from the session
    # and version that wrote them: here Keras' counted names (conv2d_7 ...), and "probs".
    model = randomize(keras_mini(names=False), seed=4)
    path = write_imagenet_layout(model, str(tmp_path / "counted_names.h5"),
                                 rename={model.layers[-1].name: "probs"})
    net = ours_mini()
    x = images()
    report = net.load_weights(path)
    np.testing.assert_allclose(predict(net.to_keras(), x), predict(model, x), rtol=0,
                               atol=1e-6)
    assert report.by_position and len(report.loaded) == 9
    assert report.missing == [] and report.unused == [] and report.skipped == {}
    assert "by position" in repr(report)


def test_top_file_named_otherwise_gives_the_body_under_a_new_head(tmp_path):
    model = randomize(keras_mini(), seed=6)
    path = write_imagenet_layout(model, str(tmp_path / "probs.h5"),
                                 rename={"predictions": "probs"})
    keras.utils.set_random_seed(5)
    fresh = weights_by_layer(ours_mini(include_top=False, n_classes=3))
    keras.utils.set_random_seed(5)
    net = weights_by_layer(ours_mini(include_top=False, n_classes=3, pretrained_weights=path))
    assert_same_weights(fresh, net, names=["output"])
    body = [name for name in net if name != "output"]
    assert_same_weights({layer.name: layer.get_weights() for layer in model.layers}, net,
                        names=body)

    with_top = ours_mini()  # the same file by name: "predictions" would stay random
    report = with_top.load_weights(path)
    assert report.by_position and report.missing == [] and report.unused == []
    x = images()
    np.testing.assert_allclose(predict(with_top.to_keras(), x), predict(model, x), rtol=0,
                               atol=1e-6)


@pytest.mark.parametrize("make, words", [
    (lambda: keras_mini(filters=(4, 12), names=False), ("None of the 9 layers",)),
    (lambda: keras_mini(n_classes=3), ("1 layer of", "predictions expects 16x4 4 but the "
                                       "file has 16x3 3")),
])
def test_legacy_files_that_do_not_fit_by_name_or_position(make, words, tmp_path):
    path = write_imagenet_layout(randomize(make()), str(tmp_path / "other.h5"))
    net = ours_mini()
    before = weights_by_layer(net)
    with pytest.raises(InvalidArgumentError) as info:
        net.load_weights(path)
    assert_one_sentence(info.value, *words)
    assert_same_weights(before, weights_by_layer(net))


# -- files that do not fit change nothing -------------------------------------------------

def _mismatch_file(tmp_path):
    """A Keras file of the same layer names with 12 filters in the block instead of 16."""
    model = randomize(keras_mini(filters=(8, 12)), seed=5)
    path = os.path.join(tmp_path, "narrow.weights.h5")
    model.save_weights(path)
    return model, path


def _fmt(shapes):
    return " ".join("x".join(map(str, s)) for s in shapes)


def test_mismatched_file_names_every_layer_and_changes_no_weight(tmp_path):
    model, path = _mismatch_file(tmp_path)
    net = ours_mini()
    before = weights_by_layer(net)
    with pytest.raises(InvalidArgumentError) as info:
        net.load_weights(path)
    message = str(info.value)
    assert_one_sentence(info.value, "7 layers", "no weight was loaded", "skip_mismatch=True")
    ours = net.to_keras()
    for name in [*BLOCK, "predictions"]:
        want = [tuple(w.shape) for w in ours.get_layer(name).weights]
        have = [tuple(w.shape) for w in model.get_layer(name).weights]
        assert want != have
        assert f"{name} expects {_fmt(want)} but the file has {_fmt(have)}" in message
    assert "conv1_conv" not in message and "conv1_bn" not in message
    assert_same_weights(before, weights_by_layer(net))


def test_skip_mismatch_loads_the_rest_and_reports_what_it_skipped(tmp_path):
    model, path = _mismatch_file(tmp_path)
    net = ours_mini()
    before = weights_by_layer(net)
    report = net.load_weights(path, skip_mismatch=True)
    assert sorted(report.loaded) == ["conv1_bn", "conv1_conv"]
    assert sorted(report.skipped) == sorted([*BLOCK, "predictions"])
    assert report.skipped["block1_1_conv"] == ([(3, 3, 8, 16), (16,)], [(3, 3, 8, 12), (12,)])
    assert "skipped 7 of other shapes" in repr(report)
    after = weights_by_layer(net)
    file_weights = {name: model.get_layer(name).get_weights() for name in report.loaded}
    assert_same_weights(file_weights, after)
    assert_same_weights(before, after, names=report.skipped)


def _not_weights(tmp_path):
    path = tmp_path / "notes.h5"
    path.write_text("these are notes, not weights\n")
    return str(path)


def _zip_without_weights(tmp_path):
    path = tmp_path / "other.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{}")
    return str(path)


def _other_network(tmp_path):
    inputs = keras.Input((5,))
    outputs = keras.layers.Dense(3, name="unrelated_dense")(inputs)
    path = str(tmp_path / "other.weights.h5")
    keras.Model(inputs, outputs).save_weights(path)
    return path


def _hdf5_without_layers(tmp_path):
    path = str(tmp_path / "data.h5")
    with h5py.File(path, "w") as f:
        f["table"] = np.arange(6)
    return path


@pytest.mark.parametrize("make, words", [
    (lambda tmp: str(tmp / "missing.weights.h5"), ("No weight file at", "missing.weights.h5")),
    (_not_weights, ("Cannot read weights from", "notes.h5", ".weights.h5")),
    (_zip_without_weights, ("other.keras", "without model.weights.h5")),
    (_other_network, ("None of the 1 layers", "unrelated_dense", "conv1_conv")),
    (_hdf5_without_layers, ("data.h5", "holds no layer weights")),
])
def test_unreadable_or_foreign_files_give_one_clear_error(make, words, tmp_path):
    path = make(tmp_path)
    net = ours_mini()
    before = weights_by_layer(net)
    with pytest.raises(InvalidArgumentError) as info:
        net.load_weights(path)
    assert_one_sentence(info.value, *words)
    assert_same_weights(before, weights_by_layer(net))


def test_file_whose_every_named_layer_has_other_shapes_lists_them(tmp_path):
    # Same names, other sizes everywhere: the error lists the shapes, not "no match".
    model = randomize(keras_mini(filters=(4, 12), n_classes=3))
    path = str(tmp_path / "other_sizes.weights.h5")
    model.save_weights(path)
    with pytest.raises(InvalidArgumentError) as info:
        ours_mini().load_weights(path)
    assert_one_sentence(info.value, "9 layers", "conv1_conv expects 3x3x3x8 8")
    with pytest.raises(InvalidArgumentError) as info:
        ours_mini().load_weights(path, skip_mismatch=True)
    assert_one_sentence(info.value, "nothing to load", "conv1_conv")


# -- saving -------------------------------------------------------------------------------

def test_save_weights_round_trips_atomically_and_keras_reads_it(tmp_path):
    net = ours_mini()
    randomize(net.to_keras(), seed=7)
    net.fit((images(8), np.arange(8) % 4), epochs=1, batch_size=4, live=False, seed=0,
            background=False)  # the file then also holds the optimizer's state
    path = str(tmp_path / "mini.weights.h5")
    assert net.save_weights(path) == path
    assert net.save_weights(path) == path  # over an existing file
    assert sorted(os.listdir(tmp_path)) == ["mini.weights.h5"]

    copy = ours_mini()
    report = copy.load_weights(path)
    assert report.unused == [] and report.missing == [] and len(report.loaded) == 9
    assert_same_weights(weights_by_layer(net), weights_by_layer(copy))

    model = keras_mini()
    model.load_weights(path)
    x = images()
    np.testing.assert_allclose(predict(model, x),
                               predict(net.to_keras(), x), rtol=0, atol=1e-6)


@pytest.mark.parametrize("name, words", [
    ("mini.h5", ("end in .weights.h5", "mini.h5")),
    (os.path.join("no_such_folder", "mini.weights.h5"), ("does not exist", "no_such_folder")),
])
def test_save_weights_refuses_bad_paths(name, words, tmp_path):
    with pytest.raises(InvalidArgumentError) as info:
        ours_mini().save_weights(str(tmp_path / name))
    assert_one_sentence(info.value, *words)
    assert os.listdir(tmp_path) == []


# -- pretrained_weights= of the zoo -------------------------------------------------------

@pytest.fixture(scope="module")
def resnet18_files(tmp_path_factory):
    """ResNet-18 weights (random, not trivial) in the ImageNet layout, with and without top."""
    folder = tmp_path_factory.mktemp("resnet18")
    top = dn.applications.ResNet18(input_shape=(32, 32, 3), n_classes=10)
    model = randomize(top.to_keras(), seed=11)
    notop = dn.applications.ResNet18(input_shape=(32, 32, 3), include_top=False).to_keras()
    notop.set_weights(model.get_weights()[:len(notop.weights)])
    files = {"top": write_imagenet_layout(model, str(folder / "resnet18_top.h5")),
             "notop": write_imagenet_layout(notop, str(folder / "resnet18_notop.h5"))}
    weights = {layer.name: layer.get_weights() for layer in model.layers if layer.weights}
    return files, weights


@pytest.mark.parametrize("kind", ["top", "notop"])
def test_pretrained_weights_without_top_loads_the_body_and_leaves_the_new_head(
        kind, resnet18_files):
    files, weights = resnet18_files

    def build(**kwargs):
        keras.utils.set_random_seed(3)  # the same initial weights for both builds
        return dn.applications.ResNet18(input_shape=(32, 32, 3), include_top=False,
                                        n_classes=4, **kwargs)

    fresh, net = weights_by_layer(build()), weights_by_layer(build(pretrained_weights=files[kind]))
    assert "predictions" not in net and net["output"][0].shape == (512, 4)
    assert_same_weights(fresh, net, names=["output"])
    body = [name for name in net if name != "output"]
    assert len(body) == 40
    assert_same_weights(weights, net, names=body)
    assert not np.allclose(fresh["conv1_conv"][0], net["conv1_conv"][0])


def test_pretrained_notop_weights_into_a_network_with_top(resnet18_files):
    files, weights = resnet18_files
    net = dn.applications.ResNet18(input_shape=(32, 32, 3), n_classes=10)
    report = net.load_weights(files["notop"])
    assert report.missing == ["predictions"] and len(report.loaded) == 40
    with pytest.raises(InvalidArgumentError) as info:  # the top would stay random
        dn.applications.ResNet18(input_shape=(32, 32, 3), n_classes=10,
                                 pretrained_weights=files["notop"])
    assert_one_sentence(info.value, "no weights for", "predictions")
    built = weights_by_layer(dn.applications.ResNet18(
        input_shape=(32, 32, 3), n_classes=10, include_top=False,
        pretrained_weights=files["notop"]))
    assert_same_weights(weights, built, names=report.loaded)


def test_pretrained_weights_of_another_architecture_are_refused(resnet18_files):
    files, _ = resnet18_files
    with pytest.raises(InvalidArgumentError) as info:
        dn.applications.ResNet34(input_shape=(32, 32, 3), include_top=False,
                                 pretrained_weights=files["notop"])
    assert_one_sentence(info.value, "no weights for", "conv2_block3_1_conv")


# -- parity with keras.applications.ResNet50 (slow: 25M parameters) -----------------------

@pytest.fixture(scope="module")
def resnet50(tmp_path_factory):
    folder = tmp_path_factory.mktemp("resnet50")
    model = randomize(keras.applications.ResNet50(weights=None), seed=2)
    notop = keras.applications.ResNet50(weights=None, include_top=False)
    notop.set_weights(model.get_weights()[:len(notop.weights)])
    files = {"weights.h5": str(folder / "resnet50.weights.h5"),
             "imagenet": str(folder / "resnet50_weights_tf_dim_ordering_tf_kernels.h5"),
             "notop": str(folder / "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5")}
    model.save_weights(files["weights.h5"])
    write_imagenet_layout(model, files["imagenet"])
    write_imagenet_layout(notop, files["notop"])
    x = np.random.default_rng(0).uniform(0, 255, (2, 224, 224, 3)).astype("float32")
    return model, notop, files, x


@pytest.mark.slow
@pytest.mark.parametrize("how", ["weights.h5", "imagenet"])
def test_resnet50_loads_keras_weights_with_identical_outputs(how, resnet50):
    model, _, files, x = resnet50
    net = dn.applications.ResNet50(preprocessing=None, pretrained_weights=files[how])
    assert [layer.name for layer in net.to_keras().layers][1:] == \
        [layer.name for layer in model.layers][1:]
    np.testing.assert_allclose(predict(net.to_keras(), x), predict(model, x),
                               rtol=0, atol=1e-6)


@pytest.mark.slow
def test_resnet50_notop_file_gives_keras_features(resnet50):
    _, notop, files, x = resnet50
    net = dn.applications.ResNet50(preprocessing=None, include_top=False,
                                   pretrained_weights=files["notop"])
    np.testing.assert_allclose(predict(net.to_keras(), x), predict(notop, x),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.slow
def test_resnet50_caffe_preprocessing_matches_keras_preprocess_input(resnet50):
    model, _, files, x = resnet50
    net = dn.applications.ResNet50(pretrained_weights=files["imagenet"])  # "caffe"
    expected = predict(model, keras.applications.resnet50.preprocess_input(x.copy()))
    np.testing.assert_allclose(predict(net.to_keras(), x), expected, rtol=0,
                               atol=1e-5)
