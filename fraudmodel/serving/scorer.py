"""Scoring a batch of transactions: event-time features from per-user state, one batched ONNX run,
a decision from the thresholds, reasons for what is flagged, and the shadow model's opinion."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from fraudmodel.events import TxnEvent
from fraudmodel.features import FEATURE_NAMES, FeatureEngine
from fraudmodel.serving.reasons import ReasonText, explain
from fraudmodel.serving.registry import LoadedModel, ModelRegistry
from fraudmodel.training.thresholds import Thresholds

__all__ = ["ReasonText", "ScoreResult", "Scorer", "ShadowResult"]


@dataclass(frozen=True)
class ShadowResult:
    model_version: str
    score: float
    decision: str


@dataclass(frozen=True, eq=False)  # holds an array: compare fields, not results
class ScoreResult:
    score: float
    decision: str  # "APPROVE" | "REVIEW" | "DECLINE"
    reasons: Sequence[ReasonText]
    feature_row: np.ndarray  # FEATURE_NAMES order
    model_version: str
    shadow: Sequence[ShadowResult]

    @property
    def features(self) -> dict[str, float]:
        return dict(zip(FEATURE_NAMES, self.feature_row.tolist(), strict=True))


class Scorer:
    def __init__(
        self,
        registry: ModelRegistry,
        review_threshold: float | None = None,
        decline_threshold: float | None = None,
        engine: FeatureEngine | None = None,
    ):
        self.registry = registry
        self._review = review_threshold
        self._decline = decline_threshold
        self._engine = engine or FeatureEngine()
        # Feature state is shared by the consumer's batches and what-if calls from other threads.
        self._lock = threading.Lock()

    def thresholds(self, model: LoadedModel) -> Thresholds:
        own = model.thresholds
        if self._review is None and self._decline is None:
            return own
        review = own.review if self._review is None else self._review
        decline = own.decline if self._decline is None else self._decline
        return Thresholds(review=review, decline=decline, policy="set by configuration")

    def prepare(self) -> None:
        """Loads (or compiles) the feature kernel now, so the first batch after start-up does not wait
        for it."""
        self.features([])

    def knows_user(self, user_id: str) -> bool:
        with self._lock:
            return self._engine.knows_user(user_id)

    def warm(self, user_id: str, history: Sequence[TxnEvent]) -> None:
        """Fold a user's stored history (oldest first) into state before their first live event."""
        with self._lock:
            self._engine.warm(user_id, history)

    def forget_partitions(self, partitions: set[int]) -> int:
        with self._lock:
            return self._engine.forget_partitions(partitions)

    def customers(self) -> tuple[int, int]:
        """Customers held in the feature state now, and those evicted to stay within its bound."""
        with self._lock:
            users = self._engine.users
            return len(users), users.evicted

    def record_label(
        self, transaction_id: str, merchant_id: str, is_fraud: bool, labelled_at: datetime, amount: float
    ) -> None:
        with self._lock:
            self._engine.record_label(transaction_id, merchant_id, is_fraud, labelled_at.timestamp(), amount)

    def features(
        self, events: Sequence[TxnEvent], *, update_state: bool = True, partitions: Sequence[int] | None = None
    ) -> np.ndarray:
        """Feature rows (FEATURE_NAMES order); events of one user see each other in batch order.
        `partitions`: the Kafka partition each event was read from (see scoring_svc.rebalance)."""
        with self._lock:
            return self._engine.observe(events, what_if=not update_state, partitions=partitions)

    def score(self, events: Sequence[TxnEvent], *, update_state: bool = True) -> list[ScoreResult]:
        if not events:
            return []
        return self.score_rows(events, self.features(events, update_state=update_state))

    def score_rows(self, events: Sequence[TxnEvent], rows: np.ndarray) -> list[ScoreResult]:
        """Model, decisions, reasons and shadow scores for feature rows from `features(events)`; split
        from `score` so the service can time and trace the two steps apart."""
        if not events:
            return []
        model = self.registry.active
        shadow = self.registry.shadow
        scores = model.scores(rows)
        thresholds = self.thresholds(model)
        decisions = [thresholds.decide(s) for s in scores.tolist()]

        flagged = [i for i, d in enumerate(decisions) if d != "APPROVE"]
        # Shared empty tuples: most transactions have no reasons and no shadow model, and a list each
        # would be 512 more objects per batch for the garbage collector to track.
        reasons: list[Sequence[ReasonText]] = [()] * len(events)
        if flagged:
            explained = explain(
                rows[flagged][:, model.columns],
                rows[flagged],
                scores[flagged],
                [events[i] for i in flagged],
                model.feature_names,
                model.reference_values,
                model.scores_own_order,
            )
            for i, why in zip(flagged, explained, strict=True):
                reasons[i] = why

        shadow_results: list[Sequence[ShadowResult]] = [()] * len(events)
        if shadow is not None:
            shadow_thresholds = shadow.thresholds
            for i, s in enumerate(shadow.scores(rows).tolist()):
                shadow_results[i] = (ShadowResult(shadow.version, s, shadow_thresholds.decide(s)),)

        score_list = scores.tolist()
        return [
            ScoreResult(
                score=score_list[i],
                decision=decisions[i],
                reasons=reasons[i],
                feature_row=rows[i],
                model_version=model.version,
                shadow=shadow_results[i],
            )
            for i in range(len(events))
        ]

    def state_snapshot(self) -> bytes:
        """Per-user and merchant state as plain arrays (no pickle: a snapshot may come from disk)."""
        with self._lock:
            return self._engine.snapshot()

    def restore(self, snapshot: bytes) -> None:
        # The bound on customers held is the instance's, not the snapshot's.
        engine = FeatureEngine.restore(snapshot, self._engine.users.max_users)
        with self._lock:
            self._engine = engine
