"""``%dl export`` and ``%dl score``: a network out to a file, and an exported file scoring data."""

from __future__ import annotations
