"""What the feature engine remembers about every user, as a few columnar numpy arrays with one row
per user: window buckets, running summaries, the latest place, the user's recently used merchants
and places as 32-bit keys, and the ids of the user's latest transactions as 64-bit hashes. A row is
711 bytes, whatever the user's history, so a million users fit in well under a gigabyte; no Python
object is kept per user except the id.

The latest transaction ids make folding exactly once: a transaction delivered again (re-read after a
crash or a rebalance, a dead letter replayed) whose id is among them is scored on the state as it
stands and not folded in a second time (features/kernel.py). Twelve ids cover what a re-delivery can
bring again (the batches in flight and one commit interval) for all but the busiest customers.

Each row also notes the Kafka partition the user's events came from, so that an instance can forget
the users of a partition it gets back after another instance owned it: their rows would miss
whatever the other instance saw. A forgotten user's row is cleared and reused.

A table may be given an upper bound on its users (`max_users`). Each row notes when its user was last
seen (a counter bumped on every `slot()` call), and when a new user would pass the bound the least
recently seen share (EVICT_SHARE) of the users is forgotten at once, as a returning partition's are:
one sweep of the rows every so many new users rather than bookkeeping on every event. An evicted user
who comes back is new to the table, and the scoring service warms them from the store's history as
it does any user it meets first, so their features stay right."""

from __future__ import annotations

import itertools

import numpy as np

from fraudmodel.features.kernel import EMPTY_HEAD, INT_COLUMNS, LATEST, PREV_T, REAL_COLUMNS
from fraudmodel.features.names import KNOWN_MERCHANTS_CAP, KNOWN_PLACES_CAP, WINDOW_STEPS, WINDOWS

WINDOW_COUNT = len(WINDOWS)
_GROWTH = 1.25  # modest, so spare capacity stays a small part of the memory
_MIN_CAPACITY = 1024
NO_PARTITION = -1  # a user whose events did not come from Kafka (warmed from a file, restored)
RECENT_IDS = 12  # transaction ids remembered per user, to recognise one delivered again
# Forgotten at once when the table is full: a sweep costs a pass over the rows, so it is done for a
# share of them, not one user at a time; the users still held stay within 95..100% of the bound.
EVICT_SHARE = 0.05
_NEVER = np.iinfo(np.int64).max  # last_seen of a row nobody holds: never picked for eviction
# name -> (shape of one user's row, dtype); the order is the kernel's argument order.
COLUMNS: dict[str, tuple[tuple[int, ...], type]] = {
    "counts": ((WINDOW_COUNT, WINDOW_STEPS), np.uint16),
    "sums": ((WINDOW_COUNT - 1, WINDOW_STEPS), np.float32),  # the shortest window has no sum feature
    "heads": ((WINDOW_COUNT,), np.int32),
    "reals": ((REAL_COLUMNS,), np.float64),
    "ints": ((INT_COLUMNS,), np.int32),
    "merchants": ((KNOWN_MERCHANTS_CAP,), np.uint32),
    "places": ((KNOWN_PLACES_CAP,), np.uint32),
    "key_lengths": ((2,), np.uint8),
    "recent_ids": ((RECENT_IDS,), np.uint64),  # a ring of hashed ids (0: none), oldest overwritten first
    "recent_next": ((), np.uint8),  # where in the ring the next id goes
}


