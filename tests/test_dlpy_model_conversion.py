"""dl_notebook.dlpy.model_conversion and Model.from_onnx_model: ONNX in and out, refusals."""

import warnings

import numpy as np
import pytest

from dl_notebook import dlpy
from dl_notebook.dlpy.layers import Conv2d, Dense, InputLayer, OutputLayer, Pooling
from dl_notebook.dlpy.model import Model
from dl_notebook.dlpy.model_conversion import (
    caffe_to_sas,
    keras_to_sas,
    onnx_to_sas,
    sas_to_onnx,
    write_keras_hdf5,
)
from dl_notebook.errors import InvalidArgumentError


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A small trained CNN on 8x8 digits and its ONNX file written by net.export."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = (x / 16).reshape(-1, 8, 8, 1).astype("float32")
    model = dlpy.Sequential(None, model_table="digits_cnn")
    for layer in (InputLayer(1, 8, 8), Conv2d(4, 3), Pooling(2), Dense(8), OutputLayer(n=10)):
        model.add(layer)
    model.fit((x[:256], y[:256]), mini_batch_size=64, max_epochs=1, lr=0.1, log_level=0)
    path = tmp_path_factory.mktemp("onnx") / "digits_cnn.onnx"
    model.export(str(path), format="onnx")
    return model, str(path), x[300:316]


def test_from_onnx_model_gives_the_exported_outputs_from_a_path_and_a_proto(exported):
    import onnx

    model, path, x = exported
    expected = model.to_keras()(x).numpy()
    for source in (path, onnx.load(path)):
        back = Model.from_onnx_model(dlpy.connect(), source, output_model_table="back")
        assert isinstance(back, Model) and back.name == "back"
        np.testing.assert_allclose(back.to_keras()(x).numpy(), expected, rtol=1e-5, atol=1e-6)
    assert [layer.name for layer in onnx_to_sas(onnx.load(path))] == back.layer_names


def test_from_onnx_model_normalises_the_input_and_names_std(exported):
    model, path, x = exported
    expected = model.to_keras()(x).numpy()
    with pytest.warns(UserWarning, match="std"):
        back = Model.from_onnx_model(None, path, scale=2.0, offsets=0.5, norm_stds=2.0,
                                     std="STD")
    # (2x - 0.5) / 2 = x - 0.25, so x + 0.25 gives the exported model's outputs on x
    np.testing.assert_allclose(back.to_keras()(x + 0.25).numpy(), expected, rtol=1e-4,
                               atol=1e-5)


def test_sas_to_onnx_writes_the_network_that_onnx_runtime_scores_alike(exported):
    import onnxruntime as ort

    model, _, x = exported
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        proto = sas_to_onnx(model.layers)
    session = ort.InferenceSession(proto.SerializeToString())
    (scores,) = session.run(None, {session.get_inputs()[0].name: x})
    np.testing.assert_allclose(scores, model.to_keras()(x).numpy(), rtol=1e-4, atol=1e-5)
    with pytest.raises(InvalidArgumentError, match="layers of one"):
        sas_to_onnx([Dense(3)])


def test_sas_only_conversions_are_refused_in_one_sentence():
    for call in (lambda: keras_to_sas(None), lambda: caffe_to_sas("net.prototxt"),
                 lambda: write_keras_hdf5(None, True, "w.h5"),
                 lambda: Model.from_caffe_model(None, "net.prototxt")):
        with pytest.raises(InvalidArgumentError) as error:
            call()
        assert str(error.value).count(". ") == 0 and str(error.value).endswith(".")
    with pytest.raises(InvalidArgumentError, match="ModelProto"):
        Model.from_onnx_model(None, 42)


def test_from_keras_model_names_dlpy_std_words_as_not_applied():
    import keras

    from dl_notebook.dlpy import Model

    x = keras.Input((4,), name="x")
    km = keras.Model(x, keras.layers.Dense(2, name="d")(x), name="km")
    with pytest.warns(UserWarning, match="std"):
        model, use_gpu = Model.from_keras_model(None, km, std="STD", scale=0.5)
    assert model["x"].scale == 0.5 and model["x"].std is None and use_gpu is False
