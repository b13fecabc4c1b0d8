"""Files that pass the load-time header check but fail when their pixels are decoded.

A PNG with damaged image data or a JPEG with garbage in its scan looks whole
from its header; it is found only when it is decoded (training, evaluating,
``to_numpy``, a thumbnail). :class:`Unreadable` is the record of such files,
shared by a dataset and every subset made from it: each file is reported once
in one :class:`UnreadableImageWarning` that names it, and listed in the
datasets' ``skipped`` with its reason.

Example:
    >>> import warnings
    >>> from dl_notebook.data._unreadable import Unreadable
    >>> record = Unreadable()
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     first = record.add([("a/1.png", "corrupt image data")])
    ...     again = record.add([("a/1.png", "corrupt image data")])  # known: no second warning
    >>> len(caught), record.items()
    (1, [('a/1.png', 'corrupt image data')])
"""

from __future__ import annotations

import threading
import warnings

import numpy as np

__all__ = ["Unreadable", "UnreadableImageWarning", "diagnose", "placeholder"]

_NAMED = 5  # files named in one warning; the rest are counted


class UnreadableImageWarning(UserWarning):
    """An image file that cannot be decoded was left out (see the dataset's ``skipped``)."""


class Unreadable:
    """Thread-safe record of files found unreadable at decode time (path -> reason)."""

    def __init__(self):
        self._found: dict[str, str] = {}
        self._lock = threading.Lock()
        # held by a dataset while it leaves out files (decoding threads report at once)
        self.prune_lock = threading.Lock()

    def __contains__(self, path) -> bool:
        return path in self._found

    def __len__(self) -> int:
        return len(self._found)

    def items(self) -> list:
        """``(path, reason)`` of every file found so far, in the order they were found."""
        with self._lock:
            return list(self._found.items())

    def paths(self) -> set:
        with self._lock:
            return set(self._found)

    def add(self, found) -> list:
        """Record ``(path, reason)`` pairs; warn once about those not known before.

        Returns the pairs that were new.
        """
        with self._lock:
            new = [(p, r) for p, r in found if p not in self._found]
            self._found.update(new)
        if new:
            warnings.warn(_message(new), UnreadableImageWarning, stacklevel=2)
        return new


def _message(new) -> str:
    if len(new) == 1:
        (path, reason), = new
        return (f"Image file {path!r} cannot be decoded ({reason}); it is left out and listed "
                "in the dataset's .skipped.")
    named = "; ".join(f"{path!r} ({reason})" for path, reason in new[:_NAMED])
    more = f"; and {len(new) - _NAMED} more" if len(new) > _NAMED else ""
    return (f"{len(new)} image files cannot be decoded and are left out (listed in the "
            f"dataset's .skipped): {named}{more}.")


def diagnose(path: str, expected=None, max_pixels=None) -> str:
    """Why *path* could not be decoded, in a few words (Pillow is asked for the details).

    Args:
        path: the image file.
        expected: ``(height, width)`` the header check found, or None.
        max_pixels: the pixel budget, or None.
    """
    from PIL import Image

    try:
        with Image.open(path) as img:
            size = (img.height, img.width)
            if max_pixels is not None and size[0] * size[1] > max_pixels:
                return f"image too large ({size[1]}x{size[0]} pixels; max_pixels={max_pixels:,})"
            if expected is not None and size != tuple(expected):
                return (f"changed since loading ({size[1]}x{size[0]} pixels, was "
                        f"{expected[1]}x{expected[0]})")
            img.load()
    except FileNotFoundError:
        return "the file no longer exists"
    except Exception as err:  # noqa: BLE001 - any failure is the reason
        return f"corrupt image data ({type(err).__name__}: {err})"
    return "corrupt image data (TensorFlow's decoder refused it)"


def placeholder(height: int, width: int, channels: int) -> np.ndarray:
    """A ``uint8`` image shown in place of an unreadable one: mid grey with a dark cross.

    Example:
        >>> img = placeholder(4, 6, 3)
        >>> img.shape, img.dtype.name, int(img[0, 0, 0]), int(img[0, 3, 0])
        ((4, 6, 3), 'uint8', 64, 160)
    """
    img = np.full((height, width, channels), 160, np.uint8)
    rows = np.arange(height)[:, None] / max(height - 1, 1)
    cols = np.arange(width)[None, :] / max(width - 1, 1)
    band = 1.0 / max(min(height, width), 2)
    cross = (np.abs(rows - cols) <= band) | (np.abs(rows + cols - 1) <= band)
    img[cross] = 64
    return img
