"""Bundled offline datasets: scikit-learn's handwritten digits and synthetic shapes.

Nothing here downloads. :func:`digits` writes the 1,797 digits that ship
inside scikit-learn as a PNG folder tree; :func:`shapes` draws simple
shapes on noisy backgrounds with their exact ground truth (class, tight
box, per-pixel mask) for classification, localisation, detection and
segmentation.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InvalidArgumentError, MissingDependencyError
from ._shapes import draw_image

__all__ = ["digits", "shapes", "ShapesData"]

# Images per class in sklearn.datasets.load_digits(): lets the fast path
# check a written tree without importing scikit-learn.
_DIGIT_COUNTS = (178, 182, 177, 183, 181, 182, 181, 179, 174, 180)
_DIGIT_FILE = re.compile(r"^\d{4}\.png$")
_SHAPE_FILE = re.compile(r"^\d{5}\.png$")

SHAPE_KINDS = ("classify", "localize", "detect", "segment")
SHAPE_CLASSES = ("circle", "square", "triangle", "plus", "cross", "ellipse", "star")


# -- argument checks ----------------------------------------------------------------------

def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_folder(folder, where):
    if not isinstance(folder, (str, os.PathLike)) or not str(folder):
        raise InvalidArgumentError(
            f"{where}: folder must be a path (a str or pathlib.Path); got {folder!r}."
        )
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise InvalidArgumentError(
            f"{where}: {str(path)!r} is a file; give the path of a folder to write into."
        )
    return path


def _check_size(size, where, name, minimum=1):
    if _is_int(size):
        size = (size, size)
    if (
        not isinstance(size, (tuple, list)) or len(size) != 2
        or not all(_is_int(d) and minimum <= d <= 4096 for d in size)
    ):
        raise InvalidArgumentError(
            f"{where}: {name} must be an integer or a (height, width) pair of integers "
            f"from {minimum} to 4096, e.g. 32 or (32, 48); got {size!r}."
        )
    return int(size[0]), int(size[1])


def _pillow():
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib
        raise MissingDependencyError(
            "Writing PNG files needs Pillow; install it with `pip install pillow`."
        ) from None
    return Image


# -- digits -------------------------------------------------------------------------------

def _digits_complete(path: Path, size) -> bool:
    """True when *path* holds every digit image, written at *size* (h, w)."""
    Image = _pillow()
    for digit, count in enumerate(_DIGIT_COUNTS):
        class_dir = path / str(digit)
        if not class_dir.is_dir():
            return False
        files = sorted(p for p in class_dir.iterdir() if _DIGIT_FILE.match(p.name))
        if len(files) != count:
            return False
        try:
            with Image.open(files[0]) as img:
                if (img.height, img.width) != size or img.mode != "L":
                    return False
        except OSError:
            return False
    return True


def _check_confined(path: Path, data_root, where) -> None:
    """Refuse *path*, or a class folder or file in it, whose real path leaves *data_root*."""
    real_root = Path(data_root).expanduser().resolve()
    targets = [path, *(path / str(d) for d in range(10))]
    if path.is_dir():
        targets += [p for d in range(10) if (path / str(d)).is_dir()
                    for p in (path / str(d)).iterdir()
                    if _DIGIT_FILE.match(p.name) and p.is_symlink()]
    for target in targets:
        if not target.resolve().is_relative_to(real_root):
            raise InvalidArgumentError(
                f"{where}: {str(target)!r} leads outside the data root {str(real_root)!r} "
                "(a symbolic link), so nothing is written; remove the link or pick another "
                "folder."
            )


def digits(folder, size=None, overwrite=False, *, data_root=None) -> Path:
    """Write scikit-learn's handwritten digits as a PNG folder tree and return the folder.

    The 1,797 8×8 images of ``sklearn.datasets.load_digits()`` (values 0..16,
    ten classes) become grayscale PNGs scaled to 0..255, one folder per class:
    ``folder/0/0000.png`` … ``folder/9/1796.png`` (the number is the image's
    index in the dataset). ``size`` upscales them with bilinear interpolation:
    each 8×8 value is the ink count of a 4×4 block of the original 32×32
    scan, so a smooth interpolation is closer to that scan than the square
    blocks nearest-neighbour would give.

    Calling it again is cheap: when the folder already holds the complete set
    at the same size, nothing is rewritten (``overwrite=True`` rewrites it).

    Args:
        folder: folder to write into; created when missing.
        size: output size, an integer or ``(height, width)``; ``None`` keeps 8×8.
        overwrite: rewrite the images even when the folder is complete.
        data_root: a folder that every file written must stay inside once
            symbolic links are resolved (what the dashboards pass); None
            writes wherever *folder* leads.

    Returns:
        The folder, as a :class:`pathlib.Path`.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from dl_notebook.data.datasets import digits
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     root = digits(Path(tmp) / "digits", size=16)
        ...     print(sorted(p.name for p in root.iterdir()))
        ...     print(len(list(root.glob("*/*.png"))))
        ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']
        1797
    """
    path = _check_folder(folder, "digits")
    size = (8, 8) if size is None else _check_size(size, "digits", "size")
    if not isinstance(overwrite, bool):
        raise InvalidArgumentError(
            f"digits: overwrite must be True or False; got {overwrite!r}."
        )
    if data_root is not None:
        _check_confined(path, data_root, "digits")
    if not overwrite and path.is_dir() and _digits_complete(path, size):
        return path
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise MissingDependencyError(
            "digits() needs scikit-learn, which ships the digits; install it with "
            "`pip install scikit-learn`."
        ) from None
    Image = _pillow()
    data = load_digits()
    pixels = np.clip(np.rint(data.images * (255.0 / 16.0)), 0, 255).astype(np.uint8)
    for digit in range(10):
        class_dir = path / str(digit)
        class_dir.mkdir(parents=True, exist_ok=True)
        for old in class_dir.iterdir():
            if _DIGIT_FILE.match(old.name):
                old.unlink()
    for index, (image, target) in enumerate(zip(pixels, data.target)):
        img = Image.fromarray(image)
        if size != (8, 8):
            img = img.resize((size[1], size[0]), Image.Resampling.BILINEAR)
        img.save(path / str(int(target)) / f"{index:04d}.png")
    return path


# -- shapes -------------------------------------------------------------------------------

@dataclass(repr=False)
class ShapesData:
    """Images of simple shapes with their exact ground truth, made by :func:`shapes`.

    Args:
        images: ``(N, H, W, 3)`` uint8 RGB images.
        labels: ``(N,)`` class ids for ``classify``/``localize`` (one shape per
            image); ``None`` for ``detect`` and ``segment``.
        class_names: the class names; class id ``i`` is ``class_names[i]``.
        boxes: per image, a list of ``(class_id, x_min, y_min, x_max, y_max)``
            in pixels, tight around the drawn shape, max exclusive: the shape
            lies in ``image[y_min:y_max, x_min:x_max]``.
        masks: ``(N, H, W)`` uint8 per-pixel classes: 0 is background,
            ``i + 1`` is ``class_names[i]``.
        kind: ``"classify"``, ``"localize"``, ``"detect"`` or ``"segment"``.
        folder: where the data was written, or ``None``.

    Example:
        >>> from dl_notebook.data.datasets import shapes
        >>> data = shapes(n=6, image_size=32, classes=("circle", "star"))
        >>> data
        ShapesData(kind='classify', n=6, image_size=(32, 32), class_names=('circle', 'star'))
        >>> data.images.shape, data.labels.shape, len(data.boxes[0])
        ((6, 32, 32, 3), (6,), 1)
    """

    images: np.ndarray
    labels: np.ndarray | None
    class_names: tuple
    boxes: list = field(default_factory=list)
    masks: np.ndarray | None = None
    kind: str = "classify"
    folder: Path | None = None

    def __len__(self) -> int:
        return len(self.images)

    def __repr__(self) -> str:
        h, w = self.images.shape[1:3]
        where = "" if self.folder is None else f", folder={str(self.folder)!r}"
        return (
            f"ShapesData(kind={self.kind!r}, n={len(self)}, image_size=({h}, {w}), "
            f"class_names={tuple(self.class_names)!r}{where})"
        )

    def to_dataset(self):
        """The data as a dataset: ``ImageDataset`` for ``classify``, ``DetectionDataset``
        for ``localize`` and ``detect``, ``SegmentationDataset`` for ``segment``.

        Example:
            >>> from dl_notebook.data.datasets import shapes
            >>> shapes(n=4, image_size=32, kind="detect").to_dataset()
            DetectionDataset(4 images, 6 boxes, 3 classes, 32x32x3)
        """
        if self.kind == "classify":
            from .images import ImageDataset

            return ImageDataset.from_arrays(self.images, self.labels, list(self.class_names))
        if self.kind == "segment":
            from .segmentation import SegmentationDataset

            return SegmentationDataset.from_arrays(
                self.images, self.masks, class_names=["background", *self.class_names])
        from .detection import DetectionDataset

        return DetectionDataset.from_arrays(
            self.images, [[box[1:] for box in boxes] for boxes in self.boxes],
            [[box[0] for box in boxes] for boxes in self.boxes], list(self.class_names))


def _check_shapes_args(n, image_size, kind, classes, seed, noise, max_objects):
    if not _is_int(n) or n < 1:
        raise InvalidArgumentError(f"shapes: n must be a positive integer; got {n!r}.")
    size = _check_size(image_size, "shapes", "image_size", minimum=16)
    if kind not in SHAPE_KINDS:
        raise InvalidArgumentError(
            f"shapes: kind must be one of {', '.join(map(repr, SHAPE_KINDS))}; got {kind!r}."
        )
    if isinstance(classes, str):
        classes = (classes,)
    if not isinstance(classes, (tuple, list)) or not classes:
        raise InvalidArgumentError(
            f"shapes: classes must be a non-empty list of shape names from "
            f"{', '.join(SHAPE_CLASSES)}; got {classes!r}."
        )
    unknown = [c for c in classes if c not in SHAPE_CLASSES]
    if unknown:
        raise InvalidArgumentError(
            f"shapes: unknown shape class {unknown[0]!r}; choose classes from "
            f"{', '.join(SHAPE_CLASSES)}."
        )
    if len(set(classes)) != len(classes):
        raise InvalidArgumentError(
            f"shapes: classes must not repeat a name; got {tuple(classes)!r}."
        )
    if seed is not None and (not _is_int(seed) or seed < 0):
        raise InvalidArgumentError(
            f"shapes: seed must be a non-negative integer or None; got {seed!r}."
        )
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise <= 1:
        raise InvalidArgumentError(
            f"shapes: noise must be a number from 0 to 1 (standard deviation as a fraction "
            f"of the 0..255 range); got {noise!r}."
        )
    if not _is_int(max_objects) or not 1 <= max_objects <= 50:
        raise InvalidArgumentError(
            f"shapes: max_objects must be an integer from 1 to 50; got {max_objects!r}."
        )
    return size, tuple(classes)


def _write_shapes(path: Path, data: ShapesData):
    Image = _pillow()
    path.mkdir(parents=True, exist_ok=True)
    for sub in path.iterdir():  # files of an earlier call, so none are left over
        if sub.is_dir():
            for old in sub.iterdir():
                if _SHAPE_FILE.match(old.name):
                    old.unlink()
    if (path / "boxes.csv").exists():
        (path / "boxes.csv").unlink()
    if data.kind == "classify":
        for name in data.class_names:
            (path / name).mkdir(exist_ok=True)
        for index, (image, label) in enumerate(zip(data.images, data.labels)):
            Image.fromarray(image).save(path / data.class_names[label] / f"{index:05d}.png")
        return
    (path / "images").mkdir(exist_ok=True)
    if data.kind == "segment":
        (path / "masks").mkdir(exist_ok=True)
    with open(path / "boxes.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "class", "x_min", "y_min", "x_max", "y_max"])
        for index, (image, boxes) in enumerate(zip(data.images, data.boxes)):
            name = f"{index:05d}.png"
            Image.fromarray(image).save(path / "images" / name)
            if data.kind == "segment":
                Image.fromarray(data.masks[index]).save(path / "masks" / name)
            for class_id, *box in boxes:
                writer.writerow([f"images/{name}", data.class_names[class_id], *box])


def shapes(folder=None, n=300, image_size=(64, 64), kind="classify",
           classes=("circle", "square", "triangle"), seed=0, noise=0.08,
           max_objects=3) -> ShapesData:
    """Draw simple shapes on noisy backgrounds, with their exact ground truth.

    Each image has a random plain background colour; each shape a random
    size, position and colour that differs visibly from the background;
    Gaussian noise then covers the whole image. Triangles, stars and
    ellipses are turned by a random angle; squares, plus and cross signs
    stay upright (a cross is a plus turned by 45 degrees).

    ``kind`` decides what each image holds: ``"classify"`` and
    ``"localize"`` one shape (classes balanced, within one, in shuffled
    order), ``"detect"`` and ``"segment"`` 1 to ``max_objects`` shapes that
    never overlap (fewer when no room is left). Every kind fills ``boxes``
    and ``masks``; ``labels`` is set for one-shape kinds only.

    With ``folder``, the data is also written there: for ``classify`` a
    class-folder tree ``folder/<class>/NNNNN.png``; otherwise
    ``folder/images/NNNNN.png`` with ``folder/boxes.csv`` (columns ``file,
    class, x_min, y_min, x_max, y_max``), plus ``folder/masks/NNNNN.png``
    (pixel value = class id + 1) for ``segment``.

    Args:
        folder: folder to write into, or ``None`` to keep the data in memory only.
        n: number of images.
        image_size: an integer or ``(height, width)``, at least 16.
        kind: ``"classify"``, ``"localize"``, ``"detect"`` or ``"segment"``.
        classes: shape names to draw, from ``circle``, ``square``,
            ``triangle``, ``plus``, ``cross``, ``ellipse``, ``star``; class id
            ``i`` is ``classes[i]``.
        seed: seed of the random draw (the same seed gives the same data);
            ``None`` draws fresh data each call.
        noise: standard deviation of the noise, as a fraction of 0..255.
        max_objects: most shapes per image for ``detect`` and ``segment``.

    Returns:
        A :class:`ShapesData`, with ``folder`` set when the data was written.

    Example:
        >>> import tempfile
        >>> from dl_notebook.data.datasets import shapes
        >>> data = shapes(n=4, image_size=48, kind="detect", classes=("star", "plus"))
        >>> data.masks.shape, all(1 <= len(b) <= 3 for b in data.boxes)
        ((4, 48, 48), True)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     written = shapes(tmp, n=4, kind="segment")
        ...     print(sorted(p.name for p in written.folder.iterdir()))
        ['boxes.csv', 'images', 'masks']
    """
    path = None if folder is None else _check_folder(folder, "shapes")
    size, classes = _check_shapes_args(n, image_size, kind, classes, seed, noise, max_objects)
    rng = np.random.default_rng(seed)
    single = kind in ("classify", "localize")
    if single:
        labels = np.arange(n) % len(classes)
        rng.shuffle(labels)
        per_image = [[int(label)] for label in labels]
    else:
        labels = None
        per_image = [
            rng.integers(0, len(classes), rng.integers(1, max_objects + 1)).tolist()
            for _ in range(n)
        ]
    images = np.empty((n, *size, 3), dtype=np.uint8)
    masks = np.empty((n, *size), dtype=np.uint8)
    boxes = []
    for index, class_ids in enumerate(per_image):
        images[index], masks[index], image_boxes = draw_image(
            rng, size, class_ids, classes, float(noise), single
        )
        boxes.append(image_boxes)
    data = ShapesData(images=images, labels=labels, class_names=classes, boxes=boxes,
                      masks=masks, kind=kind)
    if path is not None:
        _write_shapes(path, data)
        data.folder = path
    return data
