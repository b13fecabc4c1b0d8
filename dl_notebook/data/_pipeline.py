"""The ``tf.data`` pipeline behind ``ImageDataset.to_tf_dataset``.

Normalisation and augmentation are checked here, when the dataset or the
pipeline is made, so that a wrong option fails at once with a clear message.
"""

from __future__ import annotations

import functools
import os

import numpy as np

from .._keras import keras
from ..errors import InvalidArgumentError
from . import _decode, _files
from ._base import ready
from ._unreadable import diagnose, placeholder

NORMALIZE_MODES = ("minmax", "unit", None)
AUGMENT_KEYS = ("flip", "rotation", "zoom", "crop", "brightness", "contrast")
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


@functools.lru_cache(maxsize=32)
def _finisher(normalize, alpha, beta, offsets, scale, *, fuse):
    """The last step of a batch, as a graph function traced once per setting.

    With *fuse*, the dataset's normalisation (:func:`normalize_batch`); else
    only the conversion to float32.
    """
    import tensorflow as tf

    def finish(x):
        if not fuse:
            return tf.cast(x, tf.float32)
        return normalize_batch(x, normalize, alpha, beta,
                               *(None if a is None else np.asarray(a, np.float32)
                                 for a in (offsets, scale)))

    return tf.function(finish, autograph=False)


def normalize_batch(images, normalize, alpha, beta, offsets, scale):
    """Apply the dataset's normalisation to a batch of 0..255 pixel values (float32 or uint8).

    Returns float32. A uint8 batch is converted once, with the min-max
    stretch folded into one multiply-add (its extremes are found on the
    bytes, a quarter of the memory to read).
    """
    import tensorflow as tf

    if normalize == "minmax":  # per image, like OpenCV / SAS NORM_MINMAX
        low = tf.cast(tf.reduce_min(images, axis=[-3, -2, -1], keepdims=True), tf.float32)
        high = tf.cast(tf.reduce_max(images, axis=[-3, -2, -1], keepdims=True), tf.float32)
        # one factor per image (0 for a constant image, which maps to alpha)
        factor = tf.math.divide_no_nan(tf.constant(beta - alpha, tf.float32), high - low)
        if images.dtype == tf.uint8:
            images = tf.cast(images, tf.float32) * factor + (alpha - low * factor)
        else:
            images = (images - low) * factor
            if alpha:
                images = images + alpha
    else:
        images = tf.cast(images, tf.float32)
        if normalize == "unit":
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

    def _decode_file(self, i):
        """Image *i* decoded by Pillow, or None (recorded in ``skipped``) when it cannot be."""
        path = self._paths[i]
        if path in self._unreadable:
            return None
        try:
            return _decode.pil_decode(path, self.channels, self._max_pixels)
        except Exception:  # noqa: BLE001 - any failure: the file is recorded, not raised
            info = self._infos[i] if self._infos is not None else None
            expected = None if info is None else (info.height, info.width)
            self._unreadable.add([(path, diagnose(path, expected, self._max_pixels))])
            return None

    def _raw_image(self, i):
        """Image *i* as uint8 ``H×W×C`` at its source size and in the dataset's colour mode.

        A file that cannot be decoded gives a placeholder (see :func:`placeholder`).
        """
        if self._arrays is None:
            img = self._decode_file(i)
            return placeholder(*self.image_size, self.channels) if img is None else img
        img = np.clip(np.asarray(self._arrays[i], dtype=np.float64), 0, 255)
        img = np.rint(img).astype(np.uint8)
        if img.shape[-1] == 4:
            img = img[..., :3]
        if self.channels == 1 and img.shape[-1] == 3:
            img = np.rint(img @ np.array([0.299, 0.587, 0.114]))[..., None].astype(np.uint8)
        elif self.channels == 3 and img.shape[-1] == 1:
            img = np.repeat(img, 3, axis=-1)
        return img

    def _forget_unreadable(self, paths=None):
        """Leave out the files in *paths* (default: every file known to be unreadable)."""
        paths = self._unreadable.paths() if paths is None else set(paths)
        if self._arrays is not None or not paths:
            return
        with self._unreadable.prune_lock:
            keep = [i for i, p in enumerate(self._paths) if p not in paths]
            if len(keep) == len(self._paths):
                return
            self._infos = [self._infos[i] for i in keep]
            self._labels = self._labels[keep]
            self._paths = [self._paths[i] for i in keep]

    def _reporter(self):
        """The ``report`` callback of :func:`_files.file_batches` for the files now.

        It notes the positions of a batch that did not come through; at the
        end of a pass it records those files, names them in one warning and
        leaves them out of the dataset.
        """
        paths, infos, budget = list(self._paths), list(self._infos), self._max_pixels
        lost = set()

        def report(positions, decoded, ends):
            lost.update(np.setdiff1d(positions, decoded).tolist())
            if not ends:
                return np.bool_(False)
            found = [(paths[i], diagnose(paths[i], (infos[i].height, infos[i].width), budget))
                     for i in sorted(lost)]
            lost.clear()  # the next pass (an epoch) starts afresh
            if found:
                self._unreadable.add(found)
                self._forget_unreadable(p for p, _ in found)
            return np.bool_(True)

        return report

    def _decoded(self):
        """A ``tf.data.Dataset`` of in-memory images and the function that resizes one."""
        import tensorflow as tf

        size, method, channels = self.image_size, self.resize, self.channels
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
            return _files.tf_resize(img, size, method), y

        return ds, convert

    def to_tf_dataset(self, batch_size=32, shuffle=False, augment=None, seed=None, cache=None,
                      *, normalized=True):
        """A batched ``tf.data.Dataset`` of ``(images float32 N×H×W×C, labels int32)``.

        Files are decoded in parallel, a batch at a time. A file that passed
        the header check but cannot be decoded (damaged image data) is left
        out with its label, added to ``skipped`` with its reason and named in
        one warning; the dataset then no longer counts it (``len``,
        ``labels`` and ``paths`` stay aligned with the images).

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
        finish = _finisher(*args[:3], *(None if a is None else tuple(a.tolist())
                                         for a in args[3:]), fuse=fuse)

        files = self._arrays is None
        caching = cache is not None and cache is not False
        if files:
            self._forget_unreadable()
        if files and not caching:
            ds = _files.file_batches(self, batch_size, shuffle, seed, finish, self._reporter())
        else:
            if files:  # decoded a batch at a time (damaged files reported), then cached
                to_float = lambda x: tf.cast(x, tf.float32)  # noqa: E731
                ds = _files.file_batches(self, batch_size, False, seed, to_float,
                                         self._reporter()).unbatch()
            else:
                ds, decode = self._decoded()
                if shuffle and not caching:  # shuffle the small slices, before resizing
                    ds = ds.shuffle(len(self), seed=seed, reshuffle_each_iteration=True)
                ds = ds.map(decode, num_parallel_calls=autotune, deterministic=True)
            if caching:
                ds = ds.cache() if cache is True else ds.cache(os.fspath(cache))
            if shuffle and (files or caching):
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
        return ready(ds)

    def to_numpy(self, *, normalized=True):
        """All images and labels as numpy arrays ``(x float32 N×H×W×C, y int32)``.

        Row ``i`` is image ``i`` of the dataset: a file found unreadable on
        the way is left out of the dataset too (see :meth:`to_tf_dataset`),
        so ``len(x) == len(self)`` and ``y`` equals ``self.labels``.

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
