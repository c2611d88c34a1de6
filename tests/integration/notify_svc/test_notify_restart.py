"""notify_svc stopped and started again on the same journal (real Kafka): numbering, de-duplication
and resume go on from where they were."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from fraud.v1 import notify_service_pb2 as pb
from fraud.v1 import notify_service_pb2_grpc as pb_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from fraudctl.runtime.waiting import free_port
from fraudmesh.grpc_server import insecure_channel
from fraudmesh.telemetry import grpc_server_interceptor
from notify_svc.server import NotifyServer
from notify_svc.servicer import SERVICE
from tests.integration.notify_svc.test_notify_grpc import (
    journal_topic,
    read,
    read_nothing_more,
    running_notify,
    scored,
)


async def test_sequences_and_de_duplication_continue_across_a_restart(kafka):
    topic = journal_topic()
    async with running_notify(kafka, topic) as notify:
        assert await notify.publish([scored(n) for n in range(1, 6)]) == 5

    async with running_notify(kafka, topic) as notify:
        health = health_pb2_grpc.HealthStub(notify.channel)
        check = await health.Check(health_pb2.HealthCheckRequest(service=SERVICE.full_name))
        assert check.status == health_pb2.HealthCheckResponse.SERVING
        call = await notify.subscribe(subscriber="console")
        # Scoring crashed across notify's restart: it publishes its batch again, with a new decision.
        response = await notify.stub.PublishDecisions(
            pb.PublishDecisionsRequest(decisions=[scored(n) for n in range(1, 7)])
        )
        assert response.last_sequence == 6 and not response.refused
        received = await read(call, 1)
        assert [(r.sequence, r.decision.transaction.id) for r in received] == [(6, "t6")]
        assert await read_nothing_more(call)  # t1..t5 are not delivered again
        call.cancel()


async def test_a_subscriber_resuming_after_a_restart_gets_what_follows_exactly_once(kafka):
    topic = journal_topic()
    async with running_notify(kafka, topic) as notify:
        call = await notify.subscribe(subscriber="edge")
        await notify.publish([scored(n) for n in range(1, 9)])
        last_seen = (await read(call, 4))[-1].sequence
        call.cancel()

    async with running_notify(kafka, topic) as notify:
        resumed = await notify.subscribe(subscriber="edge", after_sequence=last_seen)
        assert (await resumed.initial_metadata())["fraud-last-sequence"] == "8"
        await notify.publish([scored(n) for n in range(9, 12)])
        received = await read(resumed, 7)
        assert [(r.sequence, r.decision.transaction.id) for r in received] == [(n, f"t{n}") for n in range(5, 12)]
        assert not any(r.gap for r in received)
        assert await read_nothing_more(resumed)
        resumed.cancel()


async def test_after_a_restart_a_resume_from_before_the_window_read_back_is_served_from_the_journal(kafka):
    topic = journal_topic()
    async with running_notify(kafka, topic, retained=5) as notify:
        await notify.publish([scored(n) for n in range(1, 31)])

    async with running_notify(kafka, topic, retained=5) as notify:
        assert notify.hub.oldest_retained_sequence == 26  # the window read back
        resumed = await notify.subscribe(subscriber="edge", after_sequence=2)
        live = asyncio.create_task(notify.publish([scored(n) for n in range(31, 41)]))  # while it catches up
        received = await read(resumed, 38)
        assert await live == 40
        assert [r.sequence for r in received] == list(range(3, 41))
        assert [r.decision.transaction.id for r in received] == [f"t{n}" for n in range(3, 41)]
        assert not any(r.gap for r in received)
        assert await read_nothing_more(resumed)
        resumed.cancel()


async def test_until_its_journal_is_read_back_notify_is_not_serving_and_refuses_calls():
    # Nothing listens on this port: the journal cannot be read, as while Kafka is still starting.
    server = NotifyServer(
        bootstrap_servers=f"127.0.0.1:{free_port()}",
        journal_topic=journal_topic(),
        listen="127.0.0.1:0",
        retained=100,
        queue_size=10,
        grace_seconds=1,
        interceptors=[grpc_server_interceptor()],
    )
    await server.start(lambda error: None)
    try:
        async with insecure_channel(f"127.0.0.1:{server.port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            check = await health.Check(health_pb2.HealthCheckRequest(service=SERVICE.full_name), timeout=10)
            assert check.status == health_pb2.HealthCheckResponse.NOT_SERVING
            stub = pb_grpc.NotifyServiceStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as publish:
                await stub.PublishDecisions(pb.PublishDecisionsRequest(decisions=[scored(1)]), timeout=10)
            assert publish.value.code() == grpc.StatusCode.UNAVAILABLE
            assert "journal" in publish.value.details()
            with pytest.raises(grpc.aio.AioRpcError) as subscribe:
                await stub.SubscribeDecisions(pb.SubscribeDecisionsRequest(subscriber="early"), timeout=10).read()
            assert subscribe.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        await server.stop()
