"""Idempotency keys in memory. The durable record of every key, which outlives a restart, is the
`idempotency_keys` table (idempotency_store.py); this cache in front of it answers most repeats
without asking PostgreSQL, and makes concurrent repeats of one key wait for the first instead of
racing it."""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from typing import Generic, TypeVar


def new_id() -> str:
    return str(uuid.uuid4())


Answer = TypeVar("Answer")


class IdempotencyCache(Generic[Answer]):
    """Remembers accepted (user, key) pairs with what a repeat is to be told (the ingestor stores the
    first transaction's id and time of receipt), least recently used first out."""

    def __init__(self, capacity: int):
        self._capacity = capacity
        self._accepted: OrderedDict[tuple[str, str], Answer] = OrderedDict()
        self._in_flight: dict[tuple[str, str], asyncio.Future[Answer]] = {}

    def accepted_at(self, user_id: str, key: str) -> Answer | None:
        answer = self._accepted.get((user_id, key))
        if answer is not None:
            self._accepted.move_to_end((user_id, key))
        return answer

    def in_flight(self, user_id: str, key: str) -> asyncio.Future[Answer] | None:
        return self._in_flight.get((user_id, key))

    def begin(self, user_id: str, key: str) -> asyncio.Future[Answer]:
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._in_flight[(user_id, key)] = future
        return future

    def finish(self, user_id: str, key: str, answer: Answer | None, error: BaseException | None = None) -> None:
        future = self._in_flight.pop((user_id, key))
        if error is not None:
            future.set_exception(error)
            future.exception()  # mark retrieved: waiters re-raise it, nobody else needs to
            return
        assert answer is not None
        future.set_result(answer)
        self._accepted[(user_id, key)] = answer
        if len(self._accepted) > self._capacity:
            self._accepted.popitem(last=False)
