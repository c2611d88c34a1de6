"""How far what this instance scores now has moved from the active model's training data: a window
of the last DRIFT_WINDOW scores and feature rows (fraudmodel.drift), its population stability
against the references the model's metadata records, exported as gauges after every batch and
read by GetModelDrift for the console.

The window belongs to one model version: a new active model starts an empty one (its references
differ). A model trained before references were recorded is not watched. Each instance watches the
partitions it is given, so instances of one group may each see a part of a shift."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np

from fraudmodel.drift.monitor import DriftMonitor
from fraudmodel.features import FEATURE_NAMES
from fraudmodel.serving.registry import LoadedModel
from scoring_svc.metrics import ScoringMetrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DriftView:
    model_version: str
    window_transactions: int
    # Empty until the window holds `min_transactions`: fewer rows give noise, not a measurement.
    stability: dict[str, float]


class DriftWatch:
    def __init__(self, capacity: int, min_transactions: int, metrics: ScoringMetrics | None = None) -> None:
        self.capacity = capacity
        self.min_transactions = min_transactions
        self._metrics = metrics
        self._lock = threading.Lock()  # batches and GetModelDrift read from different threads
        self._version: str | None = None
        self._monitor: DriftMonitor | None = None

    def observe(self, model: LoadedModel, engine_rows: np.ndarray, scores: np.ndarray) -> None:
        """A batch the model scored: `engine_rows` in the feature engine's order, `scores` its scores."""
        with self._lock:
            if model.version != self._version:
                self._start(model)
            monitor = self._monitor
            if monitor is None:
                return
            monitor.observe(scores, engine_rows)
            stability = monitor.stability() if monitor.size >= self.min_transactions else {}
            size = monitor.size
        if self._metrics:
            self._metrics.drift_window.set(size)
            for name, value in stability.items():
                self._metrics.population_stability.labels(feature=name).set(value)

    def _start(self, model: LoadedModel) -> None:
        self._version = model.version
        reference = model.metadata.get("drift_reference")
        self._monitor = None if reference is None else DriftMonitor(reference, FEATURE_NAMES, self.capacity)
        if reference is None:
            log.warning("model %s records no reference distributions: its drift is not watched", model.version)
        if self._metrics:
            self._metrics.population_stability.clear()  # the last model's figures no longer hold
            self._metrics.drift_window.set(0)

    def view(self) -> DriftView | None:
        """The watched model's figures now; None before the first batch or for a model without references."""
        with self._lock:
            monitor, version = self._monitor, self._version
            if monitor is None or version is None:
                return None
            size = monitor.size
            stability = monitor.stability() if size >= self.min_transactions else {}
        return DriftView(version, size, stability)
