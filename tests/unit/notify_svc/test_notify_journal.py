"""What notify_svc derives from its journal: numbering, de-duplication and resume survive a restart;
a subscriber from before the window is served from the journal; per-item refusals."""

from __future__ import annotations

import asyncio

import pytest

from fraudmesh.decision_stream import Gap
from fraudmesh.errors import FieldViolation, InvalidArgument, Unavailable
from notify_svc.journal_reader import JournalRewound
from tests.unit.notify_svc.memory_journal import MemoryJournal, MemoryNotify, started
from tests.unit.notify_svc.test_notify_hub import batch, nothing_more, scored, take


async def restarted(notify: MemoryNotify) -> MemoryNotify:
    await notify.stop()
    return await started(notify.retained, 100, notify.journal)


async def test_sequences_continue_across_a_restart():
    notify = await started()
    assert await notify.publish(batch(1, 5)) == 5
    notify = await restarted(notify)
    assert notify.hub.last_sequence == 5
    subscription = notify.hub.subscribe(after_sequence=5)
    assert await notify.publish(batch(6, 2)) == 7
    assert await take(subscription, 2) == [(6, "t6", False), (7, "t7", False)]
    await notify.stop()


async def test_a_batch_re_published_after_a_restart_is_not_delivered_again():
    notify = await started()
    await notify.publish(batch(1, 4))
    notify = await restarted(notify)
    subscription = notify.hub.subscribe()
    # Scoring crashed across notify's restart: it publishes the same batch and one new decision.
    outcome = await notify.publish_outcome(batch(1, 5))
    assert outcome.last_sequence == 5 and not outcome.refused
    assert await take(subscription, 1) == [(5, "t5", False)]
    assert await nothing_more(subscription)
    assert len(notify.journal.records) == 5  # the repeats were not journaled again
    await notify.stop()


async def test_a_subscriber_resuming_after_a_restart_gets_what_follows_exactly_once():
    notify = await started()
    await notify.publish(batch(1, 6))
    notify = await restarted(notify)
    subscription = notify.hub.subscribe(after_sequence=4)
    await notify.publish(batch(7, 2))
    assert [s for s, _, _ in await take(subscription, 4)] == [5, 6, 7, 8]
    assert await nothing_more(subscription)
    await notify.stop()


async def test_de_duplication_after_a_restart_reaches_as_far_as_the_window_read_back():
    notify = await started(retained=3)
    await notify.publish(batch(1, 5))
    notify = await restarted(notify)  # reads t3, t4, t5 back
    assert await notify.publish(batch(3, 1)) == 3
    assert await notify.publish(batch(1, 1)) == 6  # t1 is beyond the window: numbered again
    await notify.stop()


async def test_a_resume_from_before_the_window_is_served_from_the_journal_then_joins_the_live_stream():
    notify = await started(retained=10)
    await notify.publish(batch(1, 40))  # 31..40 in memory, 1..40 in the journal
    subscription = notify.hub.subscribe(after_sequence=5)
    received: list[int] = []

    async def read_all() -> None:
        while not received or received[-1] < 60:
            entry = await asyncio.wait_for(anext(subscription), 5)
            assert not isinstance(entry, Gap)
            received.append(entry.sequence)

    reader = asyncio.create_task(read_all())
    for first in range(41, 61, 4):  # published while it catches up
        await notify.publish(batch(first, 4))
        await asyncio.sleep(0)
    await reader
    assert received == list(range(6, 61))
    assert await nothing_more(subscription)
    subscription.close()
    await notify.stop()


async def test_a_resume_from_records_retention_dropped_is_flagged_as_a_gap_before_the_oldest_kept():
    notify = await started(retained=5)
    await notify.publish(batch(1, 30))
    notify.journal.drop_before(10)  # sequences 1..10 are gone from Kafka too
    subscription = notify.hub.subscribe(after_sequence=3)
    assert await take(subscription, 2) == [(11, "t11", True), (12, "t12", False)]
    assert [s for s, _, _ in await take(subscription, 18)] == list(range(13, 31))
    assert await nothing_more(subscription)
    await notify.stop()


