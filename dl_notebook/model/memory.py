"""The weight budget: how large one layer's weights may be before they are allocated.

A network places a new layer with its weights *deferred* (shapes only, no
memory); :func:`check_weights` then compares their size with
:func:`layer_budget` and refuses the edit with one sentence when they do
not fit, so a typo such as ``Dense(10**9)`` never allocates until the
kernel is killed. The budget is, in order:

1. ``dl_notebook.model.memory.max_layer_bytes`` when set (bytes, or a text
   such as ``"2GB"``; ``0`` turns the check off);
2. the environment variable ``DL_NOTEBOOK_MAX_LAYER_BYTES`` (same forms);
3. half the memory still available (:func:`available_memory`: the system's,
   the container's and the process' address-space limit, whichever is least).

Example:
    >>> from dl_notebook.model import memory
    >>> memory.parse_bytes("1.5GB"), memory.fmt_bytes(3 * 2**30)
    (1500000000, '3.2 GB')
"""

from __future__ import annotations

import os
import re

from ..errors import InvalidArgumentError, NetworkEditError

__all__ = ["MAX_LAYER_BYTES_ENV", "FREE_FRACTION", "max_layer_bytes", "available_memory",
           "layer_budget", "parse_bytes", "fmt_bytes", "check_weights"]

MAX_LAYER_BYTES_ENV = "DL_NOTEBOOK_MAX_LAYER_BYTES"
FREE_FRACTION = 0.5  # of the available memory, when no budget is set
max_layer_bytes = None  # bytes (or "2GB"); None: the environment variable, else FREE_FRACTION

_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9,
          "gb": 10**9, "t": 10**12, "tb": 10**12, "kib": 2**10, "mib": 2**20, "gib": 2**30,
          "tib": 2**40}
_BYTES_RE = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?(?:e[0-9]+)?)\s*([a-z]*)\s*\Z")


def parse_bytes(value, what="max_layer_bytes") -> int:
    """A size in bytes from a number or a text such as ``"500MB"``, ``"2GiB"``, ``"1e9"``.

    Args:
        value: a non-negative number or a text with an optional unit (B, KB,
            MB, GB, TB: powers of 1000; KiB, MiB, GiB, TiB: powers of 1024).
        what: the setting's name, for the error message.

    Example:
        >>> from dl_notebook.model.memory import parse_bytes
        >>> parse_bytes("2GiB"), parse_bytes(1e6)
        (2147483648, 1000000)
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number, unit = value, ""
    else:
        match = _BYTES_RE.match(str(value).lower()) if len(str(value)) < 40 else None
        if match is None or match.group(2) not in _UNITS:
            raise InvalidArgumentError(
                f"{what} must be a number of bytes such as 2000000000 or '2GB'; got {value!r}."
            )
        number, unit = float(match.group(1)), match.group(2)
    if not 0 <= number < float("inf"):
        raise InvalidArgumentError(f"{what} must be a number of bytes of at least 0; got {value!r}.")
    return int(number * _UNITS[unit])


def fmt_bytes(n) -> str:
    """``3_400_000_000`` -> ``"3.4 GB"`` (powers of 1000, as disks and ``free -h --si`` count).

    Example:
        >>> from dl_notebook.model.memory import fmt_bytes
        >>> fmt_bytes(512), fmt_bytes(4 * 10**12 * 4)
        ('512 bytes', '16 TB')
    """
    for unit, size in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if n >= size:
            return f"{n / size:.2g} {unit}" if n < 10 * size else f"{n / size:,.0f} {unit}"
    return f"{int(n)} bytes"


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def _meminfo_available():
    text = _read("/proc/meminfo")
    match = re.search(r"^MemAvailable:\s+(\d+) kB", text or "", re.M)
    if match:
        return int(match.group(1)) * 1024
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # no such setting on this system
        return None


def _cgroup_headroom():
    """Limit minus usage (reclaimable file cache counted free) of this process' memory cgroup."""
    paths = {"v2": [], "v1": []}
    for line in (_read("/proc/self/cgroup") or "").splitlines():
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            paths["v2"] += [f"/sys/fs/cgroup{path}", f"/sys/fs/cgroup/unified{path}"]
        elif "memory" in controllers.split(","):
            paths["v1"] += [f"/sys/fs/cgroup/memory{path}"]
    paths["v2"].append("/sys/fs/cgroup")
    paths["v1"].append("/sys/fs/cgroup/memory")
    names = {"v2": ("memory.max", "memory.current", "inactive_file"),
             "v1": ("memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file")}
    best = None
    for version, folders in paths.items():
        limit_file, usage_file, cache_key = names[version]
        for folder in folders:
            limit, usage = _read(f"{folder}/{limit_file}"), _read(f"{folder}/{usage_file}")
            if not limit or not usage or not limit.strip().isdigit():
                continue  # absent, or "max": no limit here
            limit, usage = int(limit), int(usage)
            if limit >= 2**60:  # cgroup v1 writes "no limit" as a huge number
                continue
            cache = re.search(rf"^{cache_key} (\d+)$", _read(f"{folder}/memory.stat") or "", re.M)
            room = max(limit - usage + (int(cache.group(1)) if cache else 0), 0)
            best = room if best is None else min(best, room)
            break
    return best


