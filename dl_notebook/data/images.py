"""ImageDataset: labelled images from a folder tree, a table or arrays.

The counterpart of SAS ``loadImages`` / ``processImages`` and DLPy's
``ImageTable``. A dataset stores file paths (or arrays) and integer labels;
pixels are decoded, resized and normalised lazily by
:meth:`ImageDataset.to_tf_dataset`.
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import InvalidArgumentError
from . import _decode
from ._base import Dataset, check_class_folder, confine, warn_escaped
from ._inspect import InspectMixin
from ._labels import encode_labels
from ._pipeline import PipelineMixin, check_normalize
from ._unreadable import Unreadable

__all__ = ["ImageDataset"]

_COLOR_MODES = {"rgb": 3, "grayscale": 1}
_RESIZE = ("stretch", "pad", "crop")


def _check_size(image_size, max_pixels=_decode.DEFAULT_MAX_PIXELS):
    if image_size is None:
        return None
    if isinstance(image_size, int) and not isinstance(image_size, bool):
        image_size = (image_size, image_size)
    if (not isinstance(image_size, (tuple, list)) or len(image_size) != 2 or not all(
            isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d > 0
            for d in image_size)):
        raise InvalidArgumentError(
            f"image_size must be (height, width) in pixels, e.g. (32, 32); got {image_size!r}."
        )
    height, width = int(image_size[0]), int(image_size[1])
    if height * width > max_pixels:
        raise InvalidArgumentError(
            f"image_size {height}x{width} is {height * width:,} pixels per image, over the "
            f"budget of max_pixels={max_pixels:,}; choose a smaller size."
        )
    return height, width


def _check_options(options):
    unknown = sorted(set(options) - {"alpha", "beta", "offsets", "scale"})
    if unknown:
        raise InvalidArgumentError(
            f"Unknown option {unknown[0]!r}; the extra options are alpha, beta, offsets and scale."
        )
    return options


class ImageDataset(Dataset, PipelineMixin, InspectMixin):
    """Labelled images, decoded lazily into a ``tf.data`` pipeline.

    Make one with :meth:`from_folder` (one sub-folder per class),
    :meth:`from_csv`, :meth:`from_dataframe` or :meth:`from_arrays`. Files
    that cannot be read are found at load time by a header check and left
    out; ``ds.skipped`` lists them as ``(path, reason)``, with the files whose
    image data turns out damaged when they are decoded (see
    :meth:`to_tf_dataset`). Every image is
    converted to ``color_mode`` (alpha dropped, palettes expanded, 16-bit
    scaled to 0..255, CMYK to RGB), resized to ``image_size`` and then
    normalised: ``"minmax"`` stretches each image to ``alpha..beta``
    (default 0..255, as SAS ``processImages``), ``"unit"`` divides by 255,
    ``None`` keeps 0..255; finally ``(x - offsets) * scale`` per channel
    when given.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.data import ImageDataset
        >>> x = np.zeros((6, 8, 8), dtype=np.uint8)
        >>> ds = ImageDataset.from_arrays(x, ["cat", "dog"] * 3)
        >>> len(ds), ds.class_names, ds.image_size
        (6, ['cat', 'dog'], (8, 8))
    """

    item = "image"

    def __init__(self, *, labels, class_names, image_size, paths=None, arrays=None, infos=None,
                 color_mode="rgb", normalize="minmax", alpha=0.0, beta=255.0, offsets=None,
                 scale=None, resize="stretch", skipped=None,
                 max_pixels=_decode.DEFAULT_MAX_PIXELS, unreadable=None):
        if color_mode not in _COLOR_MODES:
            raise InvalidArgumentError(
                f"color_mode must be 'rgb' or 'grayscale'; got {color_mode!r}."
            )
        if resize not in _RESIZE:
            raise InvalidArgumentError(
                f"resize must be 'stretch', 'pad' or 'crop'; got {resize!r}."
            )
        self.color_mode = color_mode
        self.channels = _COLOR_MODES[color_mode]
        self._offsets, self._scale = check_normalize(normalize, alpha, beta, offsets, scale,
                                                     self.channels)
        self.normalize, self.alpha, self.beta = normalize, float(alpha), float(beta)
        self.resize = resize
        self._max_pixels = int(max_pixels)
        self.image_size = _check_size(image_size, self._max_pixels)
        self._labels = np.asarray(labels, dtype=np.int64)
        self.class_names = list(class_names)
        self._paths = None if paths is None else list(paths)
        self._arrays = arrays
        self._infos = infos
        self._load_skipped = list(skipped or [])
        # files found damaged when decoded: shared with every subset made from this dataset
        self._unreadable = unreadable if unreadable is not None else Unreadable()

    @property
    def skipped(self) -> list:
        """``(path, reason)`` of each file left out: at load time, then when decoded."""
        return self._load_skipped + self._unreadable.items()

    # ----------------------------------------------------------------- constructors
    @classmethod
    def from_folder(cls, path, image_size=None, color_mode="rgb", normalize="minmax",
                    label_level=-1, resize="stretch", *, max_pixels=_decode.DEFAULT_MAX_PIXELS,
                    data_root=None, verbose=True, **options):
        """Load images from a folder tree whose sub-folder names are the class names.

        Files with the extensions ``.jpg .jpeg .png .bmp .gif .tif .tiff
        .webp`` (any letter case) are found recursively; hidden files and
        folders are ignored; links to folders are not followed. Each file's
        header is checked at once; unreadable files are skipped and one
        summary line is printed.

        With ``data_root`` (what the dashboards pass), only files whose real
        path, symbolic links resolved, lies inside that folder are read: a
        link that points outside it is left out, listed in ``skipped`` and
        named in one warning, and ``path`` itself must lie inside it.
        Without it, links to files are followed wherever they point.

        Args:
            path: the root folder.
            image_size: ``(height, width)`` of the output images; None keeps
                the size when all images share one.
            color_mode: ``"rgb"`` or ``"grayscale"``.
            normalize: ``"minmax"``, ``"unit"`` or None (see the class).
            label_level: which folder of a file's path names its class:
                -1 the immediate parent, -2 the one above, ...
            resize: ``"stretch"``, ``"pad"`` (keep aspect, pad with black)
                or ``"crop"`` (keep aspect, cut the centre).
            max_pixels: images with more pixels are skipped (the size is read
                from the header); an ``image_size`` with more is refused.
            data_root: the folder reading is confined to, or None.
            verbose: print the summary line.
            **options: ``alpha``, ``beta``, ``offsets``, ``scale``.

        Example:
            >>> import tempfile, os, numpy as np
            >>> from dl_notebook.data import ImageDataset
            >>> from PIL import Image
            >>> root = tempfile.mkdtemp()
            >>> for cls in ("a", "b"):
            ...     os.makedirs(os.path.join(root, cls))
            ...     for i in range(2):
            ...         Image.new("RGB", (8, 8)).save(os.path.join(root, cls, f"{i}.png"))
            >>> ds = ImageDataset.from_folder(root, image_size=(4, 4))
            Loaded 4 images in 2 classes.
        """
        _check_size(image_size, max_pixels)  # before any file is read
        root = check_class_folder(path, "images")
        inside = None if data_root is None else confine(root, data_root)
        if not isinstance(label_level, int) or label_level >= 0:
            raise InvalidArgumentError(
                f"label_level must be a negative integer (-1: the parent folder); got "
                f"{label_level!r}."
            )
        paths, labels, skipped = [], [], []
        prefix = os.path.join(root, "")  # every path found starts with it
        for file, refused in _decode.walk_confined(root, inside):
            if refused:
                skipped.append((file, refused))
                continue
            parents = file[len(prefix):].split(os.sep)[:-1]
            if len(parents) < -label_level:
                skipped.append((file, "not inside a class folder"))
                continue
            paths.append(file)
            labels.append(parents[label_level])
        if not paths:
            raise InvalidArgumentError(
                f"Folder {root!r} has no images in class sub-folders; put the images of each "
                f"class in a sub-folder named after it ({', '.join(_decode.IMAGE_EXTENSIONS)})."
            )
        escaped = [(p, r) for p, r in skipped if "outside the data root" in r]
        if escaped:
            warn_escaped(escaped, data_root)
        return cls._from_files(paths, labels, None, image_size, color_mode, normalize, resize,
                               max_pixels, verbose, skipped, options, where=root)

    @classmethod
    def from_dataframe(cls, df, path_col, label_col, image_size=None, color_mode="rgb",
                       normalize="minmax", resize="stretch", *, base_dir=None, class_names=None,
                       max_pixels=_decode.DEFAULT_MAX_PIXELS, verbose=True, **options):
        """Load the images listed in a pandas DataFrame (one row per image).

        Args:
            df: the table.
            path_col: column with file paths (relative ones are taken from ``base_dir``).
            label_col: column with class names or integer labels.
            image_size, color_mode, normalize, resize, max_pixels, verbose,
                **options: as :meth:`from_folder`.
            base_dir: folder that relative paths start from (default: the
                current folder).
            class_names: order of the classes (default: sorted labels).

        Example:
            >>> import tempfile, os, pandas as pd
            >>> from dl_notebook.data import ImageDataset
            >>> from PIL import Image
            >>> root = tempfile.mkdtemp()
            >>> for name in ("x.png", "y.png"):
            ...     Image.new("L", (5, 5)).save(os.path.join(root, name))
            >>> df = pd.DataFrame({"file": ["x.png", "y.png"], "label": ["no", "yes"]})
            >>> ds = ImageDataset.from_dataframe(df, "file", "label", base_dir=root)
            Loaded 2 images in 2 classes.
        """
        for col in (path_col, label_col):
            if col not in df.columns:
                raise InvalidArgumentError(
                    f"The table has no column {col!r}; use one of {list(df.columns)}."
                )
        base = os.fspath(base_dir) if base_dir is not None else os.getcwd()
        paths = [str(p) if os.path.isabs(str(p)) else os.path.join(base, str(p))
                 for p in df[path_col]]
        return cls._from_files(paths, list(df[label_col]), class_names, image_size, color_mode,
                               normalize, resize, max_pixels, verbose, [], options,
                               where="the table")

    @classmethod
    def from_csv(cls, path, path_col, label_col, image_size=None, color_mode="rgb",
                 normalize="minmax", resize="stretch", **kwargs):
        """Load the images listed in a CSV file; relative paths start at the CSV's folder.

        Args:
            path: the CSV file.
            path_col, label_col: the columns with file paths and labels.
            image_size, color_mode, normalize, resize, **kwargs: as :meth:`from_dataframe`.

        Example:
            >>> import tempfile, os
            >>> from dl_notebook.data import ImageDataset
            >>> from PIL import Image
            >>> root = tempfile.mkdtemp()
            >>> Image.new("RGB", (6, 6)).save(os.path.join(root, "a.jpg"))
            >>> Image.new("RGB", (6, 6)).save(os.path.join(root, "b.jpg"))
            >>> with open(os.path.join(root, "list.csv"), "w") as f:
            ...     _ = f.write("file,label\\na.jpg,0\\nb.jpg,1\\n")
            >>> len(ImageDataset.from_csv(os.path.join(root, "list.csv"), "file", "label",
            ...                              verbose=False))
            2
        """
        import pandas as pd

        path = os.fspath(path)
        if not os.path.isfile(path):
            raise InvalidArgumentError(f"CSV file {path!r} does not exist; check the path.")
        df = pd.read_csv(path)
        kwargs.setdefault("base_dir", os.path.dirname(os.path.abspath(path)))
        return cls.from_dataframe(df, path_col, label_col, image_size, color_mode, normalize,
                                  resize, **kwargs)

    @classmethod
    def from_arrays(cls, x, y, class_names=None, image_size=None, color_mode=None,
                    normalize="minmax", resize="stretch", **options):
        """Make a dataset from in-memory images.

        Args:
            x: ``N×H×W×C`` (C = 1, 3 or 4) or ``N×H×W`` array of pixel values
                on the 0..255 scale (uint8 or float).
            y: N integer labels or N class names.
            class_names: names of the classes (default: sorted string labels,
                or ``"0"``, ``"1"``, ... for integer labels).
            image_size: resize to ``(height, width)``; None keeps the size.
            color_mode: ``"rgb"`` or ``"grayscale"``; None follows ``x``.
            normalize, resize, **options: as :meth:`from_folder`.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import ImageDataset
            >>> ds = ImageDataset.from_arrays(np.ones((4, 5, 5, 3)), [0, 1, 0, 1])
            >>> ds.class_names, ds.labels.tolist()
            (['0', '1'], [0, 1, 0, 1])
        """
        x = np.asarray(x)
        if x.ndim == 3:
            x = x[..., None]
        if x.ndim != 4 or x.shape[-1] not in (1, 3, 4):
            raise InvalidArgumentError(
                f"x must have shape (N, H, W) or (N, H, W, C) with C = 1, 3 or 4; got {x.shape}."
            )
        y = np.asarray(y).reshape(-1)
        if len(x) != len(y):
            raise InvalidArgumentError(
                f"x has {len(x)} images but y has {len(y)} labels; give one label per image."
            )
        labels, class_names = encode_labels(y, class_names)
        if color_mode is None:
            color_mode = "grayscale" if x.shape[-1] == 1 else "rgb"
        return cls(labels=labels, class_names=class_names,
                   image_size=image_size or x.shape[1:3], arrays=x, color_mode=color_mode,
                   normalize=normalize, resize=resize, **_check_options(options))

    @classmethod
    def _from_files(cls, paths, labels, class_names, image_size, color_mode, normalize,
                    resize, max_pixels, verbose, skipped, options, where):
        _check_options(options)
        if len(paths) != len(labels):
            raise InvalidArgumentError(
                f"Got {len(paths)} paths but {len(labels)} labels; give one label per image."
            )
        checks = _decode.check_files(paths, max_pixels)
        keep = [i for i, (info, _) in enumerate(checks) if info is not None]
        skipped = skipped + [(paths[i], reason) for i, (info, reason) in enumerate(checks)
                             if info is None]
        if not keep:
            raise InvalidArgumentError(
                f"None of the {len(paths)} files in {where} is a readable image; check the "
                "files or the path."
            )
        int_labels, class_names = encode_labels([labels[i] for i in keep], class_names)
        if len(class_names) < 2:
            raise InvalidArgumentError(
                f"Only one class ({class_names[0]!r}) found in {where}; a classifier needs at "
                "least two, one sub-folder (or label) per class."
            )
        infos = [checks[i][0] for i in keep]
        if image_size is None:
            sizes = {(info.height, info.width) for info in infos}
            if len(sizes) > 1:
                raise InvalidArgumentError(
                    f"The images have {len(sizes)} different sizes; give "
                    "image_size=(height, width) to resize them."
                )
            image_size = sizes.pop()
        ds = cls(labels=int_labels, class_names=class_names, image_size=image_size,
                 paths=[paths[i] for i in keep], infos=infos, color_mode=color_mode,
                 normalize=normalize, resize=resize, skipped=skipped, max_pixels=max_pixels,
                 **_check_options(options))
        if verbose:
            print(ds._load_message())
        return ds

    # ----------------------------------------------------------------- basics
    def __repr__(self):
        h, w = self.image_size
        return (f"ImageDataset({len(self):,} images, {len(self.class_names)} classes, "
                f"{h}x{w}x{self.channels}, normalize={self.normalize!r})")

    @property
    def input_shape(self) -> tuple:
        """Shape of one image as the network sees it: ``(height, width, channels)``."""
        return (*self.image_size, self.channels)

    @property
    def paths(self):
        """File path of each image, or None for a dataset made from arrays."""
        return None if self._paths is None else list(self._paths)

    def _settings(self):
        return dict(class_names=self.class_names, image_size=self.image_size,
                    color_mode=self.color_mode, normalize=self.normalize, alpha=self.alpha,
                    beta=self.beta, offsets=self._offsets, scale=self._scale,
                    resize=self.resize, max_pixels=self._max_pixels, unreadable=self._unreadable)

    def subset(self, indices):
        """A dataset of the same kind holding only the images at *indices* (or a boolean mask).

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import ImageDataset
            >>> ds = ImageDataset.from_arrays(np.zeros((4, 3, 3)), [0, 1, 1, 0])
            >>> ds.subset([1, 2]).labels.tolist()
            [1, 1]
        """
        idx = self._indices(indices)
        return type(self)(
            labels=self._labels[idx],
            paths=None if self._paths is None else [self._paths[i] for i in idx],
            arrays=None if self._arrays is None else self._arrays[idx],
            infos=None if self._infos is None else [self._infos[i] for i in idx],
            **self._settings(),
        )
