"""notify_svc's hub, publisher and journal follower as plain Python over an in-memory journal:
numbering, filters, resume, de-duplication, slow subscribers."""

from __future__ import annotations

import asyncio
import random

import pytest
from fraud.v1 import decision_pb2

from fraudmesh.decision_stream import Gap, SubscriberTooSlow, Subscription, SubscriptionFilter
from fraudmesh.errors import Unavailable
from tests.unit.notify_svc.memory_journal import started

APPROVE, REVIEW, DECLINE = decision_pb2.DECISION_APPROVE, decision_pb2.DECISION_REVIEW, decision_pb2.DECISION_DECLINE


def scored(
    transaction_id: str, user_id: str = "u1", score: float = 0.1, decision: int = APPROVE
) -> decision_pb2.ScoredTransaction:
    message = decision_pb2.ScoredTransaction(score=score, decision=decision, is_fraud=decision == DECLINE)
    message.transaction.id = transaction_id
    message.transaction.input.user_id = user_id
    return message


def batch(first: int, count: int) -> list[decision_pb2.ScoredTransaction]:
    return [scored(f"t{n}") for n in range(first, first + count)]


async def take(subscription: Subscription, count: int) -> list[tuple[int, str, bool]]:
    """`count` decisions as (sequence, transaction id, gap), gap True for one a Gap came before, as
    the servicer flags it."""
    items: list[tuple[int, str, bool]] = []
    gap = False
    while len(items) < count:
        entry = await asyncio.wait_for(anext(subscription), 2)
        if isinstance(entry, Gap):
            gap = True
            continue
        items.append((entry.sequence, entry.scored.transaction.id, gap))
        gap = False
    return items


async def nothing_more(subscription: Subscription) -> bool:
    try:
        await asyncio.wait_for(anext(subscription), 0.05)
    except TimeoutError:
        return True
    return False


async def test_sequences_are_consecutive_from_one_across_batches():
    notify = await started(100, 100)
    hub = notify.hub
    assert hub.last_sequence == 0
    assert await notify.publish(batch(1, 3)) == 3
    assert await notify.publish(batch(4, 2)) == 5
    subscription = hub.subscribe(after_sequence=0)
    assert await notify.publish(batch(6, 2)) == 7
    assert await take(subscription, 2) == [(6, "t6", False), (7, "t7", False)]
    assert await nothing_more(subscription)


async def test_publish_stamps_published_at_only_when_absent():
    notify = await started(10, 10)
    fresh, stamped = scored("a"), scored("b")
    stamped.times.published_at.seconds = 1_700_000_000
    await notify.publish([fresh, stamped])
    assert fresh.times.published_at.seconds > 1_700_000_000
    assert stamped.times.published_at.seconds == 1_700_000_000


@pytest.mark.parametrize(
    ("subscription_filter", "expected_ids"),
    [
        (SubscriptionFilter(), ["a", "b", "c", "d"]),
        (SubscriptionFilter(decisions=frozenset({DECLINE})), ["c"]),
        (SubscriptionFilter(decisions=frozenset({REVIEW, DECLINE})), ["b", "c"]),
        (SubscriptionFilter(user_id="bob"), ["b", "d"]),
        (SubscriptionFilter(min_score=0.5), ["b", "c"]),
        (SubscriptionFilter(min_score=0.95), ["c"]),
        (SubscriptionFilter(fraud_only=True), ["c"]),
        (SubscriptionFilter(user_id="bob", min_score=0.5), ["b"]),
        (SubscriptionFilter(user_id="nobody"), []),
    ],
)
async def test_filters_select_by_decision_user_score_and_fraud(subscription_filter, expected_ids):
    notify = await started(10, 10)
    hub = notify.hub
    subscription = hub.subscribe(subscription_filter)
    await notify.publish(
        [
            scored("a", "alice", 0.1, APPROVE),
            scored("b", "bob", 0.6, REVIEW),
            scored("c", "alice", 0.95, DECLINE),
            scored("d", "bob", 0.2, APPROVE),
        ]
    )
    received = [t for _, t, _ in await take(subscription, len(expected_ids))]
    assert received == expected_ids
    assert await nothing_more(subscription)


async def test_filters_apply_to_replayed_decisions_too():
    notify = await started(10, 10)
    hub = notify.hub
    await notify.publish([scored("a", "alice"), scored("b", "bob"), scored("c", "alice")])
    subscription = hub.subscribe(SubscriptionFilter(user_id="alice"), after_sequence=1)
    await notify.publish([scored("d", "bob"), scored("e", "alice")])
    assert await take(subscription, 2) == [(3, "c", False), (5, "e", False)]
    assert await nothing_more(subscription)


