"""The most recent decisions of a stream, consecutive by sequence, and each one's transaction id."""

from __future__ import annotations

import itertools
from collections import deque
from typing import Generic, TypeVar

from fraudmesh.decision_stream.item import StreamItem

T = TypeVar("T", bound=StreamItem)


class RetainedWindow(Generic[T]):
    def __init__(self, capacity: int):
        if capacity < 1:
            raise ValueError(f"a retained window holds at least 1 decision, not {capacity}")
        self._capacity = capacity
        self._items: deque[T] = deque()
        self._by_transaction: dict[str, T] = {}
        self._last_sequence = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def last_sequence(self) -> int:
        """The newest sequence appended; 0 before the first."""
        return self._last_sequence

    @property
    def first_sequence(self) -> int:
        """The oldest sequence held (last_sequence + 1 when nothing is)."""
        return self._items[0].sequence if self._items else self._last_sequence + 1

    def covers(self, after: int) -> bool:
        """True when every decision numbered above `after` that exists is held."""
        return self.first_sequence - 1 <= after <= self._last_sequence

    def append(self, item: T) -> None:
        """Adds the next decision: it follows the newest directly, or the window is empty."""
        if self._items and item.sequence != self._last_sequence + 1:
            raise ValueError(f"sequence {item.sequence} does not follow {self._last_sequence}; clear() first")
        if len(self._items) == self._capacity:
            evicted = self._items.popleft()
            # A transaction id met again later (numbered anew after it left a publisher's window) stays.
            if self._by_transaction.get(evicted.transaction_id) is evicted:
                del self._by_transaction[evicted.transaction_id]
        self._items.append(item)
        self._by_transaction[item.transaction_id] = item
        self._last_sequence = item.sequence

    def after(self, sequence: int) -> list[T]:
        """The held decisions numbered above `sequence`, oldest first (all of them for an older one)."""
        count = min(len(self._items), max(0, self._last_sequence - sequence))
        # From the newest end: a resume point is usually near it, and the window may be long.
        items = list(itertools.islice(reversed(self._items), count))
        items.reverse()
        return items

    def find(self, transaction_id: str) -> T | None:
        return self._by_transaction.get(transaction_id)

    def clear(self) -> None:
        """Forgets every decision (the numbering jumped or restarted); last_sequence stays until the next."""
        self._items.clear()
        self._by_transaction.clear()
