"""``%dl`` subcommands for data, training and inspection: data, train, evaluate, confusion, browse
(the heatmaps, gradcam and heatmap, are in :mod:`.explain_commands`). Each binds or shows what one
call of the API returns.

``%dl data digits`` and ``%dl data shapes`` need no folder: the bundled
datasets are written once to a cache folder (:func:`bundled_folder`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from . import lr_forms
from ._registry import command, find_data, find_network, find_result
from .grammar import DLSyntaxError
from .names import check_binding, check_variable
from .options import OptionSpec
from .values import to_number, to_size

__all__: list[str] = []  # the subcommands register themselves in _registry.COMMANDS

_MODEL = ("MODEL", "a network in the notebook")
_DATA, _INSPECT = "Data and training", "Inspect"  # headings of %dl help
_IMG_TYPES = ("a", "c", "m")


def _split(tok):
    parts, offset, rates = tok.text.split("/"), 0, []
    for part in parts:
        rates.append(to_number(tok.part(offset, part), "a percentage"))
        offset += len(part) + 1
    if len(rates) not in (2, 3) or any(r <= 0 for r in rates) or abs(sum(rates) - 100) > 1e-6:
        raise DLSyntaxError.at(tok, f"--split takes train/test or train/valid/test percentages "
                                    f"that add up to 100, got {tok.text}", "e.g. 64/16/20")
    return rates


BUNDLED = ("digits", "shapes")  # the datasets `%dl data NAME` makes without --folder
_BUNDLED_SIZE = {"digits": 32, "shapes": 64}  # the side they are written at without --size


def cache_folder() -> Path:
    """Where bundled datasets are written once: ``$DL_NOTEBOOK_CACHE``, else
    ``$XDG_CACHE_HOME/dl_notebook`` (``~/.cache/dl_notebook``).

    Example:
        >>> import os
        >>> from dl_notebook.magics.data_commands import cache_folder
        >>> os.environ["DL_NOTEBOOK_CACHE"] = "/tmp/dl-cache"
        >>> str(cache_folder())
        '/tmp/dl-cache'
        >>> del os.environ["DL_NOTEBOOK_CACHE"]
    """
    if os.environ.get("DL_NOTEBOOK_CACHE"):
        return Path(os.environ["DL_NOTEBOOK_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "dl_notebook"


def _write_bundled(name, folder: Path, size) -> None:
    from ..data import datasets

    if name == "digits":
        datasets.digits(folder, size=size)
    else:
        datasets.shapes(folder, image_size=size, kind="classify")


def bundled_folder(name, size=None) -> Path:
    """The class-folder tree of bundled dataset *name* at *size*, written on first use.

    ``digits`` (scikit-learn's 1,797 digits, ``dn.datasets.digits``) and
    ``shapes`` (300 images of circles, squares and triangles,
    ``dn.datasets.shapes``) are written once to :func:`cache_folder` (the
    temporary folder when it cannot be written); later calls, from any
    kernel, read the same files. A tree is written aside and then renamed
    into place, so kernels starting together never read a half-written one.

    Args:
        name: ``"digits"`` or ``"shapes"``.
        size: ``(height, width)`` of the written images; None for 32×32
            digits and 64×64 shapes.

    Example:
        >>> import os, tempfile
        >>> from dl_notebook.magics.data_commands import bundled_folder
        >>> os.environ["DL_NOTEBOOK_CACHE"] = tempfile.mkdtemp()
        >>> folder = bundled_folder("digits", (8, 8))
        >>> folder.name, len(list(folder.glob("*/*.png")))
        ('digits-8x8', 1797)
        >>> bundled_folder("digits", (8, 8)) == folder
        True
        >>> del os.environ["DL_NOTEBOOK_CACHE"]
    """
    side = _BUNDLED_SIZE[name]
    height, width = (side, side) if size is None else size
    try:
        return _written_once(name, cache_folder(), (height, width))
    except OSError:
        return _written_once(name, Path(tempfile.gettempdir()) / "dl_notebook-cache",
                             (height, width))


def _written_once(name, root: Path, size) -> Path:
    final = root / f"{name}-{size[0]}x{size[1]}"
    if final.is_dir():
        if name == "digits":  # checks the tree and completes it when files are missing
            _write_bundled(name, final, size)
        return final
    root.mkdir(parents=True, exist_ok=True)
    aside = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=root))
    try:
        _write_bundled(name, aside, size)
        try:
            aside.rename(final)
        except OSError:  # another kernel renamed its copy first: use that one
            if not final.is_dir():
                raise
    finally:
        if aside.exists():
            shutil.rmtree(aside, ignore_errors=True)
    return final


@command("data", [("NAME", "the Python name the dataset is bound to; digits or shapes without "
                   "--folder: the bundled dataset of that name")], [
    OptionSpec("folder", "PATH", "a folder with one sub-folder of images per class"),
    OptionSpec("detect", "FOLDER", "a detection folder: images with Pascal VOC .xml, YOLO "
               ".txt labels or a boxes.csv (the layout is found)"),
    OptionSpec("from", "DATASET", "a bundled dataset, digits or shapes (without --folder and "
               "--from: NAME)", choices=BUNDLED),
    OptionSpec("size", "SIZE", "image size: 32 or 32x28 (height x width)", convert=to_size),
    OptionSpec("grayscale", help="load one channel instead of RGB"),
    OptionSpec("split", "64/16/20", "train/valid/test (or train/test) percentages",
               convert=_split),
    OptionSpec("seed", "N", "seed of the split", convert=int),
    OptionSpec("force", help="bind NAME even when it holds something that is not a network or "
               "dataset")],
    help="Load an image folder, or a bundled dataset by name; bind NAME and, with --split, "
         "NAME_train, NAME_valid, NAME_test. The bundled digits (1,797 handwritten digits) and "
         "shapes (300 circles, squares and triangles) need no --folder: they are written once "
         "to a cache folder ($DL_NOTEBOOK_CACHE, or ~/.cache/dl_notebook).",
    examples=("%dl data digits --size 32 --grayscale --split 64/16/20 --seed 123",
              "%dl data shapes --size 32 --split 80/20",
              "%dl data pets --folder data/pets --size 64 --split 70/15/15",
              "%dl data voc --detect data/voc --size 416 --split 80/20"), group=_DATA)
def _data_command(ns, p):
    from ..data import DetectionDataset, ImageDataset, three_way_split, two_way_split

    name_tok = p.args["NAME"]
    name = check_variable(name_tok)
    check_binding(ns, name_tok, force=bool(p.options.get("force")))
    size = p.options.get("size")
    size = (size, size) if isinstance(size, int) else size
    folder = p.options.get("folder")
    detect = p.options.get("detect")
    if detect is not None and (folder is not None or "from" in p.options):
        raise DLSyntaxError.at(p.option_tokens["detect"], "--detect already says where the "
                               "images are", "leave out --folder and --from")
    if folder is not None and "from" in p.options:
        raise DLSyntaxError.at(p.option_tokens["from"], "--from and --folder both say where the "
                               "images are", "give one of them")
    bundled = p.options.get("from", name if folder is None and detect is None else None)
    if folder is None and detect is None and bundled not in BUNDLED:
        raise DLSyntaxError.at(name_tok, f"`{name}` is not a bundled dataset, so --folder PATH "
                               f"is needed", f"the bundled ones are {' and '.join(BUNDLED)} "
                               f"(--from digits), or give --folder")
    if detect is not None:
        data = DetectionDataset.from_folder(detect, image_size=size)
    else:
        data = ImageDataset.from_folder(folder or bundled_folder(bundled, size), image_size=size,
                                        color_mode="grayscale" if p.options.get("grayscale")
                                        else "rgb")
    for part in ("train", "valid", "test"):  # parts of an earlier load would be stale
        ns.pop(f"{name}_{part}", None)
    ns[name] = data
    rates = p.options.get("split")
    if rates is None:
        return
    seed = p.options.get("seed")
    if len(rates) == 3:
        parts = dict(zip(("train", "valid", "test"),
                         three_way_split(data, valid_rate=rates[1], test_rate=rates[2], seed=seed)))
    else:
        parts = dict(zip(("train", "test"), two_way_split(data, test_rate=rates[1], seed=seed)))
    for part, value in parts.items():
        ns[f"{name}_{part}"] = value
    print(", ".join(f"{name}_{part}: {len(value):,}" for part, value in parts.items()))


def _steps_per_epoch(data, batch):
    try:
        n = len(data[0]) if isinstance(data, tuple) else len(data)
    except TypeError:
        return None
    return max(-(-n // batch), 1)


@command("train", [_MODEL, ("DATA", "a dataset; DATA_train / DATA_valid when %dl data split it")],
          [OptionSpec("epochs", "N", "passes over the data (10)", convert=int),
           OptionSpec("batch", "N", "batch size (32)", convert=int),
           OptionSpec("solver", "NAME", "sgd, momentum, adam (default), adamw, rmsprop, nadam",
                      choices=tuple(lr_forms.SOLVERS)),
           OptionSpec("lr", "RATE", "0.01 or a schedule: " + ", ".join(
               f"{k}:…" for k in lr_forms.LR_FORMS), convert=lr_forms.read_lr),
           OptionSpec("valid", "DATA", "validation data (default DATA_valid)"),
           OptionSpec("checkpoint", "DIR", "save a checkpoint there after every epoch"),
           OptionSpec("resume", help="continue from the last checkpoint in --checkpoint"),
           OptionSpec("seed", "N", "random seed (the same seed, the same run)", convert=int)],
          help="Train MODEL on DATA; binds MODEL_history (in a notebook it trains in the "
               "background, with the live dashboard).",
          examples=("%dl train lenet digits --epochs 5 --solver adam --lr onecycle:0.005",
                    "%dl train lenet digits --epochs 10 --solver momentum --lr cyclic:1e-3:5e-2",
                    "%dl train lenet digits --epochs 5 --lr 0.001 --checkpoint ckpt --resume"),
          group=_DATA)
def _train(ns, p):
    net = find_network(ns, p.args["MODEL"])
    data_tok = p.args["DATA"]
    train = ns.get(f"{data_tok.text}_train")
    valid = ns.get(f"{data_tok.text}_valid") if train is not None else None
    if train is None:
        train = find_data(ns, data_tok)
    if "valid" in p.options:
        valid = find_data(ns, p.option_tokens["valid"])
    epochs, batch = p.options.get("epochs", 10), p.options.get("batch", 32)
    for key in ("epochs", "batch"):
        if key in p.options and p.options[key] < 1:
            raise DLSyntaxError.at(p.option_tokens[key], f"--{key} must be at least 1")
    solver, schedule = lr_forms.make_solver(p.options.get("solver"), p.options.get("lr"),
                                            epochs, _steps_per_epoch(train, batch))
    hist = net.fit(train, valid_data=valid, epochs=epochs, batch_size=batch, solver=solver,
                   lr_scheduler=schedule, checkpoint_dir=p.options.get("checkpoint"),
                   resume=bool(p.options.get("resume")), seed=p.options.get("seed"))
    ns[f"{p.args['MODEL'].text}_history"] = hist


# -- evaluation and explanation -------------------------------------------------------------------
@command("evaluate", [_MODEL, ("DATA", "a dataset; DATA_test when %dl data split it")],
          [OptionSpec("batch", "N", "batch size (256)", convert=int)],
          help="Score MODEL on DATA (DATA_test if there is one); binds MODEL_result.",
          examples=("%dl evaluate lenet digits",), group=_INSPECT)
def _evaluate(ns, p):
    net = find_network(ns, p.args["MODEL"])
    data_tok = p.args["DATA"]
    name = f"{data_tok.text}_test" if f"{data_tok.text}_test" in ns else data_tok.text
    data = ns[name] if name in ns else find_data(ns, data_tok)
    result = net.evaluate(data, batch_size=p.options.get("batch", 256))
    ns[f"{p.args['MODEL'].text}_result"] = result
    print(f"{p.args['MODEL'].text}: accuracy {result.accuracy:.4f} on {len(result.y_true):,} "
          f"examples of {name} (in {p.args['MODEL'].text}_result)")


@command("confusion", [_MODEL], [OptionSpec("normalize", "true|pred", "rates per true or "
                                             "per predicted class", choices=("true", "pred"))],
          help="The confusion matrix of the last %dl evaluate (click a cell to browse it).",
          examples=("%dl confusion lenet", "%dl confusion lenet --normalize true"),
          group=_INSPECT)
def _confusion(ns, p):
    return find_result(ns, p.args["MODEL"]).confusion_matrix(normalize=p.options.get("normalize"))


def _img_type(tok):
    word = tok.text.lower()
    if word not in _IMG_TYPES:
        raise DLSyntaxError.at(tok, f"expected C (correct), M (misclassified) or A (all), got "
                                    f"`{tok.text}`")
    return word.upper()


@command("browse", [_MODEL, ("IMG_TYPE?", "C (correct), M (misclassified) or A (all, default)")],
          help="Browse the evaluated images with their class probabilities.",
          examples=("%dl browse lenet M",), group=_INSPECT)
def _browse(ns, p):
    result = find_result(ns, p.args["MODEL"])
    img_type = _img_type(p.args["IMG_TYPE"]) if "IMG_TYPE" in p.args else "A"
    return result.browse(img_type=img_type)
