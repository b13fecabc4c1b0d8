"""Crash-safe file writing for checkpoints: atomic replace, fsync and a content hash.

:func:`atomic_write` writes to a temporary name in the same folder, flushes
the file to disk (``fsync``) and renames it over the final name
(``os.replace``), so a crash at any moment leaves either the old file or the
new one, never half of one. Temporary names start with ``.`` and contain
``.tmp``, so that a later clean-up can spot the leftovers of an interrupted
write.

Example:
    >>> import os, tempfile
    >>> from dl_notebook.train._atomic import atomic_write, file_sha256, write_bytes
    >>> path = os.path.join(tempfile.mkdtemp(), "note.txt")
    >>> atomic_write(path, write_bytes(b"hello"))
    >>> file_sha256(path)[1]
    5
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid

__all__ = ["atomic_write", "file_sha256", "fsync_dir", "write_bytes"]


def fsync_dir(directory) -> None:
    """Flush a folder's entries (renames) to disk, where the file system allows it."""
    with contextlib.suppress(OSError):  # not every file system lets a folder be opened
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path, write, suffix="") -> None:
    """Call ``write(temp_path)``, fsync the result and rename it over *path*."""
    directory, name = os.path.split(path)
    temp = os.path.join(directory, f".{name}.{uuid.uuid4().hex[:8]}.tmp{suffix}")
    try:
        write(temp)
        with open(temp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temp)
        raise


def write_bytes(data: bytes):
    """A ``write(temp_path)`` function for :func:`atomic_write` that writes *data*."""
    def write(temp):
        with open(temp, "wb") as f:
            f.write(data)
    return write


def file_sha256(path) -> tuple[str, int]:
    """The SHA-256 hex digest and the size in bytes of the file at *path*."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size
