"""The ScoredTransaction scoring hands to store and notify carries the score's every part."""

from datetime import UTC, datetime

import numpy as np
from fraud.v1 import decision_pb2, transaction_pb2

from scoring_svc.decisions import scored_transaction
from scoring_svc.features import FEATURE_NAMES
from scoring_svc.scorer import ReasonText, ScoreResult, ShadowResult


def test_every_feature_reason_and_shadow_score_is_in_the_decision():
    row = np.linspace(0.5, 13.0, len(FEATURE_NAMES))
    result = ScoreResult(0.91, "DECLINE", [ReasonText("amount", "amount 5.2x this user's usual", 0.4)], row, "m-7",
                         [ShadowResult("m-6", 0.42, "APPROVE")])
    received = transaction_pb2.Transaction(id="t-1")
    received.received_at.FromSeconds(1_700_000_000)
    scored = scored_transaction(received, result, datetime(2026, 1, 2, tzinfo=UTC))
    assert dict(scored.features) == dict(zip(FEATURE_NAMES, row.tolist()))
    assert (scored.decision, scored.is_fraud, scored.model_version) == (decision_pb2.DECISION_DECLINE, True, "m-7")
    assert [r.text for r in scored.reasons] == ["amount 5.2x this user's usual"]
    assert [(s.model_version, s.decision) for s in scored.shadow_scores] == [("m-6", decision_pb2.DECISION_APPROVE)]
    assert scored.times.received_at.seconds == 1_700_000_000
