"""Reading box annotations: Pascal VOC XML, YOLO txt, class-name files, and one box check.

Every reader returns boxes as xyxy pixels, 0-based with ``x_max``/``y_max``
exclusive (the convention of :func:`dl_notebook.datasets.shapes`), or raises
:class:`AnnotationError` with the reason in a few words; the dataset then
leaves the image out and lists it in ``skipped``.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET

import numpy as np

from ..errors import InvalidArgumentError

__all__ = ["AnnotationError", "check_boxes", "read_class_names", "read_voc", "read_yolo"]

TOLERANCE = 0.5  # a box may pass the image edge by this much (pixels) and is clipped to it


class AnnotationError(ValueError):
    """An annotation file that cannot be used, with the reason as its message."""


def _number(node, tag):
    text = node.findtext(tag)
    if text is None or not text.strip():
        raise AnnotationError(f"<{tag}> is missing")
    try:
        return float(text)
    except ValueError:
        raise AnnotationError(f"<{tag}> is not a number ({text.strip()!r})") from None


def read_voc(path):
    """Read one Pascal VOC XML file.

    VOC corners are 1-based and inclusive: a box ``xmin=1, xmax=10`` covers
    pixels 1..10 counted from 1, which is ``x_min=0, x_max=10`` here.

    Args:
        path: the ``.xml`` file.

    Returns:
        ``(filename, (height, width) or None, names, boxes, difficult)``:
        the ``<filename>`` (or None), the ``<size>`` when given, the class
        name of each object, its ``(N, 4)`` float32 box and its
        ``difficult`` flag.

    Example:
        >>> import tempfile, os
        >>> xml = ("<annotation><filename>a.jpg</filename><object><name>dog</name>"
        ...        "<difficult>1</difficult><bndbox><xmin>1</xmin><ymin>2</ymin>"
        ...        "<xmax>10</xmax><ymax>20</ymax></bndbox></object></annotation>")
        >>> path = os.path.join(tempfile.mkdtemp(), "a.xml")
        >>> with open(path, "w") as f:
        ...     _ = f.write(xml)
        >>> name, size, names, boxes, difficult = read_voc(path)
        >>> name, names, boxes.tolist(), difficult.tolist()
        ('a.jpg', ['dog'], [[0.0, 1.0, 10.0, 20.0]], [True])
    """
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as err:
        raise AnnotationError(f"unparsable XML ({err})") from None
    except OSError as err:
        raise AnnotationError(f"cannot read the file ({err.strerror or err})") from None
    size = None
    node = root.find("size")
    if node is not None and node.findtext("width") and node.findtext("height"):
        size = (int(_number(node, "height")), int(_number(node, "width")))
    names, boxes, difficult = [], [], []
    for obj in root.iter("object"):
        name = (obj.findtext("name") or "").strip()
        if not name:
            raise AnnotationError("an <object> has no <name>")
        box = obj.find("bndbox")
        if box is None:
            raise AnnotationError(f"object {name!r} has no <bndbox>")
        x0, y0, x1, y1 = (_number(box, tag) for tag in ("xmin", "ymin", "xmax", "ymax"))
        names.append(name)
        boxes.append((x0 - 1, y0 - 1, x1, y1))
        difficult.append((obj.findtext("difficult") or "0").strip() == "1")
    filename = (root.findtext("filename") or "").strip() or None
    return (filename, size, names, np.asarray(boxes, np.float32).reshape(-1, 4),
            np.asarray(difficult, bool))


def read_yolo(path, height, width):
    """Read one YOLO label file (``class cx cy w h`` per line, normalised to 0..1).

    Args:
        path: the ``.txt`` file.
        height, width: the image's size in pixels.

    Returns:
        ``(class_ids, boxes)``: ``(N,)`` int64 and ``(N, 4)`` float32 xyxy pixels.

    Example:
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
        >>> with open(path, "w") as f:
        ...     _ = f.write("1 0.5 0.25 0.5 0.5\\n")
        >>> ids, boxes = read_yolo(path, height=20, width=40)
        >>> ids.tolist(), boxes.tolist()
        ([1], [[10.0, 0.0, 30.0, 10.0]])
    """
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise AnnotationError(f"cannot read the file ({err})") from None
    ids, boxes = [], []
    for number, line in enumerate(lines, 1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 5:
            raise AnnotationError(
                f"line {number} has {len(fields)} fields, not 5 (class cx cy w h)")
        try:
            class_id = int(fields[0])
            cx, cy, w, h = (float(v) for v in fields[1:])
        except ValueError:
            raise AnnotationError(f"line {number} is not 'class cx cy w h' numbers") from None
        ids.append(class_id)
        boxes.append(((cx - w / 2) * width, (cy - h / 2) * height,
                      (cx + w / 2) * width, (cy + h / 2) * height))
    return np.asarray(ids, np.int64), np.asarray(boxes, np.float32).reshape(-1, 4)


def check_boxes(boxes, height, width):
    """The boxes clipped to the image, or :class:`AnnotationError` for a box that is wrong.

    A box is wrong when ``x_max <= x_min`` or ``y_max <= y_min``, or when it
    passes an edge of the image by more than half a pixel.

    Example:
        >>> import numpy as np
        >>> check_boxes(np.array([[-0.2, 0, 8, 4]], np.float32), 4, 8).tolist()
        [[0.0, 0.0, 8.0, 4.0]]
    """
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    for x0, y0, x1, y1 in boxes:
        if not (x1 > x0 and y1 > y0):
            raise AnnotationError(
                f"box ({x0:g}, {y0:g}, {x1:g}, {y1:g}) has x_max <= x_min or y_max <= y_min")
        if min(x0, y0) < -TOLERANCE or x1 > width + TOLERANCE or y1 > height + TOLERANCE:
            raise AnnotationError(
                f"box ({x0:g}, {y0:g}, {x1:g}, {y1:g}) lies outside the {width}x{height} image")
    return np.clip(boxes, 0, [width, height, width, height]).astype(np.float32)


def _yaml_names(text):
    """The ``names:`` entry of a YOLO ``data.yaml``: an inline list, a block list or a map."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        match = re.match(r"^names\s*:\s*(.*)$", line)
        if not match:
            continue
        rest = match.group(1).split("#")[0].strip()
        if rest.startswith("["):
            return [n.strip().strip("'\"") for n in rest.strip("[]").split(",") if n.strip()]
        names = {}
        for item in lines[i + 1:]:
            if item.strip() and not item[0].isspace() and not item.startswith("-"):
                break
            entry = re.match(r"^\s*(?:-\s*|(\d+)\s*:\s*)(.+?)\s*$", item)
            if entry:
                key = int(entry.group(1)) if entry.group(1) else len(names)
                names[key] = entry.group(2).strip("'\"")
        return [names[k] for k in sorted(names)]
    return []


