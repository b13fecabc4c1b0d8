"""Finding, checking and decoding image files for :class:`ImageDataset`.

Files are checked at load time by reading their header only (Pillow's
``open`` + ``verify``, in a thread pool); pixels are decoded later, inside a
``tf.data`` pipeline. TensorFlow's own decoders handle the common cases
(8-bit PNG, JPEG, GIF, 24/32-bit BMP); everything else (TIFF, WEBP,
16-bit, CMYK, palette BMP) goes through Pillow in ``tf.numpy_function``.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp")
DEFAULT_MAX_PIXELS = 100_000_000

# (Pillow format, Pillow mode) pairs that tf.io.decode_image reads correctly.
_TF_DECODABLE = {
    "PNG": {"L", "LA", "RGB", "RGBA", "P"},
    "JPEG": {"L", "RGB"},
    "GIF": {"L", "P", "RGB"},
    "BMP": {"RGB", "RGBA"},
}
_SIXTEEN_BIT = {"I;16", "I;16B", "I;16L", "I;16N", "I"}


@dataclass(frozen=True)
class FileInfo:
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
    """Image files under *root*, sorted, skipping hidden files and folders."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(os.path.join(folder, f) for f in sorted(files)
                     if not f.startswith(".") and is_image_name(f))
    return found


def _has_jpeg_end(path, tail=64):
    """True when the JPEG end-of-image marker is among the file's last bytes."""
    with open(path, "rb") as f:
        f.seek(max(0, os.path.getsize(path) - tail))
        return b"\xff\xd9" in f.read()


def check_file(path: str, max_pixels: int = DEFAULT_MAX_PIXELS):
    """Return ``(FileInfo, None)`` for a readable image, else ``(None, reason)``.

    Only the header and chunk structure are read (no full decode), except
    for a JPEG file without its end marker, which is decoded to be sure.
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
                    return None, (f"image too large ({img.width}x{img.height} pixels; "
                                  f"max_pixels={max_pixels:,})")
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
    """Run :func:`check_file` over *paths* in a thread pool, keeping their order."""
    if not paths:
        return []
    workers = min(32, (os.cpu_count() or 2) * 4, len(paths))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda p: check_file(p, max_pixels), paths))


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


def pil_decode(path, channels: int) -> np.ndarray:
    """Decode the first frame of the image file *path* with Pillow (see :func:`pil_to_array`)."""
    from PIL import Image

    if isinstance(path, bytes):
        path = path.decode()
    with Image.open(path) as img:
        img.seek(0)
        img.load()
        return pil_to_array(img, int(channels))


def tf_decode(path, use_pil, channels: int):
    """Graph-mode decode of one file to ``uint8`` ``H×W×channels`` (TensorFlow or Pillow)."""
    import tensorflow as tf

    def with_tf():
        img = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
        if channels == 1:
            img = tf.cast(tf.round(tf.image.rgb_to_grayscale(tf.cast(img, tf.float32))),
                          tf.uint8)
        return img

    def with_pil():
        img = tf.numpy_function(pil_decode, [path, channels], tf.uint8, stateful=False)
        return tf.reshape(img, [tf.shape(img)[0], tf.shape(img)[1], channels])

    img = tf.cond(use_pil, with_pil, with_tf)
    img.set_shape([None, None, channels])
    return img


def tf_resize(img, size, method: str):
    """Resize one ``H×W×C`` image to *size* as ``"stretch"``, ``"pad"`` or ``"crop"`` (float32)."""
    import tensorflow as tf

    img = tf.cast(img, tf.float32)
    height, width = size
    if method == "stretch":
        out = tf.image.resize(img, size, antialias=True)
    elif method == "pad":
        out = tf.image.resize_with_pad(img, height, width, antialias=True)
    else:  # crop: cover the target, then cut the centre
        shape = tf.cast(tf.shape(img)[:2], tf.float32)
        factor = tf.maximum(height / shape[0], width / shape[1])
        new = tf.cast(tf.math.ceil(shape * factor), tf.int32)
        new = tf.maximum(new, [height, width])
        out = tf.image.resize(img, new, antialias=True)
        out = tf.image.resize_with_crop_or_pad(out, height, width)
    return tf.clip_by_value(out, 0.0, 255.0)
