"""SegmentationDataset: images with a mask of class ids per pixel.

A mask gives each pixel its class: 0 is the background, ``i`` is
``class_names[i]`` (as ``dn.datasets.shapes(kind="segment")`` writes them).
Images are resized bilinearly, masks with the nearest pixel, so a resized
mask holds only class ids; flips move the masks with the images.
"""

from __future__ import annotations

import numpy as np

from .._display import FigureDisplay
from ..errors import InvalidArgumentError
from . import _decode
from ._base import Dataset, check_batch_size, check_class_folder, ready
from ._masks import (
    check_augment,
    check_palette,
    class_names_for,
    flip_batches,
    mask_labels,
    pair_files,
    read_mask,
)
from ._unreadable import Unreadable, diagnose

__all__ = ["SegmentationDataset"]

_CHANNELS = {"rgb": 3, "grayscale": 1}


class SegmentationDataset(Dataset):
    """Images and their per-pixel class masks, fed to a network as ``(images, masks)``.

    Make one with :meth:`from_folders` (an image folder and a mask folder,
    paired by file name) or :meth:`from_arrays`. ``class_names[0]`` is the
    background. ``labels`` gives each image its most frequent non-background
    class (0 for none), so ``dn.two_way_split`` can stratify.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.data import SegmentationDataset
        >>> masks = np.zeros((4, 8, 8), np.uint8); masks[:, 2:5, 2:5] = [[[1]], [[2]], [[1]], [[2]]]
        >>> ds = SegmentationDataset.from_arrays(np.zeros((4, 8, 8, 3)), masks,
        ...                                      class_names=("background", "dot", "blob"))
        >>> len(ds), ds.labels.tolist(), ds.input_shape
        (4, [1, 2, 1, 2], (8, 8, 3))
    """

    task = "segmentation"
    item = "image"

    def __init__(self, *, class_names, image_size, labels, images=None, masks=None, paths=None,
                 mask_paths=None, palette=None, color_mode="rgb", skipped=None,
                 unreadable=None):
        if color_mode not in _CHANNELS:
            raise InvalidArgumentError(
                f"color_mode must be 'rgb' or 'grayscale'; got {color_mode!r}."
            )
        from .images import _check_size

        self.class_names = list(class_names)
        self.image_size = _check_size(image_size)
        self.color_mode, self.channels = color_mode, _CHANNELS[color_mode]
        self._labels = np.asarray(labels, np.int64)
        self._images, self._masks = images, masks
        self._paths = None if paths is None else list(paths)
        self._mask_paths = None if mask_paths is None else list(mask_paths)
        self._palette = palette
        self._load_skipped = list(skipped or [])
        self._unreadable = unreadable if unreadable is not None else Unreadable()

    # ----------------------------------------------------------------- constructors
    @classmethod
    def from_arrays(cls, images, masks, class_names=None, image_size=None):
        """A dataset from in-memory images ``(N, H, W[, C])`` 0..255 and masks ``(N, H, W)``.

        Args:
            images: pixel values 0..255, ``C`` = 1 or 3.
            masks: integer class ids per pixel, 0 the background.
            class_names: one name per class id, the background first
                (default ``background, class1, …`` up to the largest id).
            image_size: ``(height, width)`` to resize to; None keeps the size.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import SegmentationDataset
            >>> ds = SegmentationDataset.from_arrays(np.zeros((2, 6, 6)), np.ones((2, 6, 6), int))
            >>> ds.class_names, ds.channels
            (['background', 'class1'], 1)
        """
        images, masks = np.asarray(images), np.asarray(masks)
        if images.ndim == 3:
            images = images[..., None]
        if masks.ndim == 4 and masks.shape[-1] == 1:
            masks = masks[..., 0]
        if images.ndim != 4 or images.shape[-1] not in (1, 3):
            raise InvalidArgumentError(
                f"images must have shape (N, H, W) or (N, H, W, C) with C = 1 or 3; got "
                f"{images.shape}."
            )
        if masks.shape != images.shape[:3]:
            raise InvalidArgumentError(
                f"masks must have shape (N, H, W) = {images.shape[:3]}, one class id per pixel "
                f"of each image; got {masks.shape}."
            )
        if masks.size and (masks.dtype.kind not in "iub" or masks.min() < 0):
            raise InvalidArgumentError(
                f"masks must hold class ids 0, 1, 2, … (integers); got {masks.dtype} values "
                f"from {masks.min()} to {masks.max()}."
            )
        top = int(masks.max(initial=0))
        names = class_names_for(class_names, top + 1, "SegmentationDataset.from_arrays")
        if top >= len(names):
            raise InvalidArgumentError(
                f"The masks hold class id {top} but class_names has {len(names)} names "
                f"(ids 0..{len(names) - 1}); add names or fix the masks."
            )
        pixels = np.clip(np.rint(images.astype(np.float32)), 0, 255).astype(np.uint8)
        return cls(class_names=names, image_size=image_size or images.shape[1:3],
                   labels=mask_labels(masks, len(names)), images=pixels,
                   masks=masks.astype(np.int32),
                   color_mode="grayscale" if images.shape[-1] == 1 else "rgb")

    @classmethod
    def from_folders(cls, images, masks, image_size=None, class_names=None, *, palette=None,
                     color_mode="rgb", max_pixels=_decode.DEFAULT_MAX_PIXELS, verbose=True):
        """Load images and masks from two folders, paired by file name without extension.

        A mask is an image of class ids (a grey or palette PNG: pixel value
        = class id), or a colour mask with ``palette`` mapping its colours to
        class ids. An image without a mask, a mask without an image, an
        unreadable file, a mask of another size than its image or with ids
        outside ``class_names`` is left out and listed in ``skipped``.

        Args:
            images: the image folder (searched recursively).
            masks: the mask folder, with the same relative names.
            image_size: ``(height, width)`` of the output; None keeps the
                size when all images share one.
            class_names: one name per class id, the background first
                (default ``background, class1, …`` up to the largest id).
            palette: ``{(r, g, b) or "#rrggbb": class_id}``, or a list of
                colours whose positions are the class ids.
            color_mode: ``"rgb"`` or ``"grayscale"`` images.
            max_pixels: images with more pixels are skipped.
            verbose: print one summary line.

        Example:
            >>> import tempfile
            >>> import dl_notebook as dn
            >>> root = dn.datasets.shapes(tempfile.mkdtemp(), n=4, image_size=16,
            ...                           kind="segment").folder
            >>> ds = dn.SegmentationDataset.from_folders(root / "images", root / "masks")
            Loaded 4 images with masks of 4 classes.
        """
        where = "SegmentationDataset.from_folders"
        palette = check_palette(palette)
        image_root = check_class_folder(images, "images")
        mask_root = check_class_folder(masks, "masks")
        pairs, loaded, skipped = pair_files(image_root, mask_root, palette, max_pixels)
        if not pairs:
            raise InvalidArgumentError(
                f"{where}: no image in {image_root!r} has a readable mask of the same name in "
                f"{mask_root!r}; check the folders."
            )
        top = max(int(m.max(initial=0)) for m in loaded)
        names = class_names_for(class_names, top + 1, where)
        keep = [i for i, m in enumerate(loaded) if int(m.max(initial=0)) < len(names)]
        skipped += [(pairs[i][1], f"mask holds class id {int(loaded[i].max())}, past the "
                     f"{len(names)} class_names") for i in range(len(pairs)) if i not in keep]
        if not keep:
            raise InvalidArgumentError(f"{where}: every mask holds ids past class_names.")
        if image_size is None:
            sizes = {(pairs[i][2].height, pairs[i][2].width) for i in keep}
            if len(sizes) > 1:
                raise InvalidArgumentError(
                    f"{where}: the images have {len(sizes)} different sizes; give "
                    "image_size=(height, width) to resize them."
                )
            image_size = sizes.pop()
        ds = cls(class_names=names, image_size=image_size,
                 labels=mask_labels([loaded[i] for i in keep], len(names)),
                 paths=[pairs[i][0] for i in keep], mask_paths=[pairs[i][1] for i in keep],
                 palette=palette, color_mode=color_mode, skipped=skipped)
        if verbose:
            line = f"Loaded {len(ds):,} images with masks of {len(names)} classes"
            if skipped:
                line += f"; skipped {len(skipped):,} (see .skipped)"
            print(line + ".")
        return ds

    # ----------------------------------------------------------------- basics
    def __repr__(self):
        h, w = self.image_size
        return (f"SegmentationDataset({len(self):,} images, {len(self.class_names)} classes "
                f"with background, {h}x{w}x{self.channels})")

    def __len__(self):
        self._forget_unreadable()  # files found damaged in a pass are no longer counted
        return len(self._labels)

    @property
    def labels(self):
        """Per image its most frequent non-background class id (0 when it has none)."""
        self._forget_unreadable()
        return self._labels.copy()

    @property
    def input_shape(self) -> tuple:
        """Shape of one image as the network sees it: ``(height, width, channels)``."""
        return (*self.image_size, self.channels)

    @property
    def n_classes(self) -> int:
        """Number of classes, the background included (the output channels of a network)."""
        return len(self.class_names)

    @property
    def skipped(self) -> list:
        """``(path, reason)`` of each file left out: at load time, then when decoded."""
        return self._load_skipped + self._unreadable.items()

    @property
    def paths(self):
        """Image file of each item, or None for a dataset made from arrays."""
        return None if self._paths is None else list(self._paths)

    def subset(self, indices):
        """A dataset holding only the images at *indices* (or a boolean mask).

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import SegmentationDataset
            >>> ds = SegmentationDataset.from_arrays(np.zeros((3, 4, 4)), np.eye(4, dtype=int)[None].repeat(3, 0))
            >>> len(ds.subset([0, 2]))
            2
        """
        idx = self._indices(indices)

        def pick(items):
            return None if items is None else [items[i] for i in idx]

        return type(self)(
            class_names=self.class_names, image_size=self.image_size, labels=self._labels[idx],
            images=None if self._images is None else self._images[idx],
            masks=None if self._masks is None else self._masks[idx],
            paths=pick(self._paths), mask_paths=pick(self._mask_paths), palette=self._palette,
            color_mode=self.color_mode, skipped=self._load_skipped,
            unreadable=self._unreadable)

    # ----------------------------------------------------------------- pixels
    def _read_pair(self, image, mask_path):
        """The image (uint8 ``H×W×C``) and mask (int32 ``H×W``) files, or None (recorded)."""
        try:
            img = _decode.pil_decode(image, self.channels)
        except Exception:  # noqa: BLE001 - recorded, not raised
            self._unreadable.add([(image, diagnose(image))])
            return None
        try:
            mask = read_mask(mask_path, self._palette)
            if mask.shape != img.shape[:2] or int(mask.max(initial=0)) >= self.n_classes:
                raise ValueError("the mask no longer fits its image or class_names")
        except Exception as err:  # noqa: BLE001 - recorded, not raised
            self._unreadable.add([(mask_path, f"unreadable mask ({err})")])
            return None
        return img, mask

    def _forget_unreadable(self):
        if self._paths is None or not len(self._unreadable):
            return
        bad = self._unreadable.paths()
        keep = [i for i, (p, m) in enumerate(zip(self._paths, self._mask_paths))
                if p not in bad and m not in bad]
        self._paths = [self._paths[i] for i in keep]
        self._mask_paths = [self._mask_paths[i] for i in keep]
        self._labels = self._labels[keep]

    def _pairs(self):
        """An unbatched ``tf.data.Dataset`` of (uint8 images, int32 masks) at the source size."""
        import tensorflow as tf

        if self._images is not None:
            return tf.data.Dataset.from_tensor_slices((self._images, self._masks))
        channels, files = self.channels, list(zip(self._paths, self._mask_paths))

        def load(i):
            pair = self._read_pair(*files[int(i)])
            if pair is None:
                return (np.zeros((1, 1, channels), np.uint8), np.zeros((1, 1), np.int32),
                        np.bool_(False))
            return pair[0], pair[1], np.bool_(True)

        def read(i):
            img, mask, ok = tf.numpy_function(load, [i], (tf.uint8, tf.int32, tf.bool))
            img.set_shape([None, None, channels])
            mask.set_shape([None, None])
            return img, mask, ok

        def decoded(img, mask, ok):
            return ok

        def pair(img, mask, ok):
            return img, mask

        return (tf.data.Dataset.range(len(files))
                .map(read, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
                .filter(decoded).map(pair))

    def to_tf_dataset(self, batch_size=32, shuffle=False, seed=None, augment=None):
        """A batched ``tf.data.Dataset`` of ``(images float32 0..255 (B, H, W, C), masks int32 (B, H, W))``.

        Args:
            batch_size: images per batch.
            shuffle: shuffle the images (again every epoch).
            seed: seed for shuffling and augmentation.
            augment: ``{"flip": "horizontal" | "vertical" | "both"}`` (the
                mask flips with its image), plus ``brightness`` and
                ``contrast`` fractions that change the image only.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import SegmentationDataset
            >>> ds = SegmentationDataset.from_arrays(np.zeros((3, 8, 8, 3)), np.ones((3, 8, 8), int),
            ...                                      image_size=(4, 4))
            >>> x, m = next(iter(ds.to_tf_dataset(batch_size=2)))
            >>> tuple(x.shape), x.dtype.name, tuple(m.shape), m.dtype.name
            ((2, 4, 4, 3), 'float32', (2, 4, 4), 'int32')
        """
        import tensorflow as tf

        batch_size = check_batch_size(batch_size)
        flips, others = check_augment(augment)
        self._forget_unreadable()
        size = self.image_size

        def resize(img, mask):
            img = tf.image.resize(tf.cast(img, tf.float32), size, antialias=True)
            mask = tf.image.resize(mask[..., None], size, method="nearest")[..., 0]
            return tf.clip_by_value(img, 0.0, 255.0), tf.cast(mask, tf.int32)

        ds = self._pairs()
        if shuffle:
            ds = ds.shuffle(len(self), seed=seed, reshuffle_each_iteration=True)
        ds = ds.map(resize, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        ds = ds.batch(batch_size)
        if flips:
            ds = flip_batches(ds, flips, seed)
        if others:
            from ._pipeline import augmenter

            layers = augmenter(others, size, seed)

            def change(x, m):
                return tf.clip_by_value(layers(x, training=True), 0.0, 255.0), m

            ds = ds.map(change)
        return ready(ds)

    def to_numpy(self):
        """All images and masks as ``(float32 (N, H, W, C) 0..255, int32 (N, H, W))``.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import SegmentationDataset
            >>> x, m = SegmentationDataset.from_arrays(np.zeros((2, 4, 4)), np.ones((2, 4, 4), int)).to_numpy()
            >>> x.shape, m.shape
            ((2, 4, 4, 1), (2, 4, 4))
        """
        xs, ms = [], []
        for x, m in self.to_tf_dataset(batch_size=256):
            xs.append(x.numpy())
            ms.append(m.numpy())
        if not xs:
            return (np.zeros((0, *self.input_shape), np.float32),
                    np.zeros((0, *self.image_size), np.int32))
        return np.concatenate(xs), np.concatenate(ms)

    def show(self, n=8, ncol=4, alpha=0.5):
        """A grid of images with their masks drawn over them, one colour per class.

        Args:
            n: how many images (the first ones).
            ncol: images per row.
            alpha: opacity of the mask colours (the background stays clear).

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import SegmentationDataset
            >>> ds = SegmentationDataset.from_arrays(np.zeros((3, 6, 6)), np.ones((3, 6, 6), int))
            >>> len(ds.show(n=2).ax_)
            2
        """
        from matplotlib import colormaps
        from matplotlib.colors import ListedColormap
        from matplotlib.figure import Figure

        x, masks = self.subset(np.arange(min(n, len(self)))).to_numpy()
        ncol = max(1, min(ncol, len(x)))
        nrow = max(1, -(-len(x) // ncol))
        colours = colormaps["tab10" if self.n_classes <= 11 else "tab20"].colors
        cmap = ListedColormap([colours[i % len(colours)] for i in range(self.n_classes - 1)])
        fig = Figure(figsize=(2.0 * ncol, 2.2 * nrow))
        axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
        for ax in axes:
            ax.axis("off")
        for ax, img, mask in zip(axes, x, masks):
            ax.imshow(img[..., 0] if img.shape[-1] == 1 else img / 255.0, cmap="gray",
                      vmin=0, vmax=255)
            ax.imshow(np.ma.masked_equal(mask, 0) - 1, cmap=cmap, alpha=alpha,
                      vmin=0, vmax=max(self.n_classes - 2, 1), interpolation="nearest")
            present = [self.class_names[c] for c in np.unique(mask) if c]
            ax.set_title(", ".join(present) or self.class_names[0], fontsize=8)
        fig.tight_layout()
        return FigureDisplay(fig, axes[:len(x)])
