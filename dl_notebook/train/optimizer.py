"""Optimizer: DLPy's bundle of training settings, accepted by ``net.fit(optimizer=...)``."""

from __future__ import annotations

import numbers

from ..errors import InvalidArgumentError

__all__ = ["Optimizer"]


def _count(value, name, *, minimum=1):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise InvalidArgumentError(
            f"Optimizer: {name} must be an integer of at least {minimum}; got {value!r}."
        )
    return int(value)


def _penalty(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
        raise InvalidArgumentError(
            f"Optimizer: {name} must be a number of at least 0; got {value!r}."
        )
    return float(value)


class Optimizer:
    """Training settings in DLPy's ``Optimizer`` form.

    ``net.fit(data, optimizer=dn.Optimizer(...))`` reads them; a setting
    given here takes precedence over the matching ``fit`` argument
    (``mini_batch_size`` over ``batch_size``, ``max_epochs`` over ``epochs``,
    ``algorithm`` over ``solver``, ``seed`` over ``seed``).

    Args:
        algorithm: the solver (``dn.solvers.Adam(...)``, a name or a Keras optimizer).
        mini_batch_size: samples per batch.
        max_epochs: number of epochs.
        log_level: 0 trains silently (``live=False``); anything else shows progress.
        reg_l1, reg_l2: L1 / L2 penalty on the weights (kernels, not biases),
            added to the training loss.
        stagnation: stop after this many epochs without a better validation
            loss (training loss without validation data); 0 never stops early.
        save_best_weights: end with the weights of the best epoch (lowest
            validation loss, or training loss without validation data).
        freeze_layers_to: train only the layers after this one (for this run).
        freeze_layers: names of layers not to train (for this run).
        seed: random seed: same seed, same data, same result.

    Example:
        >>> import dl_notebook as dn
        >>> opt = dn.Optimizer(mini_batch_size=64, max_epochs=5, reg_l2=1e-4, stagnation=3)
        >>> opt.mini_batch_size, opt.max_epochs, opt.stagnation
        (64, 5, 3)
    """

    def __init__(self, algorithm=None, mini_batch_size=None, max_epochs=None, log_level=None,
                 reg_l1=0.0, reg_l2=0.0, stagnation=0, save_best_weights=False,
                 freeze_layers_to=None, freeze_layers=None, seed=None):
        self.algorithm = algorithm
        self.mini_batch_size = _count(mini_batch_size, "mini_batch_size")
        self.max_epochs = _count(max_epochs, "max_epochs")
        self.log_level = _count(log_level, "log_level", minimum=0)
        self.reg_l1 = _penalty(reg_l1, "reg_l1")
        self.reg_l2 = _penalty(reg_l2, "reg_l2")
        self.stagnation = _count(stagnation, "stagnation", minimum=0) or 0
        self.save_best_weights = bool(save_best_weights)
        self.freeze_layers_to = freeze_layers_to
        if isinstance(freeze_layers, str):
            freeze_layers = [freeze_layers]
        self.freeze_layers = list(freeze_layers) if freeze_layers else []
        self.seed = _count(seed, "seed", minimum=0)

    def __repr__(self):
        keys = ("algorithm", "mini_batch_size", "max_epochs", "log_level", "reg_l1", "reg_l2",
                "stagnation", "save_best_weights", "freeze_layers_to", "freeze_layers", "seed")
        defaults = Optimizer()
        shown = [f"{k}={getattr(self, k)!r}" for k in keys
                 if getattr(self, k) != getattr(defaults, k)]
        return f"Optimizer({', '.join(shown)})"
