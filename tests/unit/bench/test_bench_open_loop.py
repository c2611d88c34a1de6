"""The open-loop schedule: requests leave on time whether or not earlier ones have been answered."""

import asyncio
import time

import pytest
import uvloop

from bench.open_loop import SHED, arrival_offsets, due_until, run_open_loop, share_of


def test_a_constant_rate_spaces_arrivals_evenly_over_the_duration():
    offsets = arrival_offsets(250, 2)
    assert len(offsets) == 500
    assert offsets[0] == 0.0
    assert offsets[1] == pytest.approx(0.004)
    assert offsets[-1] == pytest.approx(1.996)


@pytest.mark.parametrize("rate, duration, field", [(0, 1, "rate"), (-5, 1, "rate"), (10, 0, "duration")])
def test_a_rate_or_duration_that_is_not_positive_is_refused_by_name(rate, duration, field):
    with pytest.raises(ValueError, match=field):
        arrival_offsets(rate, duration)


def test_generator_shares_interleave_and_together_cover_the_schedule_once():
    offsets = arrival_offsets(100, 1)
    shares = [share_of(offsets, part, 3) for part in range(3)]
    indices = sorted(i for share in shares for i, _ in share)
    assert indices == list(range(100))
    assert [i for i, _ in shares[1][:3]] == [1, 4, 7]
    assert all(offsets[i] == offset for share in shares for i, offset in share)
    with pytest.raises(ValueError, match="part"):
        share_of(offsets, 3, 3)


def test_due_until_counts_arrivals_whose_time_has_come():
    offsets = [0.0, 0.1, 0.2, 0.3]
    assert due_until(offsets, 0, 0.0) == 1
    assert due_until(offsets, 0, 0.25) == 3
    assert due_until(offsets, 3, 0.05) == 3  # never goes back
    assert due_until(offsets, 0, 9.0) == 4


def _describe(error: BaseException) -> str:
    return type(error).__name__


async def test_requests_leave_on_schedule_even_while_earlier_ones_are_unanswered():
    all_sent = asyncio.Event()
    sent = 0

    async def held_send(index: int) -> str:
        # No answer comes until all twenty have left: a closed loop would never send the second one
        # and every call would time out.
        nonlocal sent
        sent += 1
        if sent == 20:
            all_sent.set()
        await asyncio.wait_for(all_sent.wait(), 10)
        return f"txn-{index}"

    offsets = arrival_offsets(200, 0.1)
    start = time.monotonic() + 0.02
    outcomes = await run_open_loop(
        held_send, share_of(offsets, 0, 1), start, max_in_flight=100, describe_error=_describe
    )
    assert len(outcomes) == 20 and all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    assert max(o.sent for o in outcomes) <= min(o.done for o in outcomes)
    assert {o.transaction_id for o in outcomes} == {f"txn-{i}" for i in range(20)}
    # Each request left no earlier than its scheduled time, and its latency counts from that time.
    assert all(o.intended <= o.sent <= o.done for o in outcomes)


async def test_beyond_the_in_flight_bound_requests_are_shed_and_counted():
    async def stuck(index: int) -> str:
        await asyncio.sleep(0.2)
        return "x"

    offsets = arrival_offsets(400, 0.05)  # 20 arrivals within 50 ms
    outcomes = await run_open_loop(
        stuck, share_of(offsets, 0, 1), time.monotonic(), max_in_flight=5, describe_error=_describe
    )
    assert len(outcomes) == 20
    assert sum(o.error == SHED for o in outcomes) == 15
    assert sum(o.ok for o in outcomes) == 5


async def test_a_failed_request_is_an_outcome_with_its_error_not_a_crash():
    async def flaky(index: int) -> str:
        if index % 2:
            raise ConnectionError("refused")
        return f"txn-{index}"

    outcomes = await run_open_loop(
        flaky, share_of(arrival_offsets(100, 0.04), 0, 1), time.monotonic(), max_in_flight=10, describe_error=_describe
    )
    assert sorted((o.index, o.error) for o in outcomes if not o.ok) == [(1, "ConnectionError"), (3, "ConnectionError")]
    assert all(o.transaction_id == "" for o in outcomes if not o.ok)


def test_between_arrivals_due_less_than_a_millisecond_apart_the_loop_sleeps_rather_than_spins():
    # uvloop, which the generators run on, runs a sleep under half a millisecond at once: waiting
    # for each such arrival exactly spun the loop, reading the clock thousands of times.
    readings = 0

    def counting_clock() -> float:
        nonlocal readings
        readings += 1
        return time.monotonic()

    async def answer(index: int) -> str:
        return f"txn-{index}"

    async def run() -> list:
        arrivals = share_of(arrival_offsets(4000, 0.05), 0, 1)  # 200 arrivals, a quarter of a millisecond apart
        return await run_open_loop(
            answer,
            arrivals,
            time.monotonic() + 0.005,
            max_in_flight=1000,
            describe_error=_describe,
            clock=counting_clock,
        )

    outcomes = uvloop.run(run())
    assert len(outcomes) == 200 and all(o.ok for o in outcomes)
    assert all(o.intended <= o.sent for o in outcomes)
    # Two readings per request (sent, answered) and two per wake-up, at most a wake-up a millisecond
    # over the 55 ms, with room for a timer that fires early: about 510 when it sleeps.
    assert readings < 2 * 200 + 2 * 110, readings
