"""SmoothGrad saliency: the gradient of the class score with respect to the pixels, averaged
over noisy copies of the image (Smilkov et al., 2017).
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError
from ._compiled import cached, compiled, image_spec, run_batches
from ._target import as_keras, check_images, class_indices, n_classes
from .registry import register

__all__ = ["saliency"]


@register("saliency", title="SmoothGrad", aliases=("smoothgrad", "smooth-grad"),
          description="pixel gradients averaged over noisy copies (SmoothGrad)")
def saliency(model, images, class_index=None, samples=16, noise=0.15, seed=0, batch_size=64):
    """SmoothGrad saliency maps, one per image, at the input size, in [0, 1].

    Each image gets ``samples`` copies with Gaussian noise of standard
    deviation ``noise`` times its value range (max - min); the gradients of
    the class score over the copies are averaged, and a pixel's saliency is
    the largest absolute averaged gradient over its channels, rescaled to
    [0, 1] per image. ``samples=1, noise=0`` gives the plain gradient.
    Gradients, noise and averaging run in one compiled function per model.

    Args:
        model: a ``dn.Network`` or a ``keras.Model`` (one image input, a
            ``(batch, classes)`` output).
        images: an ``(N, H, W, C)`` batch the model takes, or one image.
        class_index: None (each image's predicted class), an integer, or one
            integer per image.
        samples: noisy copies per image (at least 1).
        noise: noise level as a fraction of each image's value range.
        seed: seed of the noise; the same arguments give the same maps.
        batch_size: images per run of the compiled function.

    Returns:
        float32 array ``(N, H, W)``.

    Example:
        >>> import numpy as np, dl_notebook as dn
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(8, 8, 1)),
        ...                             dn.layers.OutputLayer(2, name="out")])
        >>> maps = dn.explain.saliency(net, np.random.rand(2, 8, 8, 1), samples=4)
        >>> maps.shape, float(maps.max())
        ((2, 8, 8), 1.0)
    """
    import tensorflow as tf

    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
        raise InvalidArgumentError(f"samples must be a positive integer; got {samples!r}.")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not noise >= 0:
        raise InvalidArgumentError(f"noise must be a number >= 0 (e.g. 0.15); got {noise!r}.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InvalidArgumentError(f"seed must be an integer; got {seed!r}.")
    kmodel = as_keras(model)
    x = check_images(kmodel, images)
    classes = class_indices(class_index, len(x), n_classes(kmodel))
    fn = cached(kmodel, ("saliency",), lambda: _compile(kmodel))
    # Each image's noise seed is (seed, its position): maps do not depend on batch_size.
    positions = np.arange(len(x), dtype=np.int32)
    settings = (tf.constant(int(samples)), tf.constant(float(noise), tf.float32),
                tf.constant(int(seed) % (2 ** 31), tf.int32))

    def run(xb, cb, pb):
        return fn(xb, cb, pb, *settings)

    return run_batches(run, (x, classes, positions), batch_size)


def _compile(kmodel):
    """One ``tf.function`` per model: ``(images, classes, positions, samples, noise, seed)``."""
    import weakref

    import tensorflow as tf

    from .gradcam import rescale

    ref = weakref.ref(kmodel)
    scalar = tf.TensorSpec([], tf.int32)

    @compiled([image_spec(kmodel), tf.TensorSpec([None], tf.int32),
               tf.TensorSpec([None], tf.int32), scalar, tf.TensorSpec([], tf.float32), scalar])
    def smooth_grad(x, classes, positions, samples, noise, seed):
        model = ref()
        out = tf.cast(model(x, training=False), tf.float32)
        chosen = tf.where(classes < 0, tf.argmax(out, axis=-1, output_type=tf.int32), classes)
        span = tf.reduce_max(x, axis=(1, 2, 3), keepdims=True) - tf.reduce_min(
            x, axis=(1, 2, 3), keepdims=True)
        sigma = noise * span
        total = tf.zeros_like(x)
        for i in tf.range(samples):
            draw = tf.cast(positions, tf.int64) * 1_000_003 + tf.cast(i, tf.int64)
            eps = tf.map_fn(
                lambda d: tf.random.stateless_normal(
                    tf.shape(x)[1:], seed=tf.stack([tf.cast(seed, tf.int64), d])),
                draw, fn_output_signature=tf.float32)
            noisy = x + sigma * eps
            with tf.GradientTape(watch_accessed_variables=False) as tape:
                tape.watch(noisy)
                score = tf.gather(tf.cast(model(noisy, training=False), tf.float32), chosen,
                                  axis=1, batch_dims=1)
            total += tape.gradient(score, noisy)
        grads = total / tf.cast(samples, tf.float32)
        return rescale(tf.reduce_max(tf.abs(grads), axis=-1))

    return smooth_grad
