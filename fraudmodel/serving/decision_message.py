"""Turns a scorer's result for a transaction into the ScoredTransaction that store and notify keep."""

from __future__ import annotations

from datetime import datetime

from fraud.v1 import decision_pb2, transaction_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from fraudmesh.conversions.enums import DECISION_VALUES
from fraudmesh.timestamps import timestamp_of
from fraudmodel.serving.scorer import ScoreResult


def write_decision(scored: decision_pb2.ScoredTransaction, result: ScoreResult, scored_at: Timestamp) -> None:
    """Writes `result` into `scored`, whose transaction is already in place. Everything is set field
    by field on the message itself: building parts apart and handing them over would copy them."""
    decision = DECISION_VALUES[result.decision]
    scored.score = result.score
    scored.decision = decision
    scored.is_fraud = decision == decision_pb2.DECISION_DECLINE
    reasons = scored.reasons
    for reason in result.reasons:
        reasons.add(feature=reason.feature, text=reason.text, contribution=reason.contribution)
    scored.model_version = result.model_version
    shadow_scores = scored.shadow_scores
    for shadow in result.shadow:
        shadow_scores.add(
            model_version=shadow.model_version, score=shadow.score, decision=DECISION_VALUES[shadow.decision]
        )
    features = scored.features
    for name, value in result.features.items():
        features[name] = value
    times = scored.times
    times.received_at.CopyFrom(scored.transaction.received_at)
    times.scored_at.CopyFrom(scored_at)


def scored_transaction(
    txn: transaction_pb2.Transaction, result: ScoreResult, scored_at: datetime
) -> decision_pb2.ScoredTransaction:
    scored = decision_pb2.ScoredTransaction(transaction=txn)
    write_decision(scored, result, timestamp_of(scored_at))
    return scored
