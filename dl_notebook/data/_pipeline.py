"""The ``tf.data`` pipeline behind ``ImageDataset.to_tf_dataset``.

Normalisation and augmentation are checked here, when the dataset or the
pipeline is made, so that a wrong option fails at once with a clear message.
"""

from __future__ import annotations

import os

import numpy as np

from .._keras import keras
from ..errors import InvalidArgumentError
from . import _decode

NORMALIZE_MODES = ("minmax", "unit", None)
AUGMENT_KEYS = ("flip", "rotation", "zoom", "crop", "brightness", "contrast")
# Batches decoded at once, one per core (each decodes its files one after the
# other: no thread waits on another inside a batch, and each batch in flight
# holds memory, so no more than the cores can use).
_PARALLEL_BATCHES = max(2, min(8, os.cpu_count() or 2))
_PARALLEL_FILES = 1
_FLIPS = {"horizontal": "horizontal", "vertical": "vertical", "both": "horizontal_and_vertical",
          "horizontal_and_vertical": "horizontal_and_vertical"}


def check_normalize(normalize, alpha, beta, offsets, scale, channels):
    """Validate normalisation options; return ``(offsets, scale)`` as float32 arrays or None."""
    if normalize not in NORMALIZE_MODES:
        raise InvalidArgumentError(
            f"normalize must be 'minmax', 'unit' or None; got {normalize!r}."
        )
    if not alpha < beta:
        raise InvalidArgumentError(f"alpha must be smaller than beta; got {alpha} and {beta}.")

    def per_channel(name, value):
        if value is None:
            return None
        arr = np.asarray(value, dtype=np.float32).reshape(-1)
        if arr.size not in (1, channels):
            raise InvalidArgumentError(
                f"{name} needs one value or one per channel ({channels}); got {arr.size}."
            )
        return arr

    return per_channel("offsets", offsets), per_channel("scale", scale)


def normalize_batch(images, normalize, alpha, beta, offsets, scale):
    """Apply the dataset's normalisation to a float32 batch of 0..255 pixel values."""
    import tensorflow as tf

    if normalize == "minmax":  # per image, like OpenCV / SAS NORM_MINMAX
        low = tf.reduce_min(images, axis=[-3, -2, -1], keepdims=True)
        high = tf.reduce_max(images, axis=[-3, -2, -1], keepdims=True)
        # one factor per image (0 for a constant image, which maps to alpha)
        factor = tf.math.divide_no_nan(tf.constant(beta - alpha, images.dtype), high - low)
        images = (images - low) * factor
        if alpha:
            images = images + alpha
    elif normalize == "unit":
        images = images / 255.0
    if offsets is not None:
        images = images - tf.constant(offsets)
    if scale is not None:
        images = images * tf.constant(scale)
    return images


def augmenter(augment, image_size, seed):
    """A ``keras.Sequential`` of random preprocessing layers for *augment*, or None.

    *augment* is a dict such as ``{"flip": "horizontal", "rotation": 0.1}``,
    a list of such keys (each with a moderate default), or True for
    ``["flip", "rotation", "zoom"]``.
    """
    if augment is None or augment is False:
        return None
    defaults = {"flip": "horizontal", "rotation": 0.1, "zoom": 0.1, "crop": 0.1,
                "brightness": 0.2, "contrast": 0.2}
    if augment is True:
        augment = ["flip", "rotation", "zoom"]
    if isinstance(augment, str):
        augment = [augment]
    if isinstance(augment, (list, tuple)):
        augment = {key: defaults.get(key) for key in augment}
    if not isinstance(augment, dict):
        raise InvalidArgumentError(
            "augment must be a dict such as {'flip': 'horizontal', 'rotation': 0.1} or a list "
            f"of names from {list(AUGMENT_KEYS)}; got {type(augment).__name__}."
        )
    unknown = sorted(set(augment) - set(AUGMENT_KEYS))
    if unknown:
        raise InvalidArgumentError(
            f"Unknown augmentation {unknown[0]!r}; use any of {list(AUGMENT_KEYS)}."
        )
    k = keras()
    layers = []
    for i, key in enumerate(AUGMENT_KEYS):
        value = augment.get(key)
        if value is None or value is False or value == 0:
            continue
        layer_seed = None if seed is None else seed + i
        if key == "flip":
            mode = "horizontal" if value is True else _FLIPS.get(value)
            if mode is None:
                raise InvalidArgumentError(
                    f"flip must be 'horizontal', 'vertical' or 'both'; got {value!r}."
                )
            layers.append(k.layers.RandomFlip(mode, seed=layer_seed))
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value < 1:
            raise InvalidArgumentError(
                f"augment[{key!r}] must be a fraction between 0 and 1; got {value!r}."
            )
        if key == "rotation":
            layers.append(k.layers.RandomRotation(value, seed=layer_seed))
        elif key == "zoom":
            layers.append(k.layers.RandomZoom((-value, value), seed=layer_seed))
        elif key == "crop":
            height, width = image_size
            layers.append(k.layers.RandomCrop(max(1, round(height * (1 - value))),
                                              max(1, round(width * (1 - value))),
                                              seed=layer_seed))
            layers.append(k.layers.Resizing(height, width))
        elif key == "brightness":
            layers.append(k.layers.RandomBrightness(value, value_range=(0, 255),
                                                    seed=layer_seed))
        elif key == "contrast":
            layers.append(k.layers.RandomContrast(value, value_range=(0, 255),
                                                  seed=layer_seed))
    return k.Sequential(layers, name="augment") if layers else None


