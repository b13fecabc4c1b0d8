"""Image files into a ``tf.data`` pipeline, damaged files reported instead of silently dropped.

The files are cut into batches; several batches are decoded at once, each by
one graph function that decodes all its files (no ``tf.data`` element per
file: about a fifth less CPU than a map per file). Each file carries its
position in the dataset. A batch that fails is decoded again one file at a
time, and a file that cannot be decoded (damaged image data past a
whole-looking header, or a file changed since loading) is left out with its
label. Each batch compares, in the graph, how many files went in and how
many images came out; only a batch that lost some calls Python, to note the
positions missing. As the last batch of a pass comes out, one Python
callback records those files (the dataset's ``skipped`` and one warning) and
leaves them out of the dataset. Nothing is dropped without being named, and
a pass without damaged files enters Python only for that callback.
"""

from __future__ import annotations

import functools
import os

import numpy as np

from . import _decode

# Batches decoded at once: twice the cores, so that the
# cores stay busy while a thread waits to read a file or for a core of a
# shared machine.
PARALLEL_BATCHES = max(4, min(8, 2 * (os.cpu_count() or 2)))
# Files of one batch decoded at once by its graph function.
FILES_AT_ONCE = 8


def file_decoder(ds):
    """``(files, decode_one, decode_all, spec)`` for the files of the image dataset *ds*.

    ``files`` is ``(paths,)``, or ``(paths, use_pil)`` when only some files
    need Pillow; ``decode_one(*file)`` is a graph function that gives one
    image at ``image_size``: ``uint8`` when every file has that size already
    (no resize op is built; ``ensure_shape`` still refuses a file changed
    since loading), else ``float32`` 0..255; ``spec`` is its ``TensorSpec``.
    ``decode_all(*files)`` decodes a batch of files; one damaged file fails it.
    """
    import tensorflow as tf

    use_pil = [not info.tf_decodable for info in ds._infos]
    formats = {info.format for info in ds._infos}
    same_size = all((info.height, info.width) == ds.image_size for info in ds._infos)
    routed = any(use_pil) and not all(use_pil)
    route = "routed" if routed else ("pil" if any(use_pil) else "tf")
    decode_one, decode_all, spec = _decoders(
        tuple(ds.image_size), ds.channels, ds.resize, next(iter(formats)) if len(formats) == 1
        else None, same_size, route)
    paths = tf.constant(ds._paths)
    files = (paths, tf.constant(use_pil, tf.bool)) if routed else (paths,)
    return files, decode_one, decode_all, spec


@functools.lru_cache(maxsize=32)
def _decoders(size, channels, method, fmt, same_size, route):
    """The graph functions of :func:`file_decoder`, traced once per kind of dataset.

    A pipeline then only calls them, so building one takes less time.
    """
    import tensorflow as tf

    def one(path, pil=None):
        img = tf_decode(path, route == "pil" if pil is None else pil, channels, fmt)
        if same_size:
            return tf.ensure_shape(img, [*size, channels])
        return tf_resize(img, size, method)

    spec = tf.TensorSpec([*size, channels], tf.uint8 if same_size else tf.float32)
    kinds = (tf.string, tf.bool) if route == "routed" else (tf.string,)
    decode_one = tf.function(one, input_signature=[tf.TensorSpec([], k) for k in kinds],
                             autograph=False)

    def all_at_once(*files):
        return tf.map_fn(lambda f: one(*f), files, fn_output_signature=spec,
                         parallel_iterations=FILES_AT_ONCE)

    decode_all = tf.function(all_at_once, input_signature=[tf.TensorSpec([None], k)
                                                           for k in kinds], autograph=False)
    return decode_one, decode_all, spec


def file_batches(ds, batch_size, shuffle, seed, finish, report):
    """Batches ``(finish(images), int32 labels)`` of the files of *ds*.

    Args:
        ds: an image dataset made from files.
        batch_size, shuffle, seed: as ``to_tf_dataset``.
        finish: graph function from a batch of 0..255 images (uint8, or float32
            when resized) to the float32 batch given out (normalisation).
        report: a Python function ``report(positions, decoded, ends)``, called
            for a batch whose files did not all decode (with the positions of
            its files and of those that did) and for the last batch of each
            pass as it comes out (``ends`` true). Other batches do not call it:
            Python is not entered on the way.
    """
    import tensorflow as tf

    files, decode_one, decode_all, spec = file_decoder(ds)
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
        """One batch: ``(images, labels, positions of its files, positions decoded)``."""
        whole = (tf.data.Dataset.from_tensors((batch_files, batch_labels, positions))
                 .map(lambda f, y, i: (finish(decode_all(*f)), y, i, i))
                 .ignore_errors())
        # Only when the batch failed: its files one by one, the damaged ones left out.
        one_by_one = (tf.data.Dataset.from_tensor_slices((positions, batch_files, batch_labels))
                      .map(lambda i, f, y: (decode_one(*f), y, i))
                      .ignore_errors()
                      .batch(batch_size)
                      .concatenate(none)  # a batch whose every file failed comes as empty
                      .map(lambda x, y, i: (finish(x), y, positions, i)))
        return whole.concatenate(one_by_one).take(1)

    data = data.batch(batch_size).interleave(
        decode_batch, cycle_length=PARALLEL_BATCHES, num_parallel_calls=PARALLEL_BATCHES,
        deterministic=True)
    last = -(-len(ds._paths) // batch_size) - 1

    @tf.autograph.experimental.do_not_convert
    def checked(count, batch):
        images, y, positions, decoded = batch
        ends = tf.equal(count, last)
        lost = tf.not_equal(tf.size(decoded), tf.size(positions))
        noted = tf.cond(tf.logical_or(lost, ends), lambda: tf.numpy_function(
            report, [positions, decoded, ends], tf.bool, stateful=True), lambda: ends)
        with tf.control_dependencies([noted]):
            return tf.identity(images), tf.identity(y)

    # One map, in order, after interleave: each batch is checked as it comes out, and when
    # the last one does, every batch before it has been checked, so the pass ends there,
    # even when its reader stops at that batch.
    return data.enumerate().map(checked).filter(lambda images, y: tf.size(y) > 0)


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
