"""dn.applications: LeNet5 and SmallCNN are editable networks with the expected shapes; LeNet5 learns.

The dashboards' networks learning with their recipes: tests/test_defaults_learn.py.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.errors import InvalidArgumentError  # noqa: E402


def conv_params(k, c_in, c_out):
    return k * k * c_in * c_out + c_out


def dense_params(n_in, n_out):
    return n_in * n_out + n_out


def test_lenet5_layers_and_shapes_follow_dlpy():
    net = dn.applications.LeNet5(n_classes=10, input_shape=(32, 32, 1))
    assert isinstance(net, dn.Sequential) and net.name == "lenet5"
    assert net.layer_names == ["input1", "conv1", "pool1", "conv2", "pool2", "fc1", "fc2",
                               "output1"]
    shapes = {name: net[name].output_shape for name in net.layer_names}
    assert shapes["conv1"] == (None, 32, 32, 6)  # "same" padding, as in DLPy
    assert shapes["pool1"] == (None, 16, 16, 6)
    assert shapes["conv2"] == (None, 16, 16, 16)
    assert shapes["pool2"] == (None, 8, 8, 16)
    assert (shapes["fc1"], shapes["fc2"], shapes["output1"]) == ((None, 120), (None, 84),
                                                                 (None, 10))
    assert net["conv1"].width == net["conv1"].height == 5
    assert net["output1"].act == "softmax"


def test_lenet5_parameter_count_by_hand():
    net = dn.applications.LeNet5(n_classes=10, input_shape=(32, 32, 1))
    expected = (
        conv_params(5, 1, 6)            # conv1: 156
        + conv_params(5, 6, 16)         # conv2: 2,416
        + dense_params(8 * 8 * 16, 120)  # fc1 on the flattened 8x8x16 map: 123,000
        + dense_params(120, 84)         # fc2: 10,164
        + dense_params(84, 10)          # output: 850
    )
    assert expected == 136_586
    assert net.count_params() == expected == net.to_keras().count_params()


def test_lenet5_valid_padding_gives_the_paper_shapes():
    net = dn.applications.LeNet5(input_shape=(32, 32, 1), padding="valid")
    assert net["conv1"].output_shape == (None, 28, 28, 6)
    assert net["pool2"].output_shape == (None, 5, 5, 16)
    expected = (conv_params(5, 1, 6) + conv_params(5, 6, 16) + dense_params(400, 120)
                + dense_params(120, 84) + dense_params(84, 10))
    assert net.count_params() == expected == 61_706


def test_small_cnn_shapes_and_params():
    net = dn.applications.SmallCNN(n_classes=3, input_shape=(20, 24, 3))
    assert isinstance(net, dn.Sequential) and net.name == "small_cnn"
    assert net["conv1"].output_shape == (None, 20, 24, 16)
    assert net["pool2"].output_shape == (None, 5, 6, 32)
    assert net["pool3"].output_shape == (None, 3, 3, 64)
    assert net["gap1"].output_shape == (None, 64)
    assert net["output1"].output_shape == (None, 3)
    bn = 4 * (16 + 32 + 64)  # gamma, beta, moving mean and variance per channel
    expected = (conv_params(3, 3, 16) + conv_params(3, 16, 32) + conv_params(3, 32, 64) + bn
                + dense_params(64, 3))
    assert net.count_params() == expected
    keras_bn = net.to_keras().get_layer("bn1")
    assert keras_bn.momentum == 0.9 and net["conv1"].act is None


def test_small_cnn_options():
    plain = dn.applications.SmallCNN(n_classes=3, input_shape=(16, 16, 1), filters=(8, 16),
                                     batch_norm=False, dense=32)
    assert plain.layer_names == ["input1", "conv1", "pool1", "conv2", "pool2", "gap1", "fc1",
                                 "output1"]
    assert plain["conv1"].act == "relu"
    with pytest.raises(InvalidArgumentError, match="batch_norm"):
        dn.applications.SmallCNN(batch_norm="yes")


def test_each_call_builds_a_new_network():
    a = dn.applications.SmallCNN(10, (16, 16, 1))
    b = dn.applications.SmallCNN(10, (16, 16, 1))
    a.remove("bn1")
    assert "bn1" not in a.layer_names and "bn1" in b.layer_names


@pytest.mark.parametrize("build", [dn.applications.LeNet5, dn.applications.SmallCNN])
def test_networks_are_editable(build):
    net = build(n_classes=4, input_shape=(16, 16, 1))
    before = net.count_params()
    reader = net.consumers("conv1")[0]
    net.insert(dn.layers.BN(name="extra_bn"), after="conv1")
    assert net.layer_names[:3] == ["input1", "conv1", "extra_bn"]
    assert net["extra_bn"].inputs == ["conv1"] and net[reader].inputs == ["extra_bn"]
    # gamma, beta, moving mean and moving variance per channel of conv1
    assert net.count_params() == before + 4 * net["conv1"].n_filters
    model = net.to_keras()
    assert "extra_bn" in [layer.name for layer in model.layers]
    assert model.count_params() == net.count_params()
    net.remove("extra_bn")
    assert net.count_params() == before


@pytest.mark.parametrize("build", [dn.applications.LeNet5, dn.applications.SmallCNN])
def test_networks_train_a_step(build):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, size=(16, 16, 16, 1)).astype("float32")
    y = np.arange(16) % 4
    net = build(n_classes=4, input_shape=(16, 16, 1))
    net.insert(dn.layers.BN(name="extra_bn"), after="conv1")
    before = [w.copy() for w in net["conv1"].get_weights()]
    hist = net.fit((x, y), epochs=1, batch_size=8, live=False, seed=0, background=False)
    assert len(hist.frame) == 1 and np.isfinite(hist.frame["loss"].iloc[0])
    after = net["conv1"].get_weights()
    assert not np.allclose(before[0], after[0]), "training did not change conv1's kernel"
    proba = net.to_keras().predict(x[:2], verbose=0)
    assert proba.shape == (2, 4) and np.allclose(proba.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("kwargs, words", [
    (dict(n_classes=1), "n_classes"),
    (dict(n_classes=True), "n_classes"),
    (dict(input_shape=(32, 32)), "input_shape"),
    (dict(input_shape=(32, 0, 1)), "input_shape"),
])
@pytest.mark.parametrize("build", [dn.applications.LeNet5, dn.applications.SmallCNN])
def test_bad_arguments_raise_one_sentence(build, kwargs, words):
    with pytest.raises(InvalidArgumentError) as info:
        build(**kwargs)
    message = str(info.value)
    assert words in message and build.__name__ in message and "\n" not in message


def test_small_cnn_rejects_bad_filters():
    with pytest.raises(InvalidArgumentError, match="filters"):
        dn.applications.SmallCNN(filters=())
    assert dn.applications.SmallCNN(filters=8)["conv1"].n_filters == 8


def test_lenet5_learns_the_digits(tmp_path):
    """At least 97 % on the held-out test split (epochs and rate chosen on the validation split)."""
    folder = dn.datasets.digits(tmp_path / "digits", size=32)
    data = dn.ImageDataset.from_folder(folder, image_size=(32, 32), color_mode="grayscale")
    train, valid, test = dn.three_way_split(data, valid_rate=16, test_rate=20, seed=123)
    net = dn.applications.LeNet5(n_classes=10, input_shape=(32, 32, 1))
    net.fit(train, valid_data=valid, epochs=12, batch_size=32, seed=0, live=False,
            background=False, solver=dn.solvers.Adam(learning_rate=0.002))
    assert net.evaluate(test).accuracy >= 0.97


def test_the_registry_lists_every_builder_once():
    entries = dn.applications.catalog()
    functions = [entry.function for entry in entries.values()]
    assert len(set(functions)) == len(functions)
    for key, entry in entries.items():
        assert getattr(dn.applications, entry.function.__name__) is entry.function
        assert dn.applications.find(key) is entry
    with pytest.raises(InvalidArgumentError, match="did you mean"):
        dn.applications.find("resnet5")
