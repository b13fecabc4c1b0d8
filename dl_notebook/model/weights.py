"""Weight files in and out of a network: Keras 3 ``.weights.h5`` / ``.keras`` and legacy HDF5.

A weight file is read into *entries*: per layer, its name (where the file
records one) and its arrays in the layer's own order. Three layouts are read:

- **Keras 3** ``.weights.h5`` (``model.save_weights``) and the
  ``model.weights.h5`` inside a ``.keras`` archive: one ``vars`` group per
  layer, whose ``name`` attribute holds the layer's name (the optimizer's
  state, saved beside them, is not read). Files from Keras versions that did
  not record names are matched like Keras itself does, by the layer's class
  and position (``layers/conv2d_3``).
- **Legacy HDF5**, the layout of the ``keras.applications`` ImageNet files
  and of ``tf.keras`` ``save_weights("x.h5")`` / ``save("x.h5")``: a group
  per layer name (under ``model_weights`` in a whole-model file) listing
  its ``weight_names``. Keras itself loads these by position, and files written
  in other sessions or versions may name layers otherwise (counted names like
  ``conv2d_1``, ``probs`` for ``predictions``): when the names leave layers
  unset, layers are matched by position as Keras matches them, as long as
  every pair has the same shapes.

Loading is all or nothing: every layer of the network that the file names
must have the shapes the file holds, or a :class:`~dl_notebook.DLError` lists
every mismatch and no weight changes. Layers the file does not name (a new
head) keep their weights and are reported.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass, field

import numpy as np

from ..errors import InvalidArgumentError, ShapeError
from ._lease import holds_lease

__all__ = ["LoadReport", "WeightsMixin", "read_weight_file", "load_weights", "save_weights"]


@dataclass
class _Entry:
    arrays: list
    name: str | None = None  # the layer name the file records
    key: str | None = None  # Keras 3 path of a file without names (layers/conv2d_3)


@dataclass
class LoadReport:
    """What :meth:`Network.load_weights` did.

    Attributes:
        path: the file.
        loaded: names of the layers whose weights were set.
        missing: layers with weights that the file does not name (kept as they were).
        unused: layers of the file that the network does not have.
        skipped: ``name -> (expected shapes, shapes in the file)`` for layers left
            out with ``skip_mismatch=True``.
        by_position: the layers were matched by position, as Keras loads legacy
            HDF5 files, because the file's layer names differ from the network's.

    Example:
        >>> from dl_notebook.model.weights import LoadReport
        >>> LoadReport("w.h5", loaded=["conv1"], missing=["head"])
        <LoadReport 'w.h5': 1 layer loaded; kept 1 not in the file (head)>
    """

    path: str
    loaded: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    unused: list = field(default_factory=list)
    skipped: dict = field(default_factory=dict)
    by_position: bool = False

    def __repr__(self):
        parts = [f"{len(self.loaded)} layer{_s(self.loaded)} loaded"
                 + (" by position (the file names them otherwise)" if self.by_position else "")]
        if self.missing:
            parts.append(f"kept {len(self.missing)} not in the file ({_few(self.missing)})")
        if self.skipped:
            parts.append(f"skipped {len(self.skipped)} of other shapes ({_few(self.skipped)})")
        if self.unused:
            parts.append(f"{len(self.unused)} in the file unused ({_few(self.unused)})")
        return f"<LoadReport {os.path.basename(self.path)!r}: {'; '.join(parts)}>"


def _few(names, n=4):
    names = list(names)
    return ", ".join(names[:n]) + (f" and {len(names) - n} more" if len(names) > n else "")


def _s(items):
    return "" if len(items) == 1 else "s"


def _text(value):
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


def _list_attr(group, name):
    """An HDF5 list attribute, also when Keras split it into ``name0``, ``name1``, ..."""
    if name in group.attrs:
        return [_text(v) for v in group.attrs[name]]
    out, i = [], 0
    while f"{name}{i}" in group.attrs:
        out += [_text(v) for v in group.attrs[f"{name}{i}"]]
        i += 1
    return out


def _read_legacy(root):
    entries = []
    for layer in _list_attr(root, "layer_names"):
        group = root[layer]
        arrays = [np.asarray(group[w]) for w in _list_attr(group, "weight_names")]
        if arrays:
            entries.append(_Entry(arrays, name=layer))
    return entries


def _read_keras3(root):
    entries = []

    def visit(path, obj):
        if path.split("/")[0] == "optimizer":  # the optimizer's state, not a layer's weights
            return
        if path.endswith("vars") and hasattr(obj, "keys") and len(obj):
            arrays = [np.asarray(obj[str(i)]) for i in range(len(obj))]
            name = obj.attrs.get("name")
            entries.append(_Entry(arrays, name=None if name is None else _text(name),
                                  key=path[:-len("/vars")]))

    root.visititems(visit)
    return entries


def _read_h5(handle):
    import h5py

    with h5py.File(handle, "r") as f:
        if "layer_names" in f.attrs or "layer_names0" in f.attrs:
            return "legacy HDF5", _read_legacy(f)
        if "model_weights" in f:
            return "legacy HDF5", _read_legacy(f["model_weights"])
        if "layers" in f or "vars" in f:
            return "Keras 3", _read_keras3(f)
    return None, []


def read_weight_file(path):
    """Read a weight file: ``(format, entries)``; a DLError when it is not one.

    Example:
        >>> from dl_notebook.model.weights import read_weight_file
        >>> read_weight_file("no/such/file.h5")
        Traceback (most recent call last):
        ...
        dl_notebook.errors.InvalidArgumentError: No weight file at 'no/such/file.h5'.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise InvalidArgumentError(f"No weight file at {path!r}.")
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                if "model.weights.h5" not in archive.namelist():
                    raise InvalidArgumentError(
                        f"{path!r} is a zip archive without model.weights.h5, so not a .keras "
                        f"file; save the model with model.save('name.keras')."
                    )
                fmt, entries = _read_h5(io.BytesIO(archive.read("model.weights.h5")))
        else:
            fmt, entries = _read_h5(path)
    except InvalidArgumentError:
        raise
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as err:
        raise InvalidArgumentError(
            f"Cannot read weights from {path!r} ({str(err).splitlines()[0] if str(err) else type(err).__name__}); "
            f"give a Keras .weights.h5, .keras or HDF5 (.h5) weight file."
        ) from err
    if fmt is None or not entries:
        raise InvalidArgumentError(
            f"{path!r} holds no layer weights in a layout dl_notebook reads (Keras 3 "
            f".weights.h5 or .keras, or legacy HDF5 with one group per layer)."
        )
    return fmt, entries


