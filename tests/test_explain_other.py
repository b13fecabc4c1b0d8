"""Occlusion, saliency, the method dispatcher, overlays, feature maps and the errors of
dn.explain, on small models whose right answer is known by construction."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
from _nets import assert_one_sentence  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.explain import _compiled  # noqa: E402

L = dn.layers
REGION = (slice(4, 8), slice(4, 8))  # the only pixels the region model reads


@pytest.fixture(scope="module")
def region_model():
    """Class 0's logit is a quarter of the sum of pixels [4:8, 4:8], class 1's its negative."""
    x = keras.Input((16, 16, 1), name="image")
    crop = keras.layers.Cropping2D(((4, 8), (4, 8)), name="crop")(x)
    dense = keras.layers.Dense(2, activation="softmax", name="probs")
    y = dense(keras.layers.Flatten(name="flat")(crop))
    model = keras.Model(x, y, name="region")
    dense.set_weights([np.tile([[0.25, -0.25]], (16, 1)).astype("float32"),
                       np.zeros(2, "float32")])
    return model


@pytest.fixture(scope="module")
def region_images():
    rng = np.random.default_rng(0)
    images = rng.uniform(0.0, 0.3, (6, 16, 16, 1)).astype("float32")
    images[(slice(None), *REGION)] = 1.0  # bright where the model looks: class 0
    return images


def _inside(rows_cols, region=REGION):
    r, c = rows_cols
    return region[0].start <= r < region[0].stop and region[1].start <= c < region[1].stop


def test_occlusion_peaks_where_the_model_looks(region_model, region_images):
    heat = dn.explain.occlusion(region_model, region_images)
    assert heat.shape == (6, 16, 16) and heat.dtype == np.float32
    assert heat.min() == 0.0 and heat.max() == 1.0
    for m in heat:
        assert _inside(np.unravel_index(m.argmax(), m.shape))
        assert m[REGION].mean() > 0.5 > m[12:, 12:].max()  # far from the region: no effect
    # Masks only 2 pixels wide that never meet the region leave the far corner at the minimum.
    small = dn.explain.occlusion(region_model, region_images[:1], mask_size=2, step=2)
    assert small[0][12:, 12:].max() == 0.0 and small[0][REGION].min() > 0.9


def test_occlusion_class_index_and_grid(region_model, region_images):
    from dl_notebook.explain.occlusion import mask_grid

    masks = mask_grid((16, 16))  # default: 4-pixel masks moved by 2 pixels
    assert masks.shape == (49, 16, 16) and masks.sum(axis=(1, 2)).tolist() == [16] * 49
    assert masks.sum(axis=0).min() >= 1  # every pixel is hidden by some mask
    assert mask_grid((10, 10), mask_size=4, step=4).shape == (9, 10, 10)  # last one at the edge
    # Hiding the bright region raises class 1's probability: its heat is the negative image.
    own = dn.explain.occlusion(region_model, region_images[:2], class_index=[0, 0])
    other = dn.explain.occlusion(region_model, region_images[:2], class_index=1)
    np.testing.assert_allclose(own, dn.explain.occlusion(region_model, region_images[:2]))
    assert (other[:, 5:7, 5:7] < 0.1).all() and (own[:, 5:7, 5:7] > 0.9).all()


def test_saliency_is_zero_where_the_model_does_not_look(region_model, region_images):
    maps = dn.explain.saliency(region_model, region_images, samples=8, noise=0.2, seed=1)
    assert maps.shape == (6, 16, 16) and maps.dtype == np.float32
    outside = np.ones((16, 16), bool)
    outside[REGION] = False
    assert (maps[:, outside] == 0).all()
    assert (maps[(slice(None), *REGION)] > 0).all() and np.allclose(maps.max(axis=(1, 2)), 1)
    again = dn.explain.saliency(region_model, region_images, samples=8, noise=0.2, seed=1,
                                batch_size=4)
    np.testing.assert_allclose(maps, again, atol=1e-6)  # same seed: same noise, any batching


def test_saliency_smoothgrad_averages_noisy_gradients():
    """On a model with varying gradients, the maps depend on the noise seed and level."""
    keras.utils.set_random_seed(3)
    x = keras.Input((8, 8, 1))
    h = keras.layers.Conv2D(4, 3, padding="same", activation="tanh", name="c")(x)
    model = keras.Model(x, keras.layers.Dense(3, activation="softmax", name="d")(
        keras.layers.Flatten(name="f")(h)))
    image = np.random.default_rng(0).random((2, 8, 8, 1)).astype("float32")
    plain = dn.explain.saliency(model, image, samples=1, noise=0.0)
    with tf.GradientTape() as tape:
        t = tf.constant(image)
        tape.watch(t)
        out = model(t)
        score = tf.gather(out, tf.argmax(out, axis=1), axis=1, batch_dims=1)
    grad = np.abs(tape.gradient(score, t).numpy()).max(axis=-1)
    low, high = grad.min(axis=(1, 2), keepdims=True), grad.max(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(plain, (grad - low) / (high - low), atol=1e-5)
    one = dn.explain.saliency(model, image, samples=4, noise=0.3, seed=0)
    two = dn.explain.saliency(model, image, samples=4, noise=0.3, seed=1)
    assert not np.allclose(one, two) and not np.allclose(one, plain)


def test_heatmaps_dispatches_by_name(region_model, region_images):
    x = region_images[:2]
    np.testing.assert_allclose(dn.explain.heatmaps(region_model, x, "occlusion", mask_size=4),
                               dn.explain.occlusion(region_model, x, mask_size=4))
    np.testing.assert_allclose(dn.explain.heatmaps(region_model, x, "SmoothGrad", samples=2),
                               dn.explain.saliency(region_model, x, samples=2))
    with pytest.raises(dn.InvalidArgumentError) as err:
        dn.explain.heatmaps(region_model, x, "lime")
    assert_one_sentence(err.value, "'lime'", "'gradcam'")
    with pytest.raises(dn.InvalidArgumentError) as err:
        dn.explain.heatmaps(region_model, x, "occlusion", layer="crop")
    assert_one_sentence(err.value, "'layer'", "mask_size")


def test_overlay_blends_a_resized_heatmap():
    image = np.full((6, 8, 3), 100, dtype=np.uint8)
    heat = np.zeros((3, 4))
    heat[0, 0] = 1.0
    out = dn.explain.overlay(image, heat, alpha=0.5, cmap="gray")
    assert out.shape == (6, 8, 3) and out.dtype == np.uint8
    assert out[0, 0, 0] > out[5, 7, 0] == 50  # gray colormap: 0.5*100 + 0.5*0
    assert (dn.explain.overlay(image, heat, alpha=0.0) == image).all()
    gray = dn.explain.overlay(np.linspace(0, 1, 16).reshape(4, 4), np.ones((4, 4)), alpha=0.0)
    assert gray.shape == (4, 4, 3) and gray[3, 3].tolist() == [255, 255, 255]
    for bad in (dict(alpha=2), dict(cmap="nope")):
        with pytest.raises(dn.InvalidArgumentError) as err:
            dn.explain.overlay(image, heat, **bad)
        assert_one_sentence(err.value)
    with pytest.raises(dn.ShapeError):
        dn.explain.overlay(image, np.zeros((2, 3, 4)))


# -- feature maps ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_net():
    keras.utils.set_random_seed(0)
    return dn.Sequential(name="tiny", layers=[
        L.InputLayer(shape=(12, 12, 1), name="image"),
        L.Conv2d(6, 3, name="conv1"),
        L.Pooling(2, name="pool1"),
        L.Dense(5, name="fc1"),
        L.OutputLayer(3, name="out"),
    ])


def test_get_feature_maps(tiny_net):
    image = np.random.default_rng(1).random((12, 12, 1)).astype("float32")
    fm = tiny_net.get_feature_maps(image, "conv1")
    kmodel = tiny_net.to_keras()
    want = keras.Model(kmodel.input, kmodel.get_layer("conv1").output)(image[None]).numpy()[0]
    assert isinstance(fm, dn.explain.FeatureMaps) and fm.layer == "conv1"
    np.testing.assert_allclose(fm.maps, want, rtol=1e-5, atol=1e-6)
    shown = fm.display(n=5, ncol=4)
    assert shown.ax_.shape == (2, 4) and len(shown.figure_.axes) == 8
    assert sum(bool(ax.images) for ax in shown.ax_.flat) == 5
    assert fm._repr_png_()[:4] == b"\x89PNG"
    dense = tiny_net.get_feature_maps(image[None], "fc1")  # a batch of one works too
    assert dense.maps.shape == (5,) and dense.display().ax_.images
    with pytest.raises(dn.InvalidArgumentError):
        tiny_net.get_feature_maps(np.zeros((2, 12, 12, 1)), "conv1")


def test_get_features_from_each_kind_of_data(tiny_net):
    rng = np.random.default_rng(2)
    x = rng.random((10, 12, 12, 1)).astype("float32")
    y = np.arange(10) % 3
    kmodel = tiny_net.to_keras()
    want = keras.Model(kmodel.input, kmodel.get_layer("pool1").output).predict(x, verbose=0)
    X, labels = tiny_net.get_features((x, y), "pool1", batch_size=4)
    assert X.shape == (10, 6 * 6 * 6) and labels.tolist() == y.tolist()
    np.testing.assert_allclose(X, want.reshape(10, -1), rtol=1e-5, atol=1e-6)
    X2, none = dn.explain.features(tiny_net, x, "pool1")
    assert none is None and np.allclose(X, X2, atol=1e-6)
    ds = dn.ImageDataset.from_arrays(x[..., 0], y)  # the dataset normalises as it likes
    X3, labels3 = tiny_net.get_features(ds, "fc1")
    xs, _ = ds.to_numpy()
    assert X3.shape == (10, 5) and labels3.tolist() == y.tolist()
    np.testing.assert_allclose(X3, dn.explain.features(tiny_net, xs, "fc1")[0], atol=1e-6)
    batched = tf.data.Dataset.from_tensor_slices((x, y)).batch(3)
    X4, labels4 = dn.explain.features(tiny_net, batched, "fc1")
    np.testing.assert_allclose(X4, dn.explain.features(tiny_net, (x, y), "fc1")[0], atol=1e-6)
    assert labels4.tolist() == y.tolist()
    unbatched = tf.data.Dataset.from_tensor_slices(x)
    assert dn.explain.features(tiny_net, unbatched, "fc1")[0].shape == (10, 5)
    with pytest.raises(dn.ShapeError) as err:
        tiny_net.get_features((np.zeros((2, 8, 8, 1)), [0, 1]), "fc1")
    assert_one_sentence(err.value, "(12, 12, 1)", "(8, 8, 1)")
    with pytest.raises(dn.LayerNotFoundError) as err:
        tiny_net.get_features((x, y), "conv")
    assert_one_sentence(err.value, "'conv'", "'conv1'", end="?")


# -- errors and the compiled-function cache -------------------------------------------------

def test_errors_say_what_to_fix(tiny_net, region_model):
    images = np.zeros((2, 12, 12, 1), "float32")
    cases = [
        (dn.ShapeError, lambda: dn.explain.gradcam(tiny_net, np.zeros((2, 10, 10, 3))),
         ("(12, 12, 1)", "(2, 10, 10, 3)")),
        (dn.InvalidArgumentError, lambda: dn.explain.gradcam(region_model, np.zeros((16, 16, 1))),
         ("layer=",)),
        (dn.InvalidArgumentError, lambda: dn.explain.gradcam(tiny_net, images, layer="fc1"),
         ("'fc1'", "(None, 5)")),
        (dn.LayerNotFoundError, lambda: dn.explain.gradcam(tiny_net, images, layer="conv2"),
         ("'conv2'", "'conv1'")),
        (dn.InvalidArgumentError, lambda: dn.explain.gradcam(tiny_net, images, class_index=3),
         ("0..2",)),
        (dn.InvalidArgumentError, lambda: dn.explain.gradcam(tiny_net, images, class_index=[0]),
         ("1 values for 2 images",)),
        (dn.InvalidArgumentError, lambda: dn.explain.gradcam(tiny_net, images, batch_size=0),
         ("batch_size",)),
        (dn.InvalidArgumentError, lambda: dn.explain.gradcam("model", images), ("keras.Model",)),
        (dn.InvalidArgumentError, lambda: dn.explain.occlusion(tiny_net, images, mask_size=20),
         ("mask_size", "12x12")),
        (dn.InvalidArgumentError, lambda: dn.explain.saliency(tiny_net, images, samples=0),
         ("samples",)),
    ]
    for kind, call, words in cases:
        with pytest.raises(kind) as err:
            call()
        assert_one_sentence(err.value, *words, end="?" if kind is dn.LayerNotFoundError else ".")


def test_one_compiled_function_per_model_and_layer():
    net = dn.Sequential(name="cached", layers=[
        L.InputLayer(shape=(12, 12, 1)), L.Conv2d(4, 3, name="conv1"), L.Pooling(2, name="pool1"),
        L.OutputLayer(3, name="out")])
    rng = np.random.default_rng(4)
    kmodel = net.to_keras()
    dn.explain.gradcam(net, rng.random((3, 12, 12, 1)), layer="conv1")
    dn.explain.gradcam(net, rng.random((5, 12, 12, 1)), layer="conv1", class_index=2)
    dn.explain.gradcam(kmodel, rng.random((12, 12, 1)), layer="pool1", batch_size=1)
    dn.explain.gradcam(kmodel, rng.random((7, 12, 12, 1)), layer="pool1", batch_size=3)
    cache = _compiled._CACHE[kmodel][1]
    functions = {key: fn for key, fn in cache.items() if key[0] == "gradcam"}
    assert sorted(key[1] for key in functions) == [("net", "conv1"), ("path", ("pool1",))]
    assert all(fn.experimental_get_tracing_count() == 1 for fn in functions.values())
    net.add(L.Dropout(0.1, name="drop"), inputs="out")  # an edit makes a new Keras model ...
    assert net.to_keras() is not kmodel and net.to_keras() not in _compiled._CACHE
    del kmodel, cache, functions  # ... and the old one's functions go with it
    gc.collect()
    assert all(model.name != "cached" or model is net.to_keras() for model in _compiled._CACHE)


def test_a_sequential_changed_after_explaining_is_explained_anew():
    keras.utils.set_random_seed(5)
    seq = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="c1"),
                            keras.layers.GlobalAveragePooling2D(name="gap"),
                            keras.layers.Dense(2, name="d")])
    images = np.random.default_rng(5).random((3, 8, 8, 1)).astype("float32")
    assert dn.explain.gradcam(seq, images, class_index=0).shape == (3, 8, 8)
    seq.pop()
    seq.pop()
    seq.add(keras.layers.Conv2D(3, 3, padding="same", name="c2"))
    seq.add(keras.layers.GlobalAveragePooling2D(name="gap2"))
    seq.add(keras.layers.Dense(4, name="d2"))
    assert dn.explain.target_layer(seq) == "c2"
    flat = keras.Model(seq.inputs, seq.outputs)  # the same layers, never explained before
    np.testing.assert_allclose(dn.explain.gradcam(seq, images, class_index=3),
                               dn.explain.gradcam(flat, images, class_index=3), atol=1e-6)
