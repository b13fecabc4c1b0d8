"""Time ImageDataset.from_folder + to_tf_dataset against keras.utils.image_dataset_from_directory.

Run with ``make bench`` or ``python benchmarks/bench_data.py``. The data is
made once and kept in the system temp folder (``$DL_NOTEBOOK_BENCH_DATA``
overrides it): 6,000 64x64 RGB PNGs of random shapes on noise in 10 class
folders (fixed seed), a 1,500-image subset, and a copy of the 6,000 where
5 % of the files are corrupt (zero bytes, truncated PNG, text named ``.png``,
or a PNG whose image data is damaged past a whole header).

Measured, with image_size=(64, 64) and batch_size=32 for both loaders:

* one full pass over every batch of
  ``ImageDataset.from_folder(...).to_tf_dataset()`` and of
  ``keras.utils.image_dataset_from_directory``, as the median of 9 runs in
  this process, each loader going first in turn; ours includes the
  folder scan and header check (also shown on its own), Keras includes its
  own scan; the process CPU time of each pass is shown beside it (on a
  shared machine it varies less than the wall time), and the ratio of each
  round's two back-to-back passes. Keras' loader runs a second time with
  ``tf.data``'s autotuner off, as ours runs: the autotuner adds CPU time and
  can hold the end of a pass for about half a second;
* peak resident memory (``ru_maxrss``) of a fresh process per loader and
  folder size (1,500 and 6,000), after the imports and at the end;
* later passes over one dataset, as a training run's later epochs see it
  (no scan and no pipeline to build);
* the corrupt copy: what each loader does with it.

Target: ours at least as many images/s as Keras (ratio >= 1.0), scan and
header check included, with a loading peak that does not grow with the
folder size.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor

from _data_cache import bench_data_root
from _timing import timed

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SEED = 20240
N_IMAGES = 6_000
N_SMALL = 1_500
N_CLASSES = 10
SIZE = 64
BATCH = 32
REPEATS = 9
CORRUPT_FRACTION = 0.05
DATA_VERSION = "2"  # change to rebuild the cached images


# ----------------------------------------------------------------------------- data
def _image_name(i):
    return os.path.join(f"class_{i % N_CLASSES}", f"img_{i:05d}.png")


def _write_images(args):
    """Write images *start*..*stop*-1 under *folder* (runs in a worker process)."""
    folder, start, stop = args
    import numpy as np
    from PIL import Image, ImageDraw

    for i in range(start, stop):
        rng = np.random.default_rng((SEED, i))
        base = rng.integers(0, 256, 3)
        noise = rng.normal(0, 12, (SIZE, SIZE, 3))
        pixels = np.clip(base + noise, 0, 255).astype(np.uint8)
        img = Image.fromarray(pixels, "RGB")
        draw = ImageDraw.Draw(img)
        for _ in range(int(rng.integers(1, 5))):
            x0, y0 = (int(v) for v in rng.integers(0, SIZE - 8, 2))
            x1, y1 = x0 + int(rng.integers(6, SIZE - x0)), y0 + int(rng.integers(6, SIZE - y0))
            fill = tuple(int(v) for v in rng.integers(0, 256, 3))
            shape = int(rng.integers(0, 3))
            if shape == 0:
                draw.rectangle((x0, y0, x1, y1), fill=fill)
            elif shape == 1:
                draw.ellipse((x0, y0, x1, y1), fill=fill)
            else:
                draw.polygon([(x0, y1), ((x0 + x1) // 2, y0), (x1, y1)], fill=fill)
        img.save(os.path.join(folder, _image_name(i)))
    return stop - start


def _link(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def _make_tree(folder, names, source):
    """Hard-link (or copy) *names* from *source* into a new tree at *folder*."""
    for c in range(N_CLASSES):
        os.makedirs(os.path.join(folder, f"class_{c}"), exist_ok=True)
    for name in names:
        _link(os.path.join(source, name), os.path.join(folder, name))


def _corrupt(path, kind, size):
    """Replace *path* with a corrupt file of the given *kind*."""
    if kind == 0:
        data = b""
    elif kind == 1:
        with open(path, "rb") as f:
            data = f.read()[: max(60, size // 2)]  # PNG header, IHDR, part of IDAT
    elif kind == 3:  # whole structure, damaged image data: found only when decoded
        with open(path, "rb") as f:
            data = bytearray(f.read())
        start = data.index(b"IDAT") + 4
        data[start + 40:start + 60] = b"\x00" * 20
        data = bytes(data)
    else:
        data = b"this is not a PNG image, only text with a .png extension\n" * 4
    os.remove(path)  # break the hard link before writing
    with open(path, "wb") as f:
        f.write(data)


def prepare_data():
    """Make (once) the 6,000, 1,500 and corrupt trees; return their paths."""
    import numpy as np

    root = bench_data_root()
    full, small, corrupt = (os.path.join(root, n) for n in ("images_6000", "images_1500",
                                                            "images_corrupt"))
    stamp = os.path.join(root, f"complete_v{DATA_VERSION}")
    if os.path.exists(stamp):
        return full, small, corrupt
    shutil.rmtree(root, ignore_errors=True)
    start = time.perf_counter()
    for c in range(N_CLASSES):
        os.makedirs(os.path.join(full, f"class_{c}"))
    workers = max(1, os.cpu_count() or 1)
    chunk = 250
    jobs = [(full, s, min(s + chunk, N_IMAGES)) for s in range(0, N_IMAGES, chunk)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        written = sum(pool.map(_write_images, jobs))
    names = [_image_name(i) for i in range(N_IMAGES)]
    _make_tree(small, names[:N_SMALL], full)
    _make_tree(corrupt, names, full)
    rng = np.random.default_rng(SEED)
    bad = rng.choice(N_IMAGES, int(N_IMAGES * CORRUPT_FRACTION), replace=False)
    for k, i in enumerate(sorted(bad)):
        path = os.path.join(corrupt, names[i])
        _corrupt(path, k % 4, os.path.getsize(path))
    with open(stamp, "w") as f:
        f.write(f"{written} images, {len(bad)} corrupt\n")
    print(f"Made {written:,} PNGs ({len(bad)} corrupt in the copy) under {root} in "
          f"{time.perf_counter() - start:.1f} s")
    return full, small, corrupt


# ----------------------------------------------------------------------------- loaders
def consume(ds):
    """Iterate every batch; return (images, batches)."""
    images = batches = 0
    for x, _ in ds:
        images += int(x.shape[0])
        batches += 1
    return images, batches


def run_ours(path):
    import warnings

    from dl_notebook.data import ImageDataset

    load, data = timed(lambda: ImageDataset.from_folder(path, image_size=(SIZE, SIZE),
                                                        verbose=False))
    at_load = len(data.skipped)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the corrupt copy names its damaged files
        iterate, (images, _) = timed(lambda: consume(data.to_tf_dataset(batch_size=BATCH)))
    return {"total": load + iterate, "load": load, "images": images,
            "skipped": at_load, "decode_skipped": len(data.skipped) - at_load,
            "left": len(data)}


def _cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def later_passes(make, passes=3):
    """Seconds of passes 2..*passes* over one dataset from *make()*, as in later epochs."""
    ds = make()
    consume(ds)
    seconds, _ = timed(lambda: [consume(ds) for _ in range(passes - 1)])
    return seconds / (passes - 1)


def run_keras(path, autotune=True):
    from dl_notebook._keras import keras

    def make():
        ds = keras().utils.image_dataset_from_directory(
            path, image_size=(SIZE, SIZE), batch_size=BATCH, shuffle=False, verbose=False)
        if not autotune:
            import tensorflow as tf

            options = tf.data.Options()
            options.autotune.enabled = False
            ds = ds.with_options(options)
        return ds

    load, ds = timed(make)
    iterate, (images, _) = timed(lambda: consume(ds))
    return {"total": load + iterate, "load": load, "images": images}


def run_keras_without_autotune(path):
    return run_keras(path, autotune=False)


LOADERS = {"ours": run_ours, "keras": run_keras, "keras_fixed": run_keras_without_autotune}


def warm_up():
    """Import TensorFlow and run one tiny tf.data pipeline so neither loader pays for it."""
    from dl_notebook._keras import keras  # first, so TensorFlow starts quietly

    keras()
    import tensorflow as tf

    for _ in tf.data.Dataset.range(4).map(lambda v: v * 2).batch(2):
        pass


def _rss_mb():
    """Current resident memory in MB (Linux), else None."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


