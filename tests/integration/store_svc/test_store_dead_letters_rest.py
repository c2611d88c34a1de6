"""The dead letters over REST: the edge's routes against the real store_svc (and a real ingest_svc
for replays), as the console and an operator's curl use them."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
import uvicorn
from store_testing import BASE_TIME, a_dead_letter, build_store_server, keep_dead_letters

from edge.app import create_app
from edge.settings import EdgeSettings
from edge.upstreams import UpstreamAddresses, Upstreams
from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.waiting import free_port
from fraudmesh.grpc_server import insecure_channel
from fraudmesh.kafka_topics import ensure_topic
from store_svc.ingest_peer import IngestPeer
from tests.integration.ingest_svc.ingest_testing import RunningIngest
from tests.kafka_reading import read_all


@contextlib.asynccontextmanager
async def running_edge(addresses: UpstreamAddresses) -> AsyncIterator[str]:
    """The edge application served by uvicorn on a free port; yields its base URL."""
    settings = EdgeSettings(web_dist_dir="/nonexistent", upstream_timeout_seconds=10.0)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, Upstreams(addresses)), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def rest(kafka: KafkaBroker, store, store_engine) -> AsyncIterator[tuple[httpx.AsyncClient, RunningIngest]]:
    """A REST client of an edge whose store is the real one (empty), replaying to a real ingest."""
    topic = f"transactions-{uuid.uuid4().hex[:8]}"
    await ensure_topic(kafka.bootstrap_servers, topic, security=kafka.admin_security)
    async with RunningIngest(kafka.bootstrap_servers, topic, kafka.admin_security) as ingest:
        ingest_address = f"127.0.0.1:{ingest.server.port}"
        ingest_channel = insecure_channel(ingest_address)
        server = build_store_server(store_engine, IngestPeer(ingest_channel))
        await server.start()
        nobody = f"127.0.0.1:{free_port()}"  # scoring and notify play no part here
        addresses = UpstreamAddresses(ingest_address, nobody, f"127.0.0.1:{server.port}", nobody)
        try:
            async with running_edge(addresses) as url, httpx.AsyncClient(base_url=url, timeout=20) as client:
                yield client, ingest
        finally:
            await server.stop()
            await ingest_channel.close()


async def test_the_list_pages_newest_first_without_payloads(rest, store_engine):
    client, _ = rest
    await keep_dead_letters(
        store_engine,
        *(a_dead_letter(f"dl-{i}", hop="scoring", failed_at=BASE_TIME + timedelta(minutes=i)) for i in range(3)),
        a_dead_letter("dl-notify", hop="notify"),
    )

    first = await client.get("/api/dead-letters", params={"hop": "scoring", "page_size": 2})
    second = await client.get(
        "/api/dead-letters", params={"hop": "scoring", "page_size": 2, "page_token": first.json()["next_page_token"]}
    )

    assert first.status_code == 200
    assert [letter["id"] for letter in first.json()["dead_letters"]] == ["dl-2", "dl-1"]
    assert [letter["id"] for letter in second.json()["dead_letters"]] == ["dl-0"]
    assert (first.json()["total"], second.json()["next_page_token"]) == (3, "")
    shown = first.json()["dead_letters"][0]
    assert "payload_base64" not in shown
    assert shown["error"] == {
        "code": "INVALID_ARGUMENT",
        "message": "transaction.input.location.city: must not hold NUL [string.pattern]",
        "violations": [
            {"field": "transaction.input.location.city", "rule": "string.pattern", "message": "must not hold NUL"}
        ],
    }
    assert shown["source"] == {"topic": "transactions", "partition": 4, "offset": 1234}
    assert (shown["failed_at"], shown["replayed_at"], shown["replay_count"]) == ("2026-03-01T12:02:00Z", None, 0)


async def test_one_letter_shows_its_bytes_and_the_transaction_they_hold(rest, store_engine):
    client, _ = rest
    letter = a_dead_letter("dl-1")
    await keep_dead_letters(store_engine, letter, a_dead_letter("dl-garbage", payload=b"\xff\xfe"))

    shown = (await client.get("/api/dead-letters/dl-1")).json()
    garbage = (await client.get("/api/dead-letters/dl-garbage")).json()

    assert base64.b64decode(shown["payload_base64"]) == letter.payload
    assert shown["transaction"]["id"] == "tx-dl-1"
    assert shown["transaction"]["input"]["location"]["city"] == "Lisbon"
    assert (garbage["payload_base64"], garbage["transaction"]) == ("//4=", None)


async def test_replay_sends_the_transaction_through_ingest_and_records_it(rest, store_engine, kafka):
    client, ingest = rest
    await keep_dead_letters(store_engine, a_dead_letter("dl-1"))

    replayed = await client.post("/api/dead-letters/dl-1:replay")

    assert replayed.status_code == 200
    assert replayed.json()["transaction_id"] == "tx-dl-1"
    assert replayed.json()["dead_letter"]["replay_count"] == 1
    [record] = await read_all(kafka, ingest.topic)
    assert record.key == b"user-1"
    left = await client.get("/api/dead-letters", params={"not_replayed": "true"})
    assert left.json()["total"] == 0


async def test_errors_have_the_edges_statuses(rest, store_engine):
    client, _ = rest
    await keep_dead_letters(store_engine, a_dead_letter("dl-garbage", payload=b"\xff\xfe"))

    unknown = await client.get("/api/dead-letters/no-such-letter")
    unknown_replay = await client.post("/api/dead-letters/no-such-letter:replay")
    not_a_transaction = await client.post("/api/dead-letters/dl-garbage:replay")
    bad_token = await client.get("/api/dead-letters", params={"page_token": "bm90LWEtdG9rZW4"})

    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")
    assert (unknown_replay.status_code, unknown_replay.json()["error"]) == (404, "not_found")
    assert (not_a_transaction.status_code, not_a_transaction.json()["error"]) == (409, "failed_precondition")
    assert "not a fraud.v1.Transaction" in not_a_transaction.json()["message"]
    assert bad_token.status_code == 422
    assert [v["field"] for v in bad_token.json()["violations"]] == ["page_token"]
