"""Finding, checking and decoding image files for :class:`ImageDataset`.

Files are checked at load time without decoding their pixels: PNG and JPEG
by reading their structure in plain Python (a few hundred bytes per file),
other formats and anything unusual by Pillow's ``open`` + ``verify``.
Pixels are decoded later, inside a ``tf.data`` pipeline (``_files``). TensorFlow's own
decoders handle the common cases (8-bit PNG, JPEG, GIF, 24/32-bit BMP);
everything else (TIFF, WEBP, 16-bit, CMYK, palette BMP) goes through Pillow
in ``tf.numpy_function``.
"""

from __future__ import annotations

import os
import struct
from typing import NamedTuple

import numpy as np

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp")
DEFAULT_MAX_PIXELS = 8192 * 8192  # 67 million pixels: 200 MB as RGB bytes

# (Pillow format, Pillow mode) pairs that tf.io.decode_image reads correctly.
_TF_DECODABLE = {
    "PNG": {"L", "LA", "RGB", "RGBA", "P"},
    "JPEG": {"L", "RGB"},
    "GIF": {"L", "P", "RGB"},
    "BMP": {"RGB", "RGBA"},
}
_SIXTEEN_BIT = {"I;16", "I;16B", "I;16L", "I;16N", "I"}


class FileInfo(NamedTuple):
    """What the header check learned about one readable image file."""

    width: int
    height: int
    mode: str
    format: str

    @property
    def tf_decodable(self) -> bool:
        return self.mode in _TF_DECODABLE.get(self.format, ())


def is_image_name(name: str) -> bool:
    """True when *name* has one of the supported extensions (any letter case)."""
    return name.lower().endswith(IMAGE_EXTENSIONS)


def walk_images(root: str) -> list[str]:
    """Image files under *root*, sorted, skipping hidden files and folders.

    Files of a folder come before those of its sub-folders, which are
    visited in name order; links to folders are not followed.
    """
    return [path for path, reason in walk_confined(root) if reason is None]


def is_inside(path: str, real_root: str) -> bool:
    """True when *path*, with every symbolic link resolved, lies in the folder *real_root*."""
    real = os.path.realpath(path)
    return real == real_root or real.startswith(os.path.join(real_root, ""))


def walk_confined(root: str, inside: str | None = None):
    """``(path, None)`` for each image file under *root* (order of :func:`walk_images`).

    With *inside* (a resolved folder), a symbolic link to a file or folder
    whose target lies outside it comes as ``(path, reason)`` instead, and
    links to folders that stay inside are followed (each real folder once).
    Without it, links to folders are not followed.
    """
    found: list = []
    seen = {os.path.realpath(root)}

    def visit(folder):
        try:
            with os.scandir(folder) as it:
                entries = sorted((e for e in it if not e.name.startswith(".")),
                                 key=lambda e: e.name)
        except OSError:
            return
        folders = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            link = entry.is_symlink()
            escapes = link and inside is not None and not is_inside(entry.path, inside)
            if not is_dir:
                if is_image_name(entry.name):
                    found.append((entry.path, "symbolic link to a file outside the data root"
                                  if escapes else None))
            elif escapes:
                found.append((entry.path, "symbolic link to a folder outside the data root"))
            elif not link:
                folders.append(entry.path)
            elif inside is not None and os.path.realpath(entry.path) not in seen:
                seen.add(os.path.realpath(entry.path))
                folders.append(entry.path)
        for sub in folders:
            visit(sub)

    visit(root)
    return found


def _has_jpeg_end(path, tail=64):
    """True when the JPEG end-of-image marker is among the file's last bytes."""
    with open(path, "rb") as f:
        f.seek(max(0, os.path.getsize(path) - tail))
        return b"\xff\xd9" in f.read()


# ----------------------------------------------------------------------------- fast header check
# Bytes read from the start of each file: all of a small image, so that its size and
# structure need no more system calls; the structure of a larger file is read with seeks.
_HEAD = 16384
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_IHDR = b"\x00\x00\x00\x0dIHDR"
_PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the IEND chunk, CRC included, is always this
_PNG_MAX_WALK = 64  # chunk headers visited one by one; past that only the file's end is read
# (bit depth, colour type) -> the mode Pillow opens the file in (PngImagePlugin._MODES).
_PNG_MODES = {(1, 0): "1", (2, 0): "L", (4, 0): "L", (8, 0): "L", (16, 0): "I;16",
              (8, 2): "RGB", (16, 2): "RGB", (1, 3): "P", (2, 3): "P", (4, 3): "P",
              (8, 3): "P", (8, 4): "LA", (16, 4): "RGBA", (8, 6): "RGBA", (16, 6): "RGBA"}