async def test_resume_replays_exactly_the_retained_decisions_after_the_sequence_then_live_ones():
    notify = await started(100, 100)
    hub = notify.hub
    await notify.publish(batch(1, 10))
    subscription = hub.subscribe(after_sequence=6)
    await notify.publish(batch(11, 2))
    assert [s for s, _, _ in await take(subscription, 6)] == [7, 8, 9, 10, 11, 12]
    assert await nothing_more(subscription)


async def test_replay_and_live_hand_over_without_gaps_or_repeats_under_interleaving():
    """Subscribers join at random moments, resuming from random earlier points, while a publisher
    keeps publishing batches; each must see exactly the sequences after its resume point."""
    notify = await started(5000, 5000)
    hub = notify.hub
    rng = random.Random(7)
    total = 3000
    results: list[tuple[int, list[int]]] = []

    async def publisher() -> None:
        published = 0
        while published < total:
            size = min(rng.randint(1, 40), total - published)
            await notify.publish(batch(published + 1, size))
            published += size
            await asyncio.sleep(0)

    async def subscriber(after: int, subscription) -> None:
        sequences = []
        while not sequences or sequences[-1] < total:
            sequences.append((await asyncio.wait_for(anext(subscription), 5)).sequence)
            if rng.random() < 0.3:
                await asyncio.sleep(0)  # consumers of different speeds
        subscription.close()
        results.append((after, sequences))

    async def join_while_publishing() -> None:
        joiners = []
        for _ in range(25):
            for _ in range(rng.randint(0, 6)):
                await asyncio.sleep(0)
            head = hub.last_sequence
            after = rng.choice([head, max(1, head - rng.randint(0, 200)), max(1, head - 1)]) if head else 0
            # Subscribed here, where the head was read: a publish may land before the task runs.
            joiners.append(asyncio.create_task(subscriber(after, hub.subscribe(after_sequence=after))))
        await asyncio.gather(*joiners)

    await asyncio.gather(publisher(), join_while_publishing())
    assert len(results) == 25
    for after, sequences in results:
        assert sequences == list(range(after + 1, total + 1)), f"subscriber resuming after {after}"
    assert hub.subscriber_count == 0


async def test_a_subscriber_with_after_sequence_zero_sees_only_new_decisions():
    notify = await started(10, 10)
    hub = notify.hub
    await notify.publish(batch(1, 3))
    subscription = hub.subscribe(after_sequence=0)
    assert await nothing_more(subscription)
    await notify.publish(batch(4, 1))
    assert await take(subscription, 1) == [(4, "t4", False)]


async def test_a_new_subscriber_can_first_replay_the_newest_retained_decisions_without_a_gap():
    notify = await started(10, 20)
    hub = notify.hub
    await notify.publish(batch(1, 5))
    newest_two = hub.subscribe(replay_newest=2)
    assert await take(newest_two, 2) == [(4, "t4", False), (5, "t5", False)]
    assert await nothing_more(newest_two)
    await notify.publish(batch(6, 1))
    assert await take(newest_two, 1) == [(6, "t6", False)]


async def test_replaying_more_than_is_retained_gives_everything_retained_without_a_gap():
    notify = await started(3, 20)
    hub = notify.hub
    await notify.publish(batch(1, 5))  # 1 and 2 are no longer retained
    everything = hub.subscribe(replay_newest=100)
    assert await take(everything, 3) == [(3, "t3", False), (4, "t4", False), (5, "t5", False)]
    assert await nothing_more(everything)
    assert await nothing_more(hub.subscribe(replay_newest=5, after_sequence=5))  # a resume point wins


async def test_a_re_published_batch_gets_no_new_numbers_and_reaches_nobody_twice():
    notify = await started(100, 100)
    hub = notify.hub
    subscription = hub.subscribe()
    assert await notify.publish(batch(1, 3)) == 3
    # Scoring crashed after publishing and re-reads: the same three, then two new ones.
    assert await notify.publish(batch(1, 5)) == 5
    # A batch made only of repeats answers with the sequence its last decision already has.
    assert await notify.publish(batch(2, 1)) == 2
    assert hub.last_sequence == 5
    assert await take(subscription, 5) == [(n, f"t{n}", False) for n in range(1, 6)]
    assert await nothing_more(subscription)


async def test_a_repeat_inside_one_batch_is_published_once():
    notify = await started(100, 100)
    hub = notify.hub
    subscription = hub.subscribe()
    assert await notify.publish([scored("x"), scored("y"), scored("x")]) == 1
    assert await take(subscription, 2) == [(1, "x", False), (2, "y", False)]
    assert await nothing_more(subscription)


async def test_de_duplication_reaches_back_as_far_as_the_retained_window():
    notify = await started(3, 100)
    await notify.publish(batch(1, 4))  # t1 has left the window
    assert await notify.publish(batch(2, 1)) == 2  # t2 still retained: a repeat
    assert await notify.publish(batch(1, 1)) == 5  # t1 forgotten: numbered again


