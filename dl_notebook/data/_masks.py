"""Masks of a SegmentationDataset: reading mask files, pairing them with images, flips.

A mask file is a grey or palette PNG whose pixel values are class ids, or a
colour image read through a palette that maps each colour to a class id.

Example:
    >>> import os, tempfile, numpy as np
    >>> from PIL import Image
    >>> from dl_notebook.data._masks import read_mask
    >>> path = os.path.join(tempfile.mkdtemp(), "m.png")
    >>> Image.fromarray(np.array([[0, 0, 255], [0, 255, 0]], np.uint8)[[0, 1, 1]].repeat(2, 0)
    ...                 .reshape(3, 2, 3)).save(path)
    >>> read_mask(path, palette={(0, 0, 255): 1, (0, 255, 0): 2}).tolist()
    [[1, 1], [2, 2], [2, 2]]
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import InvalidArgumentError
from . import _decode

__all__ = ["check_augment", "check_palette", "class_names_for", "flip_batches", "mask_labels",
           "pair_files", "read_mask"]

_AUGMENT = ("flip", "brightness", "contrast")
_FLIPS = {"horizontal": (2,), "vertical": (1,), "both": (2, 1)}


def _colour(value):
    """An ``(r, g, b)`` tuple from a tuple or a ``"#rrggbb"`` string."""
    if isinstance(value, str) and len(value) == 7 and value.startswith("#"):
        try:
            return tuple(int(value[i:i + 2], 16) for i in (1, 3, 5))
        except ValueError:
            pass
    elif isinstance(value, (tuple, list)) and len(value) == 3 and all(
            isinstance(v, (int, np.integer)) and 0 <= v <= 255 for v in value):
        return tuple(int(v) for v in value)
    raise InvalidArgumentError(
        f"A palette colour must be (r, g, b) with values 0..255 or '#rrggbb'; got {value!r}."
    )


def check_palette(palette):
    """``{(r, g, b): class_id}`` from a dict of colours to ids, or a list (position = id)."""
    if palette is None:
        return None
    if isinstance(palette, (list, tuple)):
        palette = {colour: i for i, colour in enumerate(palette)}
    if not isinstance(palette, dict) or not palette:
        raise InvalidArgumentError(
            "palette must map colours to class ids, e.g. {(0, 0, 0): 0, (255, 0, 0): 1}, or "
            f"list one colour per class; got {palette!r}."
        )
    return {_colour(c): int(i) for c, i in palette.items()}


def read_mask(path, palette=None) -> np.ndarray:
    """The mask file *path* as ``(H, W)`` class ids; ValueError with the reason when it cannot be.

    A single-channel or palette (``P``) PNG holds class ids; an RGB mask
    needs *palette* (``{(r, g, b): class_id}``) unless it is grey.
    """
    from PIL import Image

    with Image.open(path) as img:
        img.load()
        if palette is None and img.mode in ("L", "P", "I", "I;16", "1"):
            return np.asarray(img, dtype=np.int32)
        rgb = np.asarray(img.convert("RGB"), dtype=np.int32)
    if palette is None:
        if (rgb == rgb[..., :1]).all():
            return rgb[..., 0]
        raise ValueError("colour mask without a palette (give palette=)")
    codes = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    keys = np.array([(r << 16) | (g << 8) | b for r, g, b in palette], dtype=np.int32)
    order = np.argsort(keys)
    pos = np.clip(np.searchsorted(keys[order], codes), 0, len(keys) - 1)
    found = keys[order][pos] == codes
    if not found.all():
        r, g, b = (int(v) for v in rgb[~found][0])
        raise ValueError(f"mask colour ({r}, {g}, {b}) is not in the palette")
    return np.array(list(palette.values()), dtype=np.int32)[order][pos]


def mask_labels(masks, n_classes) -> np.ndarray:
    """Per mask, its most frequent non-background class (0 when it has none)."""
    out = np.zeros(len(masks), np.int64)
    for i, mask in enumerate(masks):
        counts = np.bincount(np.asarray(mask).ravel(), minlength=n_classes)[1:]
        out[i] = 1 + int(counts.argmax()) if counts.any() else 0
    return out


def class_names_for(class_names, n_classes, where):
    if class_names is None:
        return ["background", *(f"class{i}" for i in range(1, max(n_classes, 2)))]
    names = [str(c) for c in class_names]
    if len(names) < 2:
        raise InvalidArgumentError(
            f"{where}: class_names needs the background (index 0) and at least one class; got "
            f"{names!r}."
        )
    return names


def check_augment(augment):
    """``(flip axes, other augmentations)`` from a segmentation dataset's *augment* dict."""
    if augment is None or augment is False:
        return (), {}
    if not isinstance(augment, dict):
        raise InvalidArgumentError(
            f"augment must be a dict such as {{'flip': 'horizontal'}}; got {augment!r}."
        )
    unknown = sorted(set(augment) - set(_AUGMENT))
    if unknown:
        raise InvalidArgumentError(
            f"Unknown augmentation {unknown[0]!r} for segmentation; use any of "
            f"{list(_AUGMENT)}."
        )
    flip = augment.get("flip")
    if flip is True:
        flip = "horizontal"
    if flip not in (None, False, *_FLIPS):
        raise InvalidArgumentError(
            f"flip must be 'horizontal', 'vertical' or 'both'; got {flip!r}."
        )
    return _FLIPS.get(flip, ()), {k: v for k, v in augment.items() if k != "flip"}


