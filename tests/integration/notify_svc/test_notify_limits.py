"""notify_svc at its limits, through its real gRPC server journaling to the real Kafka: the most
subscriber streams open at once (NOTIFY_MAX_SUBSCRIBERS; one more gets RESOURCE_EXHAUSTED, and a place
freed is taken again), and the largest PublishDecisions batch (accepted) and one more (INVALID_ARGUMENT
naming the field and the rule). A slow subscriber's cut (RESOURCE_EXHAUSTED naming where to resume)
is test_notify_grpc.py's test_a_slow_subscriber_gets_resource_exhausted_naming_where_to_resume...."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import grpc
import pytest
from fraud.v1 import notify_service_pb2 as pb
from fraud.v1 import notify_service_pb2_grpc as pb_grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudmesh.grpc_server import insecure_channel
from fraudmesh.telemetry import grpc_server_interceptor
from notify_svc.server import NotifyServer
from notify_svc.settings import MAX_PUBLISH_BATCH, NotifySettings
from tests.integration.notify_svc.test_notify_grpc import journal_topic, scored


@contextlib.asynccontextmanager
async def notify_with(kafka: KafkaBroker, max_subscribers: int) -> AsyncIterator[pb_grpc.NotifyServiceStub]:
    server = NotifyServer(
        bootstrap_servers=kafka.bootstrap_servers,
        kafka_security=kafka.admin_security,
        journal_topic=journal_topic(),
        listen="127.0.0.1:0",
        retained=10_000,
        queue_size=MAX_PUBLISH_BATCH,
        grace_seconds=5,
        interceptors=[grpc_server_interceptor()],
        max_subscribers=max_subscribers,
    )
    failures: list[BaseException] = []
    await server.start(failures.append)
    channel = insecure_channel(f"127.0.0.1:{server.port}")
    try:
        await server.wait_ready(60)
        yield pb_grpc.NotifyServiceStub(channel)
    finally:
        await channel.close()
        await server.stop()
    assert not failures


async def subscribed(stub: pb_grpc.NotifyServiceStub, name: str) -> grpc.aio.UnaryStreamCall:
    call = stub.SubscribeDecisions(pb.SubscribeDecisionsRequest(subscriber=name))
    await asyncio.wait_for(call.initial_metadata(), 5)  # sent once the subscription is registered
    return call


async def test_subscribers_beyond_the_cap_get_resource_exhausted_and_a_freed_place_is_taken_again(kafka):
    async with notify_with(kafka, max_subscribers=2) as stub:
        first = await subscribed(stub, "first")
        second = await subscribed(stub, "second")
        third = stub.SubscribeDecisions(pb.SubscribeDecisionsRequest(subscriber="third"))
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await asyncio.wait_for(third.read(), 5)
        assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "NOTIFY_MAX_SUBSCRIBERS=2" in (refused.value.details() or "")

        # Those let in still get what is published.
        await stub.PublishDecisions(pb.PublishDecisionsRequest(decisions=[scored(1)]))
        for call in (first, second):
            assert (await asyncio.wait_for(call.read(), 5)).decision.transaction.id == "t1"

        second.cancel()
        async with asyncio.timeout(10):  # the server lets go of the cancelled stream's place
            while True:
                fourth = stub.SubscribeDecisions(pb.SubscribeDecisionsRequest(subscriber="fourth"))
                try:
                    await asyncio.wait_for(fourth.initial_metadata(), 5)
                    await stub.PublishDecisions(pb.PublishDecisionsRequest(decisions=[scored(2)]))
                    assert (await asyncio.wait_for(fourth.read(), 5)).decision.transaction.id == "t2"
                    break
                except grpc.aio.AioRpcError as error:
                    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
                    await asyncio.sleep(0.05)
        first.cancel()
        fourth.cancel()


async def test_the_largest_publish_batch_is_taken_and_one_more_is_refused_naming_field_and_rule(kafka):
    async with notify_with(kafka, max_subscribers=10) as stub:
        full = [scored(n) for n in range(1, MAX_PUBLISH_BATCH + 1)]
        response = await stub.PublishDecisions(pb.PublishDecisionsRequest(decisions=full))
        assert response.last_sequence == MAX_PUBLISH_BATCH
        assert not response.refused

        over = [scored(n) for n in range(MAX_PUBLISH_BATCH + 1, 2 * MAX_PUBLISH_BATCH + 2)]
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.PublishDecisions(pb.PublishDecisionsRequest(decisions=over))
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        status = rpc_status.from_call(refused.value)
        assert status is not None
        bad_request = error_details_pb2.BadRequest()
        assert status.details[0].Unpack(bad_request)
        assert [(v.field, v.reason) for v in bad_request.field_violations] == [("decisions", "repeated.max_items")]


def test_the_cap_is_a_setting_with_a_default(monkeypatch):
    assert NotifySettings().notify_max_subscribers == 1000
    monkeypatch.setenv("NOTIFY_MAX_SUBSCRIBERS", "0")
    with pytest.raises(ValueError, match="notify_max_subscribers"):
        NotifySettings()