async def test_a_decision_repeated_in_the_journal_is_delivered_once_and_its_number_carries_nothing():
    journal = MemoryJournal()
    # A write whose acknowledgement came too late, then scoring's retry: the journal holds t2 twice.
    journal.write_directly([*batch(1, 2), *batch(2, 1), *batch(3, 1)])
    notify = await started(journal=journal)
    assert notify.hub.last_sequence == 4
    everything = notify.hub.subscribe(after_sequence=1)
    assert await take(everything, 2) == [(2, "t2", False), (4, "t3", False)]
    assert await notify.publish(batch(5, 1)) == 5
    assert await take(everything, 1) == [(5, "t5", False)]
    await notify.stop()


async def test_a_refused_item_does_not_stop_its_batch():
    notify = await started()
    subscription = notify.hub.subscribe()
    nameless = scored("")
    decisions = [scored("a"), nameless, scored("b"), scored("c")]
    breach = FieldViolation("decisions[3].score", "double.gte_lte", "value must be between 0 and 1")
    outcome = await notify.publisher.publish(decisions, {3: [breach]})
    assert outcome.last_sequence == 2  # of "b", the last one published
    assert sorted(outcome.refused) == [1, 3]
    assert all(isinstance(error, InvalidArgument) for error in outcome.refused.values())
    assert [v.field for v in outcome.refused[1].violations] == ["transaction.id"]
    assert outcome.refused[3].violations == [breach]
    assert await take(subscription, 2) == [(1, "a", False), (2, "b", False)]
    assert await nothing_more(subscription)
    await notify.stop()


async def test_a_decision_kafka_refused_fails_the_call_and_a_retry_publishes_it_once():
    notify = await started()
    subscription = notify.hub.subscribe()
    notify.journal.refuse_next.add(b"t2")
    with pytest.raises(Unavailable):
        await notify.publish(batch(1, 3))
    # t1 and t3 were journaled (1, 2) and are recognised; t2 is journaled now. The answer is the
    # sequence of the request's last decision, t3.
    assert await notify.publish(batch(1, 3)) == 2
    assert [key for _, key, _ in notify.journal.records] == [b"t1", b"t3", b"t2"]
    assert [t for _, t, _ in await take(subscription, 3)] == ["t1", "t3", "t2"]
    assert await nothing_more(subscription)
    await notify.stop()


async def test_nothing_is_published_or_subscribed_before_the_journal_is_read_back():
    notify = MemoryNotify(MemoryJournal(), retained=10, queue_size=10)  # not started
    with pytest.raises(Unavailable, match="reading its journal back"):
        await notify.publish(batch(1, 1))
    with pytest.raises(Unavailable, match="reading its journal back"):
        notify.hub.subscribe()
    assert notify.journal.records == []


async def test_a_journal_recreated_under_a_running_notify_stops_its_follower():
    notify = await started()
    await notify.publish(batch(1, 3))
    notify.journal.records.clear()  # deleted and created again: offsets start at 0
    notify.journal.write_directly(batch(9, 1))
    async with asyncio.timeout(5):
        while not notify.failures:
            await asyncio.sleep(0.01)
    assert isinstance(notify.failures[0], JournalRewound)
    await notify.stop()


async def test_a_subscriber_served_from_the_journal_gets_a_repeated_record_once():
    journal = MemoryJournal()
    journal.write_directly([*batch(1, 3), *batch(2, 1), *batch(4, 8)])  # t2 again at offset 3
    notify = await started(retained=4, journal=journal)  # t8..t11 read back into memory
    subscription = notify.hub.subscribe(after_sequence=1)
    received = await take(subscription, 10)
    assert received == [(2, "t2", False), (3, "t3", False)] + [(n + 1, f"t{n}", False) for n in range(4, 12)]
    assert await nothing_more(subscription)
    await notify.stop()
