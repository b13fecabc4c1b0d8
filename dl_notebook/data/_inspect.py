"""Looking at an ImageDataset: summaries, channel means, thumbnails and an image grid."""

from __future__ import annotations

import io

import numpy as np

from .._display import FigureDisplay
from ..errors import InvalidArgumentError


class InspectMixin:
    """Summaries and pictures of an image dataset (mixed into ``ImageDataset``)."""

    def image_summary(self, sample=200, seed=0):
        """Sizes of the source images and pixel statistics over a sample, as a dict.

        ``min_height`` … ``max_width`` are the sizes of the source files (or
        arrays); ``channels`` is the output channel count; ``min``/``max``/
        ``mean`` are raw pixel values (0..255) over up to *sample* images.

        Args:
            sample: how many images to decode for the pixel statistics.
            seed: which sample to take.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import ImageDataset
            >>> ds = ImageDataset.from_arrays(np.full((2, 3, 4), 7, np.uint8), [0, 1])
            >>> s = ds.image_summary()
            >>> s["count"], s["max_width"], s["mean"]
            (2, 4, 7.0)
        """
        if self._infos is not None:
            heights = [info.height for info in self._infos]
            widths = [info.width for info in self._infos]
        else:
            heights, widths = [self._arrays.shape[1]], [self._arrays.shape[2]]
        rng = np.random.default_rng(seed)
        picks = rng.permutation(len(self))[:sample]
        lows, highs, total, count = [], [], 0.0, 0
        for i in picks:
            try:
                img = self._raw_image(int(i))
            except Exception:  # noqa: BLE001 - a file that fails to decode is left out
                continue
            lows.append(int(img.min()))
            highs.append(int(img.max()))
            total += float(img.sum(dtype=np.float64))
            count += img.size
        return {
            "count": len(self),
            "min_height": int(min(heights)), "max_height": int(max(heights)),
            "min_width": int(min(widths)), "max_width": int(max(widths)),
            "channels": self.channels,
            "min": min(lows) if lows else None, "max": max(highs) if highs else None,
            "mean": round(total / count, 4) if count else None,
        }

    def channel_means(self):
        """Mean of each channel over all images, after resizing and normalisation.

        Useful as ``offsets`` for mean subtraction (``InputLayer(offsets=...)``).

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import ImageDataset
            >>> x = np.zeros((2, 2, 2, 3)); x[..., 0] = 255
            >>> ImageDataset.from_arrays(x, [0, 1], normalize="unit").channel_means().tolist()
            [1.0, 0.0, 0.0]
        """
        sums = np.zeros(self.channels, np.float64)
        count = 0
        for x, _ in self.to_tf_dataset(batch_size=256):
            x = x.numpy()
            sums += x.sum(axis=(0, 1, 2), dtype=np.float64)
            count += x.shape[0] * x.shape[1] * x.shape[2]
        return (sums / max(count, 1)).astype(np.float32)

    def thumbnail(self, i, size=64):
        """PNG bytes of image *i*, fitted into a *size* × *size* box (aspect kept).

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import ImageDataset
            >>> ds = ImageDataset.from_arrays(np.zeros((2, 100, 50)), [0, 1])
            >>> ds.thumbnail(0, size=32)[:4]
            b'\\x89PNG'
        """
        from PIL import Image

        if not -len(self) <= i < len(self):
            raise InvalidArgumentError(f"Image index must lie in 0..{len(self) - 1}; got {i}.")
        img = self._raw_image(int(i) % len(self))
        pil = Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img)
        pil.thumbnail((size, size))
        out = io.BytesIO()
        pil.save(out, format="PNG")
        return out.getvalue()

    def show(self, n=16, ncol=8, randomize=False, where=None, seed=None):
        """A grid of images titled with their class names (DLPy ``show``).

        Returns a display that shows itself in a notebook; its matplotlib
        figure and axes are ``.figure_`` and ``.ax_``.

        Args:
            n: how many images at most.
            ncol: images per row.
            randomize: pick images at random instead of the first ones.
            where: a class name, or a boolean mask with one value per image.
            seed: seed for ``randomize``.

        Example:
            >>> import numpy as np
            >>> from dl_notebook.data import ImageDataset
            >>> ds = ImageDataset.from_arrays(np.zeros((6, 4, 4)), [0, 1] * 3)
            >>> len(ds.show(n=4, ncol=2, where="1").ax_)
            4
        """
        from matplotlib.figure import Figure

        idx = np.arange(len(self))
        if where is not None:
            if isinstance(where, str):
                if where not in self.class_names:
                    raise InvalidArgumentError(
                        f"Unknown class {where!r}; use one of {self.class_names}."
                    )
                mask = self._labels == self.class_names.index(where)
            else:
                mask = np.asarray(where, dtype=bool)
                if mask.shape != (len(self),):
                    raise InvalidArgumentError(
                        f"where needs a class name or one boolean per image ({len(self)})."
                    )
            idx = idx[mask]
        if randomize:
            idx = np.random.default_rng(seed).permutation(idx)
        idx = idx[:n]
        ncol = max(1, min(ncol, len(idx)))
        nrow = max(1, -(-len(idx) // ncol))
        fig = Figure(figsize=(1.6 * ncol, 1.8 * nrow))
        axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
        for ax in axes:
            ax.axis("off")
        for ax, i in zip(axes, idx):
            img = self._raw_image(int(i))
            if img.shape[-1] == 1:
                ax.imshow(img[..., 0], cmap="gray", vmin=0, vmax=255)
            else:
                ax.imshow(img)
            ax.set_title(self.class_names[self._labels[i]], fontsize=9)
        fig.tight_layout()
        return FigureDisplay(fig, axes)
