"""Lazy access to Keras: importing dl_notebook never imports TensorFlow.

TensorFlow's start-up is also made quiet here. Its C++ logging honours
``TF_CPP_MIN_LOG_LEVEL`` (default "2" here: errors only), except for what its
libraries print while they load, before absl's logging is initialised: the
``cudart_stub`` notice on a machine without a CUDA driver, absl's "All log
messages before absl::InitializeLog()" banner, and then the ``failed call to
cuInit`` error that follows from the missing driver. Those lines go straight to
file descriptor 2, so notebooks show them as a red block and servers print them
on their console. The first import of TensorFlow after this module's (which
``import dl_notebook`` imports first) therefore runs with descriptor 2 held
back; afterwards every line is written back except the start-up notices below
the log level in effect and the cuInit error of a machine without a CUDA
driver. Real errors still show, and a GPU is used as before.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import os
import re
import sys
import tempfile

_keras = None

_LOG_LEVELS = {b"I": 0, b"W": 1, b"E": 2, b"F": 3}
# absl's format: I0000 00:00:1796561898.288633   10440 cudart_stub.cc:31] message
_ABSL_LINE = re.compile(rb"^([IWEF])\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w.\-]+:\d+\] ")
_ABSL_BANNER = b"WARNING: All log messages before absl::InitializeLog() is called"
_NO_DRIVER = b"Could not find cuda drivers on your machine"
_CUINIT = b"failed call to cuInit"


def _set_defaults():
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def keras():
    """Return the ``keras`` module, importing it (and TensorFlow) on first use.

    Returns:
        The ``keras`` module, with the TensorFlow backend unless ``KERAS_BACKEND``
        says otherwise.

    Example:
        >>> keras().__name__
        'keras'
    """
    global _keras
    if _keras is None:
        _set_defaults()
        import keras as _k

        _keras = _k
    return _keras


def _min_log_level() -> int:
    try:
        return int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"))
    except ValueError:
        return 0


def filter_startup_lines(text: bytes, min_level: int) -> bytes:
    """Drop TensorFlow's start-up notices from *text* (bytes written to stderr).

    Args:
        text: what TensorFlow's libraries wrote to file descriptor 2 while loading.
        min_level: the ``TF_CPP_MIN_LOG_LEVEL`` in effect (0 info, 1 warning,
            2 error, 3 fatal only).

    Returns:
        *text* without absl lines below *min_level*, absl's "before
        InitializeLog" banner (a warning) when *min_level* is above 0, and the
        ``failed call to cuInit`` error when the same text says that the machine
        has no CUDA driver (or ``CUDA_VISIBLE_DEVICES`` hides every GPU). Other
        lines are kept as they are.

    Example:
        >>> noise = (b"I0000 00:00:17.2   10 cudart_stub.cc:31] Could not find cuda "
        ...          b"drivers on your machine, GPU will not be used.\\n"
        ...          b"E0000 00:00:17.5   10 cuda_platform.cc:52] failed call to cuInit\\n"
        ...          b"a real error\\n")
        >>> filter_startup_lines(noise, 2)
        b'a real error\\n'
    """
    no_gpu = _NO_DRIVER in text or os.environ.get("CUDA_VISIBLE_DEVICES") in ("", "-1")
    kept = []
    for line in text.splitlines(keepends=True):
        match = _ABSL_LINE.match(line)
        if match and _LOG_LEVELS[match.group(1)] < min_level:
            continue
        if min_level > 0 and line.startswith(_ABSL_BANNER):
            continue
        if no_gpu and match and _CUINIT in line:
            continue
        kept.append(line)
    return b"".join(kept)


@contextlib.contextmanager
def _quiet_stderr():
    """Hold back what is written to file descriptor 2, then write it back filtered."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield  # no usable descriptor 2: nothing to hold back
        return
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            kept = filter_startup_lines(held.read(), _min_log_level())
            if kept:
                os.write(2, kept)


class _QuietTensorFlowImport(importlib.abc.MetaPathFinder):
    """Runs the first ``import tensorflow`` with its start-up notices held back.

    After TensorFlow's package has run, its devices are listed once (this is
    when the ``cuInit`` call happens), still inside the quiet window. The
    finder removes itself from ``sys.meta_path`` when the import runs (a mere
    ``importlib.util.find_spec("tensorflow")`` leaves it in place).
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "tensorflow":
            return None
        spec = None
        for finder in sys.meta_path:
            find = None if finder is self else getattr(finder, "find_spec", None)
            if find is not None:
                spec = find(fullname, path, target)
                if spec is not None:
                    break
        if spec is None or spec.loader is None:
            return spec
        loader, remove = spec.loader, self.remove

        class Loader(importlib.abc.Loader):
            def create_module(self, spec):
                return loader.create_module(spec)

            def exec_module(self, module):
                module.__loader__ = module.__spec__.loader = loader  # no trace left
                remove()
                _set_defaults()
                with _quiet_stderr():
                    loader.exec_module(module)
                    with contextlib.suppress(Exception):
                        module.config.list_physical_devices()

        spec.loader = Loader()
        return spec

    def remove(self):
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self)


def quiet_tensorflow_startup() -> bool:
    """Make the next first import of TensorFlow in this process quiet.

    Returns:
        True when the import is now watched, False when TensorFlow is already
        imported (its start-up has been printed) or a watch is already set.

    Example:
        >>> isinstance(quiet_tensorflow_startup(), bool)
        True
    """
    if "tensorflow" in sys.modules:
        return False
    if any(isinstance(finder, _QuietTensorFlowImport) for finder in sys.meta_path):
        return False
    sys.meta_path.insert(0, _QuietTensorFlowImport())
    return True


quiet_tensorflow_startup()  # before anything in the package can import TensorFlow


def is_keras_operation(obj) -> bool:
    """True when *obj* is a Keras layer, model or operation.

    Keras is not imported by this check: an object cannot be a Keras
    operation unless Keras was imported to make it.
    """
    k = sys.modules.get("keras")
    return k is not None and isinstance(obj, k.Operation)


def is_keras_model(obj) -> bool:
    """True when *obj* is a ``keras.Model`` (Sequential, functional or subclassed)."""
    k = sys.modules.get("keras")
    return k is not None and isinstance(obj, k.Model)


def keras_model_of(net, what: str):
    """The ``keras.Model`` of *net*: a Keras model itself, or ``net.to_keras()``.

    A ``dn.Network``'s ``to_keras()`` waits for a fit running in another
    thread. Anything else raises an ``InvalidArgumentError`` that names
    *what* needed the model.

    Example:
        >>> keras_model_of(3, "export")
        Traceback (most recent call last):
        ...
        dl_notebook.errors.InvalidArgumentError: export needs a dn.Network or a keras.Model; got int.
    """
    if is_keras_model(net):
        return net
    if hasattr(net, "to_keras"):
        return net.to_keras()
    from .errors import InvalidArgumentError

    raise InvalidArgumentError(
        f"{what} needs a dn.Network or a keras.Model; got {type(net).__name__}."
    )
