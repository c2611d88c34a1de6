"""The ScoredTransaction scoring hands to store and notify carries the score's every part."""

from datetime import UTC, datetime

import numpy as np
from fraud.v1 import decision_pb2, notify_service_pb2, store_service_pb2, transaction_pb2

from fraudmodel.features import FEATURE_NAMES
from fraudmodel.serving.decision_message import scored_transaction
from fraudmodel.serving.scorer import ReasonText, ScoreResult, ShadowResult


def test_every_feature_reason_and_shadow_score_is_in_the_decision():
    row = np.linspace(0.5, 13.0, len(FEATURE_NAMES))
    result = ScoreResult(
        0.91,
        "DECLINE",
        [ReasonText("amount", "amount 5.2x this user's usual", 0.4)],
        row,
        "m-7",
        [ShadowResult("m-6", 0.42, "APPROVE")],
    )
    received = transaction_pb2.Transaction(id="t-1")
    received.received_at.FromSeconds(1_700_000_000)
    scored = scored_transaction(received, result, datetime(2026, 1, 2, tzinfo=UTC))
    assert dict(scored.features) == dict(zip(FEATURE_NAMES, row.tolist(), strict=True))
    assert (scored.decision, scored.is_fraud, scored.model_version) == (decision_pb2.DECISION_DECLINE, True, "m-7")
    assert [r.text for r in scored.reasons] == ["amount 5.2x this user's usual"]
    assert [(s.model_version, s.decision) for s in scored.shadow_scores] == [("m-6", decision_pb2.DECISION_APPROVE)]
    assert scored.times.received_at.seconds == 1_700_000_000


def test_a_batch_encoded_for_store_is_notifys_publish_request_as_well():
    # scoring sends one PutDecisionsRequest's bytes to both peers (scoring_svc/peers.py): that holds
    # only while the two requests have the same fields.
    def fields(message) -> list[tuple]:
        return [(f.name, f.number, f.is_repeated, f.message_type.full_name) for f in message.DESCRIPTOR.fields]

    assert fields(store_service_pb2.PutDecisionsRequest) == fields(notify_service_pb2.PublishDecisionsRequest)
    batch = store_service_pb2.PutDecisionsRequest()
    first = batch.decisions.add(score=0.25, decision=decision_pb2.DECISION_APPROVE)
    first.transaction.id = "t-1"
    batch.decisions.add(score=0.75).times.published_at.FromSeconds(1_700_000_000)
    published = notify_service_pb2.PublishDecisionsRequest.FromString(batch.SerializeToString())
    assert [d.transaction.id for d in published.decisions] == ["t-1", ""]
    assert [d.score for d in published.decisions] == [0.25, 0.75]
    assert published.decisions[1].times.published_at.seconds == 1_700_000_000
