"""``%dl prune``: magnitude pruning of a network to a sparsity, with fine-tuning."""

from __future__ import annotations

from ._registry import command, find_data, find_network
from .grammar import DLSyntaxError
from .options import OptionSpec
from .values import to_number

__all__: list[str] = []  # the subcommand registers itself in _registry.COMMANDS

_GROUP = "Deploy and tune"


def _fraction(tok):
    value = to_number(tok, "a sparsity such as 0.5")
    if not 0 < value < 1:
        raise DLSyntaxError.at(tok, f"--sparsity must lie strictly between 0 and 1, got "
                                    f"{tok.text}", "e.g. --sparsity 0.5 zeroes half the weights")
    return float(value)


def _training_data(ns, p):
    """The data to fine-tune on and to validate with (DATA_train / DATA_valid as %dl train)."""
    if "data" not in p.options:
        valid = find_data(ns, p.option_tokens["valid"]) if "valid" in p.options else None
        return None, valid
    tok = p.option_tokens["data"]
    train = ns.get(f"{tok.text}_train")
    valid = ns.get(f"{tok.text}_valid") if train is not None else None
    if train is None:
        train = find_data(ns, tok)
    if "valid" in p.options:
        valid = find_data(ns, p.option_tokens["valid"])
    return train, valid


@command("prune", [("MODEL", "a network in the notebook")], [
    OptionSpec("sparsity", "F", "the fraction of kernel weights to zero (0.5)",
               convert=_fraction),
    OptionSpec("data", "DATA", "fine-tune on DATA (DATA_train when %dl data split it); "
               "without it the network is pruned once"),
    OptionSpec("valid", "DATA", "validation data for fine-tuning and the accuracies "
               "(default DATA_valid)"),
    OptionSpec("epochs", "N", "fine-tuning epochs (2)", convert=int),
    OptionSpec("schedule", "NAME", "polynomial (sparsity rises along a cubic while "
               "fine-tuning, default) or constant (all at once)",
               choices=("polynomial", "constant")),
    OptionSpec("method", "NAME", "magnitude (each layer to the sparsity, default) or global "
               "(one threshold over all layers)", choices=("magnitude", "global")),
    OptionSpec("batch", "N", "batch size (32)", convert=int),
    OptionSpec("seed", "N", "random seed of the fine-tuning", convert=int)],
    help="Prune MODEL in place: zero the smallest weights of its Dense and convolution "
         "kernels (not the output layer) and fine-tune with the zeros kept; prints the "
         "sparsity and the accuracy before and after, binds MODEL_prune.",
    examples=("%dl prune lenet --sparsity 0.5 --data digits --epochs 2",
              "%dl prune lenet --sparsity 0.8 --data digits --schedule constant",
              "%dl prune lenet --sparsity 0.5"), group=_GROUP)
def _prune(ns, p):
    from ..tuning.prune import prune

    model_tok = p.args["MODEL"]
    net = find_network(ns, model_tok)
    for key in ("epochs", "batch"):
        if key in p.options and p.options[key] < 1:
            raise DLSyntaxError.at(p.option_tokens[key], f"--{key} must be at least 1")
    train, valid = _training_data(ns, p)
    result = prune(net, p.options.get("sparsity", 0.5), method=p.options.get("method",
                                                                              "magnitude"),
                   schedule=p.options.get("schedule", "polynomial"),
                   fine_tune_epochs=p.options.get("epochs", 2), data=train, valid=valid,
                   batch_size=p.options.get("batch", 32), seed=p.options.get("seed"))
    ns[f"{model_tok.text}_prune"] = result
    print(f"{model_tok.text}: {result!r}")
    print(result.layers.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
