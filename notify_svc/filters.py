"""Which decisions one subscriber wants. Empty criteria match everything."""

from __future__ import annotations

from dataclasses import dataclass

from fraud.v1 import decision_pb2


@dataclass(frozen=True, slots=True)
class SubscriptionFilter:
    decisions: frozenset[int] = frozenset()  # decision_pb2.Decision values; empty: any decision
    user_id: str = ""
    min_score: float = 0.0
    fraud_only: bool = False

    def matches(self, decision: decision_pb2.ScoredTransaction) -> bool:
        if self.decisions and decision.decision not in self.decisions:
            return False
        if self.user_id and decision.transaction.input.user_id != self.user_id:
            return False
        if decision.score < self.min_score:
            return False
        return decision.is_fraud or not self.fraud_only
