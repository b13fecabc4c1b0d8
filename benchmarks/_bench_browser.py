"""Time the image browser's Python side on a 10,000-image evaluation result.

Run with ``python benchmarks/_bench_browser.py`` (or as a section of
``bench_explain.py``). The images are made once and kept in the system temp
folder (``$DL_NOTEBOOK_BENCH_DATA`` overrides it): 10,000 32x32 RGB PNGs of
random shapes on noise in 10 class folders (fixed seed). The result's
predictions are synthesised (random probabilities with ~85 % accuracy) over
an ``ImageDataset`` of those files, so the figures are those of the browser,
not of a network.

Measured, each as the median of several runs in this process:

* opening: ``res.select("A", sort="confidence")`` + ``res.page(indices, 0)``
  (24 thumbnails of 96 px), on a result with no thumbnail kept yet;
* turning a page: ``res.page(indices, p)`` for a page not shown before;
* the same for the misclassified images (``img_type="M"``, sorted by loss);
* opening the ``ImageBrowser`` widget itself, when ipywidgets and anywidget
  are installed;
* baseline: 24 calls of ``ImageDataset.thumbnail`` (decode, shrink and
  encode one file each), the least any page of 24 can cost.

Target: opening and turning a page take at most 100 ms each; the page / baseline
ratio shows what the browser adds to decoding the page's own images.
"""

from __future__ import annotations

import os
import statistics
import sys

import numpy as np
from _data_cache import bench_data_root
from _timing import timed

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SEED = 7
N_IMAGES = 10_000
N_CLASSES = 10
SIZE = 32
PAGE = 24
THUMB = 96
REPEATS = 7
TARGET_MS = 100.0
DATA_VERSION = "1"  # change to rebuild the cached images


def data_folder():
    return os.path.join(bench_data_root(), f"browser_{N_IMAGES}_{SIZE}_v{DATA_VERSION}")


def make_images(root):
    """Write the PNGs once; a complete folder (marked by ``.done``) is reused."""
    from PIL import Image, ImageDraw

    done = os.path.join(root, ".done")
    if os.path.exists(done):
        return root
    rng = np.random.default_rng(SEED)
    for c in range(N_CLASSES):
        os.makedirs(os.path.join(root, f"class_{c}"), exist_ok=True)
    for i in range(N_IMAGES):
        pixels = rng.integers(0, 90, size=(SIZE, SIZE, 3), dtype=np.uint8)
        img = Image.fromarray(pixels)
        draw = ImageDraw.Draw(img)
        x0, y0 = rng.integers(0, SIZE // 2, size=2)
        x1, y1 = (x0, y0) + rng.integers(6, SIZE // 2, size=2)
        color = tuple(int(v) for v in rng.integers(120, 256, size=3))
        (draw.ellipse if i % 2 else draw.rectangle)([x0, y0, x1, y1], fill=color)
        img.save(os.path.join(root, f"class_{i % N_CLASSES}", f"img_{i:05d}.png"))
    open(done, "w").close()
    return root


def synthetic_result(ds):
    """An EvaluationResult over *ds* with random probabilities, right ~85 % of the time."""
    from dl_notebook.evaluate import EvaluationResult

    rng = np.random.default_rng(SEED)
    y = ds.labels
    logits = rng.normal(size=(len(y), N_CLASSES))
    right = rng.random(len(y)) < 0.85
    logits[np.arange(len(y)), np.where(right, y, (y + 1) % N_CLASSES)] += 4.0
    proba = np.exp(logits)
    proba /= proba.sum(axis=1, keepdims=True)
    return EvaluationResult(y, proba, ds.class_names, data=ds)


def _ms(fn):
    seconds, out = timed(fn)
    return seconds * 1000.0, out


def measure(ds, img_type, sort):
    """Median milliseconds to open (select + page 0) and to turn to an unseen page."""
    opens, turns = [], []
    for run in range(REPEATS):
        res = synthetic_result(ds)  # nothing kept from earlier runs

        def open_browser(res=res):
            idx = res.select(img_type, sort=sort)
            return idx, res.page(idx, 0, page_size=PAGE, thumb_size=THUMB)

        took, (idx, items) = _ms(open_browser)
        assert len(items) == PAGE
        opens.append(took)
        page = 1 + run % max(1, (len(idx) // PAGE) - 1)
        took, items = _ms(lambda res=res, idx=idx, page=page: res.page(
            idx, page, page_size=PAGE, thumb_size=THUMB))
        assert len(items) == PAGE
        turns.append(took)
    return statistics.median(opens), statistics.median(turns)


def baseline(ds):
    """Median milliseconds of 24 ``ImageDataset.thumbnail`` calls (other images each run)."""
    times = []
    for run in range(REPEATS):
        start = 5000 + run * PAGE
        took, _ = _ms(lambda start=start: [ds.thumbnail(i, size=THUMB)
                                           for i in range(start, start + PAGE)])
        times.append(took)
    return statistics.median(times)


def widget_open(ds):
    """Median milliseconds to make the ImageBrowser widget, or None without its libraries."""
    from dl_notebook import _views

    cls = _views.view_class("browser")
    if cls is None:
        return None
    times = []
    for _ in range(REPEATS):
        res = synthetic_result(ds)
        took, browser = _ms(lambda res=res: cls(res, img_type="A", sort="confidence",
                                                page_size=PAGE))
        times.append(took)
        browser.close()
    return statistics.median(times)


def run_browser_benchmark():
    """Print the browser timings; return them as a dict (milliseconds)."""
    import dl_notebook as dn

    root = make_images(data_folder())
    ds = dn.ImageDataset.from_folder(root, verbose=False)
    assert len(ds) == N_IMAGES
    synthetic_result(ds).page(np.arange(PAGE))  # warm up Pillow's PNG codecs
    figures = {"baseline_24_thumbnails": baseline(ds)}
    figures["open_all"], figures["turn_all"] = measure(ds, "A", "confidence")
    figures["open_misclassified"], figures["turn_misclassified"] = measure(ds, "M", "loss")
    figures["open_widget"] = widget_open(ds)
    print(f"Image browser on {N_IMAGES:,} images ({SIZE}x{SIZE} PNG), pages of {PAGE} "
          f"thumbnails at {THUMB} px; median of {REPEATS} runs; target <= {TARGET_MS:.0f} ms")
    base = figures["baseline_24_thumbnails"]
    print(f"  {'baseline: 24 x ImageDataset.thumbnail':44s} {base:7.1f} ms")
    for key, label in [("open_all", "open (select 'A' by confidence + page 0)"),
                       ("turn_all", "turn to an unseen page ('A')"),
                       ("open_misclassified", "open (select 'M' by loss + page 0)"),
                       ("turn_misclassified", "turn to an unseen page ('M')"),
                       ("open_widget", "ImageBrowser widget made (incl. page 0)")]:
        value = figures[key]
        if value is None:
            print(f"  {label:44s}    (ipywidgets / anywidget not installed)")
            continue
        verdict = "ok" if value <= TARGET_MS else "SLOW"
        print(f"  {label:44s} {value:7.1f} ms  x{value / base:4.2f} of baseline  {verdict}")
    return figures


if __name__ == "__main__":
    sys.exit(0 if run_browser_benchmark() else 1)
