"""Argument checks shared by the application builders."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError

__all__ = ["check_filters", "check_image_shape", "check_n_classes"]


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_n_classes(n_classes, where: str) -> int:
    """*n_classes* as an int of at least 2, or a one-sentence error."""
    if not _is_int(n_classes) or n_classes < 2:
        raise InvalidArgumentError(
            f"{where}: n_classes must be an integer of at least 2; got {n_classes!r}."
        )
    return int(n_classes)


def check_image_shape(input_shape, where: str) -> tuple:
    """*input_shape* as a ``(height, width, channels)`` tuple of positive ints."""
    if (
        not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3
        or not all(_is_int(d) and d >= 1 for d in input_shape)
    ):
        raise InvalidArgumentError(
            f"{where}: input_shape must be (height, width, channels) with positive integers, "
            f"e.g. (32, 32, 1); got {input_shape!r}."
        )
    return tuple(int(d) for d in input_shape)


def check_filters(filters, where: str) -> tuple:
    """*filters* (one count or a sequence of counts) as a non-empty tuple of positive ints."""
    if _is_int(filters):
        filters = (filters,)
    if (
        not isinstance(filters, (tuple, list)) or not filters
        or not all(_is_int(n) and n >= 1 for n in filters)
    ):
        raise InvalidArgumentError(
            f"{where}: filters must be a non-empty list of positive filter counts, e.g. (16, 32); "
            f"got {filters!r}."
        )
    return tuple(int(n) for n in filters)
