"""GET /api/models:compare at the edge: it asks store to compare the two models scoring serves now,
with their thresholds, and gives figures store cannot compute as null; without a shadow model it
says so (null) without asking store; a window out of range is a 422 naming `days` and its rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fraud.v1 import store_service_pb2
from test_edge_rest import violation_fields


def comparisons_asked(peers) -> int:
    return sum(isinstance(r, store_service_pb2.CompareShadowRequest) for r in peers.store.requests)


async def test_without_a_shadow_model_there_is_nothing_to_compare(client, peers):
    before = comparisons_asked(peers)
    response = await client.get("/api/models:compare", params={"days": 3})
    assert comparisons_asked(peers) == before
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["days"], body["comparison"]) == (3, None)
    since = datetime.fromisoformat(body["since"])
    assert abs(since - (datetime.now(UTC) - timedelta(days=3))) < timedelta(minutes=1)


async def test_a_window_beyond_ninety_days_is_refused_naming_the_field_and_rule(client):
    response = await client.get("/api/models:compare", params={"days": 91})
    assert response.status_code == 422, response.text
    assert violation_fields(response) == {"days": "less_than_equal"}


async def test_store_compares_the_models_scoring_serves_with_their_thresholds(client, peers):
    shadow = peers.scoring.models[1]
    shadow.shadow = True
    try:
        response = await client.get("/api/models:compare", params={"days": 7})
    finally:
        shadow.shadow = False
    assert response.status_code == 200, response.text
    [asked] = [r for r in peers.store.requests if isinstance(r, store_service_pb2.CompareShadowRequest)][-1:]
    assert (asked.active.version, asked.active.review_threshold, asked.active.decline_threshold) == (
        "test-model-1",
        0.5,
        0.8,
    )
    assert (asked.shadow.version, asked.shadow.review_threshold, asked.shadow.decline_threshold) == (
        "test-model-2",
        0.4,
        0.7,
    )
    comparison = response.json()["comparison"]
    assert (comparison["compared"], comparison["agreed"], comparison["score_correlation"]) == (3, 2, None)
    assert comparison["active"]["average_precision"] == 1.0
    assert comparison["shadow"]["average_precision"] is None
    assert (comparison["shadow"]["approved"], comparison["shadow"]["reviewed"]) == (1, 2)
