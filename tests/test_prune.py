"""dn.prune: magnitude pruning with masks kept while fine-tuning, on real digits training."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.errors import InvalidArgumentError  # noqa: E402
from dl_notebook.tuning._masks import polynomial_sparsity  # noqa: E402

L = dn.layers


@pytest.fixture(scope="module")
def digits():
    """sklearn's digits as flat [0, 1] features, shuffled, split 1400 / 397."""
    from sklearn.datasets import load_digits

    data = load_digits()
    order = np.random.default_rng(0).permutation(len(data.target))
    x = (data.data[order] / 16).astype("float32")
    y = data.target[order].astype("int32")
    return (x[:1400], y[:1400]), (x[1400:], y[1400:])


def dense_net():
    return dn.Sequential(name="mlp", layers=[L.InputLayer(shape=(64,)), L.Dense(64, act="relu"),
                                             L.Dense(32, act="relu"), L.OutputLayer(10)])


@pytest.fixture(scope="module")
def trained(digits):
    """Weights of the dense net after 3 epochs on the digits (trained once per module)."""
    train, valid = digits
    net = dense_net()
    hist = net.fit(train, valid, epochs=3, live=False, seed=1,
                   solver=dn.solvers.Adam(learning_rate=0.01))
    assert hist.frame["val_accuracy"].iloc[-1] > 0.9
    return net.get_weights()


def trained_net(weights):
    net = dense_net()
    net.set_weights(weights)
    return net


def zeros(net, layer):
    return int(np.count_nonzero(np.asarray(net[layer].keras_layer.kernel) == 0))