class UserTable:
    def __init__(self, capacity: int = _MIN_CAPACITY, max_users: int | None = None) -> None:
        if max_users is not None and max_users < 1:
            raise ValueError(f"max_users must be at least 1, got {max_users}")
        self.max_users = max_users
        if max_users is not None:
            capacity = min(capacity, max_users)
        self.slots: dict[str, int] = {}
        self.columns: dict[str, np.ndarray] = {
            name: np.empty((capacity, *shape), dtype) for name, (shape, dtype) in COLUMNS.items()
        }
        # Not part of the kernel's state nor of a snapshot: where the service read each user's events.
        self.partitions = np.empty(capacity, np.int16)
        # Not in a snapshot either: for eviction, when each row's user was last seen, and who holds it.
        self.last_seen = np.empty(capacity, np.int64)
        self._user_of_row: list[str | None] = [None] * capacity
        self._seen = itertools.count()  # where last_seen takes its values from
        self.evicted = 0  # users forgotten to keep within max_users, since the table was made
        self._rows_used = 0  # rows handed out so far; a forgotten user's row goes to _free_rows
        self._free_rows: list[int] = []
        self._clear(0, capacity)

    def __len__(self) -> int:
        return len(self.slots)

    def __contains__(self, user_id: str) -> bool:
        return user_id in self.slots

    @property
    def capacity(self) -> int:
        return len(self.columns["heads"])

    def slot(self, user_id: str) -> int:
        """The user's row, added (empty) when the user is new."""
        slot = self.slots.get(user_id)
        if slot is None:
            if self.max_users is not None and len(self.slots) >= self.max_users:
                self._evict(max(1, int(self.max_users * EVICT_SHARE)) + len(self.slots) - self.max_users)
            if self._free_rows:
                slot = self._free_rows.pop()
            else:
                slot = self._rows_used
                if slot == self.capacity:
                    self._grow(max(_MIN_CAPACITY, int(slot * _GROWTH)))
                self._rows_used += 1
            self.slots[user_id] = slot
            self._user_of_row[slot] = user_id
        # Every call, not only for a new user: a user looked up for this batch must not be the one a
        # new user of the same batch evicts (its row would then be handed to someone else).
        self.last_seen[slot] = next(self._seen)
        return slot

    def _evict(self, count: int) -> None:
        """Forgets the `count` least recently seen users; their rows are cleared and reused."""
        held = self.last_seen[: self._rows_used]
        count = min(count, len(self.slots))
        if count <= 0:
            return
        rows = np.argpartition(held, count - 1)[:count] if count < len(held) else np.arange(len(held))
        rows = rows[held[rows] != _NEVER]
        user_of_row = self._user_of_row
        for row in rows.tolist():
            del self.slots[user_of_row[row]]
        self._free_rows.extend(rows.tolist())
        self._clear_rows(rows)
        self.evicted += len(rows)

    def forget_partitions(self, partitions: set[int]) -> int:
        """Forgets every user last seen on one of `partitions`, and those of no known partition (warmed
        for a what-if, or for a batch a rebalance dropped: they may belong to one); returns how many."""
        if not partitions:
            return 0
        users = list(self.slots)
        rows = np.fromiter(self.slots.values(), np.int64, len(users))
        stale = np.flatnonzero(np.isin(self.partitions[rows], [*partitions, NO_PARTITION]))
        for index in stale.tolist():
            del self.slots[users[index]]
        self._free_rows.extend(rows[stale].tolist())
        self._clear_rows(rows[stale])
        return len(stale)

    def kernel_arrays(self) -> tuple[np.ndarray, ...]:
        return tuple(self.columns[name] for name in COLUMNS)

    def copy_of(self, user_ids: set[str]) -> UserTable:
        """A scratch table holding copies of these users' rows (empty rows for unknown users)."""
        twin = UserTable(max(len(user_ids), 1))
        known = [u for u in user_ids if u in self.slots]
        rows = [self.slots[u] for u in known]
        for user_id in known:
            twin.slot(user_id)
        for name, column in self.columns.items():
            twin.columns[name][: len(rows)] = column[rows]
        return twin

    def to_arrays(self) -> dict[str, np.ndarray]:
        rows = list(self.slots.values())
        arrays = {name: column[rows] for name, column in self.columns.items()}
        arrays["user_ids"] = np.array(list(self.slots), dtype=np.str_) if rows else np.empty(0, np.str_)
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], max_users: int | None = None) -> UserTable:
        """A table of a snapshot's users; with `max_users` below their number, the first new user
        met evicts the surplus with the usual share (a snapshot keeps no recency: any of them may go)."""
        user_ids = [str(u) for u in arrays["user_ids"]]
        table = cls(max(len(user_ids), _MIN_CAPACITY))
        table.max_users = max_users
        for name, (shape, dtype) in COLUMNS.items():
            data = arrays[name]
            if data.shape != (len(user_ids), *shape) or data.dtype != dtype:
                raise ValueError(
                    f"state snapshot: column {name} has shape {data.shape} {data.dtype}, "
                    f"expected {(len(user_ids), *shape)} {np.dtype(dtype)}"
                )
            table.columns[name][: len(user_ids)] = data
        table.slots = {u: i for i, u in enumerate(user_ids)}
        table._user_of_row[: len(user_ids)] = user_ids
        table.last_seen[: len(user_ids)] = 0
        table._rows_used = len(user_ids)
        return table

    def _grow(self, capacity: int) -> None:
        old = self.capacity
        if self.max_users is not None:
            capacity = max(min(capacity, self.max_users), old + 1)
        for name, column in self.columns.items():
            bigger = np.empty((capacity, *column.shape[1:]), column.dtype)
            bigger[:old] = column
            self.columns[name] = bigger
        for name in ("partitions", "last_seen"):
            column = getattr(self, name)
            bigger = np.empty(capacity, column.dtype)
            bigger[:old] = column
            setattr(self, name, bigger)
        self._user_of_row.extend([None] * (capacity - old))
        self._clear(old, capacity)

    def _clear(self, start: int, stop: int) -> None:
        self._clear_rows(slice(start, stop))

    def _clear_rows(self, rows: slice | np.ndarray) -> None:
        """Empty rows: no events, no latest place, no partition."""
        for column in self.columns.values():
            column[rows] = 0
        self.columns["heads"][rows] = EMPTY_HEAD
        self.columns["reals"][rows, LATEST] = -np.inf
        self.columns["reals"][rows, PREV_T] = -np.inf
        self.partitions[rows] = NO_PARTITION
        self.last_seen[rows] = _NEVER
        if isinstance(rows, slice):
            self._user_of_row[rows] = [None] * len(range(*rows.indices(len(self._user_of_row))))
        else:
            for row in rows.tolist():
                self._user_of_row[row] = None