class PipelineMixin:
    """Decoding and the ``tf.data`` pipeline of an image dataset (mixed into ``ImageDataset``)."""

    def _raw_image(self, i):
        """Image *i* as uint8 ``H×W×C`` at its source size and in the dataset's colour mode."""
        if self._arrays is None:
            return _decode.pil_decode(self._paths[i], self.channels)
        img = np.clip(np.asarray(self._arrays[i], dtype=np.float64), 0, 255)
        img = np.rint(img).astype(np.uint8)
        if img.shape[-1] == 4:
            img = img[..., :3]
        if self.channels == 1 and img.shape[-1] == 3:
            img = np.rint(img @ np.array([0.299, 0.587, 0.114]))[..., None].astype(np.uint8)
        elif self.channels == 3 and img.shape[-1] == 1:
            img = np.repeat(img, 3, axis=-1)
        return img

    def _file_decoder(self):
        """``(slices, decode_one)``: the per-file tensors and a graph function of one file's.

        ``slices`` is ``(paths, labels)``, or ``(paths, use_pil, labels)``
        when only some files need Pillow; ``decode_one`` maps a file's
        tensors (without the label) to a float32 0..255 image at ``image_size``.
        """
        import tensorflow as tf

        size, method, channels = self.image_size, self.resize, self.channels
        labels = tf.constant(self._labels.astype(np.int32))
        paths = tf.constant(self._paths)
        use_pil = [not info.tf_decodable for info in self._infos]
        # The headers give every size: when all match, no resize op is built
        # (ensure_shape still rejects a file that changed since loading).
        same_size = all((info.height, info.width) == size for info in self._infos)
        routed = any(use_pil) and not all(use_pil)
        everyone = any(use_pil)  # the route when it is the same for every file

        def decode_one(path, pil=None):
            pil = everyone if pil is None else pil
            img = _decode.tf_decode(path, pil, channels)
            if same_size:
                return tf.cast(tf.ensure_shape(img, [*size, channels]), tf.float32)
            return _decode.tf_resize(img, size, method)

        if routed:
            return (paths, tf.constant(use_pil, tf.bool), labels), decode_one
        return (paths, labels), decode_one

    def _decoded(self):
        """A ``tf.data.Dataset`` of ``(float32 0..255 image at image_size, int32 label)``."""
        import tensorflow as tf

        size, method, channels = self.image_size, self.resize, self.channels
        if self._arrays is None:
            slices, decode_one = self._file_decoder()
            return (tf.data.Dataset.from_tensor_slices(slices),
                    lambda *e: (decode_one(*e[:-1]), e[-1]))
        labels = tf.constant(self._labels.astype(np.int32))
        x = self._arrays.astype(np.float32)
        if x.shape[-1] == 4:
            x = x[..., :3]
        ds = tf.data.Dataset.from_tensor_slices((x, labels))

        def convert(img, y):
            if channels == 1 and img.shape[-1] == 3:
                img = tf.image.rgb_to_grayscale(img)
            elif channels == 3 and img.shape[-1] == 1:
                img = tf.image.grayscale_to_rgb(img)
            return _decode.tf_resize(img, size, method), y

        return ds, convert

    def _file_batches(self, batch_size, shuffle, seed, finish):
        """Batches of decoded files, each batch decoded by one graph function.

        A batch whose decoding fails (a file damaged or changed since
        loading) is decoded again file by file, leaving out the files that
        fail, so that one bad file costs only itself.
        """
        import tensorflow as tf

        slices, decode_one = self._file_decoder()
        ds = tf.data.Dataset.from_tensor_slices(slices)
        if shuffle:
            ds = ds.shuffle(len(self), seed=seed, reshuffle_each_iteration=True)
        ds = ds.batch(batch_size)
        spec = tf.TensorSpec([*self.image_size, self.channels], tf.float32)

        def whole(*batch):
            files, labels = batch[:-1], batch[-1]
            images = tf.map_fn(lambda f: decode_one(*f), files, fn_output_signature=spec,
                               parallel_iterations=_PARALLEL_FILES)
            return finish(images), labels

        def one_by_one(*batch):
            return (tf.data.Dataset.from_tensor_slices(batch)
                    .map(lambda *e: (decode_one(*e[:-1]), e[-1])).ignore_errors()
                    .batch(batch_size).map(lambda x, y: (finish(x), y)))

        def batch_dataset(*batch):
            fast = tf.data.Dataset.from_tensors(batch).map(whole).ignore_errors()
            return fast.concatenate(one_by_one(*batch)).take(1)  # one_by_one only if needed

        return ds.interleave(batch_dataset, cycle_length=_PARALLEL_BATCHES,
                             num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)

    def to_tf_dataset(self, batch_size=32, shuffle=False, augment=None, seed=None, cache=None,
                      *, normalized=True):
        """A batched ``tf.data.Dataset`` of ``(images float32 N×H×W×C, labels int32)``.

        Files are decoded in parallel (``tf.data.AUTOTUNE``); a file that
        still fails to decode is dropped.

        Args:
            batch_size: images per batch.
            shuffle: shuffle the images (again every epoch).
            augment: random changes for training, as a dict, a list of
                names or True (flip, rotation, zoom): ``flip`` ("horizontal",
                "vertical", "both"), ``rotation``, ``zoom``, ``crop``,
                ``brightness``, ``contrast`` (fractions between 0 and 1).
            seed: seed for shuffling and augmentation.
            cache: None, True (keep decoded images in memory) or a file path.
            normalized: False gives the resized 0..255 pixels without normalisation.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import ImageDataset
            >>> ds = ImageDataset.from_arrays(np.zeros((5, 4, 4, 3)), [0, 1, 0, 1, 0])
            >>> x, y = next(iter(ds.to_tf_dataset(batch_size=4)))
            >>> tuple(x.shape), x.dtype.name, y.dtype.name
            ((4, 4, 4, 3), 'float32', 'int32')
        """
        import tensorflow as tf

        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise InvalidArgumentError(f"batch_size must be a positive integer; got {batch_size!r}.")
        aug = augmenter(augment, self.image_size, seed)
        autotune = tf.data.AUTOTUNE
        args = (self.normalize, self.alpha, self.beta, self._offsets, self._scale)
        fuse = normalized and aug is None  # normalise where the batch is made

        def finish(x):
            return normalize_batch(x, *args) if fuse else x

        if self._arrays is None and (cache is None or cache is False):
            ds = self._file_batches(batch_size, shuffle, seed, finish)
        else:
            ds, decode = self._decoded()
            if cache is None or cache is False:
                if shuffle:
                    ds = ds.shuffle(len(self), seed=seed, reshuffle_each_iteration=True)
                ds = ds.map(decode, num_parallel_calls=autotune, deterministic=True)
                ds = ds.ignore_errors()
            else:
                ds = ds.map(decode, num_parallel_calls=autotune, deterministic=True)
                ds = ds.ignore_errors()
                ds = ds.cache() if cache is True else ds.cache(os.fspath(cache))
                if shuffle:
                    ds = ds.shuffle(len(self), seed=seed, reshuffle_each_iteration=True)
            ds = ds.batch(batch_size)
            if fuse:
                ds = ds.map(lambda x, y: (finish(x), y), num_parallel_calls=autotune,
                            deterministic=True)
        if aug is not None:
            ds = ds.map(lambda x, y: (tf.clip_by_value(aug(x, training=True), 0.0, 255.0), y),
                        num_parallel_calls=autotune, deterministic=True)
            if normalized:
                ds = ds.map(lambda x, y: (normalize_batch(x, *args), y),
                            num_parallel_calls=autotune, deterministic=True)
        return ds.prefetch(autotune)

    def to_numpy(self, *, normalized=True):
        """All images and labels as numpy arrays ``(x float32 N×H×W×C, y int32)``.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import ImageDataset
            >>> x, y = ImageDataset.from_arrays(np.zeros((3, 2, 2)), [0, 1, 0]).to_numpy()
            >>> x.shape, y.tolist()
            ((3, 2, 2, 1), [0, 1, 0])
        """
        xs, ys = [], []
        for x, y in self.to_tf_dataset(batch_size=256, normalized=normalized):
            xs.append(x.numpy())
            ys.append(y.numpy())
        h, w = self.image_size
        if not xs:
            return np.zeros((0, h, w, self.channels), np.float32), np.zeros(0, np.int32)
        return np.concatenate(xs), np.concatenate(ys)
