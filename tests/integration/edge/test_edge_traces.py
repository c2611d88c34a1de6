"""The console's trace view as the edge serves it: a transaction submitted on the real stack is read
back from the session's Jaeger through GET /api/traces/{trace_id}, compact and complete (five
services, parents joined, the wait in Kafka); and the answers when Jaeger has nothing or is away."""

from __future__ import annotations

import asyncio

import httpx
from edge_harness import Peers, edge_settings, running_edge

from fraudctl.runtime.services import ServiceSupervisor
from fraudctl.runtime.waiting import free_port
from tests.e2e.clients import admin_headers, rest_transaction

FIVE_SERVICES = {"edge", "ingest", "scoring", "store", "notify"}


async def _decided_trace_id(client: httpx.AsyncClient) -> str:
    body = rest_transaction(11) | {"user_id": "trace-view-user"}
    response = await client.post("/api/transaction?wait_ms=10000", json=body)
    assert response.status_code == 200, response.text
    decided = response.json()
    assert decided["trace_id"], decided
    return decided["trace_id"]


async def _trace_with_every_service(client: httpx.AsyncClient, trace_id: str, timeout: float = 60) -> dict:
    """The trace once every service's spans are in Jaeger: they export in batches, a moment apart."""
    answer: httpx.Response | None = None
    try:
        async with asyncio.timeout(timeout):
            while True:
                answer = await client.get(f"/api/traces/{trace_id}")
                if answer.status_code == 200 and set(answer.json()["services"]) >= FIVE_SERVICES:
                    spans = {(s["service"], s["name"]) for s in answer.json()["spans"]}
                    if ("edge", "websocket push") in spans and ("notify", "publish decision") in spans:
                        return answer.json()
                assert answer.status_code in (200, 404), answer.text
                await asyncio.sleep(0.5)
    except TimeoutError:
        raise AssertionError(f"trace {trace_id} incomplete after {timeout} s: {answer and answer.text}") from None


async def test_a_transactions_trace_is_served_compact_with_every_service_and_its_kafka_wait(stack: ServiceSupervisor):
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:
        trace_id = await _decided_trace_id(client)
        trace = await _trace_with_every_service(client, trace_id)

    assert trace["trace_id"] == trace_id
    spans = trace["spans"]
    by_id = {span["span_id"]: span for span in spans}
    # One root, the edge's HTTP request, listed first; every other span after its parent.
    roots = [span for span in spans if span["parent_span_id"] is None]
    assert [(r["service"], r["name"]) for r in roots] == [("edge", "POST /api/transaction")]
    assert spans[0] is roots[0] or spans[0] == roots[0]
    seen: set[str] = set()
    for span in spans:
        assert span["parent_span_id"] is None or span["parent_span_id"] in seen, span
        seen.add(span["span_id"])
        assert span["start_us"] >= 0 and span["duration_us"] >= 0
        assert span["start_us"] + span["duration_us"] <= trace["duration_us"]
    assert trace["services"][0] == "edge"

    # The record waited in Kafka between ingest's publish and scoring's consumer span.
    [wait] = trace["kafka_waits"]
    producer, consumer = by_id[wait["producer_span_id"]], by_id[wait["consumer_span_id"]]
    assert (producer["service"], producer["kind"], wait["topic"]) == ("ingest", "producer", "transactions")
    assert (consumer["service"], consumer["name"], consumer["kind"]) == ("scoring", "score transaction", "consumer")
    assert consumer["parent_span_id"] == producer["span_id"]
    assert wait["start_us"] == producer["start_us"] + producer["duration_us"]
    assert wait["duration_us"] == max(0, consumer["start_us"] - wait["start_us"])

    # Attributes come along, the span's kind and status are not repeated among them.
    assert consumer["attributes"]["transaction.id"]
    assert "span.kind" not in consumer["attributes"]
    assert not any(span["error"] for span in spans), [s for s in spans if s["error"]]


async def test_a_trace_jaeger_does_not_hold_is_404_with_a_message_and_a_bad_id_is_422(stack: ServiceSupervisor):
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:
        missing = await client.get(f"/api/traces/{'ab' * 16}")
        malformed = await client.get("/api/traces/not-a-trace")
        anonymous = await client.get(f"/api/traces/{'ab' * 16}", headers={"Authorization": ""})

    assert missing.status_code == 404, missing.text
    assert missing.json()["error"] == "not_found"
    assert "not in Jaeger (yet)" in missing.json()["message"]
    assert malformed.status_code == 422, malformed.text
    assert anonymous.status_code == 401, anonymous.text


async def test_without_jaeger_configured_or_reachable_the_trace_view_is_503(peers: Peers):
    unreachable = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    for query_url, expected in (("", "JAEGER_QUERY_URL"), (unreachable, "cannot read")):
        async with running_edge(edge_settings(jaeger_query_url=query_url), peers.addresses()) as edge:
            async with httpx.AsyncClient(base_url=edge.url, timeout=10) as client:
                answer = await client.get(f"/api/traces/{'cd' * 16}")
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"] == "unavailable"
        assert expected in answer.json()["message"]