def _reset_peak():
    """Restart the kernel's peak-RSS count (Linux >= 4.0); False where not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def child(loader, path):
    """Entry point of the memory subprocess: print one JSON line.

    ``imports_peak_mb`` is ru_maxrss after importing TensorFlow/Keras;
    ``peak_mb`` is ru_maxrss at the end, counted from after the imports when
    the peak can be reset (``peak_reset``), else over the whole process.
    """
    warm_up()
    result = {"imports_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
              "rss_after_imports_mb": _rss_mb(), "peak_reset": _reset_peak()}
    result.update(LOADERS[loader](path))
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def in_subprocess(loader, path):
    """Run *loader* on *path* in a fresh interpreter.

    Call this before the parent imports TensorFlow: on Linux a child's
    ru_maxrss starts from the parent's peak at the time of the exec.
    """
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", loader, path],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def keras_on_corrupt(path):
    """What Keras does with the corrupt folder: (batches, images, seconds, error or None)."""
    import keras

    start = time.perf_counter()
    batches = images = 0
    error = None
    try:
        ds = keras.utils.image_dataset_from_directory(
            path, image_size=(SIZE, SIZE), batch_size=BATCH, shuffle=False, verbose=False)
        for x, _ in ds:
            images += int(x.shape[0])
            batches += 1
    except Exception as err:  # noqa: BLE001 - reported, not raised
        message = re.sub(r"^\{\{.*?\}\}\s*", "", str(err).strip())
        message = message.splitlines()[0] if message else ""
        error = f"{type(err).__name__}: {message[:100]}"
    return batches, images, time.perf_counter() - start, error


# ----------------------------------------------------------------------------- main
def main():
    full, small, corrupt = prepare_data()
    names = {"ours": "ImageDataset.from_folder", "keras": "image_dataset_from_directory",
             "keras_fixed": "  the same, autotuner off"}

    # Fresh processes first, while this one is still small (see in_subprocess).
    memory = [(k, n, in_subprocess(k, path)) for k in ("ours", "keras")
              for n, path in ((N_SMALL, small), (N_IMAGES, full))]

    warm_up()
    runs = {k: [] for k in names}
    order = list(names)
    for r in range(REPEATS):
        for loader in order[r % 3:] + order[:r % 3]:  # each loader first in turn
            before = _cpu_seconds()
            result = LOADERS[loader](full)
            result["cpu"] = _cpu_seconds() - before
            runs[loader].append(result)
    counts = {k: sorted({v["images"] for v in runs[k]}) for k in runs}
    med = {k: statistics.median(v["total"] for v in runs[k]) for k in runs}
    load = {k: statistics.median(v["load"] for v in runs[k]) for k in runs}
    rate = {k: N_IMAGES / med[k] for k in runs}
    cpu = {k: statistics.median(v["cpu"] for v in runs[k]) for k in runs}

    print(f"\nOne pass over {N_IMAGES:,} {SIZE}x{SIZE} PNGs, batch {BATCH}; median of {REPEATS} "
          f"(each loader first in turn); {os.cpu_count()} CPUs")
    head = (f"{'loader':<28} {'images':>7} {'scan s':>7} {'pass s':>7} {'total s':>8} "
            f"{'images/s':>9} {'CPU s':>6}")
    print(head)
    print("-" * len(head))
    for k in runs:
        shown = "/".join(str(c) for c in counts[k])
        print(f"{names[k]:<28} {shown:>7} {load[k]:7.2f} {med[k] - load[k]:7.2f} {med[k]:8.2f} "
              f"{rate[k]:9.0f} {cpu[k]:6.2f}")
    print(f"ratio (images/s ours / keras): {rate['ours'] / rate['keras']:.2f} (target >= 1.0, "
          "scan included); scan = listing (+ header check for ours), pass = iterating every "
          "batch")
    print(f"CPU time ratio (keras / ours): {cpu['keras'] / cpu['ours']:.2f} (above 1: ours "
          "spends less CPU per image)")
    print(f"ratio against Keras' loader with tf.data's autotuner off (as ours runs): "
          f"{rate['ours'] / rate['keras_fixed']:.2f}; the autotuner can hold the end of a pass "
          "for about half a second")
    paired = [k["total"] / o["total"] for o, k in zip(runs["ours"], runs["keras"])]
    print("ratio in each round (ours against Keras in the same round): "
          + " ".join(f"{r:.2f}" for r in paired) + f"; median {statistics.median(paired):.2f}")

    reset = all(m["peak_reset"] for _, _, m in memory)
    print("\nPeak memory (ru_maxrss, MB), a fresh process per loader and size; "
          + ("'loading peak' is counted from after the imports" if reset else
             "'loading peak' includes the imports (peak could not be reset)"))
    head = (f"{'loader':<28} {'images':>7} {'imports peak':>12} {'RSS after imports':>17} "
            f"{'loading peak':>12} {'growth':>7}")
    print(head)
    print("-" * len(head))
    for k, n, m in memory:
        after = m["rss_after_imports_mb"]
        growth = f"{m['peak_mb'] - after:7.0f}" if after is not None else f"{'-':>7}"
        print(f"{names[k]:<28} {n:>7,} {m['imports_peak_mb']:12.0f} "
              f"{after if after is not None else float('nan'):17.0f} {m['peak_mb']:12.0f} {growth}")

    print("\nLater passes over one dataset (as in epochs 2 and 3 of training), median of 3 "
          "rounds:")
    from dl_notebook._keras import keras
    from dl_notebook.data import ImageDataset

    makers = {"ours": lambda: ImageDataset.from_folder(full, image_size=(SIZE, SIZE),
                                                        verbose=False).to_tf_dataset(BATCH),
              "keras": lambda: keras().utils.image_dataset_from_directory(
                  full, image_size=(SIZE, SIZE), batch_size=BATCH, shuffle=False,
                  verbose=False)}
    later = {k: statistics.median(later_passes(m) for _ in range(3)) for k, m in makers.items()}
    for k, seconds in later.items():
        print(f"{names[k]:<28} {seconds:6.2f} s a pass, {N_IMAGES / seconds:7.0f} images/s")
    print(f"ratio (images/s ours / keras): {later['keras'] / later['ours']:.2f}")

    n_bad = int(N_IMAGES * CORRUPT_FRACTION)
    print(f"\nCorrupt copy: {N_IMAGES:,} files, {n_bad} corrupt (zero-byte / truncated PNG / "
          "text / PNG with damaged image data)")
    ours = run_ours(corrupt)
    print(f"{names['ours']:<28} yielded {ours['images']:,} images; skipped {ours['skipped']} at "
          f"load and {ours['decode_skipped']} when decoded (each in .skipped, len(ds) = "
          f"{ours['left']:,}); scan {ours['load']:.2f} s, total {ours['total']:.2f} s")
    batches, images, seconds, error = keras_on_corrupt(corrupt)
    outcome = f"then raised {error}" if error else "finished"
    print(f"{names['keras']:<28} yielded {batches} batches ({images:,} images) in {seconds:.2f} s, "
          f"{outcome}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("LOADER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
    else:
        main()
