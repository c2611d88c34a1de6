"""SubscribeDecisionBatches: the same decisions as SubscribeDecisions, several to a message."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest
from fraud.v1 import decision_pb2
from fraud.v1 import notify_service_pb2 as pb

from tests.integration.notify_svc.test_notify_grpc import (
    QUEUE_SIZE,
    RunningNotify,
    journal_topic,
    running_notify,
    scored,
)

DECLINE = decision_pb2.DECISION_DECLINE


@pytest.fixture
async def notify(kafka) -> AsyncIterator[RunningNotify]:
    async with running_notify(kafka, journal_topic()) as running:
        yield running


async def subscribe_batches(notify, max_batch_size: int = 0, **subscription) -> grpc.aio.UnaryStreamCall:
    call = notify.stub.SubscribeDecisionBatches(
        pb.SubscribeDecisionBatchesRequest(
            subscription=pb.SubscribeDecisionsRequest(**subscription), max_batch_size=max_batch_size
        )
    )
    await asyncio.wait_for(call.initial_metadata(), 5)
    return call


async def read_events(call: grpc.aio.UnaryStreamCall, count: int) -> tuple[list[pb.SubscribeDecisionsResponse], int]:
    """`count` events, and how many messages carried them."""
    events, messages = [], 0
    while len(events) < count:
        message = await asyncio.wait_for(call.read(), 5)
        messages += 1
        events.extend(message.events)
    return events, messages


async def test_a_published_batch_arrives_in_few_messages_in_order_and_filtered(notify):
    everything = await subscribe_batches(notify, subscriber="console")
    declines = await subscribe_batches(notify, subscriber="alerts", filter=pb.DecisionFilter(decisions=[DECLINE]))
    await notify.publish([scored(n, DECLINE if n % 4 == 0 else decision_pb2.DECISION_APPROVE) for n in range(1, 41)])

    events, messages = await read_events(everything, 40)
    assert [e.sequence for e in events] == list(range(1, 41))
    assert [e.decision.transaction.id for e in events] == [f"t{n}" for n in range(1, 41)]
    assert messages < 40, "decisions ready together leave together"
    filtered, _ = await read_events(declines, 10)
    assert [e.decision.transaction.id for e in filtered] == [f"t{n}" for n in range(4, 41, 4)]
    everything.cancel()
    declines.cancel()


async def test_no_message_carries_more_than_the_subscriber_asked_for(notify):
    call = await subscribe_batches(notify, max_batch_size=7, subscriber="small")
    await notify.publish([scored(n) for n in range(1, 31)])
    sizes = []
    while sum(sizes) < 30:
        sizes.append(len((await asyncio.wait_for(call.read(), 5)).events))
    assert max(sizes) <= 7 and sum(sizes) == 30
    call.cancel()


async def test_resuming_replays_the_missed_decisions_in_batches_flagging_a_gap_once(notify):
    await notify.publish([scored(n) for n in range(1, 21)])
    call = await subscribe_batches(notify, subscriber="edge", after_sequence=12)
    events, _ = await read_events(call, 8)
    assert [e.sequence for e in events] == list(range(13, 21))
    assert not any(e.gap for e in events)
    call.cancel()


async def test_a_slow_batch_subscriber_is_cut_off_naming_where_to_resume(notify):
    call = await subscribe_batches(notify, subscriber="slow")
    await notify.publish([scored(n) for n in range(1, QUEUE_SIZE + 11)])  # more than its queue holds
    received = []
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        while True:
            received.extend((await asyncio.wait_for(call.read(), 5)).events)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    # Everything it was given came before the error, and the error says where to resume from.
    assert [e.sequence for e in received] == list(range(1, len(received) + 1))
    assert f"resume from sequence {len(received)}" in caught.value.details()


async def test_a_batch_size_over_the_limit_is_invalid_argument(notify):
    call = notify.stub.SubscribeDecisionBatches(pb.SubscribeDecisionBatchesRequest(max_batch_size=5000))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call.read()
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "max_batch_size" in caught.value.details()
