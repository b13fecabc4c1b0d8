"""Class labels: integer ids and class names from whatever labels a user has."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError


def encode_labels(y, class_names=None):
    """Integer labels and class names from integer or string labels.

    Example:
        >>> encode_labels(["dog", "cat", "dog"], None)[0].tolist()
        [1, 0, 1]
    """
    y = np.asarray(y).reshape(-1)
    if y.dtype.kind in "iu":
        if class_names is None:
            class_names = [str(i) for i in range(int(y.max(initial=-1)) + 1)]
        if y.size and (y.min() < 0 or y.max() >= len(class_names)):
            raise InvalidArgumentError(
                f"Integer labels must lie in 0..{len(class_names) - 1} (one per class name); "
                f"got {int(y.min())}..{int(y.max())}."
            )
        return y.astype(np.int64), [str(c) for c in class_names]
    names = [str(v) for v in y]
    if class_names is None:
        class_names = sorted(set(names))
    class_names = [str(c) for c in class_names]
    index = {c: i for i, c in enumerate(class_names)}
    missing = sorted(set(names) - set(index))
    if missing:
        raise InvalidArgumentError(
            f"Label {missing[0]!r} is not in class_names; add it or fix the label."
        )
    return np.array([index[n] for n in names], dtype=np.int64), class_names
