"""The edge at each of its limits, as a client meets them: a body of exactly MAX_BODY_BYTES and one
byte more, a batch of the most transactions and one more, and the WebSocket's cap on clients at once
(WEBSOCKET_MAX_CLIENTS). The slow WebSocket client's cut (1013 with where to resume) is
test_edge_websocket.py's test_a_too_slow_client_is_closed_1013_and_resumes_without_loss."""

from __future__ import annotations

import asyncio
import json

import pytest
from edge_harness import edge_settings, running_edge, running_peers
from edge_peers import score_of
from fraud.v1 import transaction_pb2
from prometheus_client import CollectorRegistry
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from edge.metrics import EdgeMetrics
from edge.rest_models import TransactionBatchIn

VALID = {"user_id": "user-1", "amount": "19.99", "location": "Lisbon"}
MAX_BATCH = TransactionBatchIn.model_fields["transactions"].metadata[1].max_length  # the model's own bound


def padded_to(size: int) -> bytes:
    """A valid submission of exactly `size` bytes (JSON allows whitespace anywhere between tokens)."""
    body = json.dumps(VALID).encode()
    return body[:-1] + b" " * (size - len(body)) + b"}"


async def test_a_body_of_exactly_the_limit_is_taken_and_one_byte_more_is_413_naming_the_limit(client, edge, peers):
    limit = edge_settings().max_body_bytes
    before = len(peers.ingest.received)
    at_limit = await client.post(
        "/api/transaction", content=padded_to(limit), headers={"Content-Type": "application/json"}
    )
    assert at_limit.status_code == 201, at_limit.text
    over = await client.post(
        "/api/transaction", content=padded_to(limit + 1), headers={"Content-Type": "application/json"}
    )
    assert over.status_code == 413
    body = over.json()
    assert body["error"] == "payload_too_large"
    assert str(limit) in body["message"]
    assert len(peers.ingest.received) == before + 1


async def test_a_batch_of_the_most_transactions_is_taken_and_one_more_is_refused_naming_field_and_rule(client, peers):
    assert MAX_BATCH == 1000  # as SubmitTransactionsRequest.transactions' max_items in the contract
    before = len(peers.ingest.received)
    full = await client.post("/api/transactions:batch", json={"transactions": [VALID] * MAX_BATCH})
    assert full.status_code == 201, full.text[:500]
    assert len(full.json()["results"]) == MAX_BATCH
    assert len(peers.ingest.received) == before + MAX_BATCH

    over = await client.post("/api/transactions:batch", json={"transactions": [VALID] * (MAX_BATCH + 1)})
    assert over.status_code == 422
    body = over.json()
    assert body["error"] == "invalid_argument"
    assert [(v["field"], v["rule"]) for v in body["violations"]] == [("transactions", "too_long")]
    assert str(MAX_BATCH) in body["violations"][0]["message"]
    assert len(peers.ingest.received) == before + MAX_BATCH


async def _until(condition, timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def _refused(url: str) -> tuple[int, str]:
    async with connect(url) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(5):
                await ws.recv()
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


def _refused_total(metrics: EdgeMetrics) -> float:
    value = metrics.registry.get_sample_value("fraudmesh_websocket_refused_total")
    return value or 0.0


async def test_websocket_clients_beyond_the_cap_are_closed_1013_counted_and_let_in_once_one_leaves():
    metrics = EdgeMetrics(CollectorRegistry())
    async with (
        running_peers() as peers,
        running_edge(edge_settings(websocket_max_clients=2), peers.addresses(), metrics=metrics) as edge,
    ):
        await peers.notify.wait_for_subscribers(1)
        hub = edge.hub
        async with connect(edge.ws_url) as first, connect(edge.ws_url) as second:
            await _until(lambda: hub.client_count == 2)
            code, reason = await _refused(edge.ws_url)
            assert code == 1013
            assert "WEBSOCKET_MAX_CLIENTS=2" in reason
            assert _refused_total(metrics) == 1
            assert hub.connections.active == 2 and hub.client_count == 2

            # The two let in still get every decision.
            sequence = peers.notify.publish(_decision(1))
            for ws in (first, second):
                async with asyncio.timeout(5):
                    assert json.loads(await ws.recv())["sequence"] == sequence

            await second.close()
            await _until(lambda: hub.connections.active == 1)
            async with connect(edge.ws_url) as third:
                await _until(lambda: hub.client_count == 2)
                sequence = peers.notify.publish(_decision(2))
                async with asyncio.timeout(5):
                    assert json.loads(await third.recv())["sequence"] == sequence
        await _until(lambda: hub.connections.active == 0)
        assert _refused_total(metrics) == 1


async def test_a_refused_websocket_does_not_take_a_place(edge):
    """A bad query is closed before it is counted, and the refused ones leave the count where it was."""
    with pytest.raises(ConnectionClosed):
        async with connect(f"{edge.ws_url}?min_score=7") as ws:
            await ws.recv()
    await _until(lambda: edge.hub.connections.active == 0)


async def test_the_cap_is_a_setting_that_refuses_zero():
    with pytest.raises(ValueError, match="websocket_max_clients"):
        edge_settings(websocket_max_clients=0)
    assert edge_settings().websocket_max_clients == 1000


def _decision(index: int):
    transaction = transaction_pb2.Transaction(id=f"limit-{index}")
    transaction.input.user_id = "limit-user"
    transaction.input.amount.minor_units = 1000
    transaction.input.amount.currency = "USD"
    transaction.received_at.GetCurrentTime()
    return score_of(transaction)


async def test_a_wait_beyond_wait_ms_max_and_a_page_beyond_500_are_refused_naming_the_parameter(client, peers):
    limit = edge_settings(wait_ms_max=5000).wait_ms_max  # as the module's edge
    before = len(peers.ingest.received)
    too_long = await client.post(f"/api/transaction?wait_ms={limit + 1}", json=VALID)
    assert too_long.status_code == 422
    assert [v["field"] for v in too_long.json()["violations"]] == ["wait_ms"]
    assert len(peers.ingest.received) == before
    assert (await client.get("/api/transactions?page_size=500")).status_code == 200
    too_big = await client.get("/api/transactions?page_size=501")
    assert too_big.status_code == 422
    assert [v["field"] for v in too_big.json()["violations"]] == ["page_size"]
