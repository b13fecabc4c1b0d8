"""Image files into a ``tf.data`` pipeline: whole batches decoded at once, damaged files reported.

Each batch of files is decoded by one graph function. When a file in it
cannot be decoded (damaged image data past a whole-looking header, or a file
changed since loading), that batch alone is decoded again file by file: a
file that fails gets a placeholder and a false flag, a Python callback
records it (the dataset's ``skipped`` and one warning) and the batch keeps
only its readable images, each with its own label. Nothing is dropped
without being named.
"""

from __future__ import annotations

import os

import numpy as np

from . import _decode

# Batches decoded at once. Each one decodes its files one after the other, so
# this is the number of decoding threads: twice the cores, so that the cores
# stay busy while a thread waits to read a file or for a core of a shared machine.
PARALLEL_BATCHES = max(4, min(8, 2 * (os.cpu_count() or 2)))


def file_decoder(ds):
    """``(files, decode_one, spec)`` for the files of the image dataset *ds*.

    ``files`` is ``(paths,)``, or ``(paths, use_pil)`` when only some files
    need Pillow; ``decode_one(*file)`` is a graph function that gives one
    image at ``image_size``: ``uint8`` when every file has that size already
    (no resize op is built; ``ensure_shape`` still refuses a file changed
    since loading), else ``float32`` 0..255; ``spec`` is its ``TensorSpec``.
    """
    import tensorflow as tf

    size, method, channels = ds.image_size, ds.resize, ds.channels
    use_pil = [not info.tf_decodable for info in ds._infos]
    formats = {info.format for info in ds._infos}
    fmt = next(iter(formats)) if len(formats) == 1 else None
    same_size = all((info.height, info.width) == size for info in ds._infos)
    routed = any(use_pil) and not all(use_pil)
    everyone = any(use_pil)  # the route when it is the same for every file

    def decode_one(path, pil=None):
        img = tf_decode(path, everyone if pil is None else pil, channels, fmt)
        if same_size:
            return tf.ensure_shape(img, [*size, channels])
        return tf_resize(img, size, method)

    paths = tf.constant(ds._paths)
    files = (paths, tf.constant(use_pil, tf.bool)) if routed else (paths,)
    spec = tf.TensorSpec([*size, channels], tf.uint8 if same_size else tf.float32)
    return files, decode_one, spec


