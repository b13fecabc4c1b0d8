"""``%dl tune`` and the ``%%dl tune`` cell with its search space."""

from __future__ import annotations
