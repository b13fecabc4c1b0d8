"""DLPy's ``dlpy.images``: ``ImageTable``, a table of labelled images over ``ImageDataset``.

In DLPy an ``ImageTable`` is a CAS table with ``_image_``, ``_label_`` and
``_filename_0`` columns. Here it holds a core
:class:`~dl_notebook.data.ImageDataset` as ``.dataset`` (what a model's
``fit`` reads) and gives DLPy's methods and properties over it.

SAS keeps image pixels in OpenCV's order, blue first, so DLPy's
per-channel figures (``channel_means``, the ``mean1stChannel`` …
entries of ``image_summary``) are **B, G, R**, and that is the order DLPy's
Caffe-style ``offsets`` use. This module follows it: ``channel_means`` of an
RGB table is ``(mean of B, mean of G, mean of R)``, ready for
``offsets=tbl.channel_means`` in :mod:`dl_notebook.dlpy.applications`,
whose Caffe models turn their RGB input into BGR before subtracting them.
"""

from __future__ import annotations

import os

import numpy as np

from ..data import ImageDataset
from ..errors import InvalidArgumentError
from ._data import table_name
from ._ignored import warn_ignored
from ._patches import ImageProcessing

__all__ = ["ImageTable"]

class ImageTable(ImageProcessing):
    """A table of labelled images with DLPy's methods (DLPy ``ImageTable``).

    Make one with :meth:`load_files` (a folder with one sub-folder per
    class) or :meth:`from_table` (another ImageTable, an ImageDataset or a
    DataFrame of file paths). Attributes of the underlying dataset
    (``labels``, ``class_names``, ``image_size``, ``to_tf_dataset`` …) are
    reachable on the table too, so core functions accept it as well.

    Args:
        dataset: the :class:`~dl_notebook.data.ImageDataset` to hold.
        name: the table's name (DLPy's CAS table name).

    Example:
        >>> import numpy as np
        >>> from dl_notebook.data import ImageDataset
        >>> from dl_notebook.dlpy.images import ImageTable
        >>> tbl = ImageTable(ImageDataset.from_arrays(np.zeros((4, 6, 6, 3)), ["a", "b"] * 2))
        >>> len(tbl), tbl.label_freq["Frequency"].tolist()
        (4, [2, 2])
    """

    def __init__(self, dataset, name=None):
        if not isinstance(dataset, ImageDataset):
            raise InvalidArgumentError(
                f"ImageTable holds an ImageDataset; got {type(dataset).__name__}."
            )
        self.dataset = dataset
        self.name = name
        self.patch_level = 0

    # ----------------------------------------------------------------- constructors
    @classmethod
    def load_files(cls, conn, path, casout=None, columns=None, caslib=None, **kwargs):
        """Load a folder of images whose sub-folder names are the labels (DLPy ``load_files``).

        Pixels are kept as they are in the files (0..255, no stretch), as
        SAS ``loadImages`` keeps them; the images must share one size unless
        ``image_size=(height, width)`` is given (or call :meth:`resize` on a
        table loaded with it).

        Args:
            conn: the connection (ignored).
            path: the folder.
            casout: the output table's name (a str, or a dict with ``name``).
            columns, caslib: accepted; no effect here.
            **kwargs: ``labellevels`` / ``label_level`` (which folder names
                the label, -1 the parent), ``image_size``, ``color_mode``
                (extensions of this package); SAS ``loadImages`` options
                (``recurse``, ``decode``, ``distribution`` …) are accepted
                and have no effect.

        Returns:
            An :class:`ImageTable`.

        Example:
            >>> import os, tempfile
            >>> from PIL import Image
            >>> from dl_notebook.dlpy.images import ImageTable
            >>> root = tempfile.mkdtemp()
            >>> for cls in ("cat", "dog"):
            ...     os.makedirs(os.path.join(root, cls))
            ...     Image.new("RGB", (8, 8)).save(os.path.join(root, cls, "1.png"))
            >>> tbl = ImageTable.load_files(None, path=root)
            >>> len(tbl), tbl.dataset.class_names, tbl.image_size
            (2, ['cat', 'dog'], (8, 8))
        """
        level = kwargs.pop("labellevels", kwargs.pop("label_level", -1))
        image_size = kwargs.pop("image_size", None)
        color_mode = kwargs.pop("color_mode", "rgb")
        ignored = [k for k, v in (("columns", columns), ("caslib", caslib)) if v is not None]
        ignored += list(kwargs)
        warn_ignored("ImageTable.load_files", ignored)
        try:
            ds = ImageDataset.from_folder(path, image_size=image_size, color_mode=color_mode,
                                          normalize=None, label_level=level, verbose=False)
        except InvalidArgumentError as err:
            if "different sizes" not in str(err):
                raise
            raise InvalidArgumentError(
                f"The images in {os.fspath(path)!r} have different sizes; pass "
                "image_size=(height, width) to load_files to resize them as they load."
            ) from None
        return cls(ds, name=table_name(casout, what="casout"))

    @classmethod
    def from_table(cls, tbl, image_col="_image_", label_col="_label_", path_col=None,
                   columns=None, casout=None, label_level=0, **kwargs):
        """Make an ImageTable from another table (DLPy ``from_table``).

        Args:
            tbl: an :class:`ImageTable` (copied), an
                :class:`~dl_notebook.data.ImageDataset`, or a pandas DataFrame
                with a file path column (*path_col*, default ``"_path_"``)
                and a label column (*label_col*).
            image_col: DLPy's image column; a DataFrame holds paths instead.
            label_col: the label column of a DataFrame.
            path_col: the path column of a DataFrame.
            columns, casout, label_level: DLPy options; ``casout`` names the
                table, the others have no effect.
            **kwargs: for a DataFrame, ``image_size``, ``base_dir`` and the
                other options of ``ImageDataset.from_dataframe``.

        Returns:
            An :class:`ImageTable`.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import ImageDataset
            >>> from dl_notebook.dlpy.images import ImageTable
            >>> ds = ImageDataset.from_arrays(np.zeros((4, 5, 5, 3)), [0, 1, 0, 1])
            >>> len(ImageTable.from_table(ds))
            4
        """
        ignored = [k for k, v in (("columns", columns), ("label_level", label_level or None))
                   if v is not None]
        if isinstance(tbl, ImageTable):
            warn_ignored("ImageTable.from_table", ignored + list(kwargs))
            out = tbl.copy_table(casout)
            return out
        if isinstance(tbl, ImageDataset):
            warn_ignored("ImageTable.from_table", ignored + list(kwargs))
            return cls(tbl.subset(np.arange(len(tbl))), name=table_name(casout, what="casout"))
        import pandas as pd

        if isinstance(tbl, pd.DataFrame):
            warn_ignored("ImageTable.from_table", ignored)
            kwargs.setdefault("normalize", None)
            kwargs.setdefault("verbose", False)
            ds = ImageDataset.from_dataframe(tbl, path_col or "_path_", label_col, **kwargs)
            return cls(ds, name=table_name(casout, what="casout"))
        raise InvalidArgumentError(
            "from_table needs an ImageTable, an ImageDataset or a DataFrame of image paths; "
            f"got {type(tbl).__name__}."
        )

    # ----------------------------------------------------------------- table behaviour
    def __len__(self):
        return len(self.dataset)

    def __getattr__(self, name):
        if name.startswith("__") or name == "dataset":
            raise AttributeError(name)
        return getattr(self.dataset, name)

    def __repr__(self):
        h, w = self.dataset.image_size
        return (f"ImageTable({self.name or 'unnamed'}: {len(self):,} images of {w}x{h}, "
                f"{len(self.dataset.class_names)} labels)")

    @property
    def columns(self):
        """DLPy's column names: ``['_image_', '_label_', '_filename_0', …]``."""
        return ["_image_", "_label_"] + [f"_filename_{i}" for i in range(self.patch_level + 1)]

    def head(self, n=5):
        """The first *n* rows as a DataFrame of ``_label_`` and ``_filename_0`` (and ``_path_``).

        Args:
            n: how many rows.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import ImageDataset
            >>> from dl_notebook.dlpy.images import ImageTable
            >>> tbl = ImageTable(ImageDataset.from_arrays(np.zeros((3, 4, 4)), ["x", "y", "x"]))
            >>> tbl.head(2)["_label_"].tolist()
            ['x', 'y']
        """
        import pandas as pd

        ds = self.dataset
        labels = [ds.class_names[i] for i in ds.labels[:n]]
        paths = ds.paths
        frame = {"_label_": labels}
        if paths is not None:
            frame["_filename_0"] = [os.path.basename(p) for p in paths[:n]]
            frame["_path_"] = paths[:n]
        else:
            frame["_filename_0"] = [f"{label}_{i}" for i, label in enumerate(labels)]
        return pd.DataFrame(frame)

    def copy_table(self, casout=None):
        """A copy of the table (DLPy ``copy_table``); *casout* names it.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import ImageDataset
            >>> from dl_notebook.dlpy.images import ImageTable
            >>> tbl = ImageTable(ImageDataset.from_arrays(np.zeros((2, 4, 4)), [0, 1]))
            >>> tbl.copy_table("copy").name
            'copy'
        """
        out = ImageTable(self.dataset.subset(np.arange(len(self))),
                         name=table_name(casout, what="casout") or self.name)
        out.patch_level = self.patch_level
        return out

    def _replace(self, dataset, inplace, patch=False):
        if inplace:
            self.dataset = dataset
            self.patch_level += int(patch)
            return None
        out = ImageTable(dataset, name=self.name)
        out.patch_level = self.patch_level + int(patch)
        return out

    def shuffle(self, casout=None, seed=None, inplace=True):
        """Put the images in a random order (CAS ``table.shuffle``).

        Args:
            casout: accepted; no effect.
            seed: the random seed.
            inplace: change this table (True) or return a shuffled copy.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import ImageDataset
            >>> from dl_notebook.dlpy.images import ImageTable
            >>> tbl = ImageTable(ImageDataset.from_arrays(np.zeros((6, 2, 2)), [0, 1, 2] * 2))
            >>> sorted(tbl.shuffle(seed=0, inplace=False).labels.tolist())
            [0, 0, 1, 1, 2, 2]
        """
        warn_ignored("ImageTable.shuffle", ["casout"] if casout is not None else [])
        order = np.random.default_rng(seed).permutation(len(self))
        return self._replace(self.dataset.subset(order), inplace)

    # ----------------------------------------------------------------- summaries
    @property
    def label_freq(self):
        """Images per label as DLPy shows them: index the label, columns ``Level`` and ``Frequency``.

        ``Level`` numbers the labels from 1 in sorted order, as SAS ``freq`` does.
        """
        import pandas as pd

        ds = self.dataset
        counts = np.bincount(ds.labels, minlength=len(ds.class_names))
        return pd.DataFrame({"Level": np.arange(1, len(counts) + 1, dtype=np.int64),
                             "Frequency": counts.astype(np.int64)},
                            index=pd.Index(list(ds.class_names)))

    def _pixel_stats(self):
        """Per-channel min, max and mean of the 0..255 pixels the table holds (RGB order)."""
        ds = self.dataset
        low = np.full(ds.channels, np.inf)
        high = np.full(ds.channels, -np.inf)
        total = np.zeros(ds.channels)
        count = 0
        for x, _ in ds.to_tf_dataset(batch_size=64, normalized=False):
            x = x.numpy()
            low = np.minimum(low, x.min(axis=(0, 1, 2)))
            high = np.maximum(high, x.max(axis=(0, 1, 2)))
            total += x.sum(axis=(0, 1, 2), dtype=np.float64)
            count += x.shape[0] * x.shape[1] * x.shape[2]
        return low, high, total / max(count, 1)

    @property
    def image_summary(self):
        """Sizes and per-channel pixel statistics as a pandas Series (DLPy ``image_summary``).

        Entries: ``nImages``, ``minWidth`` … ``meanHeight`` (of the images as
        the table holds them) and ``mean1stChannel``, ``min1stChannel``,
        ``max1stChannel`` … for each channel in SAS's order (B, G, R for a
        colour table).
        """
        import pandas as pd

        ds = self.dataset
        h, w = ds.image_size
        low, high, mean = (v[::-1] for v in self._pixel_stats())
        out = {"nImages": len(ds), "minWidth": w, "maxWidth": w, "minHeight": h,
               "maxHeight": h, "meanWidth": float(w), "meanHeight": float(h)}
        for i, nth in enumerate(("1st", "2nd", "3rd")[:ds.channels]):
            out[f"mean{nth}Channel"] = float(mean[i])
            out[f"min{nth}Channel"] = float(low[i])
            out[f"max{nth}Channel"] = float(high[i])
        return pd.Series(out, dtype=object)

    @property
    def channel_means(self):
        """Mean of each channel over every image, in SAS's order (B, G, R), as a tuple.

        The pixels are those the network receives from this table (after
        its resizing and normalisation; a table from :meth:`load_files`
        keeps 0..255). DLPy's idiom ``offsets=tbl.channel_means`` on a Caffe
        application subtracts them from the BGR input.
        """
        means = np.asarray(self.dataset.channel_means(), dtype=np.float64)
        return tuple(float(m) for m in means[::-1])

    # ----------------------------------------------------------------- pictures
    def show(self, nimages=5, ncol=8, randomize=False, figsize=None, where=None, id=None):
        """A grid of images titled with their labels (DLPy ``show``).

        Args:
            nimages: how many images at most.
            ncol: images per row.
            randomize: pick the images at random.
            figsize: ``(width, height)`` of the figure in inches.
            where: a label, or one boolean per image (DLPy's SAS where
                clause is not read).
            id: positions of the images to show.

        Returns:
            A display with the figure (``.figure_``) and axes (``.ax_``).

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import ImageDataset
            >>> from dl_notebook.dlpy.images import ImageTable
            >>> tbl = ImageTable(ImageDataset.from_arrays(np.zeros((6, 4, 4)), [0, 1] * 3))
            >>> len(tbl.show(nimages=3, ncol=3).ax_)
            3
        """
        mask = None
        if where is not None:
            mask = self.dataset.labels == self._label_id(where) if isinstance(where, str) \
                else np.asarray(where, dtype=bool)
        if id is not None:
            picked = np.zeros(len(self), dtype=bool)
            picked[self.dataset._indices(np.atleast_1d(id))] = True
            mask = picked if mask is None else mask & picked
        display = self.dataset.show(n=nimages, ncol=ncol, randomize=randomize, where=mask)
        if figsize is not None:
            display.figure_.set_size_inches(*figsize)
        return display

    def _label_id(self, label):
        names = self.dataset.class_names
        if label not in names:
            raise InvalidArgumentError(f"Unknown label {label!r}; use one of {names}.")
        return names.index(label)
