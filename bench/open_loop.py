"""An open-loop load generator: requests leave at the times a constant-rate schedule gives, whether or
not earlier ones have been answered, so a slow system builds a queue that shows in the latencies
(a closed loop would politely slow down with it and hide the queueing).

Latency is measured from each request's *scheduled* time, not from when it actually left, so a
generator that falls behind cannot hide delay either; how late it left is recorded as `send_lag`."""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

SHED = "SHED_IN_FLIGHT_LIMIT"
# Event loops time their sleeps in whole milliseconds, and uvloop (which the generators run on) runs a
# sleep shorter than half of one at once: waiting for an arrival due sooner than that would spin the
# loop until it came, burning the CPU the generator shares with the platform it measures. A wait
# therefore lasts at least a millisecond, so an arrival may leave up to about a millisecond after its
# time; its latency, counted from that time, includes the delay.
SHORTEST_WAIT_S = 0.001


def arrival_offsets(rate_per_s: float, duration_s: float) -> list[float]:
    """Seconds after the start at which each request of a constant-rate run is due."""
    if rate_per_s <= 0:
        raise ValueError(f"rate: must be positive, got {rate_per_s}")
    if duration_s <= 0:
        raise ValueError(f"duration: must be positive, got {duration_s}")
    count = round(rate_per_s * duration_s)
    return [i / rate_per_s for i in range(count)]


def share_of(offsets: Sequence[float], part: int, parts: int) -> list[tuple[int, float]]:
    """Every `parts`-th arrival from `part` on, with its index in the whole schedule: how several
    generator processes split one schedule so that together they keep its rate."""
    if not 0 <= part < parts:
        raise ValueError(f"part: must be in [0, {parts}), got {part}")
    return [(i, offsets[i]) for i in range(part, len(offsets), parts)]


def due_until(offsets: Sequence[float], first: int, elapsed_s: float) -> int:
    """Index one past the last arrival due by `elapsed_s`, never before `first`."""
    return max(first, bisect.bisect_right(offsets, elapsed_s))


@dataclass(frozen=True)
class Outcome:
    index: int
    intended: float  # monotonic seconds: when the schedule said to send
    sent: float  # when it actually left
    done: float  # when the answer (or error) came back
    transaction_id: str  # empty when it failed
    error: str  # empty on success; a gRPC status name, an HTTP status, or SHED

    @property
    def ok(self) -> bool:
        return not self.error


Send = Callable[[int], Awaitable[str]]  # sends arrival `index`, returns the transaction id or raises


async def run_open_loop(
    send: Send,
    arrivals: Sequence[tuple[int, float]],
    start_at: float,
    *,
    max_in_flight: int,
    describe_error: Callable[[BaseException], str],
    clock: Callable[[], float] = time.monotonic,
) -> list[Outcome]:
    """Fires `send(index)` for each `(index, offset)` at `start_at + offset` on `clock`.

    Requests beyond `max_in_flight` outstanding are not sent but recorded as SHED: a bound that keeps
    a stalled system from exhausting the generator's memory, reported so it is never silent."""
    offsets = [offset for _, offset in arrivals]
    outcomes: list[Outcome] = []
    in_flight: set[asyncio.Task] = set()

    async def one(index: int, intended: float) -> None:
        sent = clock()
        try:
            transaction_id = await send(index)
            outcomes.append(Outcome(index, intended, sent, clock(), transaction_id, ""))
        except Exception as error:  # every failure is a result to count, not a crash of the run
            outcomes.append(Outcome(index, intended, sent, clock(), "", describe_error(error)))

    next_arrival = 0
    while next_arrival < len(arrivals):
        due = due_until(offsets, next_arrival, clock() - start_at)
        for position in range(next_arrival, due):
            index, offset = arrivals[position]
            intended = start_at + offset
            if len(in_flight) >= max_in_flight:
                now = clock()
                outcomes.append(Outcome(index, intended, now, now, "", SHED))
                continue
            task = asyncio.create_task(one(index, intended))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        next_arrival = due
        if next_arrival < len(arrivals):
            await asyncio.sleep(max(SHORTEST_WAIT_S, start_at + offsets[next_arrival] - clock()))
    if in_flight:
        await asyncio.gather(*in_flight)
    return outcomes
