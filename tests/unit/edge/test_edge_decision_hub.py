"""The edge's decision hub: ring, resume, fan-out with bounded queues, gaps, restarts, waiters."""

import asyncio
import json

import pytest
from fraud.v1 import decision_pb2

from edge.decision_hub import (
    CLOSE_SERVICE_RESTART,
    CLOSE_TRY_AGAIN_LATER,
    ClientFilter,
    DecisionHub,
    DecisionRing,
    StreamEnded,
)


def scored(index: int, decision: int = decision_pb2.DECISION_APPROVE, score: float = 0.1, user: str = "u1"):
    message = decision_pb2.ScoredTransaction(score=score, decision=decision)
    message.transaction.id = f"tx-{index}"
    message.transaction.input.user_id = user
    message.transaction.input.amount.minor_units = 100
    message.transaction.input.amount.currency = "USD"
    message.is_fraud = decision == decision_pb2.DECISION_DECLINE
    return message


def publish_range(hub: DecisionHub, first: int, last: int, **kwargs) -> None:
    for sequence in range(first, last + 1):
        hub.publish(sequence, scored(sequence, **kwargs))


def drain(subscription) -> list[dict]:
    frames = []
    while subscription.pending:
        _, frame = subscription._items.popleft()
        frames.append(json.loads(frame))
    return frames


def sequences(frames: list[dict]) -> list[int]:
    return [f["sequence"] for f in frames if f["type"] == "decision"]


def test_ring_covers_exactly_what_it_holds_and_evicts_oldest():
    hub = DecisionHub(ring_size=5, client_queue_size=100)
    assert not hub.ring.covers(0)
    publish_range(hub, 11, 20)
    assert len(hub.ring) == 5
    assert [e.sequence for e in hub.ring.after(0)] == [16, 17, 18, 19, 20]
    assert hub.ring.covers(15) and hub.ring.covers(20)
    assert not hub.ring.covers(14)  # 15 was evicted
    assert not hub.ring.covers(21)  # ahead of anything seen: only notify_svc can say
    assert hub.find("tx-12") is None and hub.find("tx-18").sequence == 18


def test_ring_rejects_zero_capacity():
    with pytest.raises(ValueError):
        DecisionRing(0)


def test_subscriber_from_now_gets_only_new_decisions_once_each():
    hub = DecisionHub(ring_size=100, client_queue_size=100)
    publish_range(hub, 1, 3)
    subscription = hub.subscribe(ClientFilter(), since=None)
    publish_range(hub, 4, 6)
    frames = drain(subscription)
    assert sequences(frames) == [4, 5, 6]
    assert frames[0]["data"]["id"] == "tx-4"


def test_resume_within_ring_replays_then_continues_live_without_repeat():
    hub = DecisionHub(ring_size=100, client_queue_size=100)
    publish_range(hub, 1, 10)
    subscription = hub.subscribe(ClientFilter(), since=7)
    publish_range(hub, 11, 12)
    assert sequences(drain(subscription)) == [8, 9, 10, 11, 12]


def test_resume_older_than_ring_is_left_to_notify():
    hub = DecisionHub(ring_size=3, client_queue_size=100)
    publish_range(hub, 1, 10)
    assert hub.subscribe(ClientFilter(), since=2) is None
    assert hub.subscribe(ClientFilter(), since=7) is not None


def test_filters_select_by_decision_user_score_and_fraud():
    hub = DecisionHub(ring_size=100, client_queue_size=100)
    declines = hub.subscribe(ClientFilter(decisions=frozenset({"DECLINE"})), since=None)
    user = hub.subscribe(ClientFilter(user_id="u2"), since=None)
    risky = hub.subscribe(ClientFilter(min_score=0.5), since=None)
    fraud = hub.subscribe(ClientFilter(fraud_only=True), since=None)
    hub.publish(1, scored(1, decision_pb2.DECISION_APPROVE, 0.1, "u1"))
    hub.publish(2, scored(2, decision_pb2.DECISION_REVIEW, 0.6, "u2"))
    hub.publish(3, scored(3, decision_pb2.DECISION_DECLINE, 0.9, "u1"))
    assert sequences(drain(declines)) == [3]
    assert sequences(drain(user)) == [2]
    assert sequences(drain(risky)) == [2, 3]
    assert sequences(drain(fraud)) == [3]


async def test_a_too_slow_client_is_cut_off_with_1013_and_others_go_on():
    hub = DecisionHub(ring_size=100, client_queue_size=3)
    slow = hub.subscribe(ClientFilter(), since=None)
    fast = hub.subscribe(ClientFilter(), since=None)
    received = []
    for sequence in range(1, 8):
        hub.publish(sequence, scored(sequence))
        received.append(json.loads((await fast.next())[1])["sequence"])
    assert received == list(range(1, 8))
    with pytest.raises(StreamEnded) as ended:
        await slow.next()
    assert ended.value.code == CLOSE_TRY_AGAIN_LATER
    assert hub.client_count == 1 and hub.dropped_clients == 1


async def test_a_gap_in_the_numbering_is_announced_and_the_ring_restarts():
    hub = DecisionHub(ring_size=100, client_queue_size=100)
    publish_range(hub, 1, 5)
    subscription = hub.subscribe(ClientFilter(), since=None)
    hub.publish(9, scored(9))
    frames = drain(subscription)
    assert frames[0] == {"type": "gap", "from": 6, "to": 9}
    assert sequences(frames) == [9]
    assert not hub.ring.covers(5) and hub.ring.covers(8)


async def test_numbering_restarted_by_notify_closes_clients_with_1012():
    hub = DecisionHub(ring_size=100, client_queue_size=100)
    publish_range(hub, 1, 5)
    subscription = hub.subscribe(ClientFilter(), since=None)
    hub.publish(1, scored(101))
    with pytest.raises(StreamEnded) as ended:
        await subscription.next()
    assert ended.value.code == CLOSE_SERVICE_RESTART
    assert hub.last_sequence == 1 and hub.find("tx-101") is not None and hub.find("tx-3") is None


async def test_wait_for_returns_a_decision_already_here_or_arriving_in_time():
    hub = DecisionHub(ring_size=100, client_queue_size=100)
    hub.publish(1, scored(1))
    assert (await hub.wait_for("tx-1", 0)).sequence == 1

    async def later() -> None:
        await asyncio.sleep(0.05)
        hub.publish(2, scored(2))

    publisher = asyncio.create_task(later())
    event = await hub.wait_for("tx-2", 2.0)
    await publisher
    assert event is not None and event.data["id"] == "tx-2"


async def test_wait_for_times_out_with_none_and_leaves_no_waiter():
    hub = DecisionHub(ring_size=100, client_queue_size=100)
    assert await hub.wait_for("tx-never", 0.05) is None
    assert hub._waiters == {}


async def test_close_ends_every_subscription_going_away():
    hub = DecisionHub(ring_size=10, client_queue_size=10)
    subscription = hub.subscribe(ClientFilter(), since=None)
    hub.close()
    with pytest.raises(StreamEnded) as ended:
        await subscription.next()
    assert ended.value.code == 1001
