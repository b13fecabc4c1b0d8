"""The paging part of the browser widgets: pages of images the kernel makes one at a time.

:class:`PagedBrowser` holds what the image browser (:mod:`.browser`) and the detection
browser (:mod:`.detection_browser`) share: the synced traits of the paging row and the
current page, moving between pages, selecting other images, and the messages of the
page's ``pager`` (``_base.js``), each answered by ``{"type": "ready"}``. A subclass
makes the current page (:meth:`PagedBrowser._load_page`) and acts on its own messages
(:meth:`PagedBrowser._act`).

Example:
    >>> is_int(3), is_int(True), data_url(b"png")
    (True, False, 'data:image/png;base64,cG5n')
"""

from __future__ import annotations

import base64
import math

import anywidget
import numpy as np
import traitlets

from dl_notebook.errors import InvalidArgumentError

__all__ = ["PagedBrowser", "data_url", "is_int"]


def is_int(value) -> bool:
    """Whether *value* is an integer (Python or NumPy), not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def data_url(png: bytes) -> str:
    """A ``data:`` URL of PNG bytes, for an ``<img>`` of the page."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


class PagedBrowser(anywidget.AnyWidget):
    """Pages of the images ``indices`` selects: the current page's items and thumbnails.

    Pages hold ``page_size`` images and are numbered from 0 (the page shows them from 1);
    setting ``page`` clamps it to the pages and makes that page.
    """

    summary = traitlets.Unicode(help="Header line: filter, counts and page.").tag(sync=True)
    page = traitlets.Int(0, help="Current page, from 0; clamped to the pages.").tag(sync=True)
    n_pages = traitlets.Int(1, help="Number of pages (read-only).").tag(sync=True)
    n_images = traitlets.Int(0, help="Number of images selected (read-only).").tag(sync=True)
    page_size = traitlets.Int(24, help="Images per page (read-only).").tag(sync=True)
    thumb_size = traitlets.Int(96, help="Image side in pixels (read-only).").tag(sync=True)
    items = traitlets.List(help="The current page's entries, without images.").tag(sync=True)
    thumbnails = traitlets.List(
        traitlets.Unicode(), help="PNG data URLs of the current page, in the order of items."
    ).tag(sync=True)
    busy = traitlets.Bool(False, help="True while the kernel makes a page.").tag(sync=True)
    error = traitlets.Unicode("", help="The last error of a browser action, or ''.").tag(
        sync=True
    )

    def __init__(self, **traits):
        super().__init__(**traits)
        self._indices = np.empty(0, dtype=np.int64)
        self._loading = False
        self.on_msg(self._on_message)

    @property
    def indices(self) -> np.ndarray:
        """Indices of every image the filter selects, in order."""
        view = self._indices.view()
        view.flags.writeable = False
        return view

    def next_page(self) -> None:
        """Show the next page (stays on the last one)."""
        self.go(self.page + 1)

    def prev_page(self) -> None:
        """Show the previous page (stays on the first one)."""
        self.go(self.page - 1)

    def go(self, page) -> None:
        """Show *page* (from 0), clamped to the first and last pages."""
        if not is_int(page):
            raise InvalidArgumentError(f"page must be an integer page number; got {page!r}.")
        self.page = int(page)

    # ------------------------------------------------------------------ internals
    def _select(self, indices, **traits) -> None:
        """Show the images *indices* from the first page, with *traits* set (one page load)."""
        self._indices = np.asarray(indices, dtype=np.int64)
        self._loading = True  # one page load below, not one per trait
        try:
            for name, value in traits.items():
                setattr(self, name, value)
            self.n_images = len(self._indices)
            self.n_pages = max(1, math.ceil(len(self._indices) / self.page_size))
            self.page = 0
        finally:
            self._loading = False
        self._load_page()

    def _show_page(self, items, thumbnails) -> None:
        """Send the current page's *items* and *thumbnails* with its summary, at once."""
        with self.hold_sync():
            self.items = items
            self.thumbnails = thumbnails
            self.summary = self._summary()
            self.error = ""

    def _load_page(self) -> None:
        raise NotImplementedError

    def _summary(self) -> str:
        raise NotImplementedError

    def _act(self, kind, content) -> None:
        """Act on a message of the page other than ``go``."""

    @traitlets.validate("page")
    def _clamp_page(self, proposal):
        return min(max(int(proposal["value"]), 0), self.n_pages - 1)

    @traitlets.observe("page")
    def _page_changed(self, _change):
        if not self._loading:
            self._load_page()

    def _on_message(self, _widget, content, _buffers) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        try:
            if kind == "go":
                self.go(int(content.get("page", self.page)))
            else:
                self._act(kind, content)
        except Exception as err:  # shown in the view: a comm handler has nowhere else to say it
            self.error = str(err) if str(err).strip() else type(err).__name__
        finally:
            self.send({"type": "ready"})