_JPEG_SOF = {0xC0, 0xC1, 0xC2}  # baseline, extended and progressive Huffman, 8-bit
_JPEG_OTHER_SOF = {0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_JPEG_MODES = {1: "L", 3: "RGB", 4: "CMYK"}
_JPEG_MAX_SEGMENTS = 64
_ASK_PILLOW = object()  # the fast check cannot decide; Pillow has the last word


def _read_at(fd, head, offset, n):
    """*n* bytes at *offset*, from the already-read *head* when they lie inside it."""
    if offset + n <= len(head):
        return head[offset:offset + n]
    return os.pread(fd, n, offset)


def _png_header(head):
    """FileInfo from the IHDR chunk, or None when the header is not a plain PNG one."""
    if len(head) < 33 or head[8:16] != _PNG_IHDR:
        return None
    width, height, depth, color, compression, filtering, interlace = struct.unpack_from(
        ">IIBBBBB", head, 16)
    mode = _PNG_MODES.get((depth, color))
    if mode is None or not width or not height or compression or filtering or interlace > 1:
        return None
    return FileInfo(width, height, mode, "PNG")


def _png_structure(fd, head, size):
    """None when the chunks run whole from IHDR to IEND, else a reason or ``_ASK_PILLOW``.

    Only the 8-byte chunk headers are read (the length of each chunk gives the
    position of the next); chunk data and CRCs are not.
    """
    pos, seen_data, kind = 33, False, b"IHDR"
    for _ in range(_PNG_MAX_WALK):
        if pos + 12 > size:
            where = (f"inside chunk {kind.decode()}" if pos > size
                     else "before the IEND chunk")
            return f"corrupt or truncated image (truncated PNG: the file ends {where})"
        if pos + 12 == size:  # the last possible chunk: it must be IEND
            return None if seen_data and _read_at(fd, head, pos, 12) == _PNG_IEND \
                else _ASK_PILLOW
        length, kind = struct.unpack(">I4s", _read_at(fd, head, pos, 8))
        if kind == b"IEND" or not kind.isalpha():
            return _ASK_PILLOW  # data after IEND, or not a chunk header
        seen_data = seen_data or kind == b"IDAT"
        pos += 12 + length
    if size >= pos + 12 and os.pread(fd, 12, size - 12) == _PNG_IEND:
        return None  # many chunks: the file at least ends with IEND
    return _ASK_PILLOW


def _jpeg_header(fd, head, size):
    """FileInfo from the start-of-frame segment, or ``_ASK_PILLOW``."""
    pos = 2
    for _ in range(_JPEG_MAX_SEGMENTS):
        seg = _read_at(fd, head, pos, 8)
        if len(seg) < 4 or seg[0] != 0xFF:
            return _ASK_PILLOW
        marker = seg[1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            pos += 2
            continue
        if marker in _JPEG_SOF:
            body = _read_at(fd, head, pos + 4, 6)
            if len(body) < 6:
                return _ASK_PILLOW
            bits, height, width, layers = struct.unpack(">BHHB", body)
            if bits != 8 or not height or not width or layers not in _JPEG_MODES:
                return _ASK_PILLOW
            return FileInfo(width, height, _JPEG_MODES[layers], "JPEG")
        if marker in _JPEG_OTHER_SOF or marker in (0xD8, 0xD9, 0xDA):
            return _ASK_PILLOW  # unusual coding, or no frame header before the scan
        if marker == 0xE2 and seg[4:8] == b"MPF\x00":
            return _ASK_PILLOW  # multi-picture file: Pillow may open it as MPO
        pos += 2 + ((seg[2] << 8) | seg[3])
    return _ASK_PILLOW


def _too_large(info, max_pixels):
    return (f"image too large ({info.width}x{info.height} pixels; "
            f"max_pixels={max_pixels:,})")


def _fast_check(path, max_pixels):
    """The structural check of :func:`check_file`; ``_ASK_PILLOW`` when it cannot decide."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as err:
        return None, f"cannot read the file ({err.strerror or err})"
    try:
        head = os.pread(fd, _HEAD, 0)
        size = len(head) if len(head) < _HEAD else os.fstat(fd).st_size
        if size == 0:
            return None, "empty file (0 bytes)"
        if head.startswith(_PNG_SIGNATURE):
            info = _png_header(head)
            if info is None:
                return _ASK_PILLOW
            if info.width * info.height > max_pixels:
                return None, _too_large(info, max_pixels)
            problem = _png_structure(fd, head, size)
            if problem is _ASK_PILLOW:
                return _ASK_PILLOW
            return (info, None) if problem is None else (None, problem)
        if head.startswith(b"\xff\xd8\xff"):
            info = _jpeg_header(fd, head, size)
            if info is _ASK_PILLOW:
                return _ASK_PILLOW
            if info.width * info.height > max_pixels:
                return None, _too_large(info, max_pixels)
            tail = os.pread(fd, 64, max(0, size - 64))
            return (info, None) if b"\xff\xd9" in tail else _ASK_PILLOW
        return _ASK_PILLOW
    except OSError:
        return _ASK_PILLOW
    finally:
        os.close(fd)


def check_file(path: str, max_pixels: int = DEFAULT_MAX_PIXELS):
    """Return ``(FileInfo, None)`` for a readable image, else ``(None, reason)``.

    PNG and JPEG files are checked by their structure, without decoding:
    the PNG signature, the IHDR chunk (size, bit depth, colour type) and
    the chain of chunk headers up to IEND at the end of the file (chunk
    CRCs are not read: a damaged chunk is found when the pixels are
    decoded, and the image is then left out of the pipeline); for JPEG the
    start-of-image marker, the frame header (size, components) and the
    end-of-image marker. Other formats, and anything unusual in these two,
    go to :func:`pil_check_file`.
    """
    result = _fast_check(path, max_pixels) if hasattr(os, "pread") else _ASK_PILLOW
    return pil_check_file(path, max_pixels) if result is _ASK_PILLOW else result


def pil_check_file(path: str, max_pixels: int = DEFAULT_MAX_PIXELS):
    """:func:`check_file` done by Pillow: ``open`` + ``verify`` (reads every chunk).

    A JPEG file without its end marker is decoded to be sure.
    """
    import warnings

    from PIL import Image

    try:
        size = os.path.getsize(path)
    except OSError as err:
        return None, f"cannot read the file ({err.strerror or err})"
    if size == 0:
        return None, "empty file (0 bytes)"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                info = FileInfo(img.width, img.height, img.mode, img.format or "")
                if img.width * img.height > max_pixels:
                    return None, _too_large(info, max_pixels)
                img.verify()
            if info.format == "JPEG" and not _has_jpeg_end(path):
                with Image.open(path) as img:  # no end marker: decode to be sure
                    img.load()
    except Image.DecompressionBombError:
        return None, f"image too large (over max_pixels={max_pixels:,})"
    except Exception as err:  # noqa: BLE001 - any failure means "unreadable"
        kind = type(err).__name__
        if kind == "UnidentifiedImageError":
            return None, "not an image file Pillow can identify"
        return None, f"corrupt or truncated image ({kind}: {err})"
    return info, None


def check_files(paths, max_pixels: int = DEFAULT_MAX_PIXELS):
    """Run :func:`check_file` over *paths*, keeping their order (one at a time: the
    check reads a few hundred bytes per file, less than a thread's overhead)."""
    return [check_file(p, max_pixels) for p in paths]


def pil_to_array(img, channels: int) -> np.ndarray:
    """Convert a Pillow image of any mode to a ``uint8`` ``H×W×channels`` array.

    Alpha is dropped, palettes expanded, 16-bit values scaled to 0..255 and
    CMYK converted to RGB.
    """
    if img.mode in _SIXTEEN_BIT or img.mode == "F":
        arr = np.asarray(img).astype(np.float64)
        if img.mode != "F":
            top = 65535.0 if img.mode != "I" or arr.max(initial=0) > 255 else 255.0
            arr = arr * (255.0 / top)
        gray = np.clip(np.rint(arr), 0, 255).astype(np.uint8)
        if channels == 1:
            return gray[..., None]
        return np.repeat(gray[..., None], 3, axis=-1)
    if channels == 1:
        if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
            img = img.convert("RGBA" if img.mode != "LA" else "LA")
        return np.asarray(img.convert("L"), dtype=np.uint8)[..., None]
    if img.mode in ("P", "PA") and "transparency" in img.info:
        img = img.convert("RGBA")
    return np.asarray(img.convert("RGB"), dtype=np.uint8)


def pil_decode(path, channels: int, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Decode the first frame of the image file *path* with Pillow (see :func:`pil_to_array`).

    The size is read from the header first: an image over *max_pixels* raises
    ``ValueError`` before any pixel memory is taken.
    """
    from PIL import Image

    if isinstance(path, bytes):
        path = path.decode()
    with Image.open(path) as img:
        if img.width * img.height > max_pixels:
            raise ValueError(f"image too large ({img.width}x{img.height} pixels; "
                             f"max_pixels={max_pixels:,})")
        img.seek(0)
        img.load()
        return pil_to_array(img, int(channels))
