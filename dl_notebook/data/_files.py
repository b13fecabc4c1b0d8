"""Image files into a ``tf.data`` pipeline, damaged files reported instead of silently dropped.

The files are cut into batches; several batches are decoded at once, each by
one thread that decodes its files one after the other with small graph
functions (no thread hand-over per file). Each file carries its position in
the dataset. A file that cannot be decoded (damaged image data past a
whole-looking header, or a file changed since loading) is left out with its
label. Each batch compares, in the graph, how many files went in and how
many images came out; only a batch that lost some calls Python, to note the
positions missing. As the last batch of a pass comes out, one Python
callback records those files (the dataset's ``skipped`` and one warning) and
leaves them out of the dataset. Nothing is dropped without being named, and
a pass without damaged files enters Python only for that callback.
"""

from __future__ import annotations

import os

import numpy as np

from . import _decode

# Batches decoded at once, each by one thread: twice the cores, so that the
# cores stay busy while a thread waits to read a file or for a core of a
# shared machine.
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
    """Batches ``(finish(images), int32 labels)`` of the files of *ds*.

    Args:
        ds: an image dataset made from files.
        batch_size, shuffle, seed: as ``to_tf_dataset``.
        finish: graph function from a batch of 0..255 images (uint8, or float32
            when resized) to the float32 batch given out (normalisation).
        report: ``(missed, end)``, two Python functions. ``missed(positions,
            decoded)`` is called for a batch whose files did not all decode,
            with the positions of its files and of those that did; ``end()``
            is called once each pass, as its last batch comes out. A batch that decodes whole
            calls neither: Python is not entered on the way.
    """
    import tensorflow as tf

    missed, end_of_pass = report
    files, decode_one, spec = file_decoder(ds)
    index = tf.range(len(ds._paths), dtype=tf.int64)
    labels = tf.constant(ds._labels.astype(np.int32))
    data = tf.data.Dataset.from_tensor_slices((index, files, labels))
    if shuffle:
        data = data.shuffle(len(ds._paths), seed=seed, reshuffle_each_iteration=True)
    none = tf.data.Dataset.from_tensors((tf.zeros([0, *spec.shape], spec.dtype),
                                         tf.zeros([0], tf.int32), tf.zeros([0], tf.int64)))

    # Plain graph code throughout: no AutoGraph conversion, so the pipeline is built sooner.
    @tf.autograph.experimental.do_not_convert
    def decode_batch(positions, batch_files, batch_labels):
        def checked(images, y, decoded):
            whole = tf.equal(tf.size(decoded), tf.size(positions))
            noted = tf.cond(whole, lambda: tf.constant(True), lambda: tf.numpy_function(
                missed, [positions, decoded], tf.bool, stateful=True))
            with tf.control_dependencies([noted]):
                return finish(images), tf.identity(y)

        return (tf.data.Dataset.from_tensor_slices((positions, batch_files, batch_labels))
                .map(lambda i, f, y: (decode_one(*f), y, i))
                .ignore_errors()  # a file that fails is missing from its batch: `checked`
                .batch(batch_size)
                .concatenate(none).take(1)  # a batch whose every file failed comes as empty
                .map(checked))

    data = data.batch(batch_size).interleave(
        decode_batch, cycle_length=PARALLEL_BATCHES, num_parallel_calls=PARALLEL_BATCHES,
        deterministic=True)
    last = -(-len(ds._paths) // batch_size) - 1

    @tf.autograph.experimental.do_not_convert
    def end_after_last(count, batch):
        ended = tf.cond(tf.equal(count, last), lambda: tf.numpy_function(
            end_of_pass, [], tf.bool, stateful=True), lambda: tf.constant(False))
        with tf.control_dependencies([ended]):
            return tuple(tf.identity(t) for t in batch)

    # In order, after interleave: when the last batch comes out, every batch before it has
    # been checked, so the pass ends there, even when its reader stops at that batch.
    return (data.enumerate().map(end_after_last)
            .filter(lambda images, y: tf.size(y) > 0))


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
