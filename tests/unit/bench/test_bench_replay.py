"""The event-time replay: each run's payments later than everything sent before, whole weeks apart so
weekdays and hours stay as generated, never in the future."""

from datetime import UTC, datetime

import pytest

from bench.generator import Job
from bench.payloads import Payment
from bench.replay import WEEK_S, EventReplay, replayed_time

NOW = datetime(2026, 12, 2, 18, 0, tzinfo=UTC).timestamp()
HISTORY_START = int(datetime(2025, 1, 6, tzinfo=UTC).timestamp())  # the history generator's Monday


def payment(user: str, seconds_after_start: int) -> Payment:
    return Payment(
        user,
        1000,
        "USD",
        "m-1",
        "card_present",
        "Paris",
        "FR",
        None,
        None,
        occurred_at_s=HISTORY_START + seconds_after_start,
    )


# Ten days of a few customers, in event-time order as payment_pool gives them.
POOL = [payment(f"u{i % 3}", i * 86400 + 3600 * (i % 24)) for i in range(10)]


def run_times(replay: EventReplay, arrivals: int) -> list[int]:
    shift = replay.shift_for(arrivals, NOW)
    assert shift is not None
    return [replayed_time(POOL[i % len(POOL)], i, len(POOL), shift, replay.cycle_s) for i in range(arrivals)]


def test_a_cycle_is_the_pools_span_rounded_up_to_whole_weeks():
    replay = EventReplay(POOL, NOW)
    span = POOL[-1].occurred_at_s - POOL[0].occurred_at_s
    assert replay.cycle_s % WEEK_S == 0
    assert span < replay.cycle_s <= span + WEEK_S


def test_every_payment_keeps_its_generated_weekday_and_hour():
    replay = EventReplay(POOL, NOW)
    times = run_times(replay, 25)  # two and a half cycles of the pool
    for i, t in enumerate(times):
        replayed = datetime.fromtimestamp(t, UTC)
        generated = datetime.fromtimestamp(POOL[i % len(POOL)].occurred_at_s, UTC)
        assert (replayed.weekday(), replayed.hour, replayed.minute) == (
            generated.weekday(),
            generated.hour,
            generated.minute,
        )


def test_event_time_only_moves_forward_within_a_run_and_from_one_run_to_the_next():
    replay = EventReplay(POOL, NOW)
    first, second = run_times(replay, 25), run_times(replay, 7)
    assert first == sorted(first) and len(set(first)) == len(first)
    assert min(second) > max(first)
    assert max(second) < NOW


def test_the_replay_starts_about_five_years_back():
    replay = EventReplay(POOL, NOW)
    first = run_times(replay, 1)[0]
    assert 260 * WEEK_S <= NOW - first < 261 * WEEK_S


def test_once_the_replay_would_reach_the_present_ingest_stamps_the_times_from_then_on():
    replay = EventReplay(POOL, NOW, history_weeks=5)  # room for two cycles of two weeks
    assert replay.shift_for(len(POOL), NOW) is not None
    assert replay.shift_for(len(POOL), NOW) is not None
    assert replay.shift_for(len(POOL), NOW) is None
    assert replay.shift_for(1, NOW) is None  # and stays so: a later run must not go back in time


def test_a_pool_without_event_times_is_refused():
    with pytest.raises(ValueError, match="occurred_at_s"):
        EventReplay([Payment("u", 1, "USD", "m", "atm", "Paris", "FR", None, None)], NOW)


def test_a_jobs_event_time_is_none_without_a_shift_and_the_replayed_time_with_one():
    job = Job("grpc", "127.0.0.1:1", POOL, [(0, 0.0)], "k-", 3, 10, 1.0)
    assert job.occurred_at_s(12) is None
    shifted = Job(
        "grpc", "127.0.0.1:1", POOL, [(0, 0.0)], "k-", 3, 10, 1.0, replay_shift_s=4 * WEEK_S, replay_cycle_s=2 * WEEK_S
    )
    assert shifted.occurred_at_s(12) == POOL[2].occurred_at_s + 4 * WEEK_S + 2 * WEEK_S
