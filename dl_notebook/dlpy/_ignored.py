"""One warning for the DLPy options that are accepted but have no effect here.

DLPy calls carry settings of a SAS server run (``n_threads``, ``gpu``,
``casout`` tables, weight initialisers …). Every DLPy-style call of this
package accepts them and names, in one warning per call, those given a
value that would matter on a CAS server; none of them changes a result.
"""

from __future__ import annotations

import warnings

__all__ = ["given", "warn_ignored"]

_UNSET = (None, False, 0, "none", "NONE", "None")


def given(**settings) -> list[str]:
    """Names of *settings* given a value other than "not set" (None, False, 0, ``'none'``).

    Args:
        settings: the options as the caller received them.

    Example:
        >>> given(n_threads=4, gpu=None, record_seed=0, casout="t")
        ['casout', 'n_threads']
    """
    return sorted(k for k, v in settings.items() if not _unset(v))


def _unset(value) -> bool:
    if value is None:
        return True
    return isinstance(value, (str, int, float)) and value in _UNSET


def warn_ignored(where, names, stacklevel=3):
    """Say once, in one warning, which accepted options have no effect here.

    Args:
        where: the call, e.g. ``"ImageTable.load_files"``.
        names: the option names that were given and are ignored.
        stacklevel: as ``warnings.warn`` (3: the caller of the function
            that calls this one).

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     warn_ignored("f", ["casout"])
        >>> str(caught[0].message)
        'f: casout has no effect in dl_notebook (no CAS server) and is ignored.'
    """
    names = sorted(set(names))
    if names:
        verb = "has" if len(names) == 1 else "have"
        tail = "is" if len(names) == 1 else "are"
        warnings.warn(f"{where}: {', '.join(names)} {verb} no effect in dl_notebook (no CAS "
                      f"server) and {tail} ignored.", UserWarning, stacklevel=stacklevel)
