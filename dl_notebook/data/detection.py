"""DetectionDataset: images with boxes and classes, from VOC, YOLO, a table or arrays.

Boxes are xyxy pixels of the image as given to the network (after the
resize to ``image_size``), float32, ``x_max``/``y_max`` exclusive. An image
whose annotation is malformed (unparsable XML, a box outside the image,
``x_max <= x_min``, an unknown class, a YOLO line with the wrong number of
fields) or whose file is unreadable is left out with its annotation, listed
in ``skipped`` and named in one warning.
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import InvalidArgumentError
from . import _annotations as notes
from ._base import Dataset
from ._unreadable import Unreadable
from .images import _check_size

__all__ = ["DetectionDataset"]


class DetectionDataset(Dataset):
    """Images with their boxes (xyxy pixels) and class ids, for object detection.

    Make one with :meth:`from_voc`, :meth:`from_yolo`, :meth:`from_dataframe`,
    :meth:`from_arrays` or :meth:`from_folder` (which finds the layout).
    Files are decoded lazily by :meth:`to_tf_dataset`; arrays stay in memory.
    ``labels`` gives one class per image (its first box's, -1 for none) so
    that :func:`dl_notebook.two_way_split` works.

    Example:
        >>> import numpy as np
        >>> from dl_notebook.data import DetectionDataset
        >>> ds = DetectionDataset.from_arrays(
        ...     np.zeros((2, 8, 8, 3), np.uint8), [[[0, 0, 4, 4]], []], [[1], []],
        ...     class_names=["cat", "dog"])
        >>> len(ds), ds.labels.tolist(), ds.class_counts
        (2, [1, -1], {'cat': 0, 'dog': 1})
    """

    task = "detection"
    item = "image"

    def __init__(self, *, boxes, box_labels, class_names, image_size, sizes, paths=None,
                 arrays=None, infos=None, difficult=None, skipped=None, unreadable=None):
        self.class_names = list(class_names)
        self.image_size = _check_size(image_size)
        self._boxes = [np.asarray(b, np.float32).reshape(-1, 4) for b in boxes]
        self._box_labels = [np.asarray(c, np.int64).reshape(-1) for c in box_labels]
        self._difficult = ([np.zeros(len(c), bool) for c in self._box_labels]
                           if difficult is None else list(difficult))
        self._sizes = np.asarray(sizes, np.int64).reshape(-1, 2)
        self._paths = None if paths is None else list(paths)
        self._arrays = arrays
        self._infos = None if infos is None else list(infos)
        self.channels = 3 if arrays is None else int(arrays.shape[-1])
        self._load_skipped = list(skipped or [])
        self._unreadable = unreadable if unreadable is not None else Unreadable()
        self._pruned = 0

    # ----------------------------------------------------------------- constructors
    @classmethod
    def from_voc(cls, folder, image_size=None, class_names=None, *, verbose=True):
        """Load a Pascal VOC folder: ``Annotations/*.xml`` + ``JPEGImages/``, or XML beside images.

        VOC corners are 1-based and inclusive; they become 0-based pixels with
        ``x_max``/``y_max`` exclusive (``xmin=1, xmax=10`` is ``x_min=0,
        x_max=10``). Each object's ``difficult`` flag is kept in ``difficult``.

        Args:
            folder: the VOC folder.
            image_size: ``(height, width)`` to resize to (boxes follow); None
                keeps the size when all images share one.
            class_names: the classes in id order; None takes the sorted names found.
            verbose: print one summary line.

        Example:
            >>> import os, tempfile
            >>> from PIL import Image
            >>> from dl_notebook.data import DetectionDataset
            >>> root = tempfile.mkdtemp()
            >>> Image.new("RGB", (16, 8)).save(os.path.join(root, "a.png"))
            >>> with open(os.path.join(root, "a.xml"), "w") as f:
            ...     _ = f.write("<annotation><object><name>cat</name><bndbox><xmin>1</xmin>"
            ...                 "<ymin>1</ymin><xmax>8</xmax><ymax>4</ymax></bndbox></object>"
            ...                 "</annotation>")
            >>> ds = DetectionDataset.from_voc(root)
            Loaded 1 image with 1 box in 1 class.
            >>> ds.ground_truth()[0]["boxes"].tolist()
            [[0.0, 0.0, 8.0, 4.0]]
        """
        root = cls._folder(folder)
        records, skipped = notes.voc_records(root)
        return cls._load(records, skipped, class_names, image_size, verbose, root)

    @classmethod
    def from_yolo(cls, folder, class_names=None, image_size=None, *, verbose=True):
        """Load a YOLO folder: ``images/`` + ``labels/*.txt``, or a ``.txt`` beside each image.

        Each label line is ``class cx cy w h``, normalised to 0..1. An image
        without a label file has no objects.

        Args:
            folder: the YOLO folder.
            class_names: a list, or the path of a ``classes.txt`` / ``data.yaml``;
                None reads ``classes.txt`` or ``data.yaml`` in the folder when
                there is one, else names the classes ``"0"``, ``"1"``, ...
            image_size, verbose: as :meth:`from_voc`.

        Example:
            >>> import os, tempfile
            >>> from PIL import Image
            >>> from dl_notebook.data import DetectionDataset
            >>> root = tempfile.mkdtemp()
            >>> Image.new("RGB", (20, 10)).save(os.path.join(root, "a.png"))
            >>> with open(os.path.join(root, "a.txt"), "w") as f:
            ...     _ = f.write("0 0.5 0.5 0.5 0.4\\n")
            >>> DetectionDataset.from_yolo(root, ["ball"], verbose=False)[0]["boxes"].tolist()
            [[5.0, 3.0, 15.0, 7.0]]
        """
        root = cls._folder(folder)
        if class_names is None:
            found = [os.path.join(root, n) for n in ("classes.txt", "data.yaml", "data.yml")]
            found = [p for p in found if os.path.isfile(p)]
            class_names = notes.read_class_names(found[0]) if found else None
        elif isinstance(class_names, (str, os.PathLike)):
            class_names = notes.read_class_names(class_names)
        records, skipped = notes.yolo_records(root)
        return cls._load(records, skipped, class_names, image_size, verbose, root,
                         ids=class_names is None)

    @classmethod
    def from_dataframe(cls, df, folder=None, image_col="file", class_col="class",
                       box_cols=("x_min", "y_min", "x_max", "y_max"), *, class_names=None,
                       image_size=None, verbose=True):
        """Load the images of a table with one row per box (xyxy pixels, max exclusive).

        The ``boxes.csv`` that ``dn.datasets.shapes(folder, kind="detect")``
        writes is such a table. A row whose box columns are empty gives an
        image with no boxes.

        Args:
            df: the table (a pandas DataFrame).
            folder: folder that relative file paths start from (default: the
                current folder).
            image_col, class_col, box_cols: the columns.
            class_names, image_size, verbose: as :meth:`from_voc`.

        Example:
            >>> import os, tempfile, pandas as pd
            >>> from PIL import Image
            >>> from dl_notebook.data import DetectionDataset
            >>> root = tempfile.mkdtemp()
            >>> Image.new("RGB", (8, 8)).save(os.path.join(root, "a.png"))
            >>> df = pd.DataFrame({"file": ["a.png"] * 2, "class": ["x", "y"], "x_min": [0, 4],
            ...                    "y_min": [0, 4], "x_max": [4, 8], "y_max": [4, 8]})
            >>> DetectionDataset.from_dataframe(df, root, verbose=False).class_counts
            {'x': 1, 'y': 1}
        """
        records, skipped = notes.dataframe_records(df, folder, image_col, class_col, box_cols)
        return cls._load(records, skipped, class_names, image_size, verbose, "the table",
                         ids=df[class_col].dtype.kind in "iu")

    @classmethod
    def from_folder(cls, folder, image_size=None, class_names=None, *, verbose=True):
        """Load a folder in the layout it has: shapes' ``boxes.csv``, VOC XML or YOLO txt.

        Example:
            >>> import tempfile
            >>> from dl_notebook import datasets
            >>> from dl_notebook.data import DetectionDataset
            >>> tmp = tempfile.mkdtemp()
            >>> _ = datasets.shapes(tmp, n=3, image_size=32, kind="detect")
            >>> len(DetectionDataset.from_folder(tmp, verbose=False))
            3
        """
        root = cls._folder(folder)
        if os.path.isfile(os.path.join(root, "boxes.csv")):
            import pandas as pd

            return cls.from_dataframe(pd.read_csv(os.path.join(root, "boxes.csv")), root,
                                      class_names=class_names, image_size=image_size,
                                      verbose=verbose)
        names = os.listdir(root)
        if "Annotations" in names or any(n.lower().endswith(".xml") for n in names):
            return cls.from_voc(root, image_size, class_names, verbose=verbose)
        if "labels" in names or any(n.lower().endswith(".txt") for n in names):
            return cls.from_yolo(root, class_names, image_size, verbose=verbose)
        raise InvalidArgumentError(
            f"Folder {root!r} holds no boxes.csv, VOC .xml files or YOLO labels/*.txt; give a "
            "folder in one of these layouts.")

    @classmethod
    def from_arrays(cls, images, boxes, labels, class_names=None, image_size=None):
        """Make a dataset from in-memory images and, per image, its boxes and class ids.

        Args:
            images: ``(N, H, W, C)`` or ``(N, H, W)`` pixel values on 0..255.
            boxes: per image an ``(n, 4)`` array of xyxy pixels (max exclusive).
            labels: per image the ``n`` class ids.
            class_names: names of the classes (default ``"0"``, ``"1"``, ...).
            image_size: resize to ``(height, width)``; boxes follow.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import DetectionDataset
            >>> ds = DetectionDataset.from_arrays(np.zeros((1, 10, 20)), [[[2, 1, 6, 4]]], [[0]],
            ...                                   image_size=(20, 40))
            >>> ds.ground_truth()[0]["boxes"].tolist()
            [[4.0, 2.0, 12.0, 8.0]]
        """
        images = np.asarray(images)
        if images.ndim == 3:
            images = images[..., None]
        if images.ndim != 4 or images.shape[-1] not in (1, 3):
            raise InvalidArgumentError(
                f"images must have shape (N, H, W) or (N, H, W, C) with C = 1 or 3; got "
                f"{images.shape}.")
        if len(boxes) != len(images) or len(labels) != len(images):
            raise InvalidArgumentError(
                f"Got {len(images)} images, {len(boxes)} box lists and {len(labels)} label "
                "lists; give one list of boxes and one of class ids per image.")
        ids = [np.asarray(c, np.int64).reshape(-1) for c in labels]
        if class_names is None:
            top = max((int(c.max()) for c in ids if c.size), default=0)
            class_names = [str(i) for i in range(top + 1)]
        height, width = images.shape[1:3]
        checked = []
        for i, (image_boxes, image_ids) in enumerate(zip(boxes, ids)):
            try:
                image_boxes = notes.check_boxes(image_boxes, height, width)
                if len(image_boxes) != len(image_ids):
                    raise notes.AnnotationError(
                        f"{len(image_boxes)} boxes but {len(image_ids)} class ids")
                notes.class_ids(image_ids, class_names)
            except notes.AnnotationError as err:
                raise InvalidArgumentError(f"Image {i}: {err}.") from None
            checked.append(image_boxes)
        return cls(boxes=checked, box_labels=ids, class_names=class_names,
                   image_size=image_size or (height, width), sizes=[(height, width)] * len(ids),
                   arrays=images)

    @staticmethod
    def _folder(folder):
        if not isinstance(folder, (str, os.PathLike)) or not os.path.isdir(folder):
            raise InvalidArgumentError(f"Folder {folder!r} does not exist; check the path.")
        return os.fspath(folder)

    @classmethod
    def _load(cls, records, skipped, class_names, image_size, verbose, where, ids=False):
        image_size = _check_size(image_size)
        fields = notes.load_records(records, skipped, class_names, where, ids)
        sizes = fields["sizes"]
        if image_size is None and len(set(sizes)) > 1:
            raise InvalidArgumentError(
                f"The images have {len(set(sizes))} different sizes; give "
                "image_size=(height, width) to resize them.")
        ds = cls(image_size=image_size or sizes[0], **fields)
        if verbose:
            print(ds._load_message())
        return ds

    # ----------------------------------------------------------------- basics
    def _sync(self):
        """Leave out the images found unreadable when decoded (by this dataset or a relative)."""
        if self._paths is None or len(self._unreadable) == self._pruned:
            return
        with self._unreadable.prune_lock:
            bad = self._unreadable.paths()
            keep = [i for i, p in enumerate(self._paths) if p not in bad]
            for name in ("_boxes", "_box_labels", "_difficult", "_paths", "_infos"):
                values = getattr(self, name)
                setattr(self, name, [values[i] for i in keep])
            self._sizes = self._sizes[keep]
            self._pruned = len(self._unreadable)

    def __len__(self):
        self._sync()
        return len(self._boxes)

    def __repr__(self):
        h, w = self.image_size
        return (f"DetectionDataset({len(self):,} images, {self.n_boxes:,} boxes, "
                f"{len(self.class_names)} classes, {h}x{w}x{self.channels})")

    def _load_message(self):
        n, boxes, classes = len(self), self.n_boxes, len(self.class_names)
        line = (f"Loaded {n:,} image{'s' * (n != 1)} with {boxes:,} box{'es' * (boxes != 1)} "
                f"in {classes} class{'es' * (classes != 1)}")
        if self.skipped:
            line += f"; skipped {len(self.skipped):,} (see .skipped)"
        return line + "."

    @property
    def skipped(self) -> list:
        """``(path, reason)`` of each image or annotation left out: at load time, then decoding."""
        return self._load_skipped + self._unreadable.items()

    @property
    def input_shape(self) -> tuple:
        """Shape of one image as the network sees it: ``(height, width, channels)``."""
        return (*self.image_size, self.channels)

    @property
    def paths(self):
        """File path of each image, or None for a dataset made from arrays."""
        self._sync()
        return None if self._paths is None else list(self._paths)

    @property
    def n_boxes(self) -> int:
        """Number of boxes in all images."""
        self._sync()
        return int(sum(len(c) for c in self._box_labels))

    @property
    def labels(self) -> np.ndarray:
        """One class id per image, for splits: its first box's class, or -1 for no box."""
        self._sync()
        return np.array([c[0] if len(c) else -1 for c in self._box_labels], np.int64)

    @property
    def difficult(self) -> list:
        """Per image, a bool array: which boxes VOC marks ``difficult``."""
        self._sync()
        return [d.copy() for d in self._difficult]

    @property
    def class_counts(self) -> dict:
        """Number of boxes per class name."""
        self._sync()
        counts = np.bincount(np.concatenate([np.zeros(0, np.int64), *self._box_labels]),
                             minlength=len(self.class_names))
        return {name: int(c) for name, c in zip(self.class_names, counts)}

    def _scale(self):
        """Per image ``(sx, sy, sx, sy)``: from file pixels to ``image_size`` pixels."""
        h, w = self.image_size
        return np.stack([w / self._sizes[:, 1], h / self._sizes[:, 0]] * 2, axis=1)

    def ground_truth(self) -> list:
        """Per image ``{"boxes": (N, 4) float32 xyxy pixels at image_size, "labels": (N,) int}``.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import DetectionDataset
            >>> ds = DetectionDataset.from_arrays(np.zeros((1, 4, 4)), [[[0, 0, 2, 2]]], [[0]])
            >>> ds.ground_truth()[0]["labels"].tolist()
            [0]
        """
        self._sync()
        return [{"boxes": (b * s).astype(np.float32), "labels": c.copy()}
                for b, c, s in zip(self._boxes, self._box_labels, self._scale())]

    def subset(self, indices):
        """A dataset holding only the images at *indices* (or a boolean mask).

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import DetectionDataset
            >>> ds = DetectionDataset.from_arrays(np.zeros((3, 4, 4)), [[], [], []], [[], [], []])
            >>> len(ds.subset([0, 2]))
            2
        """
        self._sync()
        idx = self._indices(indices)

        def pick(values):
            return None if values is None else [values[i] for i in idx]

        return type(self)(
            boxes=pick(self._boxes), box_labels=pick(self._box_labels),
            difficult=pick(self._difficult), class_names=self.class_names,
            image_size=self.image_size, sizes=self._sizes[idx], paths=pick(self._paths),
            arrays=None if self._arrays is None else self._arrays[idx],
            infos=pick(self._infos), unreadable=self._unreadable)

    def __getitem__(self, i):
        """``{"image": float32 (H, W, C) 0..255, "boxes", "labels"}`` of image *i*."""
        from ._detection_pipeline import load_image

        self._sync()
        i = int(self._indices([i])[0])
        truth = self.ground_truth()[i]
        return {"image": load_image(self, i), **truth}

    def to_tf_dataset(self, batch_size=32, shuffle=False, seed=None, augment=None,
                      max_boxes=None):
        """A ``tf.data.Dataset`` of ``(images, {"boxes": (B, M, 4), "labels": (B, M)})``.

        Images are float32 0..255 at ``image_size``; boxes float32 xyxy pixels,
        scaled with the resize and flipped with the image; each image's boxes
        are padded to ``M`` with ``-1`` in boxes and labels (Keras' dense
        bounding-box format). Files are decoded as the batches are made; one
        that fails to decode is left out with its boxes, listed in ``skipped``
        and named in a warning at the end of the pass.

        Args:
            batch_size: images per batch.
            shuffle: shuffle the images at every pass.
            seed: seed of the shuffle and the flips.
            augment: None or ``{"flip": "horizontal" | "vertical" |
                "horizontal_and_vertical"}`` (random flips, boxes follow).
            max_boxes: ``M``; None takes the most boxes any image has. Images
                with more keep their first ``M``.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import DetectionDataset
            >>> ds = DetectionDataset.from_arrays(np.zeros((2, 8, 8)), [[[0, 0, 4, 4]], []],
            ...                                   [[0], []])
            >>> images, target = next(iter(ds.to_tf_dataset(batch_size=2, max_boxes=2)))
            >>> images.shape, target["labels"].numpy().tolist()
            (TensorShape([2, 8, 8, 1]), [[0, -1], [-1, -1]])
        """
        from ._detection_pipeline import make_dataset

        self._sync()
        return make_dataset(self, batch_size, shuffle, seed, augment, max_boxes)

    def show(self, n=8, columns=4):
        """A figure of the first *n* images with their boxes and class names.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import DetectionDataset
            >>> ds = DetectionDataset.from_arrays(np.zeros((2, 8, 8)), [[[0, 0, 4, 4]], []],
            ...                                   [[0], []], class_names=["cat"])
            >>> ds.show(n=2)
            <FigureDisplay 4x2 in>
        """
        from ._detection_pipeline import show

        return show(self, n, columns)
