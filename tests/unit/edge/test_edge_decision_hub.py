"""The edge's decision hub: ring, resume, fan-out with bounded queues, gaps, restarts, waiters, and
each decision rendered once for every client."""

import asyncio
import json

import pytest
from fraud.v1 import decision_pb2

import edge.decision_hub
from edge.decision_hub import (
    CLOSE_GOING_AWAY,
    CLOSE_SERVICE_RESTART,
    CLOSE_TRY_AGAIN_LATER,
    DecisionEvent,
    DecisionHub,
    StreamEnded,
    gap_frame,
)
from fraudmesh.decision_stream import Gap, Missing, SubscriberTooSlow, SubscriptionFilter

EVERYTHING = SubscriptionFilter()


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
    """The frames ready for the client, as the WebSocket route would send them."""
    frames = []
    while (entry := subscription.next_ready()) is not None:
        text = gap_frame(entry.first_missing, entry.next_sequence) if isinstance(entry, Gap) else entry.frame
        frames.append(json.loads(text))
    return frames


def sequences(frames: list[dict]) -> list[int]:
    return [f["sequence"] for f in frames if f["type"] == "decision"]


def test_ring_keeps_the_newest_decisions_and_finds_them_by_transaction():
    hub = DecisionHub(ring_size=5, client_queue_size=100)
    assert hub.last_sequence == 0
    publish_range(hub, 11, 20)
    assert hub.stream.retained == 5 and hub.stream.first_retained_sequence == 16
    assert hub.last_sequence == 20
    assert hub.find("tx-12") is None and hub.find("tx-18").sequence == 18


def test_ring_rejects_zero_capacity():
    with pytest.raises(ValueError):
        DecisionHub(ring_size=0, client_queue_size=1)


def test_subscriber_from_now_gets_only_new_decisions_once_each():
    hub = DecisionHub(ring_size=100, client_queue_size=100)
    publish_range(hub, 1, 3)
    subscription = hub.subscribe(EVERYTHING, since=None)
    publish_range(hub, 4, 6)
    frames = drain(subscription)
    assert sequences(frames) == [4, 5, 6]
    assert frames[0]["data"]["id"] == "tx-4"


def test_resume_within_ring_replays_then_continues_live_without_repeat():
    hub = DecisionHub(ring_size=100, client_queue_size=100)
    publish_range(hub, 1, 10)
    subscription = hub.subscribe(EVERYTHING, since=7)
    publish_range(hub, 11, 12)
    frames = drain(subscription)
    assert sequences(frames) == [8, 9, 10, 11, 12]
    assert all(f["type"] == "decision" for f in frames)


def test_resume_older_than_ring_gets_a_gap_then_the_ring_then_live():
    hub = DecisionHub(ring_size=3, client_queue_size=100)
    publish_range(hub, 1, 10)
    subscription = hub.subscribe(EVERYTHING, since=2)
    publish_range(hub, 11, 12)
    frames = drain(subscription)
    assert frames[0] == {"type": "gap", "from": 3, "to": 8}
    assert sequences(frames) == [8, 9, 10, 11, 12]
    assert [f["data"]["id"] for f in frames[1:]] == [f"tx-{n}" for n in range(8, 13)]


def test_resume_from_before_notify_restarted_gets_a_gap_from_1_and_the_new_numbers():
    hub = DecisionHub(ring_size=100, client_queue_size=100)
    publish_range(hub, 1, 3)
    frames_of_old_client = drain(hub.subscribe(EVERYTHING, since=500))
    assert frames_of_old_client[0] == {"type": "gap", "from": 1, "to": 1}
    assert sequences(frames_of_old_client) == [1, 2, 3]


async def test_a_client_resuming_ahead_of_a_fresh_edge_waits_for_the_ring_instead_of_getting_everything_again():
    # The edge restarted: browsers come back with since=8 before the ring is refilled from notify.
    hub = DecisionHub(ring_size=100, client_queue_size=100)
    publish_range(hub, 1, 3)

    async def refill():
        await asyncio.sleep(0.2)
        publish_range(hub, 4, 10)

    refilling = asyncio.create_task(refill())
    subscription = await hub.subscribe_resuming(EVERYTHING, since=8, wait_seconds=5)
    await refilling
    assert sequences(drain(subscription)) == [9, 10]


