"""Callers waiting for one transaction's decision to be published."""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

T = TypeVar("T")


class Waiters(Generic[T]):
    def __init__(self) -> None:
        self._futures: dict[str, list[asyncio.Future[T]]] = {}

    def __len__(self) -> int:
        """How many transaction ids are waited for."""
        return len(self._futures)

    async def wait(self, transaction_id: str, timeout: float) -> T | None:
        """What `resolve` hands over for the transaction within `timeout` seconds, else None."""
        waiter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._futures.setdefault(transaction_id, []).append(waiter)
        try:
            return await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            return None
        finally:
            waiting = self._futures.get(transaction_id)
            if waiting is not None and waiter in waiting:
                waiting.remove(waiter)
                if not waiting:
                    del self._futures[transaction_id]

    def resolve(self, transaction_id: str, item: T) -> None:
        for waiter in self._futures.pop(transaction_id, ()):
            if not waiter.done():
                waiter.set_result(item)