def test_polynomial_fine_tuning_reaches_the_sparsity_keeps_accuracy_and_follows_the_curve(
        digits, trained):
    train, valid = digits
    net = trained_net(trained)
    result = dn.prune(net, 0.5, data=train, valid=valid, fine_tune_epochs=2, seed=3)

    # every pruned kernel at 50 % (±1 weight), overall too; the output layer untouched
    assert result.layers["layer"].tolist() == ["fc1", "fc2"]
    for row in result.layers.itertuples():
        assert abs(row.zeros - 0.5 * row.weights) <= 1
        assert zeros(net, row.layer) == row.zeros  # the table counts the network's own zeros
    assert result.sparsity == pytest.approx(0.5, abs=1 / result.weights)
    assert zeros(net, "output1") == 0

    # the network still works: accuracy within a few points of before
    assert result.accuracy_before > 0.9
    assert result.accuracy_after > 0.85
    assert result.accuracy_after == pytest.approx(net.evaluate(valid).accuracy)
    assert result.history.frame["epoch"].tolist() == [1, 2]

    # the schedule: s_t = s_f (1 - (1 - t/T)^3) at the start, middle and end of fine-tuning
    steps = -(-len(train[0]) // 32) * 2
    log = result.schedule
    assert log["step"].iloc[0] == 0 and log["target"].iloc[0] == 0.0
    assert log["step"].iloc[-1] == steps and log["target"].iloc[-1] == 0.5
    middle = log.iloc[(log["step"] - steps // 2).abs().argmin()]
    assert abs(middle["step"] - steps / 2) <= steps / 20 + 1
    for row in log.itertuples():
        assert row.target == pytest.approx(0.5 * (1 - (1 - row.step / steps) ** 3))
        assert row.sparsity == pytest.approx(row.target, abs=1 / result.weights)
    assert 0.4 < middle["target"] < 0.5  # the cubic prunes most of it early
    assert log["target"].is_monotonic_increasing and len(log) > 10


def test_constant_schedule_keeps_the_pruned_weights_exactly_zero(digits, trained):
    train, valid = digits
    net = trained_net(trained)
    before = {name: np.abs(np.asarray(net[name].keras_layer.kernel)) for name in ("fc1", "fc2")}
    result = dn.prune(net, 0.7, data=train, valid=valid, schedule="constant",
                      fine_tune_epochs=1, seed=4)
    for name, magnitude in before.items():
        kernel = np.asarray(net[name].keras_layer.kernel)
        smallest = np.argsort(magnitude, axis=None, kind="stable")[:round(0.7 * kernel.size)]
        assert np.all(kernel.ravel()[smallest] == 0.0)  # Adam moved them; the masks undid it
        assert np.count_nonzero(kernel) == kernel.size - smallest.size
    assert result.schedule["target"].tolist() == [0.7]
    assert result.accuracy_after > 0.8


def test_one_shot_without_data_and_global_method():
    net = dense_net()
    result = dn.prune(net, 0.25)
    assert result.history is None and result.accuracy_before is None
    assert [zeros(net, "fc1"), zeros(net, "fc2")] == [1024, 512]
    assert "accuracy" not in repr(result) and "25.0% of 6,144 weights" in repr(result)

    net = dense_net()
    weights = net.get_weights()
    weights[0] *= 10  # fc1's weights are now far larger than fc2's
    net.set_weights(weights)
    result = dn.prune(net, 0.5, method="global")
    assert result.sparsity == pytest.approx(0.5, abs=1 / 6144)
    by_layer = dict(zip(result.layers["layer"], result.layers["sparsity"]))
    assert by_layer["fc2"] > 0.9 and by_layer["fc1"] < 0.3


def test_layers_by_name_and_the_output_layer_behind_an_activation():
    net = dense_net()
    result = dn.prune(net, 0.5, layers=["fc2", "output1"])
    assert result.layers["layer"].tolist() == ["fc2", "output1"]
    assert zeros(net, "fc1") == 0 and zeros(net, "output1") == 160

    # a Keras-style head (Dense, then a softmax layer): the Dense makes the output, so it is kept
    keras_style = dn.Sequential(layers=[L.InputLayer(shape=(6,)), L.Dense(8, name="hidden"),
                                        L.Dense(3, act=None, name="logits"),
                                        L.Activation("softmax", name="probs")])
    assert dn.prune(keras_style, 0.5).layers["layer"].tolist() == ["hidden"]


def test_convolutions_prune_every_kernel_and_the_zeros_survive_onnx_export(tmp_path):
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper

    net = dn.Sequential(name="cnn", layers=[
        L.InputLayer(shape=(8, 8, 1)), L.Conv2d(8, 3), L.SeparableConv2d(8, 3),
        L.DepthwiseConv2d(3), L.Flatten(), L.Dense(16, act="relu"), L.OutputLayer(10)])
    result = dn.prune(net, 0.6)
    kernels = list(zip(result.layers["layer"], result.layers["kernel"]))
    assert kernels == [("conv1", "kernel"), ("sepconv1", "depthwise_kernel"),
                       ("sepconv1", "pointwise_kernel"), ("dwconv1", "kernel"), ("fc1", "kernel")]
    assert all(abs(r.zeros - 0.6 * r.weights) <= 1 for r in result.layers.itertuples())

    model = net.to_keras()
    x = np.random.default_rng(0).random((5, 8, 8, 1)).astype("float32")
    keras_out = np.asarray(model(x))
    path = str(tmp_path / "pruned.onnx")
    exported = net.export(path)  # checked in onnxruntime against Keras on its own samples
    assert exported.max_abs_diff < 1e-4
    initializers = [numpy_helper.to_array(t) for t in onnx.load(path).graph.initializer]
    for layer, kernel_name in kernels:
        kernel = np.asarray(getattr(net[layer].keras_layer, kernel_name))
        # ONNX stores kernels transposed and renamed: find it by its sorted values
        same = [a for a in initializers if a.size == kernel.size
                and np.allclose(np.sort(a, axis=None), np.sort(kernel, axis=None))]
        assert same, f"{layer}/{kernel_name} not found in the ONNX file"
        assert np.count_nonzero(same[0] == 0) >= np.count_nonzero(kernel == 0) > 0

    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    (onnx_out,) = session.run(None, {session.get_inputs()[0].name: x})
    np.testing.assert_allclose(onnx_out, keras_out, atol=1e-5)


@pytest.mark.parametrize("kwargs, words", [
    ({"sparsity": 0}, "strictly between 0 and 1"),
    ({"sparsity": 1.0}, "strictly between 0 and 1"),
    ({"sparsity": -0.5}, "strictly between 0 and 1"),
    ({"sparsity": True}, "strictly between 0 and 1"),
    ({"sparsity": "half"}, "strictly between 0 and 1"),
    ({"method": "random"}, "method must be one of"),
    ({"schedule": "cubic"}, "schedule must be one of"),
    ({"layers": ["fc9"]}, "has no layer 'fc9'"),
    ({"layers": ["input1"]}, "no Dense or convolution kernel"),
    ({"layers": []}, "at least one layer"),
    ({"fine_tune_epochs": -1}, "fine_tune_epochs must be"),
    ({"frequency": 0}, "frequency must be"),
])
def test_bad_arguments_give_one_sentence(kwargs, words):
    net = dense_net()
    args = {"sparsity": 0.5, **kwargs}
    with pytest.raises(InvalidArgumentError) as info:
        dn.prune(net, args.pop("sparsity"), **args)
    message = str(info.value)
    assert words in message and message.count(". ") == 0 and message.endswith(".")
    assert all(np.count_nonzero(w) == w.size for w in net.get_weights()[::2])  # unchanged


def test_a_network_without_hidden_kernels_and_a_non_network_are_refused():
    with pytest.raises(InvalidArgumentError, match="besides the output layer"):
        dn.prune(dn.Sequential(layers=[L.InputLayer(shape=(4,)), L.OutputLayer(2)]), 0.5)
    with pytest.raises(InvalidArgumentError, match="takes a dn.Network"):
        dn.prune("mlp", 0.5)


def test_result_shows_as_html_and_plots_the_sparsity_per_layer():
    result = dn.prune(dense_net(), 0.5)
    page = result._repr_html_()
    assert "PruneResult" in page and "fc1" in page and "50.0%" in page
    display = result.plot()
    assert [round(p.get_height(), 3) for p in display.ax_.patches] == [0.5, 0.5]
    assert display._repr_png_()[:4] == b"\x89PNG"


def test_polynomial_sparsity_formula():
    assert polynomial_sparsity(0, 100, 0.9) == 0.0
    assert polynomial_sparsity(50, 100, 0.9) == pytest.approx(0.9 * (1 - 0.5 ** 3))
    assert polynomial_sparsity(100, 100, 0.9) == pytest.approx(0.9)
    assert polynomial_sparsity(150, 100, 0.9) == pytest.approx(0.9)
