"""Idempotency keys. A key maps to the same transaction id forever (a name-based UUID), so even a
repeat that reaches a restarted ingest produces a record with the same id, which store and notify
de-duplicate. The in-memory cache answers most repeats without producing at all, and makes
concurrent repeats of one key wait for the first instead of racing it."""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict

# A fixed namespace for name-based ids; changing it would change every idempotent id.
_NAMESPACE = uuid.UUID("3f1d4f4e-8d0c-4c1e-9a57-2f4f7f6f0a11")


def id_for_key(user_id: str, key: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{user_id}\x00{key}"))


def new_id() -> str:
    return str(uuid.uuid4())


class IdempotencyCache:
    """Remembers accepted (user, key) pairs with when they were received (nanoseconds since the
    epoch, or whatever the caller stores), least recently used first out."""

    def __init__(self, capacity: int):
        self._capacity = capacity
        self._accepted: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._in_flight: dict[tuple[str, str], asyncio.Future[int]] = {}

    def accepted_at(self, user_id: str, key: str) -> int | None:
        received = self._accepted.get((user_id, key))
        if received is not None:
            self._accepted.move_to_end((user_id, key))
        return received

    def in_flight(self, user_id: str, key: str) -> asyncio.Future[int] | None:
        return self._in_flight.get((user_id, key))

    def begin(self, user_id: str, key: str) -> asyncio.Future[int]:
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._in_flight[(user_id, key)] = future
        return future

    def finish(self, user_id: str, key: str, received_at: int | None, error: BaseException | None = None) -> None:
        future = self._in_flight.pop((user_id, key))
        if error is not None:
            future.set_exception(error)
            future.exception()  # mark retrieved: waiters re-raise it, nobody else needs to
            return
        assert received_at is not None
        future.set_result(received_at)
        self._accepted[(user_id, key)] = received_at
        if len(self._accepted) > self._capacity:
            self._accepted.popitem(last=False)
