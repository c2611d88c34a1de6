"""One subscriber's view of the stream: its replay, its bounded live queue, its gaps and its end.

A subscription is an async iterator of decisions and `Gap`s. A Gap comes just before the decision
it precedes, so a reader can flag that decision (notify_svc) or send a notice first (the edge).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from fraudmesh.decision_stream.errors import SubscriberTooSlow
from fraudmesh.decision_stream.filter import SubscriptionFilter
from fraudmesh.decision_stream.item import StreamItem

log = logging.getLogger("fraudmesh.decision_stream")

T = TypeVar("T", bound=StreamItem)
T_co = TypeVar("T_co", bound=StreamItem, covariant=True)


@dataclass(frozen=True, slots=True)
class Gap:
    """Decisions first_missing..next_sequence-1 can no longer be had; next_sequence comes next.

    first_missing is 1 when the numbering restarted since the subscriber's resume point (the next
    decision is numbered at or below it); then first_missing may equal next_sequence.
    """

    first_missing: int
    next_sequence: int


@dataclass(frozen=True, slots=True)
class _GapMark:
    """Queued where the publisher's numbering jumped: what follows starts after a hole."""

    first_missing: int


class _Reader(Protocol[T_co]):
    def __anext__(self) -> Awaitable[T_co | Gap]: ...

    def next_ready(self) -> T_co | Gap | None: ...


async def gather_batch(reader: _Reader[T], max_items: int) -> list[T | Gap]:
    """A subscription's `next_batch`: its next entry (waiting for it), then what is ready without
    waiting, up to `max_items` decisions."""
    batch = [await reader.__anext__()]
    decisions = 0 if isinstance(batch[0], Gap) else 1
    try:
        # A Gap does not count, so the decision it goes before always follows it here.
        while decisions < max_items:
            entry = reader.next_ready()
            if entry is None:
                break
            batch.append(entry)
            decisions += not isinstance(entry, Gap)
    except StopAsyncIteration:
        pass  # the next call ends: the subscriber first gets what it was given
    return batch


class Subscription(Generic[T]):
    """Ends (StopAsyncIteration) after what is queued when the hub closes; raises SubscriberTooSlow
    when its queue overflowed, or what the hub's `end_all` gave it. Call `close()` when the
    subscriber goes away."""

    def __init__(
        self,
        subscription_filter: SubscriptionFilter,
        name: str,
        queue_size: int,
        replay: Iterable[T],
        position: int,
        gap_from: int | None,
        forget: Callable[[Subscription[T]], None],
    ):
        self.filter = subscription_filter
        self.name = name
        self._queue_size = queue_size
        self._replay = deque(replay)
        # Live decisions; the bound is on how far they get ahead of the subscriber, not on the replay.
        self._queue: deque[T | _GapMark] = deque()
        # The last sequence this subscriber has been given or has passed over: its resume point.
        self._position = position
        # Decisions from this number on are missing before the next one delivered.
        self._gap_from = gap_from
        self._after_gap: T | None = None  # the decision a Gap just handed out goes before
        self._ending: BaseException | None = None
        self._hub_closed = False
        self._wakeup: asyncio.Future[None] | None = None
        self._forget = forget

    @property
    def position(self) -> int:
        return self._position

    @property
    def pending(self) -> int:
        """Decisions waiting for this subscriber (its queue and what is left of its replay)."""
        queued = sum(1 for entry in self._queue if not isinstance(entry, _GapMark))
        return queued + sum(1 for item in self._replay if self.filter.matches(item))

    def close(self) -> None:
        """Unregisters from the hub; idempotent."""
        self._forget(self)

    def __aiter__(self) -> Subscription[T]:
        return self

    async def __anext__(self) -> T | Gap:
        while True:
            entry = self.next_ready()
            if entry is not None:
                return entry
            self._wakeup = asyncio.get_running_loop().create_future()
            try:
                await self._wakeup
            finally:
                self._wakeup = None

    async def next_batch(self, max_items: int) -> list[T | Gap]:
        """The next decision (waiting for it) and whatever else is ready without waiting, up to
        `max_items` decisions, each Gap with the decision after it. Ends and fails as iterating
        does; when the hub closes, only after handing over what it gathered."""
        return await gather_batch(self, max_items)

    def next_ready(self) -> T | Gap | None:
        """The next decision or Gap if one is ready, else None."""
        if self._ending is not None:
            raise self._ending
        if self._after_gap is not None:
            item, self._after_gap = self._after_gap, None
            self._position = item.sequence
            return item
        while self._replay:
            item = self._replay.popleft()
            if self.filter.matches(item):
                return self._deliver(item)
            if self._gap_from is None:  # while a gap is pending, a resume point must still show it
                self._position = item.sequence
        while self._queue:
            entry = self._queue.popleft()
            if isinstance(entry, _GapMark):
                if self._gap_from is None:
                    self._gap_from = entry.first_missing
            elif entry.sequence > self._position:  # a guard; the replay and the queue do not overlap
                return self._deliver(entry)
        if self._hub_closed:
            raise StopAsyncIteration
        return None

    def _deliver(self, item: T) -> T | Gap:
        if self._gap_from is None:
            self._position = item.sequence
            return item
        gap_from, self._gap_from = self._gap_from, None
        if item.sequence == gap_from:
            self._position = item.sequence
            return item  # nothing was missing after all
        self._after_gap = item
        # A decision numbered below the first missing one means the numbering started again.
        return Gap(gap_from if item.sequence > gap_from else 1, item.sequence)

    # --- called by the hub --------------------------------------------------------------------------

    def _offer(self, entry: T | _GapMark) -> bool:
        """Queues a live decision (already matched); False when this cuts the subscriber off."""
        if len(self._queue) >= self._queue_size:
            # Its position is what it has actually been given, so resuming from it loses nothing.
            self._end(SubscriberTooSlow(self._queue_size, self._position))
            log.warning("cut off subscriber %r: %s", self.name, self._ending)
            return False
        self._queue.append(entry)
        self._wake()
        return True

    def _offer_gap(self, first_missing: int) -> bool:
        """Queues word of a hole in the numbering; False when this cuts the subscriber off."""
        return self._offer(_GapMark(first_missing))

    def _end(self, error: BaseException) -> None:
        """Ends the subscription now: its next read raises `error`, whatever is still queued."""
        if self._ending is None:
            self._ending = error
        self._wake()

    def _close_after_queued(self) -> None:
        self._hub_closed = True
        self._wake()

    def _wake(self) -> None:
        wakeup = self._wakeup
        if wakeup is not None and not wakeup.done():
            wakeup.set_result(None)
