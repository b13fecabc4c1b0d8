"""DLPy's evaluation figures: images with their top probabilities, and heatmap rows.

``plot_evaluate_res`` shows each chosen image titled with its true class
and prediction beside a bar chart of its five most probable classes;
``heat_map_analysis`` shows each image, its heatmap for the predicted class
(with a colour bar from 0, no weight, to 1, the most) and the two overlaid. Both are matplotlib figures (no pyplot) returned as a
:class:`~dl_notebook._display.FigureDisplay`.
"""

from __future__ import annotations

import numpy as np

from .._display import FigureDisplay
from ..errors import InvalidArgumentError

__all__ = ["FiguresMixin"]

_RIGHT, _WRONG = "#1a7f37", "#c62828"


def _show(ax, img):
    if img.shape[-1] == 1:
        ax.imshow(img[..., 0], cmap="gray", vmin=0, vmax=255)
    else:
        ax.imshow(img)
    ax.set_xticks([])
    ax.set_yticks([])


class FiguresMixin:
    """``plot_evaluate_res`` and ``heat_map_analysis`` (mixed into ``EvaluationResult``)."""

    def _pick(self, what, img_type, n_images, predicted_class, label_class, randomize, seed):
        self._require_images(what)
        if isinstance(n_images, bool) or not isinstance(n_images, (int, np.integer)) \
                or n_images < 1:
            raise InvalidArgumentError(f"n_images must be a positive integer; got {n_images!r}.")
        idx = self.select(img_type, true_class=label_class, pred_class=predicted_class)
        if not idx.size:
            raise InvalidArgumentError(
                f"No example is of img_type {img_type!r} with the classes asked for; choose "
                "another img_type, label_class or predicted_class."
            )
        if randomize:
            idx = np.random.default_rng(seed).permutation(idx)
        return idx[:int(n_images)]

    def _title(self, ax, i, extra=""):
        true, pred = int(self.y_true[i]), int(self.y_pred[i])
        ax.set_title(f"label: {self.class_names[true]}\npredicted: {self.class_names[pred]}"
                     f"{extra}", fontsize=9, color=_RIGHT if true == pred else _WRONG)

    def plot_evaluate_res(self, img_type="A", n_images=5, predicted_class=None,
                          label_class=None, randomize=False, seed=None):
        """Images with their label and prediction, beside their top-5 probabilities (DLPy).

        Args:
            img_type: ``"A"`` all, ``"C"`` correct, ``"M"`` misclassified.
            n_images: how many images at most (one row each).
            predicted_class, label_class: only images predicted as / labelled
                with this class (a name or index).
            randomize: pick at random instead of the first ones; *seed* fixes the pick.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.evaluate import EvaluationResult
            >>> x = np.zeros((3, 8, 8, 1), np.float32)
            >>> res = EvaluationResult([0, 1, 1], [[.9, .1], [.6, .4], [.3, .7]],
            ...                        class_names=["cat", "dog"], data=(x, [0, 1, 1]))
            >>> res.plot_evaluate_res(img_type="C").ax_.shape
            (2, 2)
        """
        from matplotlib.figure import Figure

        idx = self._pick("plot_evaluate_res()", img_type, n_images, predicted_class,
                         label_class, randomize, seed)
        fig = Figure(figsize=(7.0, 2.1 * len(idx)))
        axes = fig.subplots(len(idx), 2, squeeze=False, width_ratios=[1, 1.6])
        for (ax_img, ax_bar), i in zip(axes, idx.tolist()):
            _show(ax_img, self._images.image(i))
            self._title(ax_img, i)
            top = np.argsort(-self.proba[i], kind="stable")[:5]
            colors = ["#1f77b4"] * len(top)
            for pos, c in enumerate(top):
                if c == self.y_true[i]:
                    colors[pos] = _RIGHT if c == self.y_pred[i] else "#ff8f00"
                elif c == self.y_pred[i]:
                    colors[pos] = _WRONG
            ax_bar.barh(np.arange(len(top)), self.proba[i, top], color=colors)
            ax_bar.set_yticks(np.arange(len(top)), [self.class_names[c] for c in top],
                              fontsize=8)
            ax_bar.invert_yaxis()
            ax_bar.set_xlim(0, 1)
            ax_bar.tick_params(axis="x", labelsize=8)
            for pos, c in enumerate(top):
                p = float(self.proba[i, c])
                inside = p > 0.8  # the number goes inside a long bar
                ax_bar.text(p - 0.02 if inside else p + 0.02, pos, f"{p:.3f}", va="center",
                            ha="right" if inside else "left", fontsize=8,
                            color="white" if inside else "black")
        axes[-1, 1].set_xlabel("probability", fontsize=8)
        fig.tight_layout()
        return FigureDisplay(fig, axes)

    def heat_map_analysis(self, img_type="A", method="gradcam", n_images=5,
                          predicted_class=None, label_class=None, randomize=False, seed=None,
                          **options):
        """Per image: the image, its heatmap for the predicted class, and the overlay (DLPy).

        Each heatmap has a colour bar (0 to 1, the colours of the overlay too);
        the bars are ``colorbars_``, one per row, on the returned display.

        Args:
            img_type, n_images, predicted_class, label_class, randomize, seed:
                as :meth:`plot_evaluate_res`.
            method: a registered heatmap method (``"gradcam"``, ``"gradcam++"``,
                ``"occlusion"``, ``"saliency"``, ...; see
                :func:`dl_notebook.explain.registry.names`); its title heads the
                heatmap column.
            **options: passed to the heatmap method (e.g. ``layer=``).
        """
        from matplotlib.figure import Figure

        from ..explain import overlay, registry

        title = registry.get(method).title  # an unknown name fails before any work
        idx = self._pick("heat_map_analysis()", img_type, n_images, predicted_class,
                         label_class, randomize, seed)
        maps = self.heatmaps(idx, method, **options)
        fig = Figure(figsize=(6.6, 2.4 * len(idx)))
        axes = fig.subplots(len(idx), 3, squeeze=False)
        bars = []
        for (ax_img, ax_map, ax_over), i, heat in zip(axes, idx.tolist(), maps):
            img = self._images.image(i)
            _show(ax_img, img)
            self._title(ax_img, i)
            shown = ax_map.imshow(heat, cmap="jet", vmin=0, vmax=1)
            bar = fig.colorbar(shown, ax=ax_map, fraction=0.046, pad=0.04, ticks=[0, 0.5, 1])
            bar.ax.tick_params(labelsize=7)
            bars.append(bar)
            ax_map.set_xticks([])
            ax_map.set_yticks([])
            ax_map.set_title(f"{title} heatmap", fontsize=9)
            _show(ax_over, overlay(img, heat))
            pred = int(self.y_pred[i])
            ax_over.set_title(f"overlay\np({self.class_names[pred]}) = {self.proba[i, pred]:.3f}",
                              fontsize=9)
        fig.tight_layout()
        display = FigureDisplay(fig, axes)
        display.colorbars_ = bars
        return display
