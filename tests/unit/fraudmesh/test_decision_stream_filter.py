"""The one subscription filter: what it matches, and its fraud.v1.DecisionFilter form."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fraud.v1 import decision_pb2
from fraud.v1 import notify_service_pb2 as pb

from fraudmesh.decision_stream import SubscriptionFilter

APPROVE, REVIEW, DECLINE = decision_pb2.DECISION_APPROVE, decision_pb2.DECISION_REVIEW, decision_pb2.DECISION_DECLINE


@dataclass(frozen=True)
class Item:
    transaction_id: str
    user_id: str
    score: float
    decision: int
    sequence: int = 1

    @property
    def is_fraud(self) -> bool:
        return self.decision == DECLINE


ITEMS = [
    Item("a", "alice", 0.1, APPROVE),
    Item("b", "bob", 0.6, REVIEW),
    Item("c", "alice", 0.95, DECLINE),
    Item("d", "bob", 0.2, APPROVE),
]


@pytest.mark.parametrize(
    ("subscription_filter", "expected_ids"),
    [
        (SubscriptionFilter(), ["a", "b", "c", "d"]),
        (SubscriptionFilter(decisions=frozenset({DECLINE})), ["c"]),
        (SubscriptionFilter(decisions=frozenset({REVIEW, DECLINE})), ["b", "c"]),
        (SubscriptionFilter(user_id="bob"), ["b", "d"]),
        (SubscriptionFilter(min_score=0.6), ["b", "c"]),  # the bound itself is in
        (SubscriptionFilter(min_score=0.95), ["c"]),
        (SubscriptionFilter(fraud_only=True), ["c"]),
        (SubscriptionFilter(user_id="bob", min_score=0.5), ["b"]),
        (SubscriptionFilter(decisions=frozenset({APPROVE}), user_id="alice"), ["a"]),
        (SubscriptionFilter(user_id="nobody"), []),
    ],
)
def test_matches_by_decision_user_score_and_fraud_every_criterion_at_once(subscription_filter, expected_ids):
    assert [item.transaction_id for item in ITEMS if subscription_filter.matches(item)] == expected_ids


def test_from_proto_takes_every_field_and_an_empty_message_matches_everything():
    message = pb.DecisionFilter(decisions=[DECLINE, REVIEW], user_id="bob", min_score=0.25, fraud_only=True)
    assert SubscriptionFilter.from_proto(message) == SubscriptionFilter(
        decisions=frozenset({REVIEW, DECLINE}), user_id="bob", min_score=0.25, fraud_only=True
    )
    assert SubscriptionFilter.from_proto(pb.DecisionFilter()) == SubscriptionFilter()


def test_to_proto_is_the_message_from_proto_reads_back():
    subscription_filter = SubscriptionFilter(frozenset({DECLINE, APPROVE}), "carol", 0.5, True)
    message = subscription_filter.to_proto()
    assert sorted(message.decisions) == [APPROVE, DECLINE]
    assert (message.user_id, message.min_score, message.fraud_only) == ("carol", 0.5, True)
    assert SubscriptionFilter.from_proto(message) == subscription_filter
    assert SubscriptionFilter().to_proto() == pb.DecisionFilter()
