"""DLPy's training settings and solvers (``dlpy.model``'s ``Optimizer``, ``VanillaSolver`` …).

Each DLPy solver keeps its settings as a dict and becomes a core solver of
:mod:`dl_notebook.train.solvers` for one run (``to_core``), its learning-rate
policy counted in epochs as DLPy counts them. Imported from
:mod:`dl_notebook.dlpy.model`, where DLPy users find them.
"""

from __future__ import annotations

from ..errors import InvalidArgumentError
from ..train.optimizer import Optimizer as CoreOptimizer
from ._ignored import given, warn_ignored
from .lr_scheduler import _LRScheduler

__all__ = ["Optimizer", "VanillaSolver", "MomentumSolver", "AdamSolver", "LBFGSolver",
           "NatGradSolver", "Gpu", "Sequence", "TextParms", "DataSpec"]


class _Settings(dict):
    """A dict of DLPy settings whose keys are also attributes."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


class Gpu(_Settings):
    """DLPy's GPU settings; accepted and ignored (Keras places work on its own devices).

    Example:
        >>> from dl_notebook.dlpy.model import Gpu
        >>> Gpu(devices=[0])["devices"]
        [0]
    """

    def __init__(self, devices=None, use_tensor_rt=False, precision="single", use_exclusive=False):
        super().__init__(devices=devices, use_tensor_rt=use_tensor_rt, precision=precision,
                         use_exclusive=use_exclusive)


class Sequence(_Settings):
    """DLPy's sequence settings of recurrent models (kept; the core reads sequences from the data)."""

    def __init__(self, input_length=None, target_length=None, token_size=None):
        super().__init__(input_length=input_length, target_length=target_length,
                         token_size=token_size)


class TextParms(_Settings):
    """DLPy's text settings (kept; a TextDataset holds its own vocabulary)."""

    def __init__(self, init_input_embeddings=None, init_output_embeddings=None,
                 has_input_term_ids=False, has_output_term_ids=False, model_output_embeddings=None,
                 language="english"):
        super().__init__(init_input_embeddings=init_input_embeddings,
                         init_output_embeddings=init_output_embeddings,
                         has_input_term_ids=has_input_term_ids,
                         has_output_term_ids=has_output_term_ids,
                         model_output_embeddings=model_output_embeddings, language=language)


class DataSpec(_Settings):
    """DLPy's data specification of one layer (kept; columns are given to ``fit`` here)."""

    def __init__(self, type_, layer, data=None, data_layer=None, nominals=None, numeric_nominal_parms=None,
                 loss_scale_factor=None):
        super().__init__(type=type_, layer=layer, data=data, data_layer=data_layer,
                         nominals=nominals, numeric_nominal_parms=numeric_nominal_parms,
                         loss_scale_factor=loss_scale_factor)


class _Solver(_Settings):
    """A DLPy solver: its settings, and the core solver it becomes for one run."""

    def __init__(self, learning_rate=0.001, learning_rate_policy="fixed", gamma=0.1, step_size=10,
                 power=None, use_locking=True, clip_grad_max=None, clip_grad_min=None, steps=None,
                 fcmp_learning_rate=None, lr_scheduler=None, **extra):
        if fcmp_learning_rate is not None:
            raise InvalidArgumentError(
                "fcmp_learning_rate runs SAS FCMP code on a CAS server, which is not available "
                "here; use a dl_notebook.dlpy.lr_scheduler class."
            )
        if lr_scheduler is not None and not isinstance(lr_scheduler, _LRScheduler):
            raise InvalidArgumentError(
                f"lr_scheduler must come from dl_notebook.dlpy.lr_scheduler; got "
                f"{type(lr_scheduler).__name__}."
            )
        super().__init__(learning_rate=learning_rate, learning_rate_policy=learning_rate_policy,
                         gamma=gamma, step_size=step_size, power=power, use_locking=use_locking,
                         clip_grad_max=clip_grad_max, clip_grad_min=clip_grad_min, steps=steps,
                         lr_scheduler=lr_scheduler, **extra)

    def scheduler(self):
        """The learning-rate policy: ``lr_scheduler`` or one made of the solver's own settings."""
        if self["lr_scheduler"] is not None:
            return self["lr_scheduler"]
        return _LRScheduler(learning_rate_policy=self["learning_rate_policy"],
                            learning_rate=self["learning_rate"], gamma=self["gamma"],
                            steps=self["steps"], step_size=self["step_size"], power=self["power"])

    def to_core(self, steps_per_epoch, epochs):
        """The core solver for one run of *epochs* epochs of *steps_per_epoch* batches.

        Example:
            >>> from dl_notebook.dlpy.model import AdamSolver
            >>> AdamSolver(learning_rate=0.01).to_core(steps_per_epoch=5, epochs=2)
            Adam(learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-07)
        """
        rate = self.scheduler().to_core(steps_per_epoch, epochs)
        clip = dict(clip_grad_max=self["clip_grad_max"], clip_grad_min=self["clip_grad_min"])
        return self._core(rate, clip)


class VanillaSolver(_Solver):
    """Stochastic gradient descent (DLPy ``VanillaSolver``, core ``dn.solvers.Vanilla``).

    ``learning_rate_policy`` is ``'fixed'``, ``'step'`` (with ``gamma`` and
    ``step_size`` in epochs, as ``StepLR``), ``'multistep'`` (``steps``) or
    ``'poly'`` (``power``); ``lr_scheduler=`` replaces them.

    Example:
        >>> from dl_notebook.dlpy.model import VanillaSolver
        >>> VanillaSolver(learning_rate=0.05)["learning_rate"]
        0.05
    """

    def _core(self, rate, clip):
        from ..train.solvers import Vanilla

        return Vanilla(rate, **clip)


