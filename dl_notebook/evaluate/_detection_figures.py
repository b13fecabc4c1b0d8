"""Figures of detection and segmentation results: boxes on images, masks over images.

``display_object_detections`` draws boxes with matplotlib patches rather
than ``keras.visualization.draw_bounding_boxes``: that one needs OpenCV,
paints into the pixels at the image's resolution (labels unreadable on a
32-pixel image) and has no dashed lines for the ground truth.
``display_segmentation_results`` blends masks into images with
``keras.visualization.draw_segmentation_masks``. Both return a
:class:`~dl_notebook._display.FigureDisplay` (no pyplot).
"""

from __future__ import annotations

import numpy as np

from .._display import FigureDisplay
from ..errors import InvalidArgumentError, ShapeError
from .detection import _read_images
from .segmentation import evaluate_segmentation, segmentation_class_names

__all__ = ["display_object_detections", "display_segmentation_results"]

_TRUTH_COLOR = "#ffd600"  # ground-truth boxes: dashed, one colour for every class


def _palette(n):
    """*n* distinct RGB colours in 0..1 (tab10, then tab20 for more classes)."""
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N)[:3] for i in range(n)]


def _check_count(n):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InvalidArgumentError(f"n must be a positive integer; got {n!r}.")
    return int(n)


def _rgb_uint8(image):
    """An ``(H, W, 3)`` uint8 image from uint8 or float (0..255, or 0..1) pixels."""
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[-1] not in (1, 3, 4):
        raise ShapeError(f"Each image must be (H, W), (H, W, 1) or (H, W, 3); got {image.shape}.")
    image = image[..., :3]
    if not np.issubdtype(image.dtype, np.integer):
        image = image.astype(np.float64)
        image = image * 255 if image.size and np.nanmax(image) <= 1 else image
    image = np.clip(image, 0, 255).astype(np.uint8)
    return np.repeat(image, 3, axis=-1) if image.shape[-1] == 1 else image


