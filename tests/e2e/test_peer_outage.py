"""store_svc stopped for a while: scoring does not crash, skip nor loop; it holds what it read, pauses,
says NOT_SERVING and shows itself stalled, and once store is back goes on by itself, deciding every
transaction once (stored once, published once, counted once in its customer's features)."""

from __future__ import annotations

import asyncio
import urllib.request
import uuid

import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from fraudctl.runtime.services import ServiceSupervisor
from fraudmesh.grpc_server import client_channel
from fraudmesh.grpc_tls import GrpcTls
from tests.e2e.clients import admin_headers, notify_subscription, wait_until_seen

CUSTOMERS = 5
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
PAYMENTS_EACH = 4


def scoring_samples(metrics_port: int, name: str) -> list[float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
    return [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


def scoring_gauge(metrics_port: int, name: str) -> float:
    [value] = scoring_samples(metrics_port, name)
    return value


def lag(metrics_port: int) -> float:
    """The group's lag over the partitions this instance has, as it measures it from the broker."""
    return sum(scoring_samples(metrics_port, "fraudmesh_kafka_consumer_lag"))


def stalled(metrics_port: int) -> bool:
    return scoring_gauge(metrics_port, "fraudmesh_scoring_stalled") == 1


async def health(address: str, tls: GrpcTls | None) -> int:
    """What the instance's gRPC health says (with time to answer on a busy machine)."""
    async with client_channel(address, tls=tls) as channel:
        response = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=15)
    return response.status


async def health_becomes(address: str, status: int, tls: GrpcTls | None, timeout: float = 30) -> None:
    async with asyncio.timeout(timeout):
        while await health(address, tls) != status:
            await asyncio.sleep(0.1)


async def until(condition, timeout: float, what: str) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not await asyncio.to_thread(condition):
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise AssertionError(f"not {what} within {timeout} s") from None


async def test_with_store_stopped_scoring_pauses_and_resumes_by_itself_deciding_each_transaction_once(
    stack: ServiceSupervisor,
):
    scoring = stack.running["scoring"]
    scoring_address = stack.ports.grpc_address("scoring")
    run = uuid.uuid4().hex[:8]
    customers = [f"outage-{run}-{i}" for i in range(CUSTOMERS)]
    assert scoring_gauge(scoring.metrics_port, "fraudmesh_scoring_stalled") == 0

    async with (
        httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client,
        notify_subscription(stack) as published,
    ):

        async def submit(user: str, i: int) -> str:
            body = {"user_id": user, "amount": f"{10 + i}.00", "location": "Paris", "merchant_id": f"m-{i}"}
            response = await client.post("/api/transaction", json=body)
            assert response.status_code == 201, response.text
            return response.json()["id"]

        stack.stop("store")
        try:
            ids = [await submit(user, i) for i in range(PAYMENTS_EACH) for user in customers]
            await until(lambda: stalled(scoring.metrics_port), 60, "stalled while store is away")
            await health_becomes(
                scoring_address, NOT_SERVING, stack.client_tls
            )  # reported as it stalled, in the background
            assert scoring_gauge(scoring.metrics_port, "fraudmesh_serving") == 0
            # Nothing is delivered, and the lag, measured on a timer all the same, shows what waits.
            await until(lambda: lag(scoring.metrics_port) >= len(ids), 60, "the lag showing what waits")
            last_commit = scoring_gauge(scoring.metrics_port, "fraudmesh_kafka_last_commit_timestamp_seconds")
            assert scoring.process.poll() is None, "scoring exited instead of waiting for store"
            assert not published.keys() & set(ids)  # nothing goes out that store does not keep
        finally:
            stack.start("store")
            stack.wait_ready("store")

        await until(lambda: not stalled(scoring.metrics_port), 60, "going on once store is back")
        await health_becomes(scoring_address, SERVING, stack.client_tls)
        await wait_until_seen(published, set(ids), timeout=60)
        assert scoring_gauge(scoring.metrics_port, "fraudmesh_serving") == 1
        assert scoring.process.poll() is None
        await until(lambda: lag(scoring.metrics_port) == 0, 60, "the lag back to 0")
        assert scoring_gauge(scoring.metrics_port, "fraudmesh_kafka_last_commit_timestamp_seconds") > last_commit

        stored = [(await client.get(f"/api/transactions/{i}")) for i in ids]
        assert all(response.status_code == 200 for response in stored)
        # Each customer's next payment counts each of the four before it once, however often scoring
        # tried them while store was away (and itself: count_1h includes the payment scored).
        for user in customers:
            body = {"user_id": user, "amount": "15.00", "location": "Paris", "merchant_id": "m-last"}
            response = await client.post("/api/transaction", params={"wait_ms": 10000}, json=body)
            assert response.status_code == 200, response.text
            assert response.json()["features"]["count_1h"] == PAYMENTS_EACH + 1
        assert all(len(published[i]) == 1 for i in ids), {i: len(published[i]) for i in ids}