def file_batches(ds, batch_size, shuffle, seed, finish, report):
    """Batches ``(finish(float32 images), int32 labels)`` of the files of *ds*.

    Args:
        ds: an image dataset made from files.
        batch_size, shuffle, seed: as ``to_tf_dataset``.
        finish: graph function applied to each float32 batch (normalisation).
        report: Python function ``(indices, ok) -> ok`` called with the
            positions of a batch's files and whether each decoded.
    """
    import tensorflow as tf

    files, decode_one, spec = file_decoder(ds)
    index = tf.range(len(ds._paths), dtype=tf.int64)
    labels = tf.constant(ds._labels.astype(np.int32))
    data = tf.data.Dataset.from_tensor_slices((index, files, labels))
    if shuffle:
        data = data.shuffle(len(ds._paths), seed=seed, reshuffle_each_iteration=True)
    data = data.batch(batch_size)

    def whole(positions, batch_files, batch_labels):
        images = tf.map_fn(lambda f: decode_one(*f), batch_files, fn_output_signature=spec,
                           parallel_iterations=1)
        return finish(tf.cast(images, tf.float32)), batch_labels

    def careful(positions, batch_files, batch_labels):
        blank = tf.zeros(spec.shape, spec.dtype)

        def one(*file):
            good = tf.data.Dataset.from_tensors(file).map(
                lambda *f: (decode_one(*f), True)).ignore_errors()
            return good.concatenate(tf.data.Dataset.from_tensors((blank, False))).take(1)

        def readable(images, ok):
            keep = tf.numpy_function(report, [positions, ok], tf.bool, stateful=True)
            keep.set_shape(ok.shape)
            return (finish(tf.cast(tf.boolean_mask(images, keep), tf.float32)),
                    tf.boolean_mask(batch_labels, keep))

        return (tf.data.Dataset.from_tensor_slices(batch_files).flat_map(one)
                .batch(batch_size).map(readable).filter(lambda x, y: tf.size(y) > 0))

    def batch_dataset(*batch):
        fast = tf.data.Dataset.from_tensors(batch).map(whole).ignore_errors()
        return fast.concatenate(careful(*batch)).take(1)  # careful only when fast failed

    return data.interleave(batch_dataset, cycle_length=PARALLEL_BATCHES,
                           num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def tf_decode(path, use_pil, channels: int, fmt: str | None = None):
    """Graph-mode decode of one file to ``uint8`` ``H×W×channels`` (TensorFlow or Pillow).

    *use_pil* is a bool tensor that routes each file, or a Python bool when
    every file goes the same way (no routing op is then built). *fmt*
    (``"PNG"`` or ``"JPEG"``) names the format when every file has it, so
    that its own decoder runs without sniffing the bytes.
    """
    import tensorflow as tf

    def with_tf():
        data = tf.io.read_file(path)
        if fmt == "PNG":
            img = tf.io.decode_png(data, channels=3)
        elif fmt == "JPEG":
            img = tf.io.decode_jpeg(data, channels=3)
        else:
            img = tf.io.decode_image(data, channels=3, expand_animations=False)
        if channels == 1:
            img = tf.cast(tf.round(tf.image.rgb_to_grayscale(tf.cast(img, tf.float32))),
                          tf.uint8)
        return img

    def with_pil():
        img = tf.numpy_function(_decode.pil_decode, [path, channels], tf.uint8, stateful=False)
        return tf.reshape(img, [tf.shape(img)[0], tf.shape(img)[1], channels])

    if isinstance(use_pil, bool):
        img = with_pil() if use_pil else with_tf()
    else:
        img = tf.cond(use_pil, with_pil, with_tf)
    img.set_shape([None, None, channels])
    return img


def tf_resize(img, size, method: str):
    """Resize one ``H×W×C`` image to *size* as ``"stretch"``, ``"pad"`` or ``"crop"`` (float32).

    An image that already has the size is only converted; antialiasing is
    used only where the image shrinks.
    """
    import tensorflow as tf

    img = tf.cast(img, tf.float32)
    height, width = size
    shape = tf.shape(img)[:2]
    same = tf.reduce_all(tf.equal(shape, [height, width]))
    out = tf.cond(same, lambda: img, lambda: _resized(img, shape, size, method))
    out.set_shape([height, width, img.shape[-1]])
    return tf.clip_by_value(out, 0.0, 255.0)


def _resized(img, shape, size, method):
    import tensorflow as tf

    height, width = size
    if method == "stretch":
        new = tf.constant([height, width])
    elif method == "pad":  # the largest size that fits, then black borders
        factor = tf.reduce_max(tf.cast(shape, tf.float32) / [height, width])
        new = tf.cast(tf.cast(shape, tf.float32) / factor, tf.int32)
    else:  # crop: cover the target, then cut the centre
        factor = tf.maximum(height / tf.cast(shape[0], tf.float32),
                            width / tf.cast(shape[1], tf.float32))
        new = tf.cast(tf.math.ceil(tf.cast(shape, tf.float32) * factor), tf.int32)
        new = tf.maximum(new, [height, width])
    shrinks = tf.reduce_any(new < shape)

    def resize(antialias):
        if method == "stretch":
            return tf.image.resize(img, size, antialias=antialias)
        if method == "pad":
            return tf.image.resize_with_pad(img, height, width, antialias=antialias)
        return tf.image.resize_with_crop_or_pad(tf.image.resize(img, new, antialias=antialias),
                                                height, width)

    return tf.cond(shrinks, lambda: resize(True), lambda: resize(False))
