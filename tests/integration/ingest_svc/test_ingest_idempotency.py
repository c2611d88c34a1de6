"""Idempotency keys kept in PostgreSQL (the idempotency_keys table), on the session's real PostgreSQL
and Kafka: a repeat within the window is answered with the first transaction even after ingest
restarted, and is not produced again; an expired key names a new transaction; PostgreSQL away makes
keyed submissions UNAVAILABLE and leaves unkeyed ones alone; expired rows go in bounded batches."""

from __future__ import annotations

import asyncio
import contextlib
import pathlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import asyncpg
import grpc
import pytest
from fraud.v1 import ingest_service_pb2 as pb
from fraud.v1 import ingest_service_pb2_grpc as pb_grpc
from fraud.v1 import transaction_pb2
from tenacity import AsyncRetrying, stop_after_delay, wait_fixed

from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.postgres import PostgresCluster
from fraudctl.runtime.services import ServicePorts, ServiceSupervisor
from fraudctl.runtime.waiting import free_port, port_open
from fraudmesh.grpc_server import GrpcServer
from fraudmesh.kafka_security import PLAINTEXT, KafkaSecurity
from fraudmesh.kafka_topics import ensure_topic
from fraudmesh.settings import asyncpg_dsn
from ingest_svc.idempotency import IdempotencyCache
from ingest_svc.idempotency_store import IdempotencyStore, to_datetime
from ingest_svc.ingestor import Ingestor
from ingest_svc.producer import KafkaTransactionPublisher
from ingest_svc.servicer import IngestServicer
from ingest_svc.settings import IngestSettings
from store_svc.migrate import upgrade
from tests.integration.ingest_svc.ingest_testing import a_transaction
from tests.integration.store_svc.store_testing import create_database
from tests.kafka_reading import read_all

HOUR_NS = 3600 * 10**9


@pytest.fixture(scope="module")
async def keys_database(postgres: PostgresCluster) -> str:
    """A database of these tests' own, migrated by store as in production."""
    url = await create_database(postgres.url)
    await upgrade(url)
    return url


@pytest.fixture
async def topic(kafka) -> str:
    name = f"transactions-{uuid.uuid4().hex[:8]}"
    await ensure_topic(kafka.bootstrap_servers, name, security=kafka.admin_security)
    return name


class Clock:
    """Ingest's clock, moved by the test: a window of hours passes without waiting for it."""

    def __init__(self) -> None:
        self.now_ns = time.time_ns()

    def __call__(self) -> int:
        return self.now_ns


@dataclass
class Ingest:
    stub: pb_grpc.IngestServiceStub
    store: IdempotencyStore

    async def submit(self, user: str, key: str = "", timeout: float = 30) -> pb.SubmitTransactionResponse:
        return await self.stub.SubmitTransaction(
            pb.SubmitTransactionRequest(transaction=a_transaction(user=user, idempotency_key=key)), timeout=timeout
        )


@contextlib.asynccontextmanager
async def running_ingest(
    bootstrap: str,
    topic: str,
    database_url: str,
    clock: Clock | None = None,
    security: KafkaSecurity = PLAINTEXT,
    **settings: object,
) -> AsyncIterator[Ingest]:
    """ingest_svc's objects wired as its __main__ wires them, on a real gRPC server."""
    config = IngestSettings(database_url=database_url, producer_request_timeout_ms=3000, **settings)
    publisher = KafkaTransactionPublisher(bootstrap, topic, 1, config.producer_request_timeout_ms, security=security)
    clock_args = {"clock": clock} if clock else {}
    store = IdempotencyStore(config.database_url, config.idempotency(), **clock_args)
    ingestor = Ingestor(publisher, IdempotencyCache(1000), durable_keys=store, **clock_args)
    server = GrpcServer([IngestServicer(ingestor).registration()], f"127.0.0.1:{free_port()}")
    await publisher.start()
    host, port = bootstrap.rsplit(":", 1)
    if port_open(host, int(port)):  # a test of an unreachable broker must not wait for it
        await publisher.wait_connected(30)
    await store.start()
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{server.port}")
    try:
        yield Ingest(pb_grpc.IngestServiceStub(channel), store)
    finally:
        await channel.close()
        await server.stop()
        await publisher.stop()
        await store.stop()


async def record_ids(kafka: KafkaBroker, topic: str) -> list[str]:
    return [transaction_pb2.Transaction.FromString(r.value).id for r in await read_all(kafka, topic)]


