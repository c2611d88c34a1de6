"""The most recent decisions of a stream, in sequence order, and each one's transaction id.

Sequences follow each other directly, except where the publisher says a number carries no decision
(`skip_to`: notify_svc's journal can hold a repeated record, whose offset numbers nothing).
"""

from __future__ import annotations

import bisect
import itertools
from collections import deque
from typing import Generic, TypeVar

from fraudmesh.decision_stream.item import StreamItem

T = TypeVar("T", bound=StreamItem)


def _sequence_of(item: StreamItem) -> int:
    return item.sequence


class RetainedWindow(Generic[T]):
    def __init__(self, capacity: int):
        if capacity < 1:
            raise ValueError(f"a retained window holds at least 1 decision, not {capacity}")
        self._capacity = capacity
        self._items: deque[T] = deque()
        self._by_transaction: dict[str, T] = {}
        self._last_sequence = 0
        # Every number above this one, up to the newest, is held or numbers no decision: the
        # oldest resume point served whole. Below the first held item, as numbers may be skipped.
        self._floor = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def last_sequence(self) -> int:
        """The newest sequence appended or skipped; 0 before the first."""
        return self._last_sequence

    @property
    def first_sequence(self) -> int:
        """The oldest sequence held (last_sequence + 1 when nothing is)."""
        return self._items[0].sequence if self._items else self._last_sequence + 1

    def covers(self, after: int) -> bool:
        """True when every decision numbered above `after` that exists is held."""
        floor = self._floor if self._items else self._last_sequence
        return floor <= after <= self._last_sequence

    def append(self, item: T) -> None:
        """Adds the next decision: it follows the newest (or a skipped number) directly, or the
        window is empty."""
        items = self._items
        if not items:
            self._floor = item.sequence - 1
        elif item.sequence != self._last_sequence + 1:
            raise ValueError(f"sequence {item.sequence} does not follow {self._last_sequence}; clear() first")
        if len(items) == self._capacity:
            evicted = items.popleft()
            self._floor = evicted.sequence
            # A transaction id met again later (numbered anew after it left a publisher's window) stays.
            if self._by_transaction.get(evicted.transaction_id) is evicted:
                del self._by_transaction[evicted.transaction_id]
        items.append(item)
        self._by_transaction[item.transaction_id] = item
        self._last_sequence = item.sequence

    def skip_to(self, sequence: int) -> None:
        """The numbers after the newest, up to `sequence`, carry no decision: nothing is missing
        there, and the next decision follows `sequence`."""
        if sequence <= self._last_sequence:
            raise ValueError(f"cannot skip to {sequence}: {self._last_sequence} is already numbered")
        self._last_sequence = sequence

    def after(self, sequence: int) -> list[T]:
        """The held decisions numbered above `sequence`, oldest first (all of them for an older one)."""
        items = self._items
        if sequence >= self._last_sequence or not items:
            return []
        if sequence < items[0].sequence:
            return list(items)
        count = len(items) - bisect.bisect_right(items, sequence, key=_sequence_of)
        # From the newest end: a resume point is usually near it, and the window may be long.
        newest = list(itertools.islice(reversed(items), count))
        newest.reverse()
        return newest

    def find(self, transaction_id: str) -> T | None:
        return self._by_transaction.get(transaction_id)

    def clear(self) -> None:
        """Forgets every decision (the numbering jumped or restarted); last_sequence stays until the next."""
        self._items.clear()
        self._by_transaction.clear()
