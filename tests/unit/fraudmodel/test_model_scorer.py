"""The Scorer as the service uses it: batched scores with decisions, reasons for flagged
transactions, what-if calls that change nothing, threshold overrides and shadow scores."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fraudmodel.serving.registry import ModelRegistry
from fraudmodel.serving.scorer import Scorer


@pytest.fixture()
def registry(model_dir):
    return ModelRegistry(model_dir.parent, active_version=model_dir.name)


@pytest.fixture(scope="module")
def stream(small_events):
    return sorted(small_events, key=lambda e: e.occurred_at)


def _warmed(registry, stream, **kwargs) -> tuple[Scorer, list]:
    scorer = Scorer(registry, **kwargs)
    cut = len(stream) * 3 // 4
    for i in range(0, cut, 512):
        scorer.score(stream[i : i + 512])
    return scorer, stream[cut:]


def test_batch_scores_decide_by_threshold_and_flagged_ones_say_why(registry, stream):
    scorer, live = _warmed(registry, stream)
    results = scorer.score(live[:2000])
    model = registry.active
    assert len(results) == 2000
    for r in results:
        assert 0 <= r.score <= 1 and r.model_version == model.version
        assert r.decision == model.thresholds.decide(r.score)
        if r.decision == "APPROVE":
            assert len(r.reasons) == 0
        else:
            assert 1 <= len(r.reasons) <= 3
            assert all(reason.contribution > 0 and reason.text for reason in r.reasons)
            assert [x.contribution for x in r.reasons] == sorted((x.contribution for x in r.reasons), reverse=True)
    flagged = [r for r in results if r.decision != "APPROVE"]
    assert flagged, "a generated stream with ~1% fraud has flagged transactions"
    frauds = [r for r, e in zip(results, live[:2000], strict=True) if e.label]
    assert sum(r.decision != "APPROVE" for r in frauds) >= len(frauds) / 3


def test_what_if_scoring_changes_no_state(registry, stream):
    scorer, live = _warmed(registry, stream)
    before = scorer.state_snapshot()
    first = scorer.score(live[:50], update_state=False)
    again = scorer.score(live[:50], update_state=False)
    assert scorer.state_snapshot() == before
    assert [r.score for r in first] == [r.score for r in again]
    # Events of one user in one what-if batch still see each other, in order.
    assert [r.features for r in first] == [r.features for r in scorer.score(live[:50])]


def test_configured_thresholds_override_the_models(registry, stream):
    scorer, live = _warmed(registry, stream, review_threshold=0.0, decline_threshold=1.01)
    assert {r.decision for r in scorer.score(live[:100])} == {"REVIEW"}


def test_shadow_model_scores_beside_the_active_one(model_dir, stream):
    registry = ModelRegistry(model_dir.parent, active_version=model_dir.name, shadow_version=model_dir.name)
    scorer, live = _warmed(registry, stream)
    for r in scorer.score(live[:20]):
        [shadow] = r.shadow
        assert shadow.model_version == model_dir.name and shadow.score == pytest.approx(r.score)


def test_analyst_labels_feed_merchant_risk(registry, stream):
    scorer, live = _warmed(registry, stream)
    event = live[0]
    before = scorer.score([event], update_state=False)[0].features["merchant_known_frauds_7d"]
    for n in range(3):
        scorer.record_label(f"label-{n}", event.merchant_id, True, event.occurred_at - timedelta(hours=1), 30.0)
    after = scorer.score([event], update_state=False)[0].features["merchant_known_frauds_7d"]
    assert after == before + 3
