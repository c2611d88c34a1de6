"""`fraudctl dlq` against a real store_svc (on the session's PostgreSQL) that replays to a real
ingest_svc (on the session's Kafka): what an operator reads and what each command does."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fraud.v1 import store_service_pb2, store_service_pb2_grpc, transaction_pb2
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from fraudctl.cli import main
from fraudctl.dead_letter_commands import list_letters, replay_all, replay_letter, show_letter
from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.postgres import PostgresCluster
from fraudmesh.grpc_server import insecure_channel
from fraudmesh.kafka_topics import ensure_topic
from store_svc.ingest_peer import IngestPeer
from store_svc.migrate import upgrade
from tests.integration.ingest_svc.ingest_testing import RunningIngest
from tests.integration.store_svc.store_testing import (
    BASE_TIME,
    a_dead_letter,
    build_store_server,
    create_database,
    keep_dead_letters,
)
from tests.kafka_reading import read_all


@dataclass
class RunningStore:
    address: str
    stub: store_service_pb2_grpc.StoreServiceStub
    ingest: RunningIngest


@pytest.fixture(scope="module")
async def database_url(postgres: PostgresCluster) -> str:
    url = await create_database(postgres.url)
    await upgrade(url)
    return url


@pytest.fixture
async def store(kafka: KafkaBroker, database_url: str) -> AsyncIterator[RunningStore]:
    """A store_svc holding three letters: two of scoring's, one not a transaction, and one of notify's."""
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(text("TRUNCATE dead_letters"))
    await keep_dead_letters(
        engine,
        a_dead_letter("dl-old", hop="scoring", failed_at=BASE_TIME),
        a_dead_letter("dl-garbage", hop="scoring", failed_at=BASE_TIME + timedelta(minutes=1), payload=b"\xff"),
        a_dead_letter("dl-new", hop="notify", failed_at=BASE_TIME + timedelta(minutes=2), reason="notify_refused"),
    )
    topic = f"transactions-{uuid.uuid4().hex[:8]}"
    await ensure_topic(kafka.bootstrap_servers, topic, security=kafka.admin_security)
    async with RunningIngest(kafka.bootstrap_servers, topic, kafka.admin_security) as ingest:
        ingest_channel = insecure_channel(f"127.0.0.1:{ingest.server.port}")
        server = build_store_server(engine, IngestPeer(ingest_channel))
        await server.start()
        address = f"127.0.0.1:{server.port}"
        channel = insecure_channel(address)
        try:
            yield RunningStore(address, store_service_pb2_grpc.StoreServiceStub(channel), ingest)
        finally:
            await channel.close()
            await server.stop()
            await ingest_channel.close()
            await engine.dispose()


async def test_list_shows_each_letter_newest_first_and_counts_them(store):
    out = io.StringIO()

    assert await list_letters(store.stub, out=out) == 0

    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["ID", "HOP", "REASON", "TRANSACTION", "FAILED", "AT", "ATTEMPTS", "REPLAYED"]
    assert [line.split()[0] for line in lines[1:4]] == ["dl-new", "dl-garbage", "dl-old"]
    assert lines[1].split()[1:4] == ["notify", "notify_refused", "tx-dl-new"]
    assert lines[-1] == "3 dead letters"


async def test_list_filters_by_hop_and_speaks_json(store):
    out = io.StringIO()

    assert await list_letters(store.stub, hop="scoring", as_json=True, out=out) == 0

    shown = json.loads(out.getvalue())
    assert [letter["id"] for letter in shown["dead_letters"]] == ["dl-garbage", "dl-old"]
    assert shown["total"] == 2
    assert shown["dead_letters"][0]["error"]["violations"][0]["field"] == "transaction.input.location.city"


async def test_show_gives_the_error_and_the_transaction_it_holds(store):
    out = io.StringIO()

    assert await show_letter(store.stub, "dl-old", out=out) == 0

    text = out.getvalue()
    assert "error        INVALID_ARGUMENT: " in text
    assert "transaction.input.location.city: must not hold NUL [string.pattern]" in text
    assert "payload      a fraud.v1.Transaction:" in text
    assert json.loads(text[text.index("{") :])["id"] == "tx-dl-old"


async def test_show_says_when_the_payload_is_no_transaction_and_fails_for_an_unknown_id(store, capsys):
    out = io.StringIO()

    assert await show_letter(store.stub, "dl-garbage", out=out) == 0
    assert await show_letter(store.stub, "no-such-letter", out=out) == 1

    assert "payload      1 bytes, not a transaction (cannot be replayed)" in out.getvalue()
    assert "error: NOT_FOUND: dead letter 'no-such-letter' not found" in capsys.readouterr().err


async def test_replay_sends_one_transaction_back_through_ingest(store, kafka):
    out = io.StringIO()

    assert await replay_letter(store.stub, "dl-old", out=out) == 0

    assert out.getvalue() == "replayed dl-old: transaction tx-dl-old (replay 1)\n"
    [record] = await read_all(kafka, store.ingest.topic)
    assert transaction_pb2.Transaction.FromString(record.value).id == "tx-dl-old"


async def test_replay_all_replays_every_letter_not_replayed_and_names_the_one_it_cannot(store, kafka):
    await replay_letter(store.stub, "dl-old", out=io.StringIO())
    out = io.StringIO()

    assert await replay_all(store.stub, out=out) == 1

    lines = out.getvalue().splitlines()
    assert lines[0] == "replayed dl-new: transaction tx-dl-new (replay 1)"
    assert lines[1].startswith("not replayed dl-garbage: FAILED_PRECONDITION: ")
    assert lines[2] == "replayed 1, not replayed 1"
    records = await read_all(kafka, store.ingest.topic)
    assert sorted(transaction_pb2.Transaction.FromString(r.value).id for r in records) == ["tx-dl-new", "tx-dl-old"]
    left = await store.stub.ListDeadLetters(store_service_pb2.ListDeadLettersRequest(not_replayed=True))
    assert [letter.id for letter in left.dead_letters] == ["dl-garbage"]


async def test_the_command_line_reaches_the_store_it_is_given(store, capsys):
    # main() runs its own event loop, as from a shell: in a thread of its own here.
    code = await asyncio.to_thread(main, ["dlq", "--store", store.address, "list", "--not-replayed", "--hop", "notify"])

    assert code == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 dead letter"