def _address_space_headroom():
    """What an address-space limit (``ulimit -v``, ``RLIMIT_AS``) leaves to this process."""
    try:
        import resource
    except ImportError:  # not on this system
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    match = re.search(r"^VmSize:\s+(\d+) kB", _read("/proc/self/status") or "", re.M)
    return max(soft - int(match.group(1)) * 1024, 0) if match else soft


def available_memory():
    """Bytes this process can still allocate, or None where the system does not say.

    The least of the system's available memory (``MemAvailable``), the
    room left by the process' memory cgroup (a container's limit) and by an
    address-space limit (``ulimit -v``).

    Example:
        >>> from dl_notebook.model.memory import available_memory
        >>> available_memory() is None or available_memory() > 0
        True
    """
    found = [n for n in (_meminfo_available(), _cgroup_headroom(), _address_space_headroom())
             if n is not None]
    return min(found) if found else None


def layer_budget():
    """The most bytes one layer's weights may take, and where that figure comes from.

    Returns:
        ``(bytes, source)``; *bytes* is None when there is no limit (the
        setting is 0, or the available memory is unknown).

    Example:
        >>> from dl_notebook.model import memory
        >>> memory.max_layer_bytes = "1GB"
        >>> memory.layer_budget()
        (1000000000, 'dl_notebook.model.memory.max_layer_bytes')
        >>> memory.max_layer_bytes = None
    """
    if max_layer_bytes is not None:
        source = "dl_notebook.model.memory.max_layer_bytes"
        value = parse_bytes(max_layer_bytes, source)
    elif os.environ.get(MAX_LAYER_BYTES_ENV, "").strip():
        source = f"${MAX_LAYER_BYTES_ENV}"
        value = parse_bytes(os.environ[MAX_LAYER_BYTES_ENV], source)
    else:
        free = available_memory()
        if free is None:
            return None, "unknown free memory"
        return int(free * FREE_FRACTION), f"{FREE_FRACTION:.0%} of the {fmt_bytes(free)} free"
    return (value or None), source


def _nbytes(variable) -> int:
    import numpy as np

    size = 1
    for dim in variable.shape:
        size *= int(dim)
    try:
        itemsize = np.dtype(variable.dtype).itemsize
    except TypeError:  # a dtype NumPy does not know (bfloat16 and the like)
        itemsize = 4
    return size * itemsize


def check_weights(where, variables) -> int:
    """Refuse weights that would take more than :func:`layer_budget`; return their bytes.

    Args:
        where: the layer, as messages name it (``"Layer 'fc1' (Dense)"``).
        variables: the layer's new (not yet allocated) Keras variables.

    Raises:
        NetworkEditError: when their size exceeds the budget.

    Example:
        >>> import keras
        >>> from dl_notebook.model.memory import check_weights
        >>> check_weights("Layer 'w'", [keras.Variable(keras.ops.zeros((3, 4)))])
        48
    """
    nbytes = sum(_nbytes(v) for v in variables)
    if not nbytes:
        return 0
    budget, source = layer_budget()
    if budget is not None and nbytes > budget:
        shapes = " + ".join("x".join(str(int(d)) for d in v.shape) for v in variables[:3])
        more = f" + {len(variables) - 3} more" if len(variables) > 3 else ""
        raise NetworkEditError(
            f"{where} would need {fmt_bytes(nbytes)} of weights ({shapes}{more}), more than the "
            f"{fmt_bytes(budget)} a layer may take ({source}); make it smaller, or raise "
            f"dl_notebook.model.memory.max_layer_bytes (0 turns the check off)."
        )
    return nbytes