def pair_files(image_root, mask_root, palette, max_pixels):
    """Images and masks of two folders paired by relative name without extension.

    Returns ``(pairs, masks, skipped)``: ``(image path, mask path, FileInfo)``
    of each readable pair, its mask as class ids, and ``(path, reason)`` of
    each file left out.
    """

    def by_stem(root):
        return {os.path.splitext(os.path.relpath(p, root))[0]: p
                for p in _decode.walk_images(root)}

    found, mask_files = by_stem(image_root), by_stem(mask_root)
    skipped = [(p, "no image with the same name") for s, p in sorted(mask_files.items())
               if s not in found]
    stems = sorted(found)
    checks = _decode.check_files([found[s] for s in stems], max_pixels)
    pairs, loaded = [], []
    for stem, (info, reason) in zip(stems, checks):
        image = found[stem]
        if stem not in mask_files:
            skipped.append((image, "no mask with the same name"))
            continue
        if info is None:
            skipped.append((image, reason))
            continue
        try:
            mask = read_mask(mask_files[stem], palette)
        except Exception as err:  # noqa: BLE001 - any failure is the reason
            skipped.append((mask_files[stem], str(err) if isinstance(err, ValueError)
                            else f"unreadable mask ({type(err).__name__})"))
            continue
        if mask.shape != (info.height, info.width):
            skipped.append((mask_files[stem], f"mask is {mask.shape[1]}x{mask.shape[0]} "
                            f"but its image is {info.width}x{info.height}"))
            continue
        pairs.append((image, mask_files[stem], info))
        loaded.append(mask)
    return pairs, loaded, skipped


def flip_batches(ds, axes, seed):
    """Flip each image of a batched ``(images, masks)`` dataset and its mask, with chance 1/2.

    *axes* are the axes of the images to flip (2: left-right, 1: up-down);
    each epoch draws the flips anew.
    """
    import tensorflow as tf

    coins = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)

    def flip(batch, draw):
        img, mask = batch
        for k, axis in enumerate(axes):
            turn = tf.random.stateless_uniform([tf.shape(img)[0]],
                                               seed=tf.stack([draw, k])) < 0.5
            img = tf.where(turn[:, None, None, None], tf.reverse(img, [axis]), img)
            mask = tf.where(turn[:, None, None], tf.reverse(mask, [axis]), mask)
        return img, mask

    return tf.data.Dataset.zip((ds, coins)).map(flip)
