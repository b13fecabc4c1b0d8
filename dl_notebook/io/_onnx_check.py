"""ONNX files written quietly by Keras and run in onnxruntime: the check behind ``net.export``.

:func:`write_onnx` calls Keras' own ``model.export(path, format="onnx")`` with
its library noise held back (a NumPy ``FutureWarning`` and tf2onnx's log
lines); :func:`session` opens a file in onnxruntime on the CPU;
:func:`max_abs_diff` runs it beside Keras on the same inputs, and
:func:`sample_inputs` makes seeded inputs in an input's range when none are
given.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings

import numpy as np

from ..errors import DLError, InvalidArgumentError

__all__ = ["ExportCheckError", "max_abs_diff", "quiet", "run_session", "sample_inputs",
           "session", "write_onnx"]

_ONNX_TYPES = {"tensor(float)": np.float32, "tensor(double)": np.float64,
               "tensor(uint8)": np.uint8, "tensor(int32)": np.int32, "tensor(int64)": np.int64,
               "tensor(float16)": np.float16}


class ExportCheckError(DLError):
    """An exported file whose outputs differ from Keras' by more than the tolerance."""


@contextlib.contextmanager
def quiet():
    """Hold back the FutureWarning of Keras' ONNX path and the INFO/WARNING lines of tf2onnx
    and TensorFlow, until the block ends."""
    loggers = [logging.getLogger(name) for name in ("tf2onnx", "onnx", "tensorflow")]
    levels = [logger.level for logger in loggers]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        try:
            yield
        finally:
            for logger, level in zip(loggers, levels):
                logger.setLevel(level)


def write_onnx(model, path) -> None:
    """Write the (already called) Keras *model* to *path* as ONNX, without library noise."""
    with quiet(), open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        model.export(os.fspath(path), format="onnx", verbose=False)


def session(path):
    """An onnxruntime ``InferenceSession`` of *path* on the CPU."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only
    return ort.InferenceSession(os.fspath(path), sess_options=options,
                                providers=["CPUExecutionProvider"])


def input_dtype(sess):
    """The NumPy dtype of *sess*'s first input (``tensor(float)`` -> ``float32``)."""
    kind = sess.get_inputs()[0].type
    return np.dtype(_ONNX_TYPES.get(kind, np.float32))


def run_session(sess, x) -> list:
    """*sess*'s outputs for the batch *x*, fed in the dtype its input asks for.

    Float values fed to a ``uint8`` input are rounded and clipped to 0..255.
    """
    dtype = input_dtype(sess)
    x = np.asarray(x)
    if dtype == np.uint8 and x.dtype != np.uint8:
        x = np.clip(np.rint(x), 0, 255)
    return sess.run(None, {sess.get_inputs()[0].name: x.astype(dtype, copy=False)})


def _layers(model):
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _layers(layer)


def _vocabulary(model) -> int:
    """The smallest embedding's vocabulary: token ids below it are valid inputs."""
    sizes = [layer.input_dim for layer in _layers(model)
             if isinstance(getattr(layer, "input_dim", None), int)]
    return min(sizes) if sizes else 2


def sample_inputs(model, n=3, size=None, seed=0) -> np.ndarray:
    """*n* seeded inputs for *model*'s one input, in its range.

    Images (a ``(height, width, channels)`` input, or ``uint8``) get values
    0..255, token ids 0..vocabulary-1, anything else standard normal values.
    Free axes take *size* (height, width, ...) or 8.

    Args:
        model: a Keras model with one input.
        n: number of examples.
        size: the lengths of the input's free axes, in order; None for 8 each.
        seed: the random seed.

    Example:
        >>> import keras
        >>> from dl_notebook.io._onnx_check import sample_inputs
        >>> model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten()])
        >>> x = sample_inputs(model, n=2)
        >>> x.shape, x.dtype.name, bool(0 <= x.min() and x.max() <= 255)
        ((2, 4, 4, 1), 'float32', True)
    """
    if len(model.inputs) != 1:
        raise InvalidArgumentError(
            f"The onnxruntime check needs a model with one input; this one has "
            f"{len(model.inputs)}: give check=False."
        )
    spec = model.inputs[0]
    free = iter(size or ())
    shape = [n] + [d if d is not None else next(free, 8) for d in spec.shape[1:]]
    rng = np.random.default_rng(seed)
    dtype = np.dtype(str(spec.dtype))
    if dtype.kind in "iu":
        high = 256 if dtype == np.uint8 else _vocabulary(model)
        return rng.integers(0, high, size=shape).astype(dtype)
    if len(shape) == 4:
        return rng.uniform(0, 255, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def max_abs_diff(model, path, x) -> float:
    """The largest ``|onnxruntime - Keras|`` over every output of *model* and the file *path*."""
    expected = model(x, training=False)
    expected = [np.asarray(e) for e in (expected if isinstance(expected, (list, tuple))
                                        else [expected])]
    got = run_session(session(path), x)
    if len(got) != len(expected):
        raise ExportCheckError(
            f"The ONNX file has {len(got)} outputs but the Keras model {len(expected)}."
        )
    return max(float(np.max(np.abs(np.asarray(g, dtype=np.float64) - e), initial=0.0))
               for g, e in zip(got, expected))
