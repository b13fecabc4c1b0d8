"""The dataset choice of the Train and inspect dashboard: the bundled digits or a class folder.

:class:`FolderChoice` is mixed into
:class:`~dl_notebook.widgets.train_inspect.TrainInspectApp`: it fills the Dataset
picker with the class folders under the data root, shows the Folder box for
"Another folder…" and checks what is typed there (inside the data root, at least
two class folders). It uses the app's ``dataset``, ``path``, ``color_mode`` and
``data_root`` and its status line (``_say``).

Example:
    >>> import tempfile
    >>> from dl_notebook.widgets.train_inspect import TrainInspectApp
    >>> app = TrainInspectApp(data_root=tempfile.mkdtemp(), image_size=16)
    >>> [label for label, _ in app._dataset_options()]
    ['digits (bundled)', 'Another folder…']
"""

from __future__ import annotations

from pathlib import Path

from dl_notebook.errors import InvalidArgumentError
from dl_notebook.widgets._data_root import class_folders, resolve_inside

__all__ = ["DIGITS", "OTHER", "FolderChoice"]

DIGITS = "digits"  # the dataset picker's value for the bundled digits
OTHER = "other"  # ... and for "Another folder…" (the path box)


class FolderChoice:
    """The Dataset picker's options and events, and :meth:`use_folder`."""

    def _dataset_options(self):
        bundled = (self.data_root / "digits").resolve()
        found = [(p.name, str(p)) for p in class_folders(self.data_root) if p != bundled]
        return [("digits (bundled)", DIGITS), *found, ("Another folder…", OTHER)]

    def _on_dataset(self, change):
        other = change["new"] == OTHER
        self.path.layout.display = None if other else "none"
        if change["new"] == DIGITS:
            self.color_mode.value = "grayscale"
        elif not other:
            self.color_mode.value = "rgb"
            self._say(f"Dataset {Path(change['new']).name!r}; press Train.", "idle")
        if other and self.path.value.strip():
            self._check_path()

    def _on_path(self, _change):
        if self.dataset.value == OTHER:
            self._check_path()

    def _check_path(self) -> Path:
        folder = resolve_inside(self.path.value, self.data_root)
        classes = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
        if len(classes) < 2:
            raise InvalidArgumentError(
                f"Folder {self.path.value.strip()!r} needs one sub-folder of images per class "
                f"(at least two); it has {len(classes)}."
            )
        self._say(f"Folder {folder.name!r}: {len(classes)} class folders; press Train.", "idle")
        return folder

    def _n_classes_guess(self) -> int:
        if self.dataset.value in (DIGITS, OTHER):
            return 10
        folder = Path(self.dataset.value)
        return max(2, sum(1 for p in folder.iterdir() if p.is_dir()))

    def use_folder(self, path) -> None:
        """Choose "Another folder…" with *path* (what typing it in the Folder box does)."""
        self.dataset.value = OTHER
        self.path.value = str(path)