class MomentumSolver(_Solver):
    """SGD with momentum (DLPy ``MomentumSolver``, core ``dn.solvers.Momentum``).

    Example:
        >>> from dl_notebook.dlpy.model import MomentumSolver
        >>> MomentumSolver(momentum=0.8)["momentum"]
        0.8
    """

    def __init__(self, momentum=0.9, learning_rate=0.001, learning_rate_policy="fixed",
                 gamma=0.1, step_size=10, power=None, use_locking=True, clip_grad_max=None,
                 clip_grad_min=None, steps=None, fcmp_learning_rate=None, lr_scheduler=None):
        super().__init__(learning_rate, learning_rate_policy, gamma, step_size, power,
                         use_locking, clip_grad_max, clip_grad_min, steps, fcmp_learning_rate,
                         lr_scheduler, momentum=momentum)

    def _core(self, rate, clip):
        from ..train.solvers import Momentum

        return Momentum(rate, momentum=self["momentum"], **clip)


class AdamSolver(_Solver):
    """Adam (DLPy ``AdamSolver``, core ``dn.solvers.Adam``).

    Example:
        >>> from dl_notebook.dlpy.model import AdamSolver
        >>> AdamSolver(beta1=0.8)["beta1"]
        0.8
    """

    def __init__(self, beta1=0.9, beta2=0.999, learning_rate=0.001, learning_rate_policy="fixed",
                 gamma=0.1, step_size=10, power=None, use_locking=True, clip_grad_max=None,
                 clip_grad_min=None, steps=None, fcmp_learning_rate=None, lr_scheduler=None):
        super().__init__(learning_rate, learning_rate_policy, gamma, step_size, power,
                         use_locking, clip_grad_max, clip_grad_min, steps, fcmp_learning_rate,
                         lr_scheduler, beta1=beta1, beta2=beta2)

    def _core(self, rate, clip):
        from ..train.solvers import Adam

        return Adam(rate, beta1=self["beta1"], beta2=self["beta2"], **clip)


class LBFGSolver(_Solver):
    """DLPy's L-BFGS solver: refused, since Keras has no L-BFGS optimizer."""

    def __init__(self, *args, **kwargs):
        raise InvalidArgumentError(
            "LBFGSolver is not supported: Keras trains with first-order optimizers; use "
            "AdamSolver, MomentumSolver or VanillaSolver."
        )


class NatGradSolver(LBFGSolver):
    """DLPy's natural-gradient solver: refused, since Keras has no such optimizer."""

    def __init__(self, *args, **kwargs):
        raise InvalidArgumentError(
            "NatGradSolver is not supported: Keras has no natural-gradient optimizer; use "
            "AdamSolver, MomentumSolver or VanillaSolver."
        )


class Optimizer(CoreOptimizer):
    """DLPy's ``Optimizer``: the solver and the run's settings (over ``dn.Optimizer``).

    Args:
        algorithm: a DLPy solver (default ``VanillaSolver()``).
        mini_batch_size, max_epochs, seed, reg_l1, reg_l2, log_level,
        stagnation, freeze_layers_to, freeze_layers: as ``dn.Optimizer``.
        kwargs: DLPy's other settings (``dropout``, ``threshold``,
            ``snapshot_freq`` …): accepted; those that would change training
            are named in a warning, since they have no effect here.

    Example:
        >>> from dl_notebook.dlpy.model import Optimizer, VanillaSolver
        >>> opt = Optimizer(algorithm=VanillaSolver(learning_rate=0.1), mini_batch_size=32,
        ...                 max_epochs=3)
        >>> opt.mini_batch_size, opt.max_epochs, opt.algorithm["learning_rate"]
        (32, 3, 0.1)
    """

    def __init__(self, algorithm=None, mini_batch_size=1, seed=0, max_epochs=1, reg_l1=0,
                 reg_l2=0, dropout=0, log_level=0, stagnation=0, freeze_layers_to=None,
                 freeze_layers=None, **kwargs):
        algorithm = VanillaSolver() if algorithm is None else algorithm
        if not isinstance(algorithm, _Solver):
            raise InvalidArgumentError(
                f"Optimizer: algorithm must be a DLPy solver (VanillaSolver, MomentumSolver, "
                f"AdamSolver); got {type(algorithm).__name__}."
            )
        super().__init__(algorithm=algorithm, mini_batch_size=mini_batch_size,
                         max_epochs=max_epochs, log_level=log_level, reg_l1=reg_l1,
                         reg_l2=reg_l2, stagnation=stagnation, freeze_layers_to=freeze_layers_to,
                         freeze_layers=freeze_layers, seed=seed)
        self.extra = dict(kwargs, dropout=dropout)
        warn_ignored("Optimizer", given(**self.extra))

    def to_core(self, steps_per_epoch, save_best_weights=False):
        """The core ``dn.Optimizer`` of one run, its solver made for *steps_per_epoch* batches."""
        return CoreOptimizer(
            algorithm=self.algorithm.to_core(steps_per_epoch, self.max_epochs),
            mini_batch_size=self.mini_batch_size, max_epochs=self.max_epochs,
            log_level=self.log_level, reg_l1=self.reg_l1, reg_l2=self.reg_l2,
            stagnation=self.stagnation, save_best_weights=save_best_weights,
            freeze_layers_to=self.freeze_layers_to, freeze_layers=self.freeze_layers,
            seed=self.seed)