async def test_a_resume_point_the_ring_never_reaches_is_served_after_the_wait_as_a_restart():
    hub = DecisionHub(ring_size=100, client_queue_size=100)
    publish_range(hub, 1, 3)
    frames = drain(await hub.subscribe_resuming(EVERYTHING, since=500, wait_seconds=0.1))
    assert frames[0] == {"type": "gap", "from": 1, "to": 1}
    assert sequences(frames) == [1, 2, 3]


def test_filters_select_by_decision_user_score_and_fraud():
    hub = DecisionHub(ring_size=100, client_queue_size=100)
    declines = hub.subscribe(SubscriptionFilter(decisions=frozenset({decision_pb2.DECISION_DECLINE})), since=None)
    user = hub.subscribe(SubscriptionFilter(user_id="u2"), since=None)
    risky = hub.subscribe(SubscriptionFilter(min_score=0.5), since=None)
    fraud = hub.subscribe(SubscriptionFilter(fraud_only=True), since=None)
    hub.publish(1, scored(1, decision_pb2.DECISION_APPROVE, 0.1, "u1"))
    hub.publish(2, scored(2, decision_pb2.DECISION_REVIEW, 0.6, "u2"))
    hub.publish(3, scored(3, decision_pb2.DECISION_DECLINE, 0.9, "u1"))
    assert sequences(drain(declines)) == [3]
    assert sequences(drain(user)) == [2]
    assert sequences(drain(risky)) == [2, 3]
    assert sequences(drain(fraud)) == [3]


def test_a_decision_is_rendered_once_for_every_client_and_only_when_wanted(monkeypatch):
    rendered = []
    real = edge.decision_hub.decision_object
    monkeypatch.setattr(edge.decision_hub, "decision_object", lambda s: rendered.append(s.transaction.id) or real(s))
    hub = DecisionHub(ring_size=100, client_queue_size=100)
    hub.publish(1, scored(1))  # nobody wants it
    clients = [hub.subscribe(EVERYTHING, since=None) for _ in range(3)]
    hub.publish(2, scored(2))
    texts = [client.next_ready().frame for client in clients]
    assert texts[0] is texts[1] is texts[2]
    assert json.loads(texts[0])["sequence"] == 2
    assert rendered == ["tx-2"]


async def test_a_too_slow_client_is_cut_off_naming_its_resume_point_and_others_go_on():
    hub = DecisionHub(ring_size=100, client_queue_size=3)
    slow = hub.subscribe(EVERYTHING, since=None)
    fast = hub.subscribe(EVERYTHING, since=None)
    received = []
    for sequence in range(1, 8):
        hub.publish(sequence, scored(sequence))
        received.append(json.loads((await anext(fast)).frame)["sequence"])
    assert received == list(range(1, 8))
    with pytest.raises(SubscriberTooSlow) as cut_off:
        await anext(slow)
    assert cut_off.value.resume_after == 0  # it had been given nothing
    assert slow.pending == 3
    assert hub.client_count == 1 and hub.dropped_clients == 1


async def test_a_gap_in_the_numbering_is_announced_and_the_ring_restarts():
    hub = DecisionHub(ring_size=100, client_queue_size=100)
    publish_range(hub, 1, 5)
    subscription = hub.subscribe(EVERYTHING, since=None)
    hub.publish(9, scored(9))
    frames = drain(subscription)
    assert frames[0] == {"type": "gap", "from": 6, "to": 9}
    assert sequences(frames) == [9]
    assert hub.stream.first_retained_sequence == 9 and hub.find("tx-5") is None
    assert drain(hub.subscribe(EVERYTHING, since=4))[0] == {"type": "gap", "from": 5, "to": 9}


async def test_a_jump_notify_did_not_flag_is_numbers_without_decisions_not_a_gap():
    hub = DecisionHub(ring_size=100, client_queue_size=100)
    publish_range(hub, 1, 5)
    subscription = hub.subscribe(EVERYTHING, since=None)
    hub.publish(7, scored(7), numbers_skipped=True)  # notify's journal repeated a record at 6
    assert drain(subscription) == [json.loads(hub.find("tx-7").frame)]
    assert sequences(drain(hub.subscribe(EVERYTHING, since=3))) == [4, 5, 7]
    assert [f["type"] for f in drain(hub.subscribe(EVERYTHING, since=6))] == ["decision"]  # no gap


