"""Replaying a dead letter over gRPC, with a real ingest_svc on a real Kafka: the transaction is back
on the transactions topic as it was, and the replay is recorded on the letter."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
from fraud.v1 import store_service_pb2, store_service_pb2_grpc, transaction_pb2
from store_testing import a_dead_letter, build_store_server, expect_status, keep_dead_letters

from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.waiting import free_port
from fraudmesh.grpc_server import insecure_channel
from fraudmesh.kafka_topics import ensure_topic
from store_svc.ingest_peer import IngestPeer
from tests.integration.ingest_svc.ingest_testing import RunningIngest
from tests.kafka_reading import read_all


@dataclass
class Replaying:
    store: store_service_pb2_grpc.StoreServiceStub
    ingest: RunningIngest


@pytest.fixture
async def replaying(kafka: KafkaBroker, store, store_engine) -> AsyncIterator[Replaying]:
    """A store whose replays go to a real ingest, which produces to a topic of this test's own."""
    topic = f"transactions-{uuid.uuid4().hex[:8]}"
    await ensure_topic(kafka.bootstrap_servers, topic, security=kafka.admin_security)
    async with RunningIngest(kafka.bootstrap_servers, topic, kafka.admin_security) as ingest:
        ingest_channel = insecure_channel(f"127.0.0.1:{ingest.server.port}")
        server = build_store_server(store_engine, IngestPeer(ingest_channel))
        await server.start()
        store_channel = insecure_channel(f"127.0.0.1:{server.port}")
        try:
            yield Replaying(store_service_pb2_grpc.StoreServiceStub(store_channel), ingest)
        finally:
            await store_channel.close()
            await server.stop()
            await ingest_channel.close()


async def replay(store, letter_id: str) -> store_service_pb2.ReplayDeadLetterResponse:
    return await store.ReplayDeadLetter(store_service_pb2.ReplayDeadLetterRequest(id=letter_id))


async def test_a_replayed_letter_is_back_on_the_transactions_topic_as_it_was(replaying, store_engine, kafka):
    letter = a_dead_letter("dl-1")
    await keep_dead_letters(store_engine, letter)

    response = await replay(replaying.store, "dl-1")

    assert response.transaction_id == "tx-dl-1"
    assert response.dead_letter.replay_count == 1 and response.dead_letter.HasField("replayed_at")
    [record] = await read_all(kafka, replaying.ingest.topic)
    assert transaction_pb2.Transaction.FromString(record.value) == transaction_pb2.Transaction.FromString(
        letter.payload
    )
    assert record.key == b"user-1"
    left = await replaying.store.ListDeadLetters(store_service_pb2.ListDeadLettersRequest(not_replayed=True))
    assert left.total == 0


async def test_replaying_twice_counts_two_replays_and_puts_the_same_id_on_the_topic_twice(
    replaying, store_engine, kafka
):
    # Twice on the topic is fine: scoring, store and notify each recognise the id.
    await keep_dead_letters(store_engine, a_dead_letter("dl-1"))

    await replay(replaying.store, "dl-1")
    second = await replay(replaying.store, "dl-1")

    assert second.dead_letter.replay_count == 2
    records = await read_all(kafka, replaying.ingest.topic)
    assert [transaction_pb2.Transaction.FromString(r.value).id for r in records] == ["tx-dl-1", "tx-dl-1"]


async def test_a_letter_that_holds_no_transaction_is_not_replayed_and_says_why(replaying, store_engine, kafka):
    await keep_dead_letters(store_engine, a_dead_letter("dl-garbage", payload=b"\xff\xfe not a transaction"))

    error = await expect_status(replay(replaying.store, "dl-garbage"), grpc.StatusCode.FAILED_PRECONDITION)

    assert "not a fraud.v1.Transaction" in error.details()
    letter = await replaying.store.GetDeadLetter(store_service_pb2.GetDeadLetterRequest(id="dl-garbage"))
    assert letter.dead_letter.replay_count == 0
    assert await read_all(kafka, replaying.ingest.topic) == []


async def test_an_unknown_letter_is_not_found(replaying):
    await expect_status(replay(replaying.store, "no-such-letter"), grpc.StatusCode.NOT_FOUND)


async def test_with_ingest_unreachable_a_replay_is_unavailable_and_not_recorded(store, store_engine):
    await keep_dead_letters(store_engine, a_dead_letter("dl-1"))
    nobody = insecure_channel(f"127.0.0.1:{free_port()}")
    server = build_store_server(store_engine, IngestPeer(nobody, timeout_seconds=5))
    await server.start()
    channel = insecure_channel(f"127.0.0.1:{server.port}")
    try:
        client = store_service_pb2_grpc.StoreServiceStub(channel)

        error = await expect_status(replay(client, "dl-1"), grpc.StatusCode.UNAVAILABLE)

        assert "ingest_svc" in error.details()
        letter = await client.GetDeadLetter(store_service_pb2.GetDeadLetterRequest(id="dl-1"))
        assert letter.dead_letter.replay_count == 0 and not letter.dead_letter.HasField("replayed_at")
    finally:
        await channel.close()
        await server.stop()
        await nobody.close()