def _grid(figure, count, columns):
    rows = -(-count // columns)
    axes = figure.subplots(rows, columns, squeeze=False).reshape(-1)
    for ax in axes[count:]:
        figure.delaxes(ax)
    for ax in axes[:count]:
        ax.set_xticks([])
        ax.set_yticks([])
    return axes[:count]


def display_object_detections(images, predictions, ground_truth=None, class_names=None, n=8,
                              score_threshold=0.0) -> FigureDisplay:
    """Images with their predicted boxes (label and score) and the ground truth dashed.

    Args:
        images: ``(N, H, W, C)`` images (uint8, or float 0..255) or a list of them.
        predictions: one dict per image with ``boxes`` (xyxy pixels),
            ``labels`` and ``scores`` (as ``net.predict_boxes`` gives), or ``None``.
        ground_truth: one dict per image with ``boxes`` and ``labels``, drawn
            dashed in one colour; ``None`` draws none.
        class_names: the class names; default the class ids.
        n: how many images at most (the first ones), four to a row.
        score_threshold: predictions scored below it are not drawn.

    Returns:
        A :class:`~dl_notebook._display.FigureDisplay`; ``ax_`` holds one
        axes per image, each box a rectangle patch of it.

    Example:
        >>> import numpy as np
        >>> images = np.zeros((2, 32, 32, 3), np.uint8)
        >>> found = [{"boxes": [[2, 2, 20, 20]], "labels": [0], "scores": [0.9]},
        ...          {"boxes": [], "labels": [], "scores": []}]
        >>> truth = [{"boxes": [[4, 4, 20, 22]], "labels": [0]}] * 2
        >>> shown = display_object_detections(images, found, truth, ["ring"])
        >>> [len(ax.patches) for ax in shown.ax_]
        [2, 1]
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    count = min(_check_count(n), len(images))
    found = None if predictions is None else _read_images(predictions, "predictions", True)
    truths = None if ground_truth is None else _read_images(ground_truth, "ground_truth", False)
    for what, entries in (("predictions", found), ("ground_truth", truths)):
        if entries is not None and len(entries) < count:
            raise InvalidArgumentError(
                f"{what} has {len(entries)} entries for {count} images; give one per image.")
    labels = [lab for entries in (found, truths) if entries for _, lab, _ in entries[:count]]
    largest = max((int(lab.max()) for lab in labels if lab.size), default=-1)
    names = [str(c) for c in class_names] if class_names is not None else \
        [str(i) for i in range(largest + 1)]
    if largest >= len(names):
        raise InvalidArgumentError(
            f"A label is {largest} but there are {len(names)} class names; name every class.")
    colors = _palette(len(names))

    from matplotlib.figure import Figure

    columns = min(4, count)
    figure = Figure(figsize=(3.0 * columns, 3.0 * -(-count // columns) + 0.4))
    axes = _grid(figure, count, columns)
    drawn = set()
    for i, ax in enumerate(axes):
        ax.imshow(_rgb_uint8(images[i]))
        if truths is not None:
            for (x0, y0, x1, y1) in truths[i][0]:
                ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False,
                                       edgecolor=_TRUTH_COLOR, linestyle="--", linewidth=1.5))
        if found is not None:
            boxes, labs, scores = found[i]
            for (x0, y0, x1, y1), label, score in zip(boxes, labs, scores):
                if score < score_threshold:
                    continue
                color = colors[label]
                ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False,
                                       edgecolor=color, linewidth=1.5))
                ax.text(x0 - 0.5, y0 - 0.5, f"{names[label]} {score:.2f}", fontsize=7,
                        color="white", va="bottom", clip_on=True,
                        bbox={"facecolor": color, "edgecolor": "none", "pad": 1, "alpha": 0.85})
                drawn.add(int(label))
    handles = [Line2D([], [], color=colors[k], linewidth=1.5, label=names[k])
               for k in sorted(drawn)]
    if truths is not None:
        handles.append(Line2D([], [], color=_TRUTH_COLOR, linestyle="--", linewidth=1.5,
                              label="ground truth"))
    if handles:
        figure.legend(handles=handles, loc="lower center", ncol=min(len(handles), 6), fontsize=8,
                      frameon=False)
    figure.tight_layout(rect=(0, 0.06 if handles else 0, 1, 1))
    return FigureDisplay(figure, axes)


def _mask_ids(masks, what, count):
    """``(count, H, W)`` integer class ids from ids or ``(N, H, W, K)`` probabilities."""
    masks = np.asarray(masks)
    if masks.ndim == 4 and masks.shape[-1] > 1:
        masks = np.argmax(masks, axis=-1)
    elif masks.ndim == 4:
        masks = masks[..., 0]
    if masks.ndim != 3 or len(masks) < count:
        raise ShapeError(
            f"{what} must be (N, H, W) class ids or (N, H, W, K) probabilities for {count} "
            f"images; got shape {masks.shape}.")
    return np.rint(masks[:count]).astype(np.int64)


def display_segmentation_results(images, masks, predicted=None, class_names=None, n=6,
                                 alpha=0.5) -> FigureDisplay:
    """Per image: the image, the true mask over it and the predicted mask over it.

    The background (mask value 0) is left unpainted; every other class has
    its colour, named in the legend. Predicted overlays are titled with the
    image's mean IoU.

    Args:
        images: ``(N, H, W, C)`` images (uint8, or float 0..255).
        masks: ``(N, H, W)`` true class ids (0 the background).
        predicted: predicted class ids of the same shape, or ``(N, H, W, K)``
            class probabilities; ``None`` leaves the column out.
        class_names: one name per mask value with ``"background"`` first, or
            the object classes only (class ``i`` is ``class_names[i - 1]``).
        n: how many images at most (the first ones), one per row.
        alpha: opacity of the masks (0 to 1).

    Returns:
        A :class:`~dl_notebook._display.FigureDisplay` with ``ax_`` of shape
        ``(rows, 2 or 3)`` and the legend in ``legend_``.

    Example:
        >>> import numpy as np
        >>> masks = np.zeros((2, 16, 16), np.int64)
        >>> masks[:, 4:9, 4:9] = 1
        >>> shown = display_segmentation_results(np.zeros((2, 16, 16, 3)), masks, masks,
        ...                                      class_names=["dot"])
        >>> shown.ax_.shape, [t.get_text() for t in shown.legend_.get_texts()]
        ((2, 3), ['dot'])
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from .._keras import keras

    if not 0 <= alpha <= 1:
        raise InvalidArgumentError(f"alpha must be between 0 and 1; got {alpha!r}.")
    count = min(_check_count(n), len(images))
    truth = _mask_ids(masks, "masks", count)
    guess = None if predicted is None else _mask_ids(predicted, "predicted", count)
    if guess is not None and guess.shape != truth.shape:
        raise ShapeError(f"predicted masks are {guess.shape[1:]} but the true masks "
                         f"{truth.shape[1:]}; give masks of the same size.")
    top = max(int(m.max()) for m in (truth, guess) if m is not None)
    if class_names is not None and str(class_names[0]).lower() != "background":
        class_names = ["background", *class_names]
    n_classes = len(class_names) if class_names is not None else top + 1
    names = segmentation_class_names(class_names, n_classes)
    if top >= n_classes or min(int(m.min()) for m in (truth, guess) if m is not None) < 0:
        raise InvalidArgumentError(
            f"The masks hold class ids outside 0..{n_classes - 1}; give a name to every class.")
    colors = _palette(n_classes - 1)
    shown = np.stack([_rgb_uint8(image) for image in images[:count]])

    def overlay(ids):
        if n_classes == 1:
            return shown
        mapping = {k: tuple(int(255 * c) for c in colors[k]) for k in range(n_classes - 1)}
        return keras().visualization.draw_segmentation_masks(
            shown, (ids - 1)[..., None].astype("int32"), num_classes=n_classes - 1,
            color_mapping=mapping, alpha=alpha, ignore_index=-1)

    columns = [("image", shown), ("true mask", overlay(truth))]
    if guess is not None:
        columns.append(("predicted", overlay(guess)))
    figure = Figure(figsize=(2.6 * len(columns), 2.8 * count + 0.4))
    axes = figure.subplots(count, len(columns), squeeze=False)
    for i, row in enumerate(axes):
        for ax, (title, pictures) in zip(row, columns):
            ax.imshow(pictures[i])
            ax.set_xticks([])
            ax.set_yticks([])
            if title == "predicted":
                score = evaluate_segmentation(truth[i], guess[i], n_classes).mean_iou
                title = f"predicted (IoU {score:.2f})"
            ax.set_title(title, fontsize=9)
    handles = [Patch(color=colors[k - 1], label=names[k]) for k in range(1, n_classes)]
    legend = figure.legend(handles=handles, loc="lower center", fontsize=8, frameon=False,
                           ncol=min(max(len(handles), 1), 6)) if handles else None
    figure.tight_layout(rect=(0, 0.4 / (2.8 * count + 0.4), 1, 1))
    display = FigureDisplay(figure, axes)
    display.legend_ = legend
    return display
