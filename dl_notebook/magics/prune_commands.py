"""``%dl prune``: magnitude pruning of a network to a sparsity, with fine-tuning."""

from __future__ import annotations
