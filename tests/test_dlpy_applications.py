"""dl_notebook.dlpy.applications: DLPy's arguments, a Keras weight file, BGR offsets."""

import warnings

import numpy as np
import pytest

from dl_notebook._keras import keras
from dl_notebook.dlpy.applications import LeNet5, MobileNetV1, ResNet50_Caffe
from dl_notebook.dlpy.model import Model
from dl_notebook.errors import InvalidArgumentError


@pytest.fixture(scope="module")
def resnet_weights(tmp_path_factory):
    """A Keras ResNet50 without top at 32x32 and its weight file."""
    k = keras()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = k.applications.ResNet50(weights=None, include_top=False,
                                            input_shape=(32, 32, 3))
    path = tmp_path_factory.mktemp("weights") / "resnet50_notop.weights.h5"
    reference.save_weights(path)
    return reference, str(path)


def test_resnet50_caffe_loads_a_keras_weight_file_with_bgr_offsets(resnet_weights):
    reference, path = resnet_weights
    offsets = (90.0, 100.0, 110.0)  # B, G, R as ImageTable.channel_means gives them
    model = ResNet50_Caffe(None, model_table="RESNET50_CAFFE", n_classes=2, n_channels=3,
                           width=32, height=32, scale=1, random_flip="none",
                           random_crop="none", offsets=offsets, pre_trained_weights=True,
                           pre_trained_weights_file=path, include_top=False)
    assert isinstance(model, Model) and model.name == "RESNET50_CAFFE"
    assert model.layer_names[-2:] == ["avg_pool", "output"]
    ours = model.to_keras()
    np.testing.assert_array_equal(ours.get_layer("conv2_block1_1_conv").get_weights()[0],
                                  reference.get_layer("conv2_block1_1_conv").get_weights()[0])
    # the same features as Keras' network fed BGR images minus the offsets
    rgb = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    features = keras().Model(ours.inputs, ours.get_layer("conv5_block3_out").output)
    ops = keras().ops
    expected = reference(ops.convert_to_tensor(rgb[..., ::-1] - np.array(offsets, "float32")),
                         training=False)
    ours = features([ops.convert_to_tensor(rgb)], training=False)
    np.testing.assert_allclose(ops.convert_to_numpy(ours), ops.convert_to_numpy(expected),
                               rtol=1e-4, atol=1e-4)


def test_augmentation_and_cas_options_are_named_not_applied():
    with pytest.warns(UserWarning, match="random_flip have no effect|random_flip has no effect"):
        model = MobileNetV1(None, n_classes=3, width=32, height=32, alpha=0.25,
                            random_flip="h")
    assert model["input_layer"].std is not None and model.layer_names[-1] == "output"


def test_pretrained_weights_without_a_file_and_lenet_shape():
    with pytest.raises(InvalidArgumentError, match="pre_trained_weights_file"):
        ResNet50_Caffe(None, n_classes=2, width=32, height=32, pre_trained_weights=True)
    lenet = LeNet5(None, model_table="lenet", n_classes=10, n_channels=1, width=28, height=28)
    assert lenet.name == "lenet" and lenet["input1"].output_shape == (None, 28, 28, 1)
