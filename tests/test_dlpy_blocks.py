"""dl_notebook.dlpy.blocks: DLPy's blocks add the layers Keras would compute, named as DLPy names them."""

from __future__ import annotations

import numpy as np

import dl_notebook as dn
from dl_notebook import dlpy
from dl_notebook.dlpy.blocks import Bidirectional, DenseNetBlock, ResBlockBN
from dl_notebook.dlpy.layers import InputLayer, OutputLayer


def test_res_block_bn_computes_keras_pre_activation_block():
    import keras

    ResBlockBN.number_of_instances = 0
    model = dlpy.Sequential(None, model_table="blocks")
    model.add(InputLayer(4, 8, 8))
    model.add(ResBlockBN(kernel_sizes=3, n_filters=(6, 4)))
    model.add(ResBlockBN(kernel_sizes=(1, 3), n_filters=(4, 4), batch_norm_first=False))
    model.add(OutputLayer(n=3))
    assert model.layer_names[1:6] == ["R1B1", "R1C1", "R1B2", "R1C2", "Res1"]
    assert model["Res1"].inputs == ["R1C2", "input1"]
    assert model.layer_names[6:11] == ["R2C1", "R2B1", "R2C2", "R2B2", "Res2"]
    assert model["Res2"].inputs == ["R2B2", "Res1"]

    k = keras.layers
    x = inp = keras.Input((8, 8, 4))
    y = x
    for n in (6, 4):
        y = k.ReLU()(k.BatchNormalization()(y))
        y = k.Conv2D(n, 3, padding="same", use_bias=False)(y)
    x = k.Add()([y, x])
    y = x
    for n, size in ((4, 1), (4, 3)):
        y = k.Conv2D(n, size, padding="same", use_bias=False)(y)
        y = k.ReLU()(k.BatchNormalization()(y))
    x = k.Add()([y, x])
    out = k.Dense(3, activation="softmax")(k.Flatten()(x))
    reference = keras.Model(inp, out)
    assert model.count_params() == reference.count_params()
    rng = np.random.default_rng(0)
    for name in ("R1B1", "R1B2", "R2B1", "R2B2"):  # BN statistics away from their defaults
        gamma, beta, mean, var = model[name].get_weights()
        model[name].set_weights([gamma + 0.2, beta + 0.1, rng.normal(0, 0.5, mean.shape),
                                 rng.uniform(0.5, 2.0, var.shape)])
    reference.set_weights(model.to_keras().get_weights())
    data = rng.normal(size=(2, 8, 8, 4)).astype("float32")
    np.testing.assert_allclose(np.asarray(model.to_keras()(data)), np.asarray(reference(data)),
                               rtol=1e-4, atol=1e-5)


def test_dense_block_grows_channels_and_bidirectional_reads_both_ways():
    DenseNetBlock.number_of_instances = 0
    model = dlpy.Sequential(None, [InputLayer(3, 6, 6), DenseNetBlock(n_cells=3, n_filter=2)])
    assert model["D1Concat3"].output_shape == (None, 6, 6, 9)
    assert model["D1Concat2"].inputs == ["D1C2", "D1Concat1"]

    rnn = dlpy.Model(None, model_table="bi")
    rnn.add(dn.layers.InputLayer(shape=(7, 2), name="seq"))
    rnn.add(Bidirectional(n=(5, 3), n_blocks=2, rnn_type="LSTM", name="bi"))
    assert rnn["bi0B1"].reversed_ and not rnn["bi1B1"].reversed_
    assert rnn["bi0B2"].inputs == ["biB1_concat"]
    assert rnn.to_keras().output_shape == (None, 7, 6)
