"""The published COVID-19 CT transfer-learning workflow of SAS DLPy, run on dl_notebook.dlpy.

The DLPy code below is the example's, with ``import dlpy`` made
``import dl_notebook.dlpy`` and ``s = swat.CAS(...)`` made
``s = dl_notebook.dlpy.connect()``; it runs on a small synthetic two-class
folder at 32x32 and a ResNet-50 weight file written by Keras.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from PIL import Image

PER_CLASS, SIZE = 20, 32
# Images drawn as the other class. covid/4 and normal/16 fall in the example's test split, so
# a network that learned what is drawn gets them wrong: there are misclassified images to plot.
MISLABELLED = {"covid": (0, 1, 4), "normal": (0, 1, 16)}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """'covid' images hold a bright disc, 'normal' ones dark stripes; a few are mislabelled."""
    root = tmp_path_factory.mktemp("ct_scans")
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:SIZE, :SIZE]
    for label in ("covid", "normal"):
        os.makedirs(root / label)
        for i in range(PER_CLASS):
            drawn = label if i not in MISLABELLED[label] else (
                "normal" if label == "covid" else "covid")
            pixels = rng.normal(100, 4, (SIZE, SIZE, 3))
            if drawn == "covid":
                cy, cx = rng.integers(10, 22, 2)
                pixels[(yy - cy) ** 2 + (xx - cx) ** 2 < 36] += 30
            else:
                pixels[:, ::4] -= 20
            Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(root / label / f"{i}.png")
    return str(root)


@pytest.fixture(scope="module")
def weights_h5(tmp_path_factory, folder):
    """An untrained Keras ResNet-50 at 32x32 (no download), standing in for ImageNet's weights.

    It is not a trained network; two settings make it behave less unlike one:

    - the batch-normalisation statistics come from one pass over the
      images, prepared as the example's model prepares them (BGR minus the
      channel means): a fresh network's (mean 0, variance 1) overflow over
      50 layers;
    - the last batch normalisation of each residual branch (``*_3_bn``)
      has gamma 0, so each block starts as its shortcut (the "zero-gamma"
      initialisation of residual networks). With Keras' gamma 1 the first
      SGD step already sees a gradient norm of about 6e4 (the 7x7 input
      convolution's kernel, of norm 2.4, gets 5e4 of it) and the validation
      loss overflows to 1e25-1e28.
    """
    import dl_notebook as dn
    from dl_notebook._keras import keras

    k = keras()
    k.utils.set_random_seed(0)  # the same stand-in at every run
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = k.applications.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3))
    images = np.stack([np.asarray(Image.open(os.path.join(folder, label, name)), "float32")
                       for label in ("covid", "normal")
                       for name in sorted(os.listdir(os.path.join(folder, label)))])
    bgr = images[..., ::-1]
    for layer in net.layers:
        if layer.name.endswith("_3_bn"):  # the last of a residual branch
            layer.gamma.assign(np.zeros(layer.gamma.shape, "float32"))
    dn.update_batch_norm(net, bgr - bgr.mean(axis=(0, 1, 2)), batch_size=len(bgr))
    path = tmp_path_factory.mktemp("weights") / "resnet50_notop.weights.h5"
    net.save_weights(path)
    return str(path)


@pytest.mark.slow  # about 30 s: a ResNet-50 built twice and trained for two epochs
def test_the_covid_ct_transfer_learning_example_runs_as_dlpy_wrote_it(folder, weights_h5):
    from dl_notebook._keras import keras

    keras().utils.set_random_seed(0)
    # --- the example, verbatim but for the imports, the connection and the sizes ---
    import dl_notebook.dlpy
    from dl_notebook.dlpy.applications import ResNet50_Caffe
    from dl_notebook.dlpy.images import ImageTable
    from dl_notebook.dlpy.lr_scheduler import CyclicLR
    from dl_notebook.dlpy.model import Optimizer, VanillaSolver
    from dl_notebook.dlpy.splitting import two_way_split

    s = dl_notebook.dlpy.connect()
    my_images = ImageTable.load_files(s, path=folder)
    train_val, test_table = two_way_split(my_images, test_rate=20, seed=123)
    train_table, val_table = two_way_split(train_val, test_rate=20, seed=123)
    model = ResNet50_Caffe(s, model_table='RESNET50_CAFFE', n_classes=2, n_channels=3,
                           width=32, height=32, scale=1, random_flip='none', random_crop='none',
                           offsets=my_images.channel_means, pre_trained_weights=True,
                           pre_trained_weights_file=weights_h5, include_top=False)
    solver = VanillaSolver(lr_scheduler=CyclicLR(s, train_table, 4, 1.0, 1E-4, 0.01))
    optimizer = Optimizer(algorithm=solver, log_level=2, max_epochs=2,  # the example: 10
                          mini_batch_size=4)
    model.fit(data=train_table, valid_table=val_table, optimizer=optimizer)
    model.evaluate(test_table)
    conf_mat = model.valid_conf_mat
    correct = model.plot_evaluate_res(img_type='C')
    wrong = model.plot_evaluate_res(img_type='M')
    heat = model.heat_map_analysis(img_type='M')
    # --- what it gave ---
    assert (len(train_table), len(val_table), len(test_table)) == (26, 6, 8)
    assert list(model.training_history["Epoch"]) == [0, 1]
    assert {"Loss", "FitError", "ValidLoss", "ValidError"} <= set(model.training_history)
    assert np.isfinite(model.training_history[["Loss", "ValidLoss"]].to_numpy()).all()
    assert conf_mat.index.tolist() == ["covid", "normal"]
    assert conf_mat.to_numpy().sum() == len(test_table)
    n_right = int(np.trace(conf_mat.to_numpy()))
    n_wrong = len(test_table) - n_right
    assert correct.ax_.shape[0] == min(n_right, 5) and wrong.ax_.shape[0] == min(n_wrong, 5)
    assert heat.ax_.shape == (min(n_wrong, 5), 3) and len(heat.colorbars_) == min(n_wrong, 5)
    assert len(model.valid_res_tbl) == len(test_table)
    assert np.isfinite(model.valid_res.proba).all()
    # --- the network learned; its moving batch-norm statistics lag behind it ---
    # 14 SGD steps at rates up to 0.01 grow the input convolution's kernel about 3x (its
    # output variance about 8x). Training-mode batch normalisation absorbs that; the moving
    # statistics that scoring uses (momentum 0.99) do not, so the scores above depend on the
    # seed. With statistics taken from the training images, the same weights find what the
    # held-out images show (the class drawn, which two of their labels contradict).
    import dl_notebook as dn

    dn.update_batch_norm(model, train_table.dataset)
    x_test, y_test = test_table.dataset.to_numpy(normalized=False)
    mislabelled = [int(os.path.splitext(os.path.basename(path))[0]) in MISLABELLED[label]
                   for path, label in zip(test_table.dataset.paths,
                                          np.array(conf_mat.index)[y_test])]
    assert sum(mislabelled) == 2
    drawn = np.where(mislabelled, 1 - y_test, y_test)
    right = int((model.to_keras().predict(x_test, verbose=0).argmax(axis=1) == drawn).sum())
    assert right >= 6, f"{right} of 8 held-out images right with fresh statistics (chance: 4)"