class OlderPages:
    """notify_svc's decisions from an old sequence, as NotifyHistory hands them over."""

    def __init__(self, pages: list[list]):
        self.pages = pages
        self.closed = False

    async def read(self) -> list:
        if self.pages:
            return self.pages.pop(0)
        raise StreamEnded(CLOSE_TRY_AGAIN_LATER, "decision history ended; reconnect to resume")

    def close(self) -> None:
        self.closed = True


def events(first: int, last: int) -> list[DecisionEvent]:
    return [DecisionEvent(n, scored(n)) for n in range(first, last + 1)]


async def take_frames(subscription, count: int) -> list[dict]:
    frames = []
    while len(frames) < count:
        entry = await asyncio.wait_for(anext(subscription), 2)
        text = gap_frame(entry.first_missing, entry.next_sequence) if isinstance(entry, Gap) else entry.frame
        frames.append(json.loads(text))
    return frames


async def test_a_resume_older_than_the_ring_is_served_from_notify_and_joins_the_ring_without_gap_or_repeat():
    hub = DecisionHub(ring_size=3, client_queue_size=100)
    publish_range(hub, 1, 10)
    opened: list[tuple[int, OlderPages]] = []

    def older(after: int) -> OlderPages:
        source = OlderPages([events(3, 5), events(6, 9)])  # the last page overlaps the ring (8..10)
        opened.append((after, source))
        return source

    hub.older_decisions = older
    subscription = hub.subscribe(EVERYTHING, since=2)
    frames = await take_frames(subscription, 8)
    publish_range(hub, 11, 12)
    frames += await take_frames(subscription, 2)
    assert sequences(frames) == list(range(3, 13))
    assert all(f["type"] == "decision" for f in frames)
    assert [after for after, _ in opened] == [2] and opened[0][1].closed
    assert hub.client_count == 1  # served by the ring now


async def test_what_notify_no_longer_has_either_is_a_gap_frame():
    hub = DecisionHub(ring_size=3, client_queue_size=100)
    publish_range(hub, 1, 10)
    hub.older_decisions = lambda after: OlderPages([[Missing(), *events(6, 8)]])
    frames = await take_frames(hub.subscribe(EVERYTHING, since=2), 6)
    assert frames[0] == {"type": "gap", "from": 3, "to": 6}
    assert sequences(frames) == list(range(6, 11))


async def test_a_client_whose_catch_up_source_fails_is_told_to_reconnect():
    hub = DecisionHub(ring_size=3, client_queue_size=100)
    publish_range(hub, 1, 10)
    hub.older_decisions = lambda after: OlderPages([events(3, 4)])
    subscription = hub.subscribe(EVERYTHING, since=2)
    assert sequences(await take_frames(subscription, 2)) == [3, 4]
    with pytest.raises(StreamEnded) as ended:
        await anext(subscription)
    assert ended.value.code == CLOSE_TRY_AGAIN_LATER


async def test_numbering_restarted_by_notify_closes_clients_with_1012():
    hub = DecisionHub(ring_size=100, client_queue_size=100)
    publish_range(hub, 1, 5)
    subscription = hub.subscribe(EVERYTHING, since=None)
    hub.publish(1, scored(101))
    with pytest.raises(StreamEnded) as ended:
        await anext(subscription)
    assert ended.value.code == CLOSE_SERVICE_RESTART
    assert hub.last_sequence == 1 and hub.find("tx-101") is not None and hub.find("tx-3") is None
    assert hub.client_count == 0


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
    assert hub.stream.waiter_count == 0


async def test_close_ends_every_subscription_going_away():
    hub = DecisionHub(ring_size=10, client_queue_size=10)
    subscription = hub.subscribe(EVERYTHING, since=None)
    hub.publish(1, scored(1))
    hub.close()
    with pytest.raises(StreamEnded) as ended:
        await anext(subscription)
    assert ended.value.code == CLOSE_GOING_AWAY
