"""The data root of a dashboard: which folders it offers, and which paths it refuses.

A dashboard for a workshop reads images only from inside one folder, the
data root. :func:`resolve_inside` turns what a user typed into a real path
and refuses anything that ends up outside the root, through ``..`` or a
symbolic link; :func:`class_folders` lists the sub-folders of the root that
look like image datasets (one sub-folder of images per class), judged only by
what lies inside the root once links are resolved. The images of a chosen
folder are then read with ``ImageDataset.from_folder(folder, data_root=root)``,
which leaves out links to files outside the root.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from dl_notebook.errors import InvalidArgumentError
    >>> from dl_notebook.widgets._data_root import resolve_inside
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "flowers").mkdir()
    >>> resolve_inside("flowers", root) == (root / "flowers").resolve()
    True
    >>> try:
    ...     resolve_inside("../..", root)
    ... except InvalidArgumentError as err:
    ...     print("refused:", "outside the data root" in str(err))
    refused: True
"""

from __future__ import annotations

import os
from pathlib import Path

from dl_notebook.data._decode import IMAGE_EXTENSIONS
from dl_notebook.errors import InvalidArgumentError

__all__ = ["DATA_ROOT_ENV", "class_folders", "default_data_root", "resolve_inside"]

DATA_ROOT_ENV = "DL_NOTEBOOK_DATA_ROOT"
_PEEK = 50  # entries looked at per class folder when listing datasets


def default_data_root() -> Path:
    """``$DL_NOTEBOOK_DATA_ROOT``, else the checkout's ``data/`` folder, else ``./data``."""
    configured = os.environ.get(DATA_ROOT_ENV)
    if configured:
        return Path(configured).expanduser()
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file():
        return checkout / "data"
    return Path.cwd() / "data"


def resolve_inside(path, root) -> Path:
    """The real path of *path* (relative ones are taken from *root*), refused outside *root*.

    Symbolic links are followed before the check, so a link inside the root
    that points elsewhere is refused too.

    Args:
        path: what the user typed: a folder relative to the root, or absolute.
        root: the data root.

    Returns:
        The resolved folder, an existing directory inside the root.

    Raises:
        InvalidArgumentError: the path is empty, outside the root, missing or not a folder.
    """
    text = str(path).strip()
    if not text:
        raise InvalidArgumentError(
            "Type the path of a folder inside the data root, e.g. 'flowers'."
        )
    if "\0" in text:
        raise InvalidArgumentError(
            f"Folder {text!r} contains a NUL character; type the folder's name again."
        )
    real_root = Path(root).expanduser().resolve()
    candidate = Path(text).expanduser()
    if not candidate.is_absolute():
        candidate = real_root / candidate
    try:
        resolved = candidate.resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop
        raise InvalidArgumentError(
            f"Folder {text!r} cannot be resolved (a symbolic link loop?); pick another folder."
        ) from None
    if not resolved.is_relative_to(real_root):
        raise InvalidArgumentError(
            f"Folder {text!r} is outside the data root {str(real_root)!r}; pick a folder "
            f"inside it."
        )
    if not resolved.is_dir():
        raise InvalidArgumentError(
            f"Folder {text!r} does not exist in the data root {str(real_root)!r}; check the name."
        )
    return resolved


def _inside(path, real_root: Path) -> bool:
    """True when *path*, symbolic links resolved, lies inside *real_root*."""
    try:
        return Path(os.path.realpath(path)).is_relative_to(real_root)
    except (OSError, ValueError):
        return False


def _has_images(folder: Path, real_root: Path) -> bool:
    """True when one of the first entries of *folder* is an image file inside the root."""
    try:
        with os.scandir(folder) as entries:
            for i, entry in enumerate(entries):
                if i >= _PEEK:
                    return False
                if (entry.name.lower().endswith(IMAGE_EXTENSIONS) and entry.is_file()
                        and (not entry.is_symlink() or _inside(entry.path, real_root))):
                    return True
    except OSError:
        return False
    return False


def _visible_dirs(folder: Path, real_root: Path) -> list[Path]:
    """Sub-folders of *folder* that are not hidden and, links resolved, lie inside the root."""
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")
                      and (not p.is_symlink() or _inside(p, real_root)))
    except OSError:
        return []


def class_folders(root) -> list[Path]:
    """Folders directly under *root* with two or more class sub-folders holding images.

    Folders whose real path is outside the root (symbolic links) are left out,
    and so are class folders and images that are links to outside the root:
    a folder is offered only for what can be read from inside the root.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from dl_notebook.widgets._data_root import class_folders
        >>> root = Path(tempfile.mkdtemp())
        >>> for cls in ("cat", "dog"):
        ...     (root / "pets" / cls).mkdir(parents=True)
        ...     _ = (root / "pets" / cls / "1.png").write_bytes(b"")
        >>> (root / "empty").mkdir()
        >>> [p.name for p in class_folders(root)]
        ['pets']
    """
    real_root = Path(root).expanduser().resolve()
    found = []
    for folder in _visible_dirs(real_root, real_root):
        classes = _visible_dirs(folder, real_root)
        with_images = sum(_has_images(c, real_root) for c in classes[:3])
        if len(classes) >= 2 and with_images >= min(2, len(classes)):
            found.append(folder)
    return found
