"""`python -m store_svc` as an operator runs it: migrates, serves with health checking, keeps the dead
letters of its topic, drains on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid

import grpc
import httpx
from aiokafka.admin import AIOKafkaAdminClient
from fraud.v1 import store_service_pb2, store_service_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from store_testing import a_dead_letter, create_database, make_scored

from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.postgres import PostgresCluster
from fraudctl.runtime.waiting import free_port
from fraudmesh.kafka_producer import AcknowledgedProducer


async def wait_until_serving(
    channel: grpc.aio.Channel, process: asyncio.subprocess.Process, timeout: float = 30
) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        assert process.returncode is None, f"store_svc exited early:\n{(await process.stderr.read()).decode()}"
        try:
            response = await health.Check(health_pb2.HealthCheckRequest(service="fraud.v1.StoreService"), timeout=1)
            if response.status == health_pb2.HealthCheckResponse.SERVING:
                return
        except grpc.aio.AioRpcError:
            pass
        assert asyncio.get_running_loop().time() < deadline, "store_svc did not report SERVING in time"
        await asyncio.sleep(0.2)


async def test_the_service_migrates_serves_and_stops_on_sigterm(postgres: PostgresCluster):
    url = await create_database(postgres.url)
    address = f"127.0.0.1:{free_port()}"
    metrics_port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "STORE_LISTEN": address,
        "METRICS_PORT": str(metrics_port),
        "SHUTDOWN_GRACE_SECONDS": "2",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "store_svc", env=environment, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with grpc.aio.insecure_channel(address) as channel:
            await wait_until_serving(channel, process)
            store = store_service_pb2_grpc.StoreServiceStub(channel)
            response = await store.PutDecisions(
                store_service_pb2.PutDecisionsRequest(decisions=[make_scored("via-process")])
            )
            assert response.inserted == 1
        async with httpx.AsyncClient() as http:
            exposition = await http.get(f"http://127.0.0.1:{metrics_port}/metrics")
        assert 'fraudmesh_service_info{service="store"} 1.0' in exposition.text

        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=15) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def test_an_unreachable_database_stops_start_up_with_a_clear_message():
    closed_port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgresql+asyncpg://fraud:not-to-be-logged@127.0.0.1:{closed_port}/fraud",
        "STORE_LISTEN": f"127.0.0.1:{free_port()}",
        "METRICS_PORT": str(free_port()),
    }

    finished = subprocess.run(
        [sys.executable, "-m", "store_svc"], env=environment, capture_output=True, text=True, timeout=60
    )

    assert finished.returncode == 1
    assert "PostgreSQL is unavailable" in finished.stderr
    assert f"127.0.0.1:{closed_port}" in finished.stderr
    assert "not-to-be-logged" not in finished.stderr


async def wait_for_topic(kafka: KafkaBroker, topic: str) -> None:
    """Until the topic exists (the broker creates none by itself)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers, **kafka.admin_security.aiokafka())
    await admin.start()
    try:
        async with asyncio.timeout(30):
            while topic not in await admin.list_topics():
                await asyncio.sleep(0.2)
    finally:
        await admin.close()


async def test_the_service_keeps_the_letters_its_dead_letter_topic_receives(postgres: PostgresCluster, kafka):
    url = await create_database(postgres.url)
    address = f"127.0.0.1:{free_port()}"
    topic = f"dead-letters-{uuid.uuid4().hex[:8]}"
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "STORE_LISTEN": address,
        "METRICS_PORT": str(free_port()),
        **kafka.client_environment("admin"),
        "DEAD_LETTERS_TOPIC": topic,  # the service creates it as it starts
        # A group of its own: another store on the session's broker, in the default group, would make
        # this one's first assignment wait for that member to rejoin (up to its poll interval).
        "STORE_DEAD_LETTERS_GROUP": f"{topic}-store",
        "SHUTDOWN_GRACE_SECONDS": "2",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "store_svc", env=environment, stderr=asyncio.subprocess.PIPE
    )
    producer = AcknowledgedProducer(kafka.bootstrap_servers, security=kafka.admin_security)
    try:
        async with grpc.aio.insecure_channel(address) as channel:
            await wait_until_serving(channel, process)
            await wait_for_topic(kafka, topic)
            await producer.start()
            await producer.wait_connected(30)
            await producer.send(topic, [(b"scoring", a_dead_letter("dl-from-topic").SerializeToString())])
            store = store_service_pb2_grpc.StoreServiceStub(channel)

            async with asyncio.timeout(60):  # the group's first assignment: seconds, more on a busy machine
                while not (await store.ListDeadLetters(store_service_pb2.ListDeadLettersRequest())).total:
                    await asyncio.sleep(0.2)

            kept = await store.GetDeadLetter(store_service_pb2.GetDeadLetterRequest(id="dl-from-topic"))
            assert kept.dead_letter == a_dead_letter("dl-from-topic")
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=15) == 0
    finally:
        await producer.stop()
        if process.returncode is None:
            process.kill()
            await process.wait()
