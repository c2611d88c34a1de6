"""The shared hub with its publisher's own numbers: replay and live joined, gaps, restarts of the
numbering, slow subscribers, endings, batches and waiters. notify_svc's and the edge's hub tests
cover the same from each service's side."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from fraudmesh.decision_stream import Gap, StreamHub, SubscriberTooSlow, Subscription, SubscriptionFilter
from fraudmesh.errors import Unavailable

APPROVE, DECLINE = 1, 3


@dataclass(frozen=True)
class Item:
    sequence: int
    transaction_id: str
    decision: int = APPROVE
    user_id: str = "u"
    score: float = 0.1
    is_fraud: bool = False


def item(sequence: int, decision: int = APPROVE) -> Item:
    return Item(sequence, f"t{sequence}", decision, is_fraud=decision == DECLINE)


def publish(hub: StreamHub[Item], first: int, last: int, decision: int = APPROVE) -> None:
    for sequence in range(first, last + 1):
        hub.publish(item(sequence, decision))


def ready(subscription: Subscription[Item]) -> list[int | tuple[int, int]]:
    """What is ready now: sequences, and (from, to) for a Gap."""
    entries: list[int | tuple[int, int]] = []
    while (entry := subscription.next_ready()) is not None:
        entries.append((entry.first_missing, entry.next_sequence) if isinstance(entry, Gap) else entry.sequence)
    return entries


def test_from_now_gets_only_what_is_published_after_subscribing():
    hub: StreamHub[Item] = StreamHub(retained=10, queue_size=10)
    publish(hub, 1, 3)
    subscription = hub.subscribe()
    assert ready(subscription) == []
    publish(hub, 4, 5)
    assert ready(subscription) == [4, 5]
    assert subscription.position == 5


def test_a_resume_point_in_the_window_replays_then_goes_on_live_without_repeat():
    hub: StreamHub[Item] = StreamHub(retained=10, queue_size=10)
    publish(hub, 1, 8)
    subscription = hub.subscribe(after=5)
    publish(hub, 9, 10)
    assert ready(subscription) == [6, 7, 8, 9, 10]


def test_a_resume_point_older_than_the_window_gets_a_gap_then_the_window_then_live():
    hub: StreamHub[Item] = StreamHub(retained=3, queue_size=10)
    publish(hub, 1, 10)
    subscription = hub.subscribe(after=2)
    publish(hub, 11, 11)
    assert ready(subscription) == [(3, 8), 8, 9, 10, 11]


def test_a_gap_reaches_up_to_the_first_decision_the_subscriber_wants():
    hub: StreamHub[Item] = StreamHub(retained=3, queue_size=10)
    publish(hub, 1, 10)
    subscription = hub.subscribe(SubscriptionFilter(decisions=frozenset({DECLINE})), after=2)
    assert ready(subscription) == []
    assert subscription.position == 2  # resuming from here still shows the gap
    publish(hub, 11, 12, DECLINE)
    assert ready(subscription) == [(3, 11), 11, 12]


def test_a_resume_point_beyond_the_newest_means_the_numbering_restarted_so_the_gap_starts_at_1():
    hub: StreamHub[Item] = StreamHub(retained=10, queue_size=10)
    publish(hub, 1, 3)
    subscription = hub.subscribe(after=500)
    publish(hub, 4, 4)
    assert ready(subscription) == [(1, 1), 1, 2, 3, 4]


def test_a_resume_point_before_anything_is_seen_waits_for_the_first_decision_to_judge():
    hub: StreamHub[Item] = StreamHub(retained=10, queue_size=10)
    continuing = hub.subscribe(after=40)
    after_a_hole = hub.subscribe(after=30)
    restarted = hub.subscribe(after=90)
    publish(hub, 41, 41)  # a publisher met in the middle of its numbering
    assert ready(continuing) == [41]
    assert ready(after_a_hole) == [(31, 41), 41]
    assert ready(restarted) == [(1, 41), 41]


def test_announced_gaps_come_after_what_was_queued_before_them_and_merge():
    hub: StreamHub[Item] = StreamHub(retained=10, queue_size=10)
    publish(hub, 1, 2)
    everything = hub.subscribe()
    declines = hub.subscribe(SubscriptionFilter(decisions=frozenset({DECLINE})))
    publish(hub, 3, 4)
    hub.announce_gap(5)
    hub.publish(item(9))
    hub.announce_gap(10)
    hub.publish(item(15, DECLINE))
    assert ready(everything) == [3, 4, (5, 9), 9, (10, 15), 15]
    assert ready(declines) == [(5, 15), 15]
    assert hub.first_retained_sequence == 15  # the window holds only consecutive numbers
    late = hub.subscribe(after=12)
    assert ready(late) == [(13, 15), 15]


def test_a_slow_subscriber_is_cut_off_naming_its_resume_point_and_others_go_on():
    hub: StreamHub[Item] = StreamHub(retained=100, queue_size=3)
    slow, fast = hub.subscribe(name="slow"), hub.subscribe(name="fast")
    publish(hub, 1, 1)
    assert slow.next_ready().sequence == 1 and fast.next_ready().sequence == 1
    for sequence in range(2, 10):
        assert hub.publish(item(sequence)) == (2 if sequence <= 4 else 1)
        assert fast.next_ready().sequence == sequence
    assert (hub.subscriber_count, hub.cut_off_count) == (1, 1)
    assert slow.pending == 3  # what it never got
    with pytest.raises(SubscriberTooSlow) as raised:
        slow.next_ready()
    assert (raised.value.queue_size, raised.value.resume_after) == (3, 1)
    assert raised.value.code.name == "RESOURCE_EXHAUSTED"
    assert ready(hub.subscribe(after=raised.value.resume_after)) == list(range(2, 10))


def test_the_queue_bound_is_on_live_decisions_not_on_the_replay():
    hub: StreamHub[Item] = StreamHub(retained=100, queue_size=2)
    publish(hub, 1, 50)
    subscription = hub.subscribe(after=10)
    publish(hub, 51, 52)
    assert hub.subscriber_count == 1
    assert subscription.pending == 42
    assert ready(subscription) == list(range(11, 53))


def test_end_all_ends_every_subscription_at_once_with_its_own_error():
    hub: StreamHub[Item] = StreamHub(retained=10, queue_size=10)
    first, second = hub.subscribe(), hub.subscribe()
    publish(hub, 1, 2)
    hub.end_all(lambda: ConnectionResetError("numbering restarted"))
    assert hub.subscriber_count == 0
    errors = []
    for subscription in (first, second):
        with pytest.raises(ConnectionResetError, match="numbering restarted") as raised:
            subscription.next_ready()  # what was queued is dropped
        errors.append(raised.value)
    assert errors[0] is not errors[1]
    hub.publish(item(3))  # the hub itself goes on


async def test_close_ends_subscriptions_after_what_is_queued_and_refuses_new_work():
    hub: StreamHub[Item] = StreamHub(retained=10, queue_size=10)
    waiting = hub.subscribe()
    reader = asyncio.create_task(anext(waiting))
    await asyncio.sleep(0)
    with_backlog = hub.subscribe()
    publish(hub, 1, 2)
    assert (await asyncio.wait_for(reader, 1)).sequence == 1
    hub.close()
    assert [entry.sequence async for entry in waiting] == [2]
    assert [entry.sequence async for entry in with_backlog] == [1, 2]
    with pytest.raises(Unavailable):
        hub.publish(item(3))
    with pytest.raises(Unavailable):
        hub.subscribe()


async def test_a_waiting_reader_wakes_when_its_subscription_ends_in_any_way():
    hub: StreamHub[Item] = StreamHub(retained=10, queue_size=1)
    slow = hub.subscribe()
    reader = asyncio.create_task(anext(slow))
    await asyncio.sleep(0)
    publish(hub, 1, 2)  # the second finds the queue full before the reader has run
    with pytest.raises(SubscriberTooSlow):
        await asyncio.wait_for(reader, 1)

    ended = hub.subscribe()
    reader = asyncio.create_task(anext(ended))
    await asyncio.sleep(0)
    hub.end_all(lambda: EOFError("gone"))
    with pytest.raises(EOFError):
        await asyncio.wait_for(reader, 1)

    closed = hub.subscribe()
    reader = asyncio.create_task(anext(closed))
    await asyncio.sleep(0)
    hub.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(reader, 1)


async def test_a_batch_keeps_a_gap_with_its_decision_and_counts_only_decisions():
    hub: StreamHub[Item] = StreamHub(retained=3, queue_size=10)
    publish(hub, 1, 10)
    subscription = hub.subscribe(after=2)
    first = await asyncio.wait_for(subscription.next_batch(1), 1)
    assert first == [Gap(3, 8), item(8)]
    assert [entry.sequence for entry in await subscription.next_batch(5)] == [9, 10]
    live = hub.subscribe()
    hub.publish(item(11))
    hub.announce_gap(12)
    hub.publish(item(15))
    assert await live.next_batch(2) == [item(11), Gap(12, 15), item(15)]


async def test_a_batch_ends_after_what_was_queued_when_the_hub_closes():
    hub: StreamHub[Item] = StreamHub(retained=10, queue_size=10)
    publish(hub, 1, 2)
    subscription = hub.subscribe(after=1)  # replays 2
    publish(hub, 3, 3)  # queued
    hub.close()
    assert [entry.sequence for entry in await asyncio.wait_for(subscription.next_batch(10), 1)] == [2, 3]
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(subscription.next_batch(10), 1)


async def test_waiters_get_a_retained_or_arriving_decision_and_leave_nothing_behind():
    hub: StreamHub[Item] = StreamHub(retained=10, queue_size=10)
    hub.publish(item(1))
    assert (await hub.wait_for("t1", 0)).sequence == 1
    assert await hub.wait_for("t2", 0) is None
    waiter = asyncio.create_task(hub.wait_for("t2", 2))
    other = asyncio.create_task(hub.wait_for("t2", 2))
    await asyncio.sleep(0)
    assert hub.waiter_count == 1
    hub.publish(item(2))
    assert (await waiter).sequence == 2 and (await other).sequence == 2
    assert await hub.wait_for("t-never", 0.02) is None
    assert hub.waiter_count == 0


def test_closing_a_subscription_unregisters_it_once():
    hub: StreamHub[Item] = StreamHub(retained=10, queue_size=10)
    subscription = hub.subscribe()
    hub.end_all(lambda: EOFError())  # the hub has let go of it already
    replacement = hub.subscribe()
    subscription.close()
    assert hub.subscriber_count == 1
    replacement.close()
    replacement.close()
    assert hub.subscriber_count == 0
    publish(hub, 1, 1)
    assert ready(replacement) == []


def test_sizes_are_at_least_one():
    with pytest.raises(ValueError):
        StreamHub(retained=0, queue_size=1)
    with pytest.raises(ValueError):
        StreamHub(retained=1, queue_size=0)
