"""The population stability index: sum over bins of (actual - expected) * ln(actual / expected),
with both shares floored at FLOOR so an empty bin counts as very rare rather than infinitely so.
Read as: below 0.1 stable, 0.1 to 0.25 moving, above 0.25 shifted (the usual credit-scoring bands)."""

from __future__ import annotations

import numpy as np

FLOOR = 1e-4
MOVING = 0.1
SHIFTED = 0.25


def population_stability(expected: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """Per row, the index between two arrays of shares over the same bins (the last axis); bins
    that are empty on both sides add nothing, so rows padded with zeros compare as they are."""
    e = np.maximum(np.asarray(expected, dtype=float), FLOOR)
    a = np.maximum(np.asarray(actual, dtype=float), FLOOR)
    result: np.ndarray = np.sum((a - e) * np.log(a / e), axis=-1)
    return result