def _snake(name):
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _keras3_keys(model):
    """The path Keras 3 gives each layer of *model* in a weight file (class name and count)."""
    used, keys = {}, {}
    for layer in model.layers:
        base = _snake(type(layer).__name__)
        if base in used:
            used[base] += 1
            keys[f"layers/{base}_{used[base]}"] = layer
        else:
            used[base] = 0
            keys[f"layers/{base}"] = layer
    return keys


def _shapes(arrays):
    return [tuple(np.shape(a)) for a in arrays]


def _fmt(shapes):
    return " ".join("x".join(map(str, s)) or "scalar" for s in shapes) or "none"


def _match(targets, found):
    """Which layers of *targets* the entries in *found* (by layer name) can set."""
    plan, missing, skipped = [], [], {}
    for name, layer in targets.items():
        entry = found.get(name)
        if entry is None:
            missing.append(name)
            continue
        want, have = _shapes(layer.weights), _shapes(entry.arrays)
        if want != have:
            skipped[name] = (want, have)
        else:
            plan.append((layer, entry.arrays))
    return plan, missing, skipped


def _by_position(entries, targets, required):
    """Keras' own rule for legacy files: the i-th layer with weights sets the i-th one.

    Keras loads legacy HDF5 by position, so its files may name layers otherwise
    than the same network built today (counted names from another session,
    ``probs`` for ``predictions``). Pairs are taken while their shapes agree;
    the result counts when it sets every layer of one side, or every *required*
    one (a body under a new head). None otherwise.
    """
    found = {}
    for (name, layer), entry in zip(targets.items(), entries):
        if _shapes(layer.weights) != _shapes(entry.arrays):
            break
        found[name] = entry
    needed = [name for name in required if name in targets]
    if len(found) in (len(entries), len(targets)) or (needed and set(needed) <= set(found)):
        return found
    return None


