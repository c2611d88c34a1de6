"""Which decisions one subscriber wants. Empty criteria match everything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from fraud.v1 import decision_pb2, notify_service_pb2

from fraudmesh.decision_stream.item import StreamItem


@dataclass(frozen=True, slots=True)
class SubscriptionFilter:
    decisions: frozenset[int] = frozenset()  # fraud.v1.Decision values; empty: any decision
    user_id: str = ""
    min_score: float = 0.0
    fraud_only: bool = False

    @classmethod
    def from_proto(cls, message: notify_service_pb2.DecisionFilter) -> SubscriptionFilter:
        return cls(frozenset(message.decisions), message.user_id, message.min_score, message.fraud_only)

    def to_proto(self) -> notify_service_pb2.DecisionFilter:
        return notify_service_pb2.DecisionFilter(
            decisions=cast("list[decision_pb2.Decision]", sorted(self.decisions)),
            user_id=self.user_id,
            min_score=self.min_score,
            fraud_only=self.fraud_only,
        )

    def matches(self, item: StreamItem) -> bool:
        if self.decisions and item.decision not in self.decisions:
            return False
        if self.user_id and item.user_id != self.user_id:
            return False
        if item.score < self.min_score:
            return False
        return item.is_fraud or not self.fraud_only
