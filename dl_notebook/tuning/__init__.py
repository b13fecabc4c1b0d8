"""Making a network better without writing the loop: hyperparameter search and pruning.

- :mod:`.search`: ``dn.tune(build, train, valid, space=…)`` on Optuna, with a study
  file that survives interruptions and is shared by worker processes.
- :mod:`.prune`: ``dn.prune(net, sparsity=…)``, magnitude pruning on Keras 3 with our
  own masks kept during fine-tuning.

(The package is not called ``tune``: importing a ``dl_notebook.tune`` package would
replace the ``dn.tune`` function with the module.)
"""
