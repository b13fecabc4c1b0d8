"""A small CNN trained once per test session on scikit-learn's digits (PNG folders, 16x16).

The evaluation tests share it: ``digits_model()`` returns ``(net, train, test)``; the
first call writes the images, loads them and trains for a few seconds. A test module
binds its ``trained`` and ``res`` fixtures with ``trained, res = evaluation_fixtures()``.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile

import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import dl_notebook as dn  # noqa: E402

L = dn.layers
SIZE = 16


def small_cnn(name="digits_cnn", classes=10, act="softmax"):
    """input (16, 16, 1) -> conv -> pool -> dense -> output."""
    return dn.Sequential(name=name, layers=[
        L.InputLayer(shape=(SIZE, SIZE, 1), name="image"),
        L.Conv2d(8, 3, act="relu", name="conv"),
        L.Pooling(2, name="pool"),
        L.Dense(32, act="relu", name="fc"),
        L.OutputLayer(classes, act=act, name="out"),
    ])


@functools.lru_cache(maxsize=1)
def digits_folder():
    """The digits as grayscale 16x16 PNGs in class folders (written once per session)."""
    root = tempfile.mkdtemp(prefix="dn_evaluate_")
    atexit.register(shutil.rmtree, root, True)
    return dn.datasets.digits(os.path.join(root, "digits"), size=SIZE)


@functools.lru_cache(maxsize=1)
def digits_model():
    """``(net, train, test)``: the CNN trained for 3 epochs on 80 % of the digits."""
    ds = dn.ImageDataset.from_folder(digits_folder(), color_mode="grayscale", normalize="unit",
                                     verbose=False)
    train, test = dn.two_way_split(ds, test_rate=20, seed=1)
    net = small_cnn()
    net.fit(train, epochs=3, batch_size=64, solver=dn.solvers.Adam(0.01), seed=0, live=False,
            background=False)
    return net, train, test


def evaluation_fixtures(batch_size=256):
    """The module-scoped fixtures ``trained`` and ``res`` of an evaluation test module.

    ``trained`` is :func:`digits_model`'s ``(net, train, test)``; ``res`` is
    ``net.evaluate(test, batch_size=batch_size)``, scored once per module. Use it as
    ``trained, res = evaluation_fixtures()`` at the top of the module.
    """

    @pytest.fixture(scope="module")
    def trained():
        return digits_model()

    @pytest.fixture(scope="module")
    def res(trained):
        net, _, test = trained
        return net.evaluate(test, batch_size=batch_size)

    return trained, res