async def stored_key(database_url: str, user: str, key: str) -> asyncpg.Record | None:
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return await connection.fetchrow("SELECT * FROM idempotency_keys WHERE user_id = $1 AND key = $2", user, key)
    finally:
        await connection.close()


async def acknowledged(database_url: str, user: str, key: str) -> asyncpg.Record:
    """The key's row once Kafka's acknowledgement of its transaction is recorded (in the background)."""
    async for attempt in AsyncRetrying(stop=stop_after_delay(30), wait=wait_fixed(0.05), reraise=True):
        with attempt:
            row = await stored_key(database_url, user, key)
            assert row is not None and row["acknowledged_at"] is not None, row
    return row


async def test_a_repeat_after_ingest_restarted_gets_the_first_transaction_and_is_not_produced_again(
    kafka, keys_database, topic, tmp_path: pathlib.Path
):
    # The real process, started and restarted as `make up` does it.
    supervisor = ServiceSupervisor(
        ServicePorts(ingest=free_port(), metrics_base=free_port()),
        tmp_path / "logs",
        {
            **kafka.client_environment("admin"),
            "DATABASE_URL": keys_database,
            "TRANSACTIONS_TOPIC": topic,
        },
    )

    async def started() -> pb_grpc.IngestServiceStub:
        await asyncio.to_thread(supervisor.start, "ingest")
        await asyncio.to_thread(supervisor.wait_ready, "ingest")
        return pb_grpc.IngestServiceStub(grpc.aio.insecure_channel(supervisor.ports.grpc_address("ingest")))

    keyed = [a_transaction(user="ada", idempotency_key="order-1"), a_transaction(user="bo", idempotency_key="order-2")]
    try:
        stub = await started()
        first_one = await stub.SubmitTransaction(pb.SubmitTransactionRequest(transaction=keyed[0]), timeout=30)
        first_each = await stub.SubmitEach(
            pb.SubmitEachRequest(submissions=[pb.SubmitTransactionRequest(transaction=keyed[1])]), timeout=30
        )
        await asyncio.to_thread(supervisor.stop, "ingest")
        stub = await started()
        again_one = await stub.SubmitTransaction(pb.SubmitTransactionRequest(transaction=keyed[0]), timeout=30)
        again_each = await stub.SubmitEach(
            pb.SubmitEachRequest(submissions=[pb.SubmitTransactionRequest(transaction=t) for t in keyed]), timeout=30
        )
    finally:
        await asyncio.to_thread(supervisor.stop_all)

    assert not first_one.duplicate and again_one.duplicate
    assert again_one.transaction_id == first_one.transaction_id
    assert again_one.received_at == first_one.received_at
    [first_of_each] = first_each.outcomes
    repeat_of_one, repeat_of_each = again_each.outcomes
    assert repeat_of_one.accepted.transaction_id == first_one.transaction_id and repeat_of_one.accepted.duplicate
    assert repeat_of_each.accepted.transaction_id == first_of_each.accepted.transaction_id
    assert repeat_of_each.accepted.received_at == first_of_each.accepted.received_at
    assert repeat_of_each.accepted.duplicate
    assert sorted(await record_ids(kafka, topic)) == sorted(
        [first_one.transaction_id, first_of_each.accepted.transaction_id]
    )


async def test_a_key_whose_window_ran_out_names_a_new_transaction(kafka, keys_database, topic):
    clock = Clock()
    async with running_ingest(
        kafka.bootstrap_servers, topic, keys_database, clock, kafka.admin_security, idempotency_window_hours=24
    ) as ingest:
        first = await ingest.submit("cy", "order-3")
        await acknowledged(keys_database, "cy", "order-3")
        clock.now_ns += 23 * HOUR_NS
        within = await ingest.submit("cy", "order-3")
        clock.now_ns += 2 * HOUR_NS
        after = await ingest.submit("cy", "order-3")
        again = await ingest.submit("cy", "order-3")
        row = await acknowledged(keys_database, "cy", "order-3")

    assert within.duplicate and within.transaction_id == first.transaction_id
    assert not after.duplicate and after.transaction_id != first.transaction_id
    assert again.duplicate and again.transaction_id == after.transaction_id
    assert sorted(await record_ids(kafka, topic)) == sorted([first.transaction_id, after.transaction_id])
    assert row["transaction_id"] == after.transaction_id
    assert row["expires_at"] - row["received_at"] == timedelta(hours=24)


