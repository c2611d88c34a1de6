"""The edge's REST API over HTTP against real gRPC peers: shapes, conversions, error mapping."""

from __future__ import annotations

import json

import grpc
import pytest
from edge_peers import score_of
from fraud.v1 import decision_pb2, store_service_pb2, transaction_pb2

from fraudmesh.errors import FieldViolation

VALID = {"user_id": "user-1", "amount": "19.99", "location": "Lisbon"}


def violation_fields(response) -> dict[str, str]:
    body = response.json()
    assert body["error"] == "invalid_argument", body
    return {v["field"]: v["rule"] for v in body["violations"]}


async def test_submit_answers_201_pending_and_sends_minor_units(client, peers):
    response = await client.post(
        "/api/transaction",
        json={
            "user_id": "user-7",
            "amount": 1500,
            "currency": "JPY",
            "location": {"city": "Osaka", "country": "JP", "lat": 34.69, "lon": 135.5},
            "merchant_id": "m-1",
            "channel": "contactless",
            "occurred_at": "2024-05-01T10:00:00Z",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "pending" and body["duplicate"] is False
    assert body["id"] and body["received_at"].endswith("Z")
    sent = peers.ingest.received[-1].input
    assert (sent.amount.minor_units, sent.amount.currency) == (1500, "JPY")
    assert (sent.location.city, sent.location.lat) == ("Osaka", 34.69)
    assert sent.channel == transaction_pb2.CHANNEL_CONTACTLESS
    assert sent.occurred_at.ToJsonString() == "2024-05-01T10:00:00Z"


async def test_idempotency_key_header_returns_the_first_id(client, peers):
    first = await client.post("/api/transaction", json=VALID, headers={"Idempotency-Key": "order-77"})
    again = await client.post("/api/transaction", json=VALID, headers={"Idempotency-Key": "order-77"})
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["duplicate"] is True
    assert sum(t.input.idempotency_key == "order-77" for t in peers.ingest.received) == 1


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"amount": -5}, "amount", "amount.gt"),
        ({"amount": 0}, "amount", "amount.gt"),
        ({"amount": "ten"}, "amount", "decimal_parsing"),
        ({"amount": "19.999"}, "amount", "amount.decimal_places"),
        ({"user_id": None}, "user_id", "missing"),
        ({"currency": "XYZ"}, "currency", "currency.iso4217"),
        ({"location": {"city": "Nowhere", "lat": 200}}, "location.lat", "double.gte_lte"),
        ({"location": {"lat": "north"}}, "location.lat", "float_parsing"),
        ({"channel": "pigeon"}, "channel", "literal_error"),
        ({"occurred_at": "yesterday"}, "occurred_at", "datetime_from_date_parsing"),
    ],
)
async def test_bad_inputs_get_422_naming_the_field_and_rule_and_reach_no_one(client, peers, change, field, rule):
    body = {**VALID, **change}
    if change.get("user_id", "") is None:
        del body["user_id"]
    before = len(peers.ingest.received)
    response = await client.post("/api/transaction", json=body)
    assert response.status_code == 422, response.text
    assert violation_fields(response).get(field) == rule, response.text
    assert len(peers.ingest.received) == before


async def test_malformed_json_gets_422_naming_the_body(client, peers):
    before = len(peers.ingest.received)
    response = await client.post(
        "/api/transaction", content=b'{"user_id": "u1", "amount": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert violation_fields(response) == {"body": "json_invalid"}
    assert "malformed JSON" in response.json()["message"]
    assert len(peers.ingest.received) == before


async def test_a_body_over_the_limit_is_413_by_content_length(client, peers):
    before = len(peers.ingest.received)
    big = json.dumps({**VALID, "merchant_id": "m" * (1024 * 1024)}).encode()
    # Several times over one connection: the 413 must not be lost to a reset of the unread body.
    for _ in range(5):
        response = await client.post("/api/transaction", content=big, headers={"Content-Type": "application/json"})
        assert response.status_code == 413
        assert response.json()["error"] == "payload_too_large"
    assert len(peers.ingest.received) == before
    assert (await client.post("/api/transaction", json=VALID)).status_code == 201


async def test_a_chunked_body_over_the_limit_is_413_while_streaming(client, peers):
    async def chunks():
        yield b'{"user_id": "u1", "amount": 1, "merchant_id": "'
        for _ in range(64):
            yield b"m" * 16384
        yield b'"}'

    before = len(peers.ingest.received)
    response = await client.post("/api/transaction", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "larger than" in response.json()["message"]
    assert len(peers.ingest.received) == before


async def test_upstream_field_violations_are_named_by_rest_field(client, peers):
    peers.ingest.faults.violations = [
        FieldViolation("transaction.amount.minor_units", "int64.lte", "must be at most 10000000000"),
        FieldViolation("transaction.location.lon", "double.gte_lte", "out of range"),
    ]
    response = await client.post("/api/transaction", json=VALID)
    assert response.status_code == 422
    assert violation_fields(response) == {"amount": "int64.lte", "location.lon": "double.gte_lte"}


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (grpc.StatusCode.UNAVAILABLE, 503),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, 429),
        (grpc.StatusCode.NOT_FOUND, 404),
        (grpc.StatusCode.INTERNAL, 502),
        (grpc.StatusCode.UNIMPLEMENTED, 502),
    ],
)
async def test_upstream_status_codes_map_to_http(client, peers, code, status):
    peers.ingest.faults.status = code
    response = await client.post("/api/transaction", json=VALID)
    assert response.status_code == status, response.text
    assert response.json()["message"]
    if status == 503:
        assert response.headers["Retry-After"].isdigit()


