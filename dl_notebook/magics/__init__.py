"""``%dl`` and ``%%dl``: IPython magics that are thin calls of the dl_notebook API.

``%load_ext dl_notebook`` registers them (and their tab completion)
without importing TensorFlow. ``%%dl model NAME --input 32x32x1`` builds a
network from one layer per line; ``%dl SUBCOMMAND …`` edits, shows,
trains and inspects it (``%dl help`` lists the subcommands, ``%dl?``
shows the full usage). The parts:

- :mod:`.grammar`: tokens, values, options and :class:`DLSyntaxError`;
- :mod:`.layer_table`: layer keywords -> ``dn.layers`` specs;
- :mod:`.model_cell`: a ``%%dl model`` cell -> a network;
- :mod:`.commands`: the subcommands; :mod:`.lr_forms`: ``--solver`` / ``--lr``;
- :mod:`.codegen`: a network -> a ``%%dl`` cell or Python code;
- :mod:`.completion`: tab completion; :mod:`.usage`: help texts;
- :mod:`.magic`: the IPython ``Magics`` class.
"""

from .grammar import DLSyntaxError

__all__ = ["DLSyntaxError", "load_ipython_extension"]


def load_ipython_extension(ipython):
    """Register ``%dl`` / ``%%dl`` and their completer in *ipython* (``%load_ext dl_notebook``)."""
    from .magic import register

    register(ipython)
