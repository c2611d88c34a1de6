"""CompareShadow against real PostgreSQL: stored decisions that carry a shadow score, some labelled by
analysts, give the figures computed here independently with numpy and scikit-learn; decisions of
another active model, without this shadow's score or before the window are left out."""

from __future__ import annotations

from datetime import timedelta

import grpc
import numpy as np
import pytest
from fraud.v1 import decision_pb2, store_service_pb2
from sklearn.metrics import average_precision_score
from store_testing import BASE_TIME, expect_status, make_scored

from fraudmesh.timestamps import timestamp_of
from store_svc.shadow_comparison import ComparedModel, ShadowComparisons

ACTIVE = store_service_pb2.ComparedModel(version="rf-test", review_threshold=0.5, decline_threshold=0.8)
SHADOW = store_service_pb2.ComparedModel(version="shadow-1", review_threshold=0.4, decline_threshold=0.9)
COUNT = 240


def decide(scores: np.ndarray, model: store_service_pb2.ComparedModel) -> np.ndarray:
    return np.where(
        scores >= model.decline_threshold, "DECLINE", np.where(scores >= model.review_threshold, "REVIEW", "APPROVE")
    )


def with_shadow(scored: decision_pb2.ScoredTransaction, version: str, score: float) -> decision_pb2.ScoredTransaction:
    scored.shadow_scores.add(model_version=version, score=score, decision=decision_pb2.DECISION_APPROVE)
    return scored


@pytest.fixture
async def live_traffic(store):
    """COUNT compared decisions (scores on a coarse grid, so there are ties), a third of them
    labelled, and decisions that must not count; returns the compared ones' scores and labels."""
    rng = np.random.default_rng(24)
    active = np.round(rng.uniform(0, 1, COUNT), 2)
    shadow = np.round(np.clip(active + rng.normal(0, 0.2, COUNT), 0, 1), 2)
    labels = np.full(COUNT, None, dtype=object)
    labelled = rng.choice(COUNT, COUNT // 3, replace=False)
    labels[labelled] = rng.uniform(0, 1, labelled.size) < 0.2 + 0.6 * shadow[labelled]
    batch = []
    for i in range(COUNT):
        scored = with_shadow(
            make_scored(f"t{i}", occurred_at=BASE_TIME + timedelta(minutes=i), score=float(active[i])),
            SHADOW.version,
            float(shadow[i]),
        )
        scored.shadow_scores.add(model_version="another-shadow", score=0.99)
        if labels[i] is not None:
            scored.label = decision_pb2.LABEL_FRAUD if labels[i] else decision_pb2.LABEL_LEGITIMATE
        batch.append(scored)
    older = with_shadow(make_scored("older", occurred_at=BASE_TIME - timedelta(minutes=1), score=0.9), "shadow-1", 0.1)
    other_active = with_shadow(make_scored("other-active", occurred_at=BASE_TIME, score=0.9), "shadow-1", 0.1)
    other_active.model_version = "rf-old"
    no_shadow = make_scored("no-shadow", occurred_at=BASE_TIME, score=0.9)
    # Its stored score carries an ADD_SCORE rule's 0.3 on top of the model's: not the model's own.
    moved = with_shadow(make_scored("rule-moved", occurred_at=BASE_TIME, score=0.95), "shadow-1", 0.1)
    moved.reasons.add(feature="rule:r1", text="rule 'r1' v1 fired: ADD_SCORE", contribution=0.3)
    # A DECLINE rule's reason adds nothing to the score: compared like any other (its decision is
    # the stored one, the model's comes from its score).
    declined = with_shadow(make_scored("rule-declined", occurred_at=BASE_TIME, score=float(active[0])), "shadow-1", 0.1)
    declined.reasons.add(feature="rule:r2", text="rule 'r2' v1 fired: DECLINE", contribution=0.0)
    extra = [older, other_active, no_shadow, moved]
    await store.PutDecisions(store_service_pb2.PutDecisionsRequest(decisions=[*batch, *extra, declined]))
    # The compared ones in time order: the DECLINE rule's is among the oldest.
    active = np.concatenate(([active[0]], active))
    shadow = np.concatenate(([0.1], shadow))
    labels = np.concatenate(([None], labels))
    return active, shadow, labels


async def test_the_comparison_gives_the_figures_computed_from_the_same_decisions(store, live_traffic):
    active, shadow, labels = live_traffic
    response = await store.CompareShadow(
        store_service_pb2.CompareShadowRequest(active=ACTIVE, shadow=SHADOW, since=timestamp_of(BASE_TIME))
    )
    active_decisions, shadow_decisions = decide(active, ACTIVE), decide(shadow, SHADOW)
    assert (response.compared, response.truncated) == (COUNT + 1, False)
    assert response.agreed == int((active_decisions == shadow_decisions).sum())
    assert response.score_correlation == pytest.approx(np.corrcoef(active, shadow)[0, 1])
    known = np.array([label is not None for label in labels])
    fraud = labels[known].astype(bool)
    assert (response.labelled, response.labelled_fraud) == (known.sum(), fraud.sum())
    for figures, scores, decisions, model in (
        (response.active, active, active_decisions, ACTIVE),
        (response.shadow, shadow, shadow_decisions, SHADOW),
    ):
        assert figures.version == model.version
        assert (figures.approved, figures.reviewed, figures.declined) == tuple(
            int((decisions == name).sum()) for name in ("APPROVE", "REVIEW", "DECLINE")
        )
        assert figures.mean_score == pytest.approx(scores.mean())
        assert figures.average_precision == pytest.approx(average_precision_score(fraud, scores[known]))
        flagged, declined = decisions[known] != "APPROVE", decisions[known] == "DECLINE"
        assert figures.precision_at_review == pytest.approx((flagged & fraud).sum() / flagged.sum())
        assert figures.recall_at_review == pytest.approx((flagged & fraud).sum() / fraud.sum())
        assert figures.precision_at_decline == pytest.approx((declined & fraud).sum() / declined.sum())
        assert figures.recall_at_decline == pytest.approx((declined & fraud).sum() / fraud.sum())


async def test_without_labels_or_decisions_the_label_figures_are_absent_not_zero(store):
    response = await store.CompareShadow(
        store_service_pb2.CompareShadowRequest(active=ACTIVE, shadow=SHADOW, since=timestamp_of(BASE_TIME))
    )
    assert (response.compared, response.agreed, response.labelled) == (0, 0, 0)
    assert not response.HasField("score_correlation")
    assert not response.shadow.HasField("average_precision")
    assert not response.active.HasField("recall_at_review")


async def test_a_window_longer_than_the_limit_keeps_the_newest_decisions_and_says_so(store, store_engine, live_traffic):
    active, shadow, _ = live_traffic
    comparison = await ShadowComparisons(store_engine, limit=50).compare(
        ComparedModel(ACTIVE.version, 0.5, 0.8), ComparedModel(SHADOW.version, 0.4, 0.9), BASE_TIME
    )
    assert (comparison.compared, comparison.truncated, comparison.limit) == (50, True, 50)
    assert comparison.active.mean_score == pytest.approx(active[-50:].mean())
    assert comparison.shadow.mean_score == pytest.approx(shadow[-50:].mean())


async def test_a_comparison_without_its_shadow_model_is_refused_naming_the_field(store):
    error = await expect_status(
        store.CompareShadow(store_service_pb2.CompareShadowRequest(active=ACTIVE, since=timestamp_of(BASE_TIME))),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert "shadow" in error.details()