def read_class_names(path):
    """Class names from a ``classes.txt`` (one per line) or a YOLO ``data.yaml`` (``names:``).

    Example:
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "data.yaml")
        >>> with open(path, "w") as f:
        ...     _ = f.write("nc: 2\\nnames:\\n  0: cat\\n  1: dog\\n")
        >>> read_class_names(path)
        ['cat', 'dog']
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise InvalidArgumentError(f"Class-name file {path!r} does not exist; check the path.")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    if path.lower().endswith((".yaml", ".yml")):
        names = _yaml_names(text)
    else:
        names = [line.strip() for line in text.splitlines() if line.strip()]
    if not names:
        raise InvalidArgumentError(
            f"No class names found in {path!r}; write one name per line (classes.txt) or a "
            "'names:' list (data.yaml).")
    return names


# -- folder layouts: one record per image, (image path, annotation path, read(height, width)) --

def _find_image(folder, stem):
    from ._decode import IMAGE_EXTENSIONS

    for ext in IMAGE_EXTENSIONS + tuple(e.upper() for e in IMAGE_EXTENSIONS):
        if os.path.isfile(os.path.join(folder, stem + ext)):
            return os.path.join(folder, stem + ext)
    return None


def voc_records(folder):
    """Records of a VOC folder (``Annotations/`` + ``JPEGImages/``, or XML beside each image).

    Returns ``(records, skipped)``; an XML file whose image is missing is skipped.
    """
    notes = os.path.join(folder, "Annotations")
    if os.path.isdir(notes):
        images = os.path.join(folder, "JPEGImages")
        images = images if os.path.isdir(images) else folder
    else:
        notes = images = folder
    records, skipped = [], []
    for name in sorted(n for n in os.listdir(notes) if n.lower().endswith(".xml")):
        xml = os.path.join(notes, name)
        image = _find_image(images, os.path.splitext(name)[0])
        if image is None:
            try:  # the image may have another stem: ask the file
                filename = read_voc(xml)[0]
            except AnnotationError:
                filename = None
            if filename and os.path.isfile(os.path.join(images, filename)):
                image = os.path.join(images, filename)
        if image is None:
            skipped.append((xml, "no image file for this annotation"))
            continue

        def read(height, width, xml=xml):
            _, _, names, boxes, difficult = read_voc(xml)
            return boxes, names, difficult

        records.append((image, xml, read))
    return records, skipped


def yolo_records(folder):
    """Records of a YOLO folder (``images/`` + ``labels/``, or a ``.txt`` beside each image).

    An image without a label file has no objects (YOLO's background images).
    """
    from ._decode import walk_images

    images = os.path.join(folder, "images")
    if os.path.isdir(images):
        labels = os.path.join(folder, "labels")
        files = walk_images(images)
    else:
        images = labels = folder
        files = [os.path.join(folder, n) for n in sorted(os.listdir(folder))
                 if os.path.isfile(os.path.join(folder, n))]
        from ._decode import is_image_name

        files = [f for f in files if is_image_name(f)]
    records = []
    for image in files:
        stem = os.path.splitext(os.path.relpath(image, images))[0]
        txt = os.path.join(labels, stem + ".txt")

        def read(height, width, txt=txt):
            if not os.path.isfile(txt):
                return np.zeros((0, 4), np.float32), np.zeros(0, np.int64), None
            ids, boxes = read_yolo(txt, height, width)
            return boxes, ids, None

        records.append((image, txt, read))
    return records, []


def dataframe_records(df, folder, image_col, class_col, box_cols):
    """Records of a table with one row per box (a row without box values: an image with none)."""
    missing = [c for c in (image_col, class_col, *box_cols) if c not in df.columns]
    if missing:
        raise InvalidArgumentError(
            f"The table has no column {missing[0]!r}; use one of {list(df.columns)}.")
    base = os.getcwd() if folder is None else os.fspath(folder)
    rows = {}
    for number, row in enumerate(df[[image_col, class_col, *box_cols]].itertuples(index=False)):
        rows.setdefault(str(row[0]), []).append((number, row[1], row[2:]))
    records = []
    for file, entries in rows.items():
        image = file if os.path.isabs(file) else os.path.join(base, file)

        def read(height, width, entries=entries):
            boxes, classes = [], []
            for number, cls, box in entries:
                values = np.asarray(box, np.float64)
                if np.isnan(values).all():
                    continue
                if np.isnan(values).any():
                    raise AnnotationError(f"row {number} has an empty box column")
                boxes.append(values)
                classes.append(cls)
            return np.asarray(boxes, np.float32).reshape(-1, 4), classes, None

        records.append((image, f"the table's rows for {file!r}", read))
    return records, []


# -- records into checked boxes and class ids ---------------------------------------------

def class_ids(classes, class_names):
    """Class ids from names or ids; :class:`AnnotationError` for one not in *class_names*."""
    index = {name: i for i, name in enumerate(class_names)}
    ids = []
    for value in classes:
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            if not 0 <= value < len(class_names):
                raise AnnotationError(f"unknown class id {int(value)}")
            ids.append(int(value))
        elif str(value) in index:
            ids.append(index[str(value)])
        else:
            raise AnnotationError(f"unknown class {str(value)!r}")
    return np.asarray(ids, np.int64)


def warn_skipped(skipped):
    """One warning naming how many images were left out, and the first few with reasons."""
    import warnings

    from ._unreadable import UnreadableImageWarning

    if not skipped:
        return
    named = "; ".join(f"{p!r} ({r})" for p, r in skipped[:5])
    more = f"; and {len(skipped) - 5} more" if len(skipped) > 5 else ""
    warnings.warn(f"{len(skipped)} image{'s' * (len(skipped) != 1)} left out with their "
                  f"annotations (listed in .skipped): {named}{more}.",
                  UnreadableImageWarning, stacklevel=4)


def load_records(records, skipped, class_names, where, ids=False):
    """Header-check the images, read and check their annotations; the dataset's fields.

    Args:
        records: ``(image path, annotation name, read(height, width))`` per image.
        skipped: ``(path, reason)`` already found; the new ones are added.
        class_names: the classes, or None to take them from the annotations
            (sorted names, or ``"0"``.. the largest id when *ids*).
        where: the source, for the error when nothing is left.
    """
    from ._decode import check_files

    checks = check_files([r[0] for r in records])
    read = []
    for (image, note, reader), (info, reason) in zip(records, checks):
        if info is None:
            skipped.append((image, reason))
            continue
        try:
            boxes, classes, difficult = reader(info.height, info.width)
            boxes = check_boxes(boxes, info.height, info.width)
            read.append((image, note, info, boxes, classes, difficult))
        except AnnotationError as err:
            skipped.append((note, str(err)))
    if class_names is None:
        found = {c for r in read for c in r[4]}
        class_names = ([str(i) for i in range(max(map(int, found), default=0) + 1)] if ids
                       else sorted(map(str, found)))
    kept = []
    for image, note, info, boxes, classes, difficult in read:
        try:
            labels = class_ids(classes, class_names)
        except AnnotationError as err:
            skipped.append((note, str(err)))
            continue
        kept.append((image, info, boxes, labels,
                     np.zeros(len(labels), bool) if difficult is None else difficult))
    if not kept:
        raise InvalidArgumentError(
            f"No image with a usable annotation in {where} ({len(skipped)} left out: "
            f"{skipped[0][1] if skipped else 'none found'}); check the files or the path.")
    warn_skipped(skipped)
    return dict(boxes=[k[2] for k in kept], box_labels=[k[3] for k in kept],
                difficult=[k[4] for k in kept], class_names=list(class_names),
                sizes=[(k[1].height, k[1].width) for k in kept], paths=[k[0] for k in kept],
                infos=[k[1] for k in kept], skipped=skipped)
