"""The journal from a sequence on, for a subscriber resuming from before the window: the older source
of its CatchUp (fraudmesh.decision_stream), read a page at a time as the subscriber takes them.

Where retention has dropped records the subscriber asked for, it says Missing before the oldest
kept one. A transaction met again within the last `reach` records read is skipped, as the follower
skips it (see follower.py).
"""

from __future__ import annotations

from collections import deque

from fraudmesh.decision_stream import Missing
from notify_svc.follower import decode
from notify_svc.hub import Notification
from notify_svc.journal_reader import JournalReader

PAGE = 1000
WAIT_SECONDS = 0.2


class JournalDecisions:
    def __init__(self, reader: JournalReader, after_sequence: int, reach: int):
        self._reader = reader
        self._next_offset = after_sequence  # sequence after_sequence + 1 is at offset after_sequence
        self._started = False
        self._reach = reach
        self._seen: set[str] = set()
        self._seen_order: deque[str] = deque()

    async def read(self) -> list[Notification | Missing]:
        if not self._started:
            await self._reader.start_at(self._next_offset)
            self._started = True
        records = await self._reader.read(PAGE, WAIT_SECONDS)
        found: list[Notification | Missing] = []
        for offset, key, value in records:
            if offset > self._next_offset:
                found.append(Missing())
            self._next_offset = offset + 1
            transaction_id = key.decode()
            if not self._first_time(transaction_id):
                continue
            decision = decode(offset, value)
            if decision is not None:
                found.append(Notification(offset + 1, decision))
        return found

    def _first_time(self, transaction_id: str) -> bool:
        seen = self._seen
        if transaction_id in seen:
            return False
        seen.add(transaction_id)
        order = self._seen_order
        order.append(transaction_id)
        if len(order) > self._reach:
            seen.discard(order.popleft())
        return True

    def close(self) -> None:
        self._reader.close()
