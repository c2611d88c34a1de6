"""Membership of a batch's values in a named list at a cost that does not grow with the list.

A Python set answers one value in constant time, but a set of 100,000 strings spreads over megabytes,
so each lookup is a cache miss. Here each list also keeps a table of one byte per slot, marking
the slots its entries' hashes fall in, small enough to stay in cache; a batch's values are hashed
once per field, tested against the table in one numpy gather, and only the few that hit a marked
slot (its entries, and about one in eight others) are looked up in the set. Exact: a value in the
list always marks its slot, and every candidate is confirmed by the set."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_SLOTS_PER_ENTRY = 8
_MIN_SLOTS = 1 << 10
_MAX_SLOTS = 1 << 22


class ListIndex:
    def __init__(self, entries: frozenset[str]):
        self.entries = entries
        slots = _MIN_SLOTS
        while slots < _SLOTS_PER_ENTRY * len(entries) and slots < _MAX_SLOTS:
            slots <<= 1
        self._mask = slots - 1
        self._marked = np.zeros(slots, dtype=bool)
        if entries:
            hashes = np.fromiter(map(hash, entries), dtype=np.int64, count=len(entries))
            self._marked[hashes & self._mask] = True

    def contains(self, values: Sequence[str] | np.ndarray, hashes: np.ndarray) -> np.ndarray:
        """`hashes[i]` is `hash(values[i])` (BatchView.hashes keeps them per field)."""
        flags = self._marked[hashes & self._mask]
        candidates = np.flatnonzero(flags)
        if candidates.size:
            entries = self.entries
            flags[candidates] = [values[i] in entries for i in candidates.tolist()]
        return flags