async def test_two_ingests_racing_on_one_key_produce_it_once(kafka, keys_database, topic):
    async with (
        running_ingest(kafka.bootstrap_servers, topic, keys_database, None, kafka.admin_security) as one,
        running_ingest(kafka.bootstrap_servers, topic, keys_database, None, kafka.admin_security) as other,
    ):
        attempts = [ingest.submit("dee", "order-4") for _ in range(5) for ingest in (one, other)]
        answers = await asyncio.gather(*attempts, return_exceptions=True)

    accepted = [a for a in answers if isinstance(a, pb.SubmitTransactionResponse)]
    refused = [a for a in answers if not isinstance(a, pb.SubmitTransactionResponse)]
    # A repeat that reaches the other ingest before the first is in Kafka is told to retry, never a
    # different id.
    assert all(isinstance(r, grpc.aio.AioRpcError) and r.code() == grpc.StatusCode.UNAVAILABLE for r in refused)
    assert len({a.transaction_id for a in accepted}) == 1
    assert sum(not a.duplicate for a in accepted) == 1
    assert await record_ids(kafka, topic) == [accepted[0].transaction_id]


async def test_a_key_another_ingest_claimed_but_never_settled_is_taken_over_after_its_lease(
    kafka, keys_database, topic
):
    clock = Clock()
    async with running_ingest(kafka.bootstrap_servers, topic, keys_database, clock, kafka.admin_security) as ingest:
        # What an ingest that died between its claim and Kafka's acknowledgement leaves behind.
        connection = await asyncpg.connect(asyncpg_dsn(keys_database))
        received = to_datetime(clock.now_ns)
        await connection.execute(
            "INSERT INTO idempotency_keys (user_id, key, transaction_id, received_at, expires_at)"
            " VALUES ($1, $2, $3, $4, $5)",
            "eve",
            "order-5",
            "t-orphan",
            received,
            received + ingest.store.settings.lease,
        )
        await connection.close()
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await ingest.submit("eve", "order-5")
        clock.now_ns += int(ingest.store.settings.lease.total_seconds() * 10**9) + 1000
        taken_over = await ingest.submit("eve", "order-5")

    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    # Its id is kept: had the dead ingest produced it after all, every later hop recognises it.
    assert taken_over.transaction_id == "t-orphan" and not taken_over.duplicate
    assert await record_ids(kafka, topic) == ["t-orphan"]


async def test_without_postgresql_keyed_submissions_are_unavailable_and_unkeyed_ones_go_through(kafka, topic):
    nowhere = f"postgresql+asyncpg://fraud@127.0.0.1:{free_port()}/fraud"
    async with running_ingest(kafka.bootstrap_servers, topic, nowhere, None, kafka.admin_security) as ingest:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await ingest.submit("fay", "order-6")
        unkeyed = await ingest.submit("fay")

    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "PostgreSQL" in caught.value.details()
    assert await record_ids(kafka, topic) == [unkeyed.transaction_id]


async def test_a_key_whose_produce_failed_is_released_for_the_retry(keys_database):
    unreachable_broker = f"127.0.0.1:{free_port()}"
    async with running_ingest(unreachable_broker, "transactions", keys_database) as ingest:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await ingest.submit("gus", "order-7")
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert await stored_key(keys_database, "gus", "order-7") is None


async def test_expired_keys_are_deleted_in_bounded_batches_and_live_ones_kept(keys_database):
    clock = Clock()
    now = to_datetime(clock.now_ns)
    connection = await asyncpg.connect(asyncpg_dsn(keys_database))
    try:
        await connection.execute("DELETE FROM idempotency_keys WHERE user_id LIKE 'sweep-%'")
        rows = [
            (
                f"sweep-{i}",
                "k",
                f"t-{i}",
                now - timedelta(days=8),
                now + (timedelta(hours=1) if i < 5 else -timedelta(seconds=i)),
            )
            for i in range(30)
        ]
        await connection.copy_records_to_table(
            "idempotency_keys", records=rows, columns=["user_id", "key", "transaction_id", "received_at", "expires_at"]
        )
        settings = IngestSettings(database_url=keys_database).idempotency()
        store = IdempotencyStore(keys_database, settings, clock=clock)
        await store.start()
        try:
            deleted = [await store.delete_expired(10) for _ in range(4)]
        finally:
            await store.stop()
        left = await connection.fetch("SELECT user_id FROM idempotency_keys WHERE user_id LIKE 'sweep-%'")
    finally:
        await connection.close()

    assert deleted == [10, 10, 5, 0]
    assert sorted(row["user_id"] for row in left) == [f"sweep-{i}" for i in range(5)]
