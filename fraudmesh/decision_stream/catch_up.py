"""A subscription that resumes from before the hub's window: it reads the decisions it missed from an
older source (notify_svc's journal; notify_svc itself, for the edge) and hands over to the hub as soon
as the hub holds everything after what it has read, without a gap or a repeat at the join.

It reads and hands out like a `Subscription`, and is one from the hand-over on. The older source
pages at the subscriber's pace, so a subscriber far behind is never cut off for it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from fraudmesh.decision_stream.filter import SubscriptionFilter
from fraudmesh.decision_stream.hub import StreamHub
from fraudmesh.decision_stream.item import StreamItem
from fraudmesh.decision_stream.subscription import Gap, Subscription, gather_batch

T = TypeVar("T", bound=StreamItem)


@dataclass(frozen=True, slots=True)
class Missing:
    """Said by an older source: some decisions between the one it gave before and the one it gives
    next can no longer be had."""


class OlderDecisions(Protocol[T]):
    async def read(self) -> list[T | Missing]:
        """The next decisions after those read, oldest first, with Missing where some are gone; []
        when none came for a while. Raises what ends the subscription (e.g. Unavailable)."""
        ...

    def close(self) -> None:
        """Lets go of the source; it is not read again."""
        ...


class CatchUp(Generic[T]):
    def __init__(
        self,
        hub: StreamHub[T],
        older: OlderDecisions[T],
        subscription_filter: SubscriptionFilter,
        after: int,
        name: str = "",
    ):
        self.filter = subscription_filter
        self.name = name
        self._hub = hub
        self._older: OlderDecisions[T] | None = older
        self._read: deque[T | Missing] = deque()
        self._passed = after  # the newest sequence read from the older source
        self._position = after  # the resume point: what was handed out or passed over
        self._missing_from: int | None = None  # decisions from here on were missing before the next
        self._after_gap: T | None = None  # the decision a Gap just handed out goes before
        self._live: Subscription[T] | None = None

    @property
    def position(self) -> int:
        return self._live.position if self._live is not None else self._position

    @property
    def pending(self) -> int:
        """Decisions read and waiting for the subscriber."""
        if self._live is not None:
            return self._live.pending
        return sum(1 for entry in self._read if not isinstance(entry, Missing) and self.filter.matches(entry))

    @property
    def joined(self) -> bool:
        """True once the hub serves it."""
        return self._live is not None

    def close(self) -> None:
        """Lets go of the older source or unregisters from the hub; idempotent."""
        self._drop_older()
        if self._live is not None:
            self._live.close()

    def __aiter__(self) -> CatchUp[T]:
        return self

    async def __anext__(self) -> T | Gap:
        while True:
            entry = self.next_ready()
            if entry is not None:
                return entry
            if self._live is not None:
                return await self._live.__anext__()
            older = self._older
            if older is None:  # closed by its subscriber
                raise StopAsyncIteration
            read = await older.read()
            if read:
                self._read.extend(read)
            elif not self._hub.closed and self._join(self._passed):
                continue  # the source has nothing newer, and the hub holds the rest
            elif self._hub.closed:
                raise StopAsyncIteration

    async def next_batch(self, max_items: int) -> list[T | Gap]:
        """As Subscription.next_batch."""
        return await gather_batch(self, max_items)

    def next_ready(self) -> T | Gap | None:
        """The next decision or Gap if one is ready, else None."""
        if self._live is not None:
            return self._live.next_ready()
        if self._after_gap is not None:
            item, self._after_gap = self._after_gap, None
            self._position = item.sequence
            return item
        read = self._read
        while read:
            entry = read.popleft()
            if isinstance(entry, Missing):
                if self._missing_from is None:
                    self._missing_from = self._passed + 1
                continue
            sequence = entry.sequence
            if not self._hub.closed and self._join(sequence - 1):
                return self.next_ready()
            self._passed = sequence
            if self.filter.matches(entry):
                return self._deliver(entry)
            if self._missing_from is None:  # while a gap is pending, a resume point must still show it
                self._position = sequence
        if self._hub.closed:
            raise StopAsyncIteration
        return None

    def _deliver(self, item: T) -> T | Gap:
        missing_from, self._missing_from = self._missing_from, None
        if missing_from is None or missing_from >= item.sequence:
            self._position = item.sequence
            return item
        self._after_gap = item
        return Gap(missing_from, item.sequence)

    def _join(self, after: int) -> bool:
        """Hands over to the hub if it holds every decision after `after`; True when it did. What
        was read beyond `after` is dropped: the hub replays it."""
        if not self._hub.covers(after):
            return False
        self._live = self._hub.subscribe(self.filter, after, self.name, self._missing_from)
        self._missing_from = None
        self._drop_older()
        return True

    def _drop_older(self) -> None:
        self._read.clear()
        older, self._older = self._older, None
        if older is not None:
            older.close()