def load_weights(net, path, *, skip_mismatch=False, required=()) -> LoadReport:
    """Set *net*'s weights from the file at *path*; see :meth:`Network.load_weights`."""
    path = os.fspath(path)
    fmt, entries = read_weight_file(path)
    model = net.to_keras()
    targets = {layer.name: layer for layer in model.layers if layer.weights}
    if all(e.name is not None for e in entries):
        found = {e.name: e for e in entries}
    else:  # a Keras 3 file without names: match by class and position, as Keras does
        by_key = _keras3_keys(model)
        found = {by_key[e.key].name: e for e in entries if e.key in by_key}
        found.update({e.key: e for e in entries if e.key not in by_key})
    plan, missing, skipped = _match(targets, found)
    report = LoadReport(path)
    if fmt == "legacy HDF5" and (missing or skipped):
        ordered = _by_position(entries, targets, required)
        if ordered is not None and len(ordered) > len(plan):
            found, report.by_position = ordered, True
            plan, missing, skipped = _match(targets, found)
    report.missing, report.skipped = missing, skipped
    taken = {id(found[name]) for name in targets if name in found}
    report.unused = [e.name or e.key for e in entries if id(e) not in taken]
    if not plan and not report.skipped:
        raise InvalidArgumentError(
            f"None of the {len(entries)} layers in {path!r} ({fmt}) matches a layer of network "
            f"{net.name!r} by name (the file has {_few(e.name or e.key for e in entries)}; the "
            f"network has {_few(targets)}); load a file written for this architecture."
        )
    absent = [name for name in report.missing if name in set(required)]
    if absent:
        raise InvalidArgumentError(
            f"{path!r} has no weights for {len(absent)} layer{_s(absent)} of {net.name!r} "
            f"({_few(absent)}), so no weight was loaded; load a file written for this "
            f"architecture (include_top=False files fit networks without their top)."
        )
    if report.skipped and not skip_mismatch:
        lines = "; ".join(f"{name} expects {_fmt(w)} but the file has {_fmt(h)}"
                          for name, (w, h) in report.skipped.items())
        raise InvalidArgumentError(
            f"{len(report.skipped)} layer{_s(report.skipped)} of {net.name!r} "
            f"{'has' if len(report.skipped) == 1 else 'have'} other shapes in {path!r}, so no "
            f"weight was loaded: {lines}. Pass skip_mismatch=True to load the others."
        )
    if not plan:
        raise InvalidArgumentError(
            f"Every layer of {net.name!r} that {path!r} names has other shapes there "
            f"({_few(report.skipped)}), so there is nothing to load; load a file written for "
            f"this architecture."
        )
    before = [(layer, layer.get_weights()) for layer, _ in plan]
    try:
        for layer, arrays in plan:
            layer.set_weights(arrays)
    except BaseException:
        for layer, arrays in before:
            layer.set_weights(arrays)
        raise
    report.loaded = [layer.name for layer, _ in plan]
    return report


def save_weights(net, path) -> str:
    """Write *net*'s weights to *path* (``.weights.h5``) atomically; return the path."""
    from ..train._atomic import atomic_write

    path = os.fspath(path)
    if not path.endswith(".weights.h5"):
        raise InvalidArgumentError(
            f"Weight files end in .weights.h5 (Keras' format); got {path!r}."
        )
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InvalidArgumentError(f"Cannot save weights to {path!r}: folder {folder!r} does not exist.")
    model = net.to_keras()
    atomic_write(path, model.save_weights, suffix=".weights.h5")
    return path


class WeightsMixin:
    """The weights of a :class:`~dl_notebook.Network`: as arrays, and in files."""

    def get_weights(self) -> list:
        """All weights as NumPy arrays, in the order of ``to_keras().get_weights()``."""
        return self.to_keras().get_weights()

    @holds_lease
    def set_weights(self, weights) -> None:
        """Set all weights from a list shaped like :meth:`get_weights` returns.

        Example:
            >>> import numpy as np, dl_notebook as dn
            >>> net = dn.Sequential(layers=[dn.layers.InputLayer(shape=(2,)), dn.layers.Dense(1)])
            >>> net.set_weights([np.ones((2, 1)), np.zeros(1)])
            >>> float(net.get_weights()[0].sum())
            2.0
        """
        model = self.to_keras()
        try:
            model.set_weights(list(weights))
        except ValueError as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise ShapeError(
                f"The weights do not fit network {self.name!r} ({first.rstrip('.')}); "
                f"give a list shaped like net.get_weights()."
            ) from None

    @holds_lease
    def load_weights(self, path, *, skip_mismatch=False, required=()) -> LoadReport:
        """Load weights from a file, matching layers by name; returns a :class:`LoadReport`.

        Reads Keras 3 ``.weights.h5`` and ``.keras`` files and the legacy HDF5
        layout of the ``keras.applications`` ImageNet files (with or without
        top; by position, as Keras reads them, where their layer names
        differ). All or nothing: when a layer the file names has other shapes
        here, a DLError lists every such layer and no weight changes;
        ``skip_mismatch=True`` loads the rest and reports what it skipped.
        Layers the file does not name (a new head) keep their weights;
        ``required`` names layers that must be in the file.

        Example:
            >>> import os, tempfile, dl_notebook as dn
            >>> net = dn.applications.LeNet5(n_classes=10, input_shape=(28, 28, 1))
            >>> path = net.save_weights(os.path.join(tempfile.mkdtemp(), "lenet.weights.h5"))
            >>> dn.applications.LeNet5(n_classes=10, input_shape=(28, 28, 1)).load_weights(path)
            <LoadReport 'lenet.weights.h5': 5 layers loaded>
        """
        return load_weights(self, path, skip_mismatch=skip_mismatch, required=required)

    @holds_lease
    def save_weights(self, path) -> str:
        """Write the weights to a Keras ``.weights.h5`` file (atomically); returns *path*."""
        return save_weights(self, path)
