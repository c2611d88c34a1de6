"""Reference distributions recorded at training: per column, decile bin edges and the share of
the reference rows in each bin. Bins are right-closed, (edge[i-1], edge[i]], with the first open
to the left and the last to the right. Edges are values the column took (the inverted empirical
distribution, not interpolated), and edges repeated by ties (a flag, a count that is mostly 0)
collapse into one, so a column has at most ten bins and a flag keeps exactly its two values apart."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

DECILES = np.arange(1, 10) / 10  # exact tenths: linspace gives 0.30000000000000004, a bin off at ties
MAX_BINS = len(DECILES) + 1


@dataclass(frozen=True, eq=False)  # holds arrays
class Reference:
    edges: np.ndarray  # increasing, at most MAX_BINS - 1
    proportions: np.ndarray  # len(edges) + 1, summing to 1

    def as_dict(self) -> dict[str, list[float]]:
        return {"edges": self.edges.tolist(), "proportions": self.proportions.tolist()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Sequence[float]]) -> Reference:
        edges = np.asarray(data["edges"], dtype=float)
        proportions = np.asarray(data["proportions"], dtype=float)
        if len(proportions) != len(edges) + 1 or len(proportions) > MAX_BINS:
            raise ValueError(f"a reference needs one proportion more than edges, at most {MAX_BINS} bins")
        return cls(edges, proportions)


def bin_index(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Each value's bin: i where edges[i-1] < value <= edges[i] (NaN falls in the last bin)."""
    return np.searchsorted(edges, values, side="left")


def reference_of(values: np.ndarray) -> Reference:
    """Decile edges of `values` (ties merged) and the share of `values` in each bin."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        raise ValueError("a reference distribution needs at least one value")
    edges = np.unique(np.quantile(values, DECILES, method="inverted_cdf"))
    counts = np.bincount(bin_index(edges, values), minlength=len(edges) + 1)
    return Reference(edges, counts / len(values))


def drift_reference(
    feature_names: Sequence[str], features: np.ndarray, scores: np.ndarray, about: str
) -> dict[str, Any]:
    """The model metadata's `drift_reference`: the score's and every feature's reference."""
    return {
        "about": about,
        "score": reference_of(scores).as_dict(),
        "features": {name: reference_of(features[:, i]).as_dict() for i, name in enumerate(feature_names)},
    }
