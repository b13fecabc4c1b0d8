"""``net.export(path)``: a network written for another runtime, and proved to answer the same.

Formats, by the path's suffix or ``format=``:

- ``"onnx"`` (``.onnx``): Keras' own ONNX export. With ``check=True`` the new
  file runs in onnxruntime (CPU) beside Keras on sample inputs before it
  takes its place; the largest difference is reported, and above ``atol``
  an :class:`ExportCheckError` is raised and nothing is written at *path*
  (a file already there stays as it was).
- ``"keras"`` (``.keras``): the whole model, for ``keras.saving.load_model``.
- ``"savedmodel"`` (a folder): TensorFlow's SavedModel with a ``serve`` endpoint.
- ``"weights"`` (``.weights.h5``): the weights by layer name, as ``net.load_weights`` reads them.

Every write is atomic: the file (or folder) is made under a temporary name
in the same folder and renamed into place, so a crash leaves the old one or
the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import html
import os
import shutil
import time
import uuid
from dataclasses import dataclass

from .._keras import is_keras_model, keras, keras_model_of
from ..errors import InvalidArgumentError
from ._onnx_check import ExportCheckError, max_abs_diff, quiet, sample_inputs, write_onnx

__all__ = ["FORMATS", "ExportCheckError", "ExportResult", "export", "format_of", "raw_image_model"]

FORMATS = {"onnx": ".onnx", "keras": ".keras", "savedmodel": "a folder",
           "weights": ".weights.h5"}
"""Each export format and the path it is written to."""


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export` wrote: where, in which format, how big, how long, how close to Keras.

    ``max_abs_diff`` is the largest ``|onnxruntime - Keras|`` on the sample
    inputs (None when the file was not checked); ``input_*`` describe the
    exported model's input.
    """

    path: str
    format: str
    bytes: int
    seconds: float
    max_abs_diff: float | None
    input_name: str
    input_shape: tuple
    input_dtype: str

    def _summary(self) -> str:
        size = (f"{self.bytes / 1e6:.1f} MB" if self.bytes >= 1e6
                else f"{self.bytes / 1e3:.1f} kB")
        checked = ("" if self.max_abs_diff is None
                   else f", max |onnxruntime - keras| {self.max_abs_diff:.1e}")
        shape = "x".join("?" if d is None else str(d) for d in self.input_shape)
        return (f"{self.format} {os.path.basename(self.path)!r}: {size} in "
                f"{self.seconds:.1f} s{checked}; input {self.input_name!r} "
                f"{shape} {self.input_dtype}")

    def __repr__(self):
        return f"<ExportResult {self._summary()}>"

    def _repr_html_(self):
        return f"<code>{html.escape(repr(self))}</code>"


def format_of(path, format=None) -> str:
    """The export format named by *format*, else by *path*'s suffix (no suffix: a SavedModel folder).

    Example:
        >>> format_of("lenet.onnx"), format_of("m.weights.h5"), format_of("served_model")
        ('onnx', 'weights', 'savedmodel')
    """
    listed = ", ".join(f"{name} ({where})" for name, where in FORMATS.items())
    if format is not None:
        word = str(format).lower().replace("_", "").replace("tfsavedmodel", "savedmodel")
        if word not in FORMATS:
            raise InvalidArgumentError(f"Unknown export format {format!r}; the formats are {listed}.")
        return word
    name = os.path.basename(os.fspath(path).rstrip("/\\")).lower()
    for word, suffix in (("weights", ".weights.h5"), ("onnx", ".onnx"), ("keras", ".keras")):
        if name.endswith(suffix):
            return word
    if "." in name and not os.path.isdir(path):
        raise InvalidArgumentError(
            f"Cannot tell the export format of {os.fspath(path)!r} from its suffix; the formats "
            f"are {listed} (or give format=)."
        )
    return "savedmodel"


def raw_image_model(model):
    """*model* behind a cast and a resize: it takes raw ``uint8`` images of any size (NHWC).

    The images become float32, are resized (bilinear, as ``tf.image.resize``)
    to *model*'s height and width and go through *model*, whose input layer
    holds the network's own normalisation (``scale``, ``offsets``, ``std``).

    Args:
        model: a Keras model with one ``(height, width, channels)`` input.

    Example:
        >>> import keras, numpy as np
        >>> from dl_notebook.io.export import raw_image_model
        >>> net = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten()])
        >>> raw = raw_image_model(net)
        >>> tuple(raw(np.full((1, 8, 6, 1), 200, np.uint8)).shape)
        (1, 16)
    """
    k = keras()
    shape = tuple(model.inputs[0].shape[1:]) if len(model.inputs) == 1 else ()
    if len(shape) != 3 or None in shape[:2]:
        raise InvalidArgumentError(
            f"include_preprocessing needs a network with one image input of a fixed "
            f"(height, width, channels); this one takes {shape or len(model.inputs)}."
        )
    height, width, channels = shape
    image = k.Input(shape=(None, None, channels), dtype="uint8", name="image")
    x = k.layers.Rescaling(1.0, name="to_float")(image)  # uint8 -> float32
    x = k.layers.Resizing(height, width, interpolation="bilinear", name="resize")(x)
    return k.Model(image, model(x), name=f"{model.name}_raw_images")


