"""Transfer learning: freezing, frozen batch norm, two-stage fine-tuning, and transfer beats
training from scratch.

The transfer experiment pretrains a small ResNet (a stem and three residual
blocks, 79k parameters, built by the zoo's own ``classifier`` scaffold, so
``include_top``, ``pretrained_weights`` and ``freeze`` behave exactly as for
``dn.applications.ResNet18``) on four synthetic shapes, saves its weights,
and loads them under a new head for three other shapes learnt from 30
images. ResNet-18 itself is used where nothing heavy is trained: its 3×3
convolutions on 1×1 and 2×2 maps take about 35–60 ms per image per training
step on two CPU cores without oneDNN, too slow to pretrain here.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.applications._classifier import classifier  # noqa: E402

L = dn.layers
SIZE = 32
SOURCE = ("circle", "square", "triangle", "star")
TARGET = ("plus", "cross", "ellipse")


# -- a small ResNet with the zoo's scaffold -----------------------------------------------

def _conv_bn(add, x, filters, kernel, name, act=True):
    x = add(L.Conv2d(filters, kernel, act=None, padding="valid" if kernel == 1 else "same",
                     name=f"{name}_conv"), x)
    x = add(L.BN(epsilon=1.001e-5, momentum=0.9, name=f"{name}_bn"), x)
    return add(L.Activation("relu", name=f"{name}_relu"), x) if act else x


def _block(add, x, filters, name, shortcut):
    short = _conv_bn(add, x, filters, 1, f"{name}_0", act=False) if shortcut else x
    y = _conv_bn(add, x, filters, 3, f"{name}_1")
    y = _conv_bn(add, y, filters, 3, f"{name}_2", act=False)
    y = add(L.Res(name=f"{name}_add"), short, y)
    return add(L.Activation("relu", name=f"{name}_out"), y)


def _body(add, x):
    x = _conv_bn(add, x, 16, 3, "conv1")
    for stage, filters in enumerate((16, 32, 64), start=2):
        x = add(L.Pooling(2, name=f"pool{stage - 1}"), x)
        x = _block(add, x, filters, f"conv{stage}_block1", shortcut=stage > 2)
    return x


def _top(add, x, n_classes):
    x = add(L.GlobalAveragePooling2D(name="avg_pool"), x)
    return add(L.OutputLayer(n_classes, act="softmax", name="predictions"), x)


def small_resnet(n_classes=None, include_top=True, pretrained_weights=None, freeze=False):
    return classifier("SmallResNet", _body, _top, n_classes=n_classes,
                      input_shape=(SIZE, SIZE, 3), include_top=include_top,
                      pretrained_weights=pretrained_weights, freeze=freeze,
                      name="small_resnet", preprocessing="pixels", min_size=16)


# -- data and helpers ---------------------------------------------------------------------

def shapes(classes, n, seed):
    data = dn.datasets.shapes(n=n, image_size=SIZE, classes=classes, seed=seed)
    return data.images.astype("float32"), data.labels


def accuracy(net, x, y):
    return float((net.to_keras().predict(x, verbose=0).argmax(axis=1) == y).mean())


def weights_by_layer(net):
    """Every weight (trainable or not: batch-norm moving statistics too), by layer name."""
    return {layer.name: [w.copy() for w in layer.get_weights()]
            for layer in net.to_keras().layers if layer.weights}


def changed(before, after):
    return sorted(name for name in before
                  if any(not np.array_equal(a, b) for a, b in zip(before[name], after[name])))


def train(net, data, epochs, solver, seed, batch_size=8, lr_scheduler=None):
    return net.fit(data, epochs=epochs, batch_size=batch_size, solver=solver,
                   lr_scheduler=lr_scheduler, seed=seed, live=False, background=False)


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    """The small ResNet trained on the four source shapes, and its saved weights."""
    x, y = shapes(SOURCE, 1200, seed=100)
    keras.utils.set_random_seed(0)
    net = small_resnet(n_classes=len(SOURCE))
    train(net, (x, y), epochs=8, solver=dn.solvers.Adam(0.003), seed=0, batch_size=32)
    path = str(tmp_path_factory.mktemp("source") / "small_resnet.weights.h5")
    net.save_weights(path)
    return net, path


@pytest.fixture(scope="module")
def target():
    """30 training images of the three target shapes; 300 test images drawn apart."""
    return shapes(TARGET, 30, seed=7), shapes(TARGET, 300, seed=80_007)


# -- transfer beats scratch ---------------------------------------------------------------

def test_pretraining_learns_the_source_shapes(pretrained):
    net, _ = pretrained
    x, y = shapes(SOURCE, 300, seed=50_000)  # held out
    assert accuracy(net, x, y) > 0.5  # chance is 0.25


def test_transfer_beats_training_from_scratch(pretrained, target):
    """The same architecture, data, solver, epochs and seed; only the start differs.

    Test accuracy (chance 1/3) measured while writing this test, transfer vs scratch,
    for three pretraining seeds × five target draws (other draws than the ones used
    here): transfer 0.53–0.67 (means 0.58, 0.63, 0.58), scratch 0.32–0.40 (mean
    0.35); the smallest margin was 0.17. Scratch stays near chance at learning rates
    0.01, 0.003 and 0.001 alike.
    """
    _, path = pretrained
    (x, y), (x_test, y_test) = target
    source = weights_by_layer(small_resnet(n_classes=len(SOURCE), pretrained_weights=path))
    keras.utils.set_random_seed(1)
    transfer = small_resnet(include_top=False, n_classes=3, pretrained_weights=path,
                            freeze=True)
    keras.utils.set_random_seed(1)
    scratch = small_resnet(include_top=False, n_classes=3)
    before = weights_by_layer(transfer)
    for net in (transfer, scratch):
        train(net, (x, y), epochs=10, solver=dn.solvers.Adam(0.01), seed=1)
    after = weights_by_layer(transfer)
    # The frozen body, batch-norm statistics included, is still the pretrained one.
    assert changed(before, after) == ["output"]
    body = [name for name in after if name != "output"]
    assert changed({k: source[k] for k in body}, {k: after[k] for k in body}) == []

    transfer_acc, scratch_acc = accuracy(transfer, x_test, y_test), accuracy(scratch, x_test,
                                                                             y_test)
    assert transfer_acc > 0.45, (transfer_acc, scratch_acc)
    assert transfer_acc >= scratch_acc + 0.1, (transfer_acc, scratch_acc)


def test_two_stage_fine_tune_head_then_the_top_block_at_a_lower_rate(pretrained, target):
    _, path = pretrained
    (x, y), (x_test, y_test) = target
    keras.utils.set_random_seed(2)
    net = small_resnet(include_top=False, n_classes=3, pretrained_weights=path, freeze=True)
    first = train(net, (x, y), epochs=8, solver=dn.solvers.Adam(0.01), seed=2)
    head_only = accuracy(net, x_test, y_test)

    top_block = [name for name in net.layer_names if name.startswith("conv4_")]
    net.unfreeze(top_block)
    assert [name for name in net.layer_names if net[name].trainable] == \
        [*top_block, "avg_pool", "output"]
    before = weights_by_layer(net)
    second = train(net, (x, y), epochs=4, solver=dn.solvers.Adam(0.001), seed=2)
    after = weights_by_layer(net)

    assert first.frame["learning_rate"].iloc[-1] == pytest.approx(0.01)
    assert second.frame["learning_rate"].iloc[-1] == pytest.approx(0.001)
    weighted_top = sorted(name for name in before if name.startswith("conv4_"))
    assert changed(before, after) == sorted([*weighted_top, "output"])
    assert np.isfinite(second.frame["loss"]).all()
    assert accuracy(net, x_test, y_test) > head_only - 0.1  # the lower rate does not wreck it


# -- freezing the zoo's networks ----------------------------------------------------------

def test_freeze_true_freezes_everything_but_the_new_head():
    net = dn.applications.ResNet18(input_shape=(SIZE, SIZE, 3), include_top=False,
                                   n_classes=3, freeze=True)
    assert [name for name in net.layer_names if net[name].trainable] == ["avg_pool", "output"]
    model = net.to_keras()
    assert [w.path for w in model.trainable_weights] == ["output/kernel", "output/bias"]

    # Frozen batch norm runs in inference mode even when Keras trains: the same outputs
    # with training=True, and its moving statistics do not move during fit.
    x, y = shapes(TARGET, 8, seed=3)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x, training=True)),
                               keras.ops.convert_to_numpy(model(x, training=False)),
                               rtol=1e-5, atol=1e-6)
    before = weights_by_layer(net)
    train(net, (x, y), epochs=1, solver=dn.solvers.Vanilla(0.1), seed=3)
    assert changed(before, weights_by_layer(net)) == ["output"]


def test_freeze_up_to_and_unfreeze():
    net = dn.applications.ResNet18(input_shape=(SIZE, SIZE, 3), include_top=False,
                                   n_classes=3)
    model = net.to_keras()
    everything = len(model.trainable_weights)
    net.freeze(up_to="conv4_block2_out")
    names = net.layer_names
    cut = names.index("conv4_block2_out") + 1
    assert not any(net[name].trainable for name in names[:cut])
    assert all(net[name].trainable for name in names[cut:])
    trainable = {w.path.split("/")[0] for w in net.to_keras().trainable_weights}
    assert trainable and all(name.startswith("conv5_") or name == "output"
                             for name in trainable)
    assert "conv5_block1_1_bn" in trainable  # gamma and beta train; moving statistics never

    net.unfreeze()
    assert all(net[name].trainable for name in names)
    assert len(net.to_keras().trainable_weights) == everything
