"""Build hook function for hatch-jupyter-builder: build the JupyterLab extension only when
its built output is missing.

The built extension (dl_notebook/labextension/) is committed, so installing the package
(`pip install .`, `pip install -e .`, `make demo`) needs no node and runs no npm: with the
built files in place this does nothing. `scripts/build-labextension.sh` (run by `make test`)
rebuilds them from labextension/src when the sources are newer and node is available.
pyproject.toml names this function as the hook's `build-function`.
"""

from __future__ import annotations

import logging
from pathlib import Path

BUILT = ("dl_notebook/labextension/package.json", "dl_notebook/labextension/static/style.js")


def build(target_name: str, version: str, **npm_kwargs) -> None:
    """Run hatch-jupyter-builder's npm build unless the built extension is already there.

    Args:
        target_name: "wheel" or "sdist".
        version: "standard" or "editable".
        **npm_kwargs: passed on to ``hatch_jupyter_builder.npm_builder``.
    """
    if all(Path(path).is_file() for path in BUILT):
        logging.getLogger(__name__).info("labextension: using the committed build")
        return
    from hatch_jupyter_builder import npm_builder

    npm_builder(target_name, version, **npm_kwargs)