async def test_a_slow_subscriber_is_cut_off_while_a_fast_one_receives_everything():
    notify = await started(1000, 5)
    hub = notify.hub
    slow = hub.subscribe(name="slow")
    fast = hub.subscribe(name="fast")
    fast_received: list[int] = []

    async def fast_reader() -> None:
        async for notification in fast:
            fast_received.append(notification.sequence)

    reader = asyncio.create_task(fast_reader())
    await notify.publish(batch(1, 1))
    assert (await asyncio.wait_for(anext(slow), 1)).sequence == 1
    for n in range(2, 41):
        await notify.publish(batch(n, 1))  # never waits, even though "slow" does not read
        await asyncio.sleep(0)
    assert hub.subscriber_count == 1  # only the fast one is left

    with pytest.raises(SubscriberTooSlow) as raised:
        await anext(slow)
    assert str(raised.value) == "subscriber too slow: queue of 5 full; resume from sequence 1"
    assert raised.value.code.name == "RESOURCE_EXHAUSTED"

    # Resuming from the named sequence gives it exactly what it missed.
    resumed = hub.subscribe(after_sequence=raised.value.resume_after, name="slow again")
    assert [s for s, _, _ in await take(resumed, 39)] == list(range(2, 41))

    hub.close()
    await asyncio.wait_for(reader, 1)
    assert fast_received == list(range(1, 41))


async def test_a_filtered_subscriber_is_not_cut_off_by_decisions_it_did_not_ask_for():
    notify = await started(1000, 2)
    hub = notify.hub
    declines = hub.subscribe(SubscriptionFilter(decisions=frozenset({DECLINE})))
    await notify.publish([scored(f"a{n}") for n in range(100)] + [scored("d1", decision=DECLINE)])
    assert await take(declines, 1) == [(101, "d1", False)]


async def test_a_resume_point_beyond_the_newest_sequence_replays_everything_retained_as_a_gap():
    """Only a journal started anew numbers from 1 again: a subscriber still holding an old number
    gets everything retained, flagged, rather than silently waiting for the old number."""
    notify = await started(10, 100)
    hub = notify.hub
    await notify.publish(batch(1, 3))
    subscription = hub.subscribe(after_sequence=500)
    await notify.publish(batch(4, 1))
    assert await take(subscription, 4) == [(1, "t1", True), (2, "t2", False), (3, "t3", False), (4, "t4", False)]


async def test_closing_the_hub_ends_subscriptions_after_what_is_queued_and_refuses_new_work():
    notify = await started(10, 10)
    hub = notify.hub
    waiting = hub.subscribe()
    waiter = asyncio.create_task(take(waiting, 1))
    await asyncio.sleep(0)
    with_backlog = hub.subscribe()
    await notify.publish(batch(1, 2))
    assert await waiter == [(1, "t1", False)]
    hub.close()
    assert [n.sequence async for n in waiting] == [2]
    assert [n.sequence async for n in with_backlog] == [1, 2]
    assert hub.subscriber_count == 0
    with pytest.raises(Unavailable):
        await notify.publish(batch(3, 1))
    with pytest.raises(Unavailable):
        hub.subscribe()


async def test_close_of_a_subscription_unregisters_it():
    notify = await started(10, 10)
    hub = notify.hub
    subscription = hub.subscribe()
    assert hub.subscriber_count == 1
    subscription.close()
    subscription.close()
    assert hub.subscriber_count == 0
    await notify.publish(batch(1, 1))
    assert await nothing_more(subscription)


async def test_a_batch_takes_the_replay_and_the_queue_together_and_a_closing_hub_ends_after_it():
    notify = await started(100, 100)
    hub = notify.hub
    await notify.publish(batch(1, 3))
    subscription = hub.subscribe(after_sequence=1)  # replays 2 and 3
    await notify.publish(batch(4, 2))  # queued: 4 and 5
    hub.close()
    gathered = await asyncio.wait_for(subscription.next_batch(10), 2)
    assert [(n.sequence, n.scored.transaction.id) for n in gathered] == [(2, "t2"), (3, "t3"), (4, "t4"), (5, "t5")]
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(subscription.next_batch(10), 2)


async def test_a_batch_stops_at_its_size_and_the_next_one_goes_on_from_there():
    notify = await started(100, 100)
    hub = notify.hub
    subscription = hub.subscribe(after_sequence=0)
    await notify.publish(batch(1, 5))
    first = await asyncio.wait_for(subscription.next_batch(3), 2)
    second = await asyncio.wait_for(subscription.next_batch(3), 2)
    assert [n.sequence for n in first] == [1, 2, 3] and [n.sequence for n in second] == [4, 5]
    assert subscription.position == 5
