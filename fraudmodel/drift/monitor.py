"""One model's drift: its recorded references (metadata `drift_reference`), a window of the scores
and features it was given, and the population stability of each against its reference."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from fraudmodel.drift.reference import MAX_BINS, Reference
from fraudmodel.drift.stability import population_stability
from fraudmodel.drift.window import BinnedWindow

SCORE = "score"


class DriftMonitor:
    def __init__(self, reference: Mapping[str, Any], feature_names: Sequence[str], capacity: int) -> None:
        """`reference`: a model's metadata `drift_reference`; `feature_names`: the columns of the rows
        `observe` receives, of which those with a reference are watched."""
        features = reference.get("features", {})
        watched = [(i, name) for i, name in enumerate(feature_names) if name in features]
        self.columns = np.array([i for i, _ in watched], dtype=np.intp)
        self.names = [SCORE, *(name for _, name in watched)]
        references = [Reference.from_dict(reference[SCORE])]
        references += [Reference.from_dict(features[name]) for _, name in watched]
        self._expected = np.zeros((len(references), MAX_BINS))
        for row, ref in enumerate(references):
            self._expected[row, : len(ref.proportions)] = ref.proportions
        self._window = BinnedWindow([ref.edges for ref in references], capacity)

    @property
    def size(self) -> int:
        return self._window.size

    def observe(self, scores: np.ndarray, rows: np.ndarray) -> None:
        """A batch: its scores and its feature rows (columns as `feature_names`)."""
        if len(scores) == 0:
            return
        self._window.add(np.column_stack([scores, rows[:, self.columns]]))

    def stability(self) -> dict[str, float]:
        """The score's ("score") and each watched feature's population stability over the window."""
        values = population_stability(self._expected, self._window.shares())
        return dict(zip(self.names, values.tolist(), strict=True))
