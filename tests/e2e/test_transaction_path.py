"""The path of a transaction through the running platform, as clients and analysts see it:
REST or gRPC in, a decision out over the WebSocket or notify's stream, and the row in PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal

import httpx
import pytest
import sqlalchemy as sa
from fraud.v1 import ingest_service_pb2 as ingest_pb
from fraud.v1 import ingest_service_pb2_grpc as ingest_grpc
from fraud.v1 import transaction_pb2
from sqlalchemy.ext.asyncio import create_async_engine

from bench.kafka_probe import GroupProbe
from fraudctl.runtime.services import ServiceSupervisor
from tests.e2e.clients import (
    WebSocketCollector,
    admin_channel,
    admin_headers,
    grpc_inputs,
    notify_subscription,
    rest_transaction,
    wait_until_seen,
)
from tests.kafka_reading import topic_size

DECISIONS = {"APPROVE", "REVIEW", "DECLINE"}


async def stored_rows(database_url: str, ids: set[str]) -> dict[str, float]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                sa.text("SELECT id, score FROM transactions WHERE id = ANY(:ids)"), {"ids": list(ids)}
            )
            return {row.id: row.score for row in result}
    finally:
        await engine.dispose()


async def submit_all(client: httpx.AsyncClient, bodies: list[dict], concurrency: int = 16) -> list[httpx.Response]:
    limit = asyncio.Semaphore(concurrency)

    async def submit(body: dict) -> httpx.Response:
        async with limit:
            return await client.post("/api/transaction", json=body)

    return await asyncio.gather(*(submit(body) for body in bodies))


async def test_500_rest_transactions_from_50_users_are_each_decided_once_and_stored(stack: ServiceSupervisor, postgres):
    edge = stack.ports.edge_url
    async with WebSocketCollector(edge.replace("http://", "ws://") + "/api/ws", admin_headers(stack)) as websocket:
        async with httpx.AsyncClient(base_url=edge, timeout=30, headers=admin_headers(stack)) as client:
            responses = await submit_all(client, [rest_transaction(i) for i in range(500)])
            assert [r.status_code for r in responses] == [201] * 500
            assert {r.json()["status"] for r in responses} == {"pending"}
            ids = {r.json()["id"] for r in responses}
            assert len(ids) == 500

            await websocket.wait_for(ids, timeout=120)
            await asyncio.sleep(1)  # a duplicate would arrive right behind the original
            assert {i: len(m) for i, m in websocket.by_id.items() if i in ids and len(m) != 1} == {}
            pushed = [websocket.by_id[i][0]["data"] for i in ids]
            assert all(d["decision"] in DECISIONS and 0 <= d["score"] <= 1 and d["model_version"] for d in pushed)
            sequences = [websocket.by_id[i][0]["sequence"] for i in ids]
            assert len(set(sequences)) == 500

            rows = await stored_rows(postgres.url, ids)
            assert rows.keys() == ids
            for transaction_id in list(ids)[:50]:
                fetched = await client.get(f"/api/transactions/{transaction_id}")
                assert fetched.status_code == 200
                assert fetched.json()["score"] == pytest.approx(rows[transaction_id])


async def test_500_grpc_transactions_are_each_published_once_and_stored(stack: ServiceSupervisor, postgres):
    inputs = [
        transaction_pb2.TransactionInput(
            user_id=f"grpc-user-{i % 50}",
            amount=transaction_pb2.Money(minor_units=500 + i, currency="EUR"),
            location=transaction_pb2.Location(city="Berlin", country="DE", lat=52.52, lon=13.40),
            channel=transaction_pb2.CHANNEL_CARD_PRESENT,
        )
        for i in range(500)
    ]
    async with notify_subscription(stack) as seen:
        async with admin_channel(stack, "ingest") as channel:
            stub = ingest_grpc.IngestServiceStub(channel)
            singles = await asyncio.gather(
                *(stub.SubmitTransaction(ingest_pb.SubmitTransactionRequest(transaction=t)) for t in inputs[:250])
            )
            batch = await stub.SubmitTransactions(ingest_pb.SubmitTransactionsRequest(transactions=inputs[250:]))
        ids = {r.transaction_id for r in singles} | {r.transaction_id for r in batch.results}
        assert len(ids) == 500
        await wait_until_seen(seen, ids, timeout=120)
        await asyncio.sleep(1)
        assert [i for i in ids if len(seen[i]) != 1] == []
    assert (await stored_rows(postgres.url, ids)).keys() == ids


async def test_once_idle_the_scoring_group_has_committed_every_offset_it_decided(stack: ServiceSupervisor, kafka):
    # Scoring commits at most once per commit interval while busy; when the stream stops, what it
    # delivered last must still be committed, or a restart would re-read it (and an operator would
    # see lag on an idle platform).
    inputs = grpc_inputs(300, "commit-user-", users=20, city="Paris", country="FR", currency="EUR")
    ids: set[str] = set()
    async with notify_subscription(stack) as seen:
        async with admin_channel(stack, "ingest") as channel:
            stub = ingest_grpc.IngestServiceStub(channel)
            for start in range(0, len(inputs), 30):  # a stream of batches, not one poll's worth
                batch = ingest_pb.SubmitTransactionsRequest(transactions=inputs[start : start + 30])
                ids |= {r.transaction_id for r in (await stub.SubmitTransactions(batch)).results}
        await wait_until_seen(seen, ids, timeout=60)
    assert len(ids) == len(inputs)
    async with GroupProbe(kafka.bootstrap_servers, "scoring", "transactions", kafka.admin_security) as group:
        assert await group.topic_end() > 0
        assert await group.wait_for_lag_zero(timeout=10) == 0


async def test_a_repeated_idempotency_key_yields_one_transaction(stack: ServiceSupervisor, postgres):
    body = rest_transaction(1) | {"user_id": "idem-user"}
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:
        first = await client.post("/api/transaction", json=body, headers={"Idempotency-Key": "checkout-7781"})
        again = await client.post("/api/transaction", json=body, headers={"Idempotency-Key": "checkout-7781"})
        assert first.status_code == again.status_code == 201
        assert first.json()["id"] == again.json()["id"]
        assert again.json()["duplicate"] is True
        async with asyncio.timeout(60):
            while (await client.get(f"/api/transactions/{first.json()['id']}")).status_code != 200:
                await asyncio.sleep(0.2)
        listed = await client.get("/api/transactions", params={"user_id": "idem-user"})
        assert [t["id"] for t in listed.json()["transactions"]] == [first.json()["id"]]


BAD_BODIES = [
    ("negative amount", {**rest_transaction(0), "amount": "-5"}, "amount"),
    ("zero amount", {**rest_transaction(0), "amount": 0}, "amount"),
    ("non-numeric amount", {**rest_transaction(0), "amount": "ten"}, "amount"),
    ("missing user", {k: v for k, v in rest_transaction(0).items() if k != "user_id"}, "user_id"),
    ("bad currency", {**rest_transaction(0), "currency": "XYZ"}, "currency"),
    ("latitude 200", {**rest_transaction(0), "location": {"city": "Nowhere", "lat": 200, "lon": 0}}, "location.lat"),
]


async def test_bad_inputs_get_a_4xx_naming_the_problem_and_nothing_reaches_kafka(stack: ServiceSupervisor, kafka):
    before = await topic_size(kafka, "transactions")
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:
        for name, body, field in BAD_BODIES:
            response = await client.post("/api/transaction", json=body)
            assert response.status_code == 422, name
            assert field in {v["field"] for v in response.json()["violations"]}, (name, response.json())
        huge = await client.post(
            "/api/transaction",
            content=b'{"user_id": "' + b"x" * (1024 * 1024) + b'"}',
            headers={"Content-Type": "application/json"},
        )
        assert huge.status_code == 413
        malformed = await client.post(
            "/api/transaction", content=b'{"user_id": "u1", "amount": ', headers={"Content-Type": "application/json"}
        )
        assert malformed.status_code == 422
        assert "json" in malformed.text.lower()
    assert await topic_size(kafka, "transactions") == before


async def test_scoring_killed_and_restarted_mid_stream_stores_every_transaction_exactly_once(
    stack: ServiceSupervisor, postgres
):
    inputs = grpc_inputs(400, "crash-user-", users=40, city="London", country="GB", currency="USD")
    batches = [inputs[start : start + 50] for start in range(0, len(inputs), 50)]
    ids: set[str] = set()
    async with notify_subscription(stack) as seen:
        async with admin_channel(stack, "ingest") as channel:
            stub = ingest_grpc.IngestServiceStub(channel)
            for number, batch in enumerate(batches):
                if number == 3:
                    scoring = stack.running["scoring"].process
                    os.kill(scoring.pid, signal.SIGKILL)  # no drain, no commit: the hard way
                    scoring.wait()
                response = await stub.SubmitTransactions(ingest_pb.SubmitTransactionsRequest(transactions=batch))
                ids |= {r.transaction_id for r in response.results}
                if number == 5:
                    stack.start("scoring")
                    stack.wait_ready("scoring")
        await wait_until_seen(seen, ids, timeout=180)
        await asyncio.sleep(1)
        assert [i for i in ids if len(seen[i]) != 1] == []
    assert len(ids) == 400
    assert (await stored_rows(postgres.url, ids)).keys() == ids


async def test_the_supervisor_restarts_a_service_that_died_and_the_path_works_again(stack: ServiceSupervisor):
    scoring = stack.running["scoring"].process
    os.kill(scoring.pid, signal.SIGKILL)
    scoring.wait()
    restarted = await asyncio.to_thread(stack.restart_dead)
    assert list(restarted) == ["scoring"]
    assert restarted["scoring"].startswith(f"exited with -{signal.SIGKILL.value} (log "), restarted
    assert await asyncio.to_thread(stack.restart_dead) == {}, "a healthy platform is left alone"
    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:
        decided = await client.post("/api/transaction", params={"wait_ms": 10000}, json=rest_transaction(3))
    assert decided.status_code == 200 and decided.json()["decision"] in DECISIONS