def _temp_name(path) -> str:
    folder, name = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".{name}.{uuid.uuid4().hex[:8]}.tmp")


def _write_folder(path, write) -> None:
    """``write(temp_folder)``, then rename it to *path* (a folder already there is replaced)."""
    temp, old = _temp_name(path), None
    try:
        write(temp)
        if os.path.exists(path):
            old = _temp_name(path)
            os.replace(path, old)
        os.replace(temp, path)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        if old is not None and not os.path.exists(path):
            os.replace(old, path)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _size(path) -> int:
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path)
                   for f in files)
    return os.path.getsize(path)


def export(net, path, format=None, *, include_preprocessing=False, check=True, sample=None,
           atol=1e-4) -> ExportResult:
    """Write *net* to *path* for another runtime; ONNX files are checked in onnxruntime.

    Args:
        net: a ``dn.Network`` (anything with ``to_keras()``) or a ``keras.Model``.
        path: the file (``.onnx``, ``.keras``, ``.weights.h5``) or folder (SavedModel).
        format: ``"onnx"``, ``"keras"``, ``"savedmodel"`` or ``"weights"``; None
            reads it from *path*'s suffix.
        include_preprocessing: export a model that takes raw ``uint8`` images
            (NHWC, any height and width) and casts, resizes (bilinear) and
            normalises them inside (see :func:`raw_image_model`). The
            dataset's own normalisation (``ImageDataset(normalize=…)``) is not
            part of the network: put it in the input layer (``scale=1/255``)
            and load data with ``normalize=None``.
        check: run an ONNX file in onnxruntime beside Keras before it takes its place.
        sample: the inputs of the check (a batch); None for three seeded inputs
            in the input's range (0..255 for images).
        atol: the largest difference allowed; above it an :class:`ExportCheckError`
            is raised and nothing is written at *path*.

    Returns:
        An :class:`ExportResult`.

    Example:
        >>> import os, tempfile, dl_notebook as dn
        >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(4,)), dn.layers.OutputLayer(2)])
        >>> res = net.export(os.path.join(tempfile.mkdtemp(), "tiny.onnx"))
        >>> res.format, res.max_abs_diff < 1e-4
        ('onnx', True)
    """
    started = time.perf_counter()
    path = os.fspath(path)
    fmt = format_of(path, format)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InvalidArgumentError(f"Cannot export to {path!r}: folder {folder!r} does not exist.")
    if include_preprocessing and fmt == "weights":
        raise InvalidArgumentError(
            "include_preprocessing needs a whole model (onnx, keras or savedmodel); a weight "
            "file holds no layers."
        )
    model = keras_model_of(net, "export")
    size = None
    if include_preprocessing:
        size = tuple(model.inputs[0].shape[1:3])
        model = raw_image_model(model)
    x = None
    if fmt == "onnx" or sample is not None:
        x = sample_inputs(model, size=size) if sample is None else sample
        model(x[:1], training=False)  # Keras exports only a model that was called
    diff = None

    from ..train._atomic import atomic_write

    if fmt == "onnx":
        def write(temp):
            nonlocal diff
            write_onnx(model, temp)
            if check:
                diff = max_abs_diff(model, temp, x)
                if not diff <= atol:
                    raise ExportCheckError(
                        f"The ONNX file gives outputs up to {diff:.2e} away from Keras' "
                        f"(allowed: {atol:g}), so {path!r} was not written."
                    )
        atomic_write(path, write, suffix=".onnx")
    elif fmt == "keras":
        atomic_write(path, model.save, suffix=".keras")
    elif fmt == "weights":
        if hasattr(net, "save_weights") and not is_keras_model(net):
            net.save_weights(path)  # the network's own writer: names match net.load_weights
        else:
            atomic_write(path, model.save_weights, suffix=".weights.h5")
    else:
        def write(temp):
            with quiet(), open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
                model.export(temp, format="tf_saved_model", verbose=False)
        _write_folder(path, write)
    spec = model.inputs[0]
    return ExportResult(path=path, format=fmt, bytes=_size(path),
                        seconds=time.perf_counter() - started, max_abs_diff=diff,
                        input_name=spec.name, input_shape=tuple(spec.shape),
                        input_dtype=str(spec.dtype))