async def test_an_upstream_past_its_deadline_is_503(client, peers):
    peers.store.faults.delay_seconds = 3.0  # beyond the edge's 2 s deadline
    response = await client.get("/api/stats")
    assert response.status_code == 503
    assert response.json()["error"] == "deadline_exceeded"
    assert "Retry-After" in response.headers


async def test_batch_accepts_all_or_names_the_bad_item(client, peers):
    ok = await client.post("/api/transactions:batch", json={"transactions": [VALID, {**VALID, "amount": 3}]})
    assert ok.status_code == 201, ok.text
    results = ok.json()["results"]
    assert len(results) == 2 and all(r["id"] and r["duplicate"] is False for r in results)

    before = len(peers.ingest.received)
    bad = await client.post(
        "/api/transactions:batch",
        json={"transactions": [VALID, {**VALID, "amount": "-1"}, {**VALID, "currency": "QQQ"}]},
    )
    assert bad.status_code == 422
    assert violation_fields(bad) == {
        "transactions[1].amount": "amount.gt",
        "transactions[2].currency": "currency.iso4217",
    }
    empty = await client.post("/api/transactions:batch", json={"transactions": []})
    assert violation_fields(empty) == {"transactions": "too_short"}
    assert len(peers.ingest.received) == before


async def test_wait_ms_returns_the_decision_when_it_arrives_in_time(client, peers):
    response = await client.post("/api/transaction?wait_ms=3000", json={**VALID, "amount": "9000"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "decided"
    assert body["decision"] == "DECLINE" and body["is_fraud"] is True
    assert body["amount"] == 9000.0 and body["currency"] == "USD"
    assert body["location"]["city"] == "Lisbon"
    assert body["model_version"] == "test-model-1"


async def test_wait_ms_answers_202_when_no_decision_comes(client, peers):
    peers.ingest.decide = False
    response = await client.post("/api/transaction?wait_ms=200", json=VALID)
    assert response.status_code == 202
    assert response.json()["status"] == "pending" and response.json()["id"]


async def test_wait_ms_for_a_duplicate_finds_the_stored_decision(client, peers):
    first = await client.post("/api/transaction?wait_ms=3000", json=VALID, headers={"Idempotency-Key": "dup-wait"})
    assert first.status_code == 200
    again = await client.post("/api/transaction?wait_ms=100", json=VALID, headers={"Idempotency-Key": "dup-wait"})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]


async def test_wait_ms_beyond_the_maximum_is_422(client):
    response = await client.post("/api/transaction?wait_ms=999999", json=VALID)
    assert response.status_code == 422
    assert violation_fields(response) == {"wait_ms": "less_than_equal"}


async def test_a_rule_set_version_past_the_contracts_int64_is_422(client):
    response = await client.get(f"/api/rules?at_version={2**63}")
    assert response.status_code == 422
    assert violation_fields(response) == {"at_version": "less_than_equal"}


async def test_get_list_and_label_a_transaction(client, peers):
    submitted = await client.post("/api/transaction?wait_ms=3000", json={**VALID, "user_id": "user-list"})
    transaction_id = submitted.json()["id"]

    fetched = await client.get(f"/api/transactions/{transaction_id}")
    assert fetched.status_code == 200
    assert fetched.json()["id"] == transaction_id and fetched.json()["label"] is None

    page = await client.get(
        "/api/transactions", params={"user_id": "user-list", "decision": "APPROVE", "order": "oldest", "page_size": 10}
    )
    assert page.status_code == 200
    assert [t["id"] for t in page.json()["transactions"]] == [transaction_id]
    assert page.json()["next_page_token"] == ""
    request = peers.store.requests[-1]
    assert isinstance(request, store_service_pb2.ListTransactionsRequest)
    assert request.oldest_first and request.decision == decision_pb2.DECISION_APPROVE and request.page_size == 10

    labelled = await client.post(f"/api/transactions/{transaction_id}/label", json={"label": "fraud", "analyst": "ana"})
    assert labelled.status_code == 200
    assert labelled.json()["label"] == "fraud" and labelled.json()["labelled_at"]


async def test_unknown_transaction_is_404(client):
    response = await client.get("/api/transactions/no-such-id")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    label = await client.post("/api/transactions/no-such-id/label", json={"label": "legitimate"})
    assert label.status_code == 404


async def test_bad_list_filters_and_labels_are_422(client):
    assert violation_fields(await client.get("/api/transactions?min_score=2")) == {"min_score": "less_than_equal"}
    assert violation_fields(await client.get("/api/transactions?decision=MAYBE")) == {"decision": "literal_error"}
    bad_label = await client.post("/api/transactions/x/label", json={"label": "suspicious"})
    assert violation_fields(bad_label) == {"label": "literal_error"}


async def test_stats_models_activate_score_and_config(client, peers):
    stats = await client.get("/api/stats", params={"since": "2024-01-01T00:00:00Z"})
    assert stats.status_code == 200 and set(stats.json()) >= {"total", "approved", "mean_score"}
    assert peers.store.requests[-1].since.ToJsonString() == "2024-01-01T00:00:00Z"

    models = await client.get("/api/models")
    assert [m["version"] for m in models.json()["models"]] == ["test-model-1", "test-model-2"]
    activated = await client.post("/api/models/test-model-2:activate", json={})
    assert activated.status_code == 200 and activated.json()["model"]["version"] == "test-model-2"
    assert activated.json()["model"]["active"] is True
    assert (await client.post("/api/models/nope:activate")).status_code == 404

    peers.scoring.models[1].shadow = True
    stopped = await client.post("/api/models/test-model-2:stop-shadow", json={})
    assert stopped.status_code == 200 and stopped.json()["model"]["version"] == "test-model-2"
    assert stopped.json()["model"]["shadow"] is False
    again = await client.post("/api/models/test-model-2:stop-shadow", json={})
    assert again.status_code == 409 and "test-model-2 is not the shadow model" in again.text
    assert violation_fields(await client.post(f"/api/models/{'v' * 129}:stop-shadow", json={})) == {
        "version": "string_too_long"
    }

    scored = await client.post("/api/score", json={**VALID, "amount": "6000.00"})
    assert scored.status_code == 200
    assert scored.json()["decision"] == "REVIEW" and scored.json()["score"] == pytest.approx(0.6)

    config = await client.get("/api/config")
    assert config.json() == {"jaeger_url": "", "zipkin_url": "", "oidc_issuer": "", "oidc_client_id": ""}


async def test_model_drift_is_scorings_window_as_json(client):
    drift = await client.get("/api/models:drift")
    assert drift.status_code == 200
    assert drift.json() == {
        "model_version": "test-model-1",
        "window_transactions": 1200,
        "window_capacity": 10000,
        "min_transactions": 1000,
        "stability": [{"name": "score", "index": 0.04}, {"name": "amount", "index": 0.31}],
    }


async def test_health_is_200_only_when_every_upstream_serves(client, peers):
    healthy = await client.get("/api/health")
    assert healthy.status_code == 200
    assert healthy.json() == {
        "status": "ok",
        "services": {"ingest": "SERVING", "scoring": "SERVING", "store": "SERVING", "notify": "SERVING"},
    }
    await peers.notify_grpc.set_serving(False)
    try:
        degraded = await client.get("/api/health")
    finally:
        await peers.notify_grpc.set_serving(True)
    assert degraded.status_code == 503
    assert degraded.json()["status"] == "degraded"
    assert degraded.json()["services"]["notify"] == "NOT_SERVING"
    assert degraded.json()["services"]["ingest"] == "SERVING"


async def test_unknown_api_path_is_a_json_404(client):
    response = await client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


async def test_openapi_is_served(client):
    spec = (await client.get("/openapi.json")).json()
    assert "/api/transactions/{transaction_id}/label" in spec["paths"]
    assert (await client.get("/docs")).status_code == 200


def test_score_of_is_deterministic():
    transaction = transaction_pb2.Transaction()
    transaction.input.amount.minor_units = 900_000
    assert score_of(transaction).decision == decision_pb2.DECISION_DECLINE
