"""What every dl_notebook dataset shares: length, labels, index checks, class counts.

Each dataset kind (images, tables, texts, time series) offers ``len``,
``labels``, ``class_names``, ``task``, ``input_shape``, ``subset``,
``to_tf_dataset`` and ``to_numpy``; this base holds the parts that are the
same for all of them.
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import InvalidArgumentError

__all__ = ["Dataset", "check_batch_size", "check_class_folder", "confine", "warn_escaped"]


def check_class_folder(path, what="images") -> str:
    """The folder *path* as a string, or a clear error when it is not an existing folder."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise InvalidArgumentError(
            f"The folder must be a path (a str or pathlib.Path) to a folder with one "
            f"sub-folder of {what} per class; got {path!r}."
        )
    root = os.fsdecode(path)
    if "\0" in root:
        raise InvalidArgumentError(
            f"Folder path {root!r} contains a NUL character; type the folder's path again."
        )
    if not os.path.isdir(root):
        raise InvalidArgumentError(
            f"Folder {root!r} does not exist; give the path of a folder with one "
            f"sub-folder of {what} per class."
        )
    return root


def confine(folder: str, data_root) -> str:
    """The real path of *data_root*, after checking that *folder* lies inside it.

    Example:
        >>> import os, tempfile
        >>> root = tempfile.mkdtemp()
        >>> os.mkdir(os.path.join(root, "pets"))
        >>> confine(os.path.join(root, "pets"), root) == os.path.realpath(root)
        True
    """
    real_root = os.path.realpath(check_class_folder(data_root, "images"))
    real = os.path.realpath(folder)
    if real != real_root and not real.startswith(os.path.join(real_root, "")):
        raise InvalidArgumentError(
            f"Folder {folder!r} is outside the data root {real_root!r}; pick a folder inside it."
        )
    return real_root


def warn_escaped(found, data_root) -> None:
    """One warning naming the symbolic links that were not followed out of *data_root*."""
    import warnings

    named = ", ".join(repr(p) for p, _ in found[:5])
    more = f" and {len(found) - 5} more" if len(found) > 5 else ""
    warnings.warn(
        f"Left out {len(found)} symbolic link{'s' * (len(found) != 1)} pointing outside the "
        f"data root {os.fspath(data_root)!r}: {named}{more} (listed in .skipped).",
        UserWarning, stacklevel=3)


def check_batch_size(batch_size) -> int:
    """Validate a batch size (a positive integer)."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise InvalidArgumentError(f"batch_size must be a positive integer; got {batch_size!r}.")
    return int(batch_size)


# Batches made ahead of the consumer by every pipeline's last step.
PREFETCH_BATCHES = 2


def ready(ds):
    """*ds* with ``PREFETCH_BATCHES`` batches made ahead and ``tf.data`` autotuning off.

    The pipelines set their own parallelism. The autotuner would add about
    a tenth to the CPU time of a pass, and in about a third of passes its
    teardown holds the end of the pass for half a second
    (``benchmarks/bench_data.py`` on two cores).
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.prefetch(PREFETCH_BATCHES).with_options(options)


class Dataset:
    """Base of the dataset kinds; subclasses set ``_labels`` and ``item`` (e.g. ``"image"``)."""

    task = "classification"
    item = "item"
    class_names = None
    skipped: list = []

    def __len__(self):
        return len(self._labels)

    @property
    def labels(self) -> np.ndarray:
        """Class id of each item (positions in ``class_names``), or its float target."""
        return self._labels.copy()

    def _indices(self, indices) -> np.ndarray:
        """Integer positions from *indices* (integers or a boolean mask), checked."""
        n = len(self)
        idx = np.asarray(indices)
        if idx.dtype == bool:
            if idx.shape != (n,):
                raise InvalidArgumentError(
                    f"A boolean mask needs one value per {self.item} ({n}); got {idx.size}."
                )
            idx = np.flatnonzero(idx)
        idx = idx.astype(np.int64).reshape(-1)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise InvalidArgumentError(
                f"Indices must lie in 0..{n - 1}; got {int(idx.min())}..{int(idx.max())}."
            )
        return idx

    def label_freq(self):
        """Number and percentage of items per class, as a pandas DataFrame."""
        import pandas as pd

        if self.task == "detection":
            raise InvalidArgumentError(
                "label_freq() counts one class per item; use .class_counts for boxes per class."
            )
        if self.task != "classification":
            raise InvalidArgumentError(
                "label_freq() counts classes; this dataset has a numeric (regression) target."
            )
        counts = np.bincount(self._labels.astype(np.int64), minlength=len(self.class_names))
        total = max(1, counts.sum())
        return pd.DataFrame({"class": self.class_names, "count": counts,
                             "percent": np.round(100.0 * counts / total, 2)})

    def _load_message(self) -> str:
        """The one line printed after loading, e.g. ``Loaded 9 images in 3 classes.``"""
        line = f"Loaded {len(self):,} {self.item}s in {len(self.class_names)} classes"
        if self.skipped:
            n = len(self.skipped)
            line += f"; skipped {n:,} unreadable file{'s' if n != 1 else ''} (see .skipped)"
        return line + "."
