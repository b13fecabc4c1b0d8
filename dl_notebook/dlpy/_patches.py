"""DLPy's image processing of an ``ImageTable``: resize, crop and patches.

SAS's image actions make new tables; here each method makes a new core
:class:`~dl_notebook.data.ImageDataset` (crops and patches are held in
memory) and puts it in the table, or in a copy with ``inplace=False``.
"""

from __future__ import annotations

import numpy as np

from ..data import ImageDataset
from ..errors import InvalidArgumentError

__all__ = ["ImageProcessing"]

_DEFAULT_PATCH = 224  # DLPy's size when neither width nor height is given


def _size(width, height):
    """DLPy's size rule: 224 when neither is given, else the missing one equals the other."""
    if width is None and height is None:
        width = _DEFAULT_PATCH
    width = height if width is None else width
    height = width if height is None else height
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise InvalidArgumentError(f"{name} must be a positive integer; got {value!r}.")
    return int(width), int(height)


def _corner(x, y):
    for name, value in (("x", x), ("y", y)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise InvalidArgumentError(f"{name} must be a non-negative integer; got {value!r}.")
    return int(x), int(y)


class ImageProcessing:
    """The image-processing methods of :class:`~dl_notebook.dlpy.images.ImageTable`.

    A mixin: the table gives ``dataset`` (its ImageDataset) and
    ``_replace(dataset, inplace, patch)`` (the table changed or a copy).
    """

    def resize(self, width=None, height=None, inplace=True):
        """Resize every image to *width* × *height* (DLPy ``resize``; 224 when neither is given).

        Args:
            width, height: the new size in pixels; a missing one equals the other.
            inplace: change this table (True) or return a resized copy.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import ImageDataset
            >>> from dl_notebook.dlpy.images import ImageTable
            >>> tbl = ImageTable(ImageDataset.from_arrays(np.zeros((2, 8, 8)), [0, 1]))
            >>> tbl.resize(width=6, height=4, inplace=False).image_size
            (4, 6)
        """
        width, height = _size(width, height)
        ds = self.dataset.subset(np.arange(len(self)))
        ds.image_size = (height, width)  # the pipeline resizes to it as images are decoded
        return self._replace(ds, inplace)

    def _pixels(self):
        """The images as the table holds them: uint8 ``N×H×W×C`` (held in memory)."""
        x, _ = self.dataset.to_numpy(normalized=False)
        return np.rint(x).astype(np.uint8)

    def _from_pixels(self, x, labels, size=None):
        ds = self.dataset
        return ImageDataset.from_arrays(x, labels, class_names=ds.class_names, image_size=size,
                                        color_mode=ds.color_mode, normalize=ds.normalize)

    def crop(self, x=0, y=0, width=None, height=None, inplace=True):
        """Cut the box at column *x*, row *y* of *width* × *height* from every image (DLPy ``crop``).

        The cropped images are held in memory.

        Args:
            x, y: the top-left corner of the box.
            width, height: the box size (224 when neither is given; a missing
                one equals the other).
            inplace: change this table (True) or return a cropped copy.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import ImageDataset
            >>> from dl_notebook.dlpy.images import ImageTable
            >>> tbl = ImageTable(ImageDataset.from_arrays(np.zeros((2, 8, 8)), [0, 1]))
            >>> tbl.crop(x=2, y=1, width=5, height=3, inplace=False).image_size
            (3, 5)
        """
        x, y = _corner(x, y)
        width, height = _size(width, height)
        h, w = self.dataset.image_size
        if x + width > w or y + height > h:
            raise InvalidArgumentError(
                f"The box {width}x{height} at x={x}, y={y} does not fit in images of {w}x{h}; "
                "choose a smaller box or corner."
            )
        pixels = self._pixels()[:, y:y + height, x:x + width]
        return self._replace(self._from_pixels(pixels, self.dataset.labels), inplace)

    def _patches(self, x, y, width, height, step_size, output_width, output_height):
        x, y = _corner(x, y)
        width, height = _size(width, height)
        step = width if step_size is None else step_size
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 1:
            raise InvalidArgumentError(f"step_size must be a positive integer; got {step!r}.")
        out_w, out_h = _size(output_width or width, output_height or height)
        h, w = self.dataset.image_size
        rows = range(y, h - height + 1, int(step))
        cols = range(x, w - width + 1, int(step))
        corners = [(r, c) for r in rows for c in cols]
        if not corners:
            raise InvalidArgumentError(
                f"No {width}x{height} patch starting at x={x}, y={y} fits in images of "
                f"{w}x{h}; choose smaller patches."
            )
        pixels = self._pixels()
        patches = np.stack([pixels[:, r:r + height, c:c + width] for r, c in corners], axis=1)
        labels = np.repeat(self.dataset.labels, len(corners))
        return patches.reshape(-1, height, width, pixels.shape[-1]), labels, (out_h, out_w)

    def as_patches(self, x=0, y=0, width=None, height=None, step_size=None, output_width=None,
                   output_height=None, inplace=True):
        """Replace each image by the patches of a window swept over it (DLPy ``as_patches``).

        The window of *width* × *height* starts at (*x*, *y*) and moves by
        *step_size* pixels right, then down, while it fits; each patch keeps
        its image's label and is resized to *output_width* ×
        *output_height*. Patches are held in memory, image by image in order.

        Args:
            x, y: the first window's top-left corner.
            width, height: the window (224 when neither is given).
            step_size: the window's step (default: *width*).
            output_width, output_height: the patches' size (default: the window's).
            inplace: change this table (True) or return a new one.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import ImageDataset
            >>> from dl_notebook.dlpy.images import ImageTable
            >>> tbl = ImageTable(ImageDataset.from_arrays(np.zeros((2, 8, 8)), [0, 1]))
            >>> out = tbl.as_patches(width=4, inplace=False)
            >>> len(out), out.image_size, out.labels.tolist()[:5]
            (8, (4, 4), [0, 0, 0, 0, 1])
        """
        patches, labels, size = self._patches(x, y, width, height, step_size, output_width,
                                              output_height)
        return self._replace(self._from_pixels(patches, labels, size), inplace, patch=True)

    def as_random_patches(self, random_ratio=0.5, x=0, y=0, width=None, height=None,
                          step_size=None, output_width=None, output_height=None, inplace=True,
                          seed=None):
        """Like :meth:`as_patches`, keeping each patch with probability *random_ratio* (DLPy ``as_random_patches``).

        Args:
            random_ratio: the share of patches kept, in (0, 1].
            x, y, width, height, step_size, output_width, output_height,
                inplace: as :meth:`as_patches`.
            seed: the random seed (the same seed keeps the same patches).

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import ImageDataset
            >>> from dl_notebook.dlpy.images import ImageTable
            >>> tbl = ImageTable(ImageDataset.from_arrays(np.zeros((4, 8, 8)), [0, 1] * 2))
            >>> len(tbl.as_random_patches(1.0, width=4, inplace=False, seed=0))
            16
        """
        if isinstance(random_ratio, bool) or not isinstance(random_ratio, (int, float)) \
                or not 0 < random_ratio <= 1:
            raise InvalidArgumentError(
                f"random_ratio must lie in (0, 1]; got {random_ratio!r}."
            )
        patches, labels, size = self._patches(x, y, width, height, step_size, output_width,
                                              output_height)
        keep = np.random.default_rng(seed).random(len(patches)) < random_ratio
        if not keep.any():
            keep[np.random.default_rng(seed).integers(len(patches))] = True
        if len(np.unique(labels[keep])) < 2:
            raise InvalidArgumentError(
                "The patches kept hold only one label; raise random_ratio or use more images."
            )
        return self._replace(self._from_pixels(patches[keep], labels[keep], size), inplace,
                             patch=True)
