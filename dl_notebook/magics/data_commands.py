"""``%dl`` subcommands for data, training and inspection: data, train, evaluate, confusion, browse,
gradcam, heatmap. Each binds or shows what one call of the API returns.
"""

from __future__ import annotations

from ..explain import registry
from . import lr_forms
from ._registry import command, find_data, find_network, find_result
from .grammar import DLSyntaxError
from .model_cell import check_variable
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


@command("data", [("NAME", "the Python name the dataset is bound to")], [
    OptionSpec("folder", "PATH", "a folder with one sub-folder of images per class",
               required=True),
    OptionSpec("size", "SIZE", "image size: 32 or 32x28 (height x width)", convert=to_size),
    OptionSpec("grayscale", help="load one channel instead of RGB"),
    OptionSpec("split", "64/16/20", "train/valid/test (or train/test) percentages",
               convert=_split),
    OptionSpec("seed", "N", "seed of the split", convert=int)],
    help="Load an image folder; bind NAME and, with --split, NAME_train, NAME_valid, NAME_test.",
    examples=("%dl data digits --folder data/digits --size 32 --grayscale --split 64/16/20 "
              "--seed 123",), group=_DATA)
def _data_command(ns, p):
    from ..data import ImageDataset, three_way_split, two_way_split

    name = check_variable(p.args["NAME"])
    size = p.options.get("size")
    size = (size, size) if isinstance(size, int) else size
    data = ImageDataset.from_folder(p.options["folder"], image_size=size,
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
          examples=("%dl train lenet digits --epochs 10 --solver sgd --lr cyclic:1e-4:1e-2",
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


_HEAT_OPTIONS = (OptionSpec("img-type", "C|M|A", "which images: correct, misclassified, all",
                            choices=_IMG_TYPES),
                 OptionSpec("n", "N", "how many images (5)", convert=int))


@command("gradcam", [_MODEL], _HEAT_OPTIONS,
          help="Grad-CAM heatmaps over evaluated images.",
          examples=("%dl gradcam lenet --img-type M --n 4",), group=_INSPECT)
def _gradcam(ns, p):
    return _heat(ns, p, "gradcam")


def _heatmap(ns, p):
    return _heat(ns, p, p.options.get("method", "gradcam"))


def _method_option():
    """``--method``: its choices and help are the methods registered in dl_notebook.explain."""
    shown = [f"{m.name} ({m.title}{', the default' if m.name == 'gradcam' else ''})"
             for m in registry.methods()]
    return OptionSpec("method", "NAME", "the heatmap method: " + ", ".join(shown),
                      choices=registry.names())


def _register_heatmap():
    """(Re)register ``%dl heatmap`` with the methods registered now."""
    command("heatmap", [_MODEL], (_method_option(),) + _HEAT_OPTIONS,
            help="Heatmaps of what MODEL looks at, over evaluated images.",
            examples=("%dl heatmap lenet --method occlusion --img-type C --n 4",),
            group=_INSPECT)(_heatmap)


_register_heatmap()
registry.on_change(_register_heatmap)  # a method registered later is a choice at once


def _heat(ns, p, method):
    result = find_result(ns, p.args["MODEL"])
    n = p.options.get("n", 5)
    if n < 1:
        raise DLSyntaxError.at(p.option_tokens["n"], "--n must be at least 1")
    return result.heat_map_analysis(img_type=p.options.get("img-type", "a").upper(),
                                    method=method, n_images=n)
