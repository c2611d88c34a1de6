"""One of three scoring instances is killed (SIGKILL: no drain, no commit) under steady load: the
group gives its partitions to the other two, which read again from its last commit, and still every
transaction is stored once and published once (store's upsert and notify recognise the ids of the
batches it had scored but not committed)."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid

import sqlalchemy as sa
from fraud.v1 import ingest_service_pb2 as ingest_pb
from fraud.v1 import ingest_service_pb2_grpc as ingest_grpc
from sqlalchemy.ext.asyncio import create_async_engine

from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.postgres import PostgresCluster
from fraudctl.runtime.services import ServiceSupervisor
from tests.e2e.clients import admin_channel, grpc_inputs, notify_subscription, wait_until_seen
from tests.e2e.scoring_group import transactions_consumed, wait_for_stable_group

BATCHES, PER_BATCH, EVERY_S = 20, 30, 0.5  # 600 transactions of 40 customers at 60/s for 10 s
KILL_AFTER = 6


async def rows_per_id(database_url: str, user_prefix: str) -> dict[str, int]:
    """How many rows store_svc keeps for each transaction of the customers whose ids start so."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                sa.text("SELECT id, count(*) AS n FROM transactions WHERE user_id LIKE :prefix GROUP BY id"),
                {"prefix": f"{user_prefix}%"},
            )
            return {row.id: row.n for row in result}
    finally:
        await engine.dispose()


async def test_one_of_three_scoring_instances_killed_under_load_loses_nothing_and_doubles_nothing(
    stack: ServiceSupervisor, kafka: KafkaBroker, postgres: PostgresCluster
):
    prefix = f"killed-{uuid.uuid4().hex[:8]}-"
    inputs = grpc_inputs(BATCHES * PER_BATCH, prefix, users=40, city="London", country="GB", currency="GBP")
    second, third = stack.start("scoring", instance="2"), stack.start("scoring", instance="3")
    try:
        stack.wait_ready(second.name)
        stack.wait_ready(third.name)
        await wait_for_stable_group(kafka, 3)
        before = transactions_consumed(third.metrics_port)
        ids: set[str] = set()
        async with notify_subscription(stack) as seen, admin_channel(stack, "ingest") as channel:
            stub = ingest_grpc.IngestServiceStub(channel)
            for number in range(BATCHES):
                if number == KILL_AFTER:
                    assert transactions_consumed(third.metrics_port) > before, "the third instance had no share"
                    os.kill(
                        third.process.pid, signal.SIGKILL
                    )  # its batches in flight are neither committed nor finished
                    third.process.wait()
                batch = inputs[number * PER_BATCH : (number + 1) * PER_BATCH]
                response = await stub.SubmitTransactions(ingest_pb.SubmitTransactionsRequest(transactions=batch))
                ids |= {result.transaction_id for result in response.results}
                await asyncio.sleep(EVERY_S)
            await wait_until_seen(seen, ids, timeout=180)  # its partitions wait for the group to drop it
            await asyncio.sleep(1)  # a second publication, if any, would come right behind
            published_twice = [i for i in ids if len(seen[i]) != 1]
    finally:
        for instance in (second, third):
            stack.stop(instance.name)
    await wait_for_stable_group(kafka, 1)

    assert len(ids) == BATCHES * PER_BATCH and published_twice == []
    stored = await rows_per_id(postgres.url, prefix)
    assert stored.keys() == ids, "lost or unknown transactions in the store"
    assert set(stored.values()) == {1}
