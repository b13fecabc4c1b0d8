"""Grad-CAM and Grad-CAM++: where a convolutional layer saw evidence for a class.

Both run in one compiled ``tf.function`` per model, layer and method: the
forward pass, the gradient of the class scores with respect to the layer's
output, the weighting, the bilinear resize to the input size and the
per-image rescaling to [0, 1] all happen in the graph, for a whole batch at
once. The class score is the model's output for that class (a probability
for a softmax output), as with tf-keras-vis' ``CategoricalScore``.
"""

from __future__ import annotations

from ._compiled import cached, compiled, image_spec, run_batches
from ._target import as_keras, check_images, class_indices, n_classes, resolve
from .registry import register

__all__ = ["gradcam", "gradcam_plus_plus"]


@register("gradcam", title="Grad-CAM", aliases=("grad-cam", "grad_cam"),
          description="gradient-weighted activations of a convolutional layer")
def gradcam(model, images, class_index=None, layer=None, batch_size=64):
    """Grad-CAM heatmaps (Selvaraju et al., 2017), one per image, at the input size.

    The layer's channels are weighted by the mean gradient of the class
    score over their positions; the weighted sum, kept where positive, is
    resized bilinearly to the image and rescaled to [0, 1] per image.

    Args:
        model: a ``dn.Network`` or a ``keras.Model`` with one image input and a
            ``(batch, classes)`` output.
        images: an ``(N, H, W, C)`` batch the model takes (already normalised
            as it expects), or one ``(H, W, C)`` image.
        class_index: None (each image's predicted class), an integer, or one
            integer per image.
        layer: the layer to explain: a ``dn.Network`` layer name, a Keras layer
            name, a path ``"backbone/Conv_1"`` into a nested model or an inner
            name alone. Default: the last convolution, followed on through
            the layers after it that keep its height and width
            (see :func:`~dl_notebook.explain.target_layer`).
        batch_size: images per run of the compiled function.

    Returns:
        float32 array ``(N, H, W)`` with values in [0, 1].

    Example:
        >>> import numpy as np, dl_notebook as dn
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(16, 16, 3)),
        ...                             dn.layers.Conv2d(4, 3, name="conv1"),
        ...                             dn.layers.OutputLayer(2, name="out")])
        >>> cams = dn.explain.gradcam(net, np.random.rand(5, 16, 16, 3), layer="conv1")
        >>> cams.shape, bool(cams.min() >= 0 and cams.max() <= 1)
        ((5, 16, 16), True)
    """
    return _cams("gradcam", model, images, class_index, layer, batch_size)


@register("gradcam++", title="Grad-CAM++",
          aliases=("grad-cam++", "gradcam_plus_plus", "gradcampp"),
          description="Grad-CAM with second-order weights (sharper for several objects)")
def gradcam_plus_plus(model, images, class_index=None, layer=None, batch_size=64):
    """Grad-CAM++ heatmaps (Chattopadhay et al., 2018), one per image, at the input size.

    Channel weights are the sums of the positive gradients weighted by the
    closed-form second-order coefficients
    ``alpha = g² / (2 g² + g³ Σ A)`` (with the exponential score, whose
    factor cancels out), the coefficients normalised to sum to one per
    channel as in the authors' code and tf-keras-vis. Arguments and result
    as :func:`gradcam`.

    Example:
        >>> import numpy as np, dl_notebook as dn
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(16, 16, 3)),
        ...                             dn.layers.Conv2d(4, 3, name="conv1"),
        ...                             dn.layers.OutputLayer(2, name="out")])
        >>> dn.explain.gradcam_plus_plus(net, np.random.rand(16, 16, 3), class_index=1).shape
        (1, 16, 16)
    """
    return _cams("gradcam++", model, images, class_index, layer, batch_size)


def _cams(method, model, images, class_index, layer, batch_size):
    kmodel = as_keras(model)
    x = check_images(kmodel, images)
    classes = class_indices(class_index, len(x), n_classes(kmodel))
    target = resolve(model, kmodel, layer)
    fn = cached(kmodel, (method, target.key),
                lambda: _compile(target.forward, image_spec(kmodel), method == "gradcam++"))
    return run_batches(fn, (x, classes), batch_size)


def _weights_plus_plus(grads, fmap):
    """Grad-CAM++ channel weights ``(N, C)`` from gradients and activations ``(N, h, w, C)``."""
    import tensorflow as tf

    # g² / (2 g² + g³ ΣA) = 1 / (2 + g ΣA) where g != 0, and 0 where it is (no evidence).
    total = tf.reduce_sum(fmap, axis=(1, 2), keepdims=True)
    alphas = tf.where(grads != 0.0, 1.0 / (2.0 + grads * total), 0.0)
    norm = tf.reduce_sum(alphas, axis=(1, 2), keepdims=True)
    alphas = alphas / tf.where(norm == 0.0, 1.0, norm)
    return tf.reduce_sum(tf.nn.relu(grads) * alphas, axis=(1, 2))


def _compile(forward, spec, plus_plus):
    """One ``tf.function`` ``(images, classes) -> (N, H, W)`` heatmaps for a target layer."""
    import tensorflow as tf

    @compiled([spec, tf.TensorSpec([None], tf.int32)])
    def cams(x, classes):
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(x)
            fmap, out = forward(x)
            out = tf.cast(out, tf.float32)
            predicted = tf.argmax(out, axis=-1, output_type=tf.int32)
            chosen = tf.where(classes < 0, predicted, classes)
            score = tf.gather(out, chosen, axis=1, batch_dims=1)
        grads = tf.cast(tape.gradient(score, fmap), tf.float32)
        fmap = tf.cast(fmap, tf.float32)
        if plus_plus:
            weights = _weights_plus_plus(grads, fmap)
        else:
            weights = tf.reduce_mean(grads, axis=(1, 2))
        cam = tf.nn.relu(tf.einsum("nhwc,nc->nhw", fmap, weights))
        return rescale(resize(cam, tf.shape(x)[1:3]))

    return cams


def resize(maps, size):
    """Bilinear resize of ``(N, h, w)`` maps to ``(N, *size)`` (graph code)."""
    import tensorflow as tf

    return tf.image.resize(maps[..., None], size, method="bilinear")[..., 0]


def rescale(maps):
    """Each ``(h, w)`` map rescaled to [0, 1]; a flat map becomes zeros (graph code)."""
    import tensorflow as tf

    low = tf.reduce_min(maps, axis=(1, 2), keepdims=True)
    span = tf.reduce_max(maps, axis=(1, 2), keepdims=True) - low
    return tf.where(span > 0, (maps - low) / tf.where(span > 0, span, 1.0), 0.0)
