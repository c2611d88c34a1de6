"""Decisions written to the journal and not yet read back, and the publish calls waiting for their
sequence numbers.

A transaction id here is being published: a second publish of it (a repeat in the same batch, or
scoring's retry racing the first call) waits for the same number instead of journaling it again.
The follower hands over the decision it reads back, so a record this process wrote is not decoded
again, and settles every call waiting for it.
"""

from __future__ import annotations

import asyncio

from fraud.v1 import decision_pb2

from fraudmesh.errors import DomainError, Unavailable


class PublishWaiter:
    """One publish call's decisions' sequence numbers, by position in its request (0: none)."""

    __slots__ = ("_done", "_error", "_missing", "sequences")

    def __init__(self, size: int):
        self.sequences = [0] * size
        self._missing = 0
        self._error: DomainError | None = None
        # A result, never an exception: a call that gave up already must not leave an unread error.
        self._done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def expect(self) -> None:
        """One more decision of the call waits for its number."""
        self._missing += 1

    def settle(self, index: int, sequence: int) -> None:
        self.sequences[index] = sequence
        self._missing -= 1
        if not self._missing and not self._done.done():
            self._done.set_result(None)

    def fail(self, error: DomainError) -> None:
        if not self._done.done():
            self._error = error
            self._done.set_result(None)

    async def wait(self, timeout: float) -> list[int]:
        """The sequences once every expected one is settled; Unavailable after `timeout` seconds or
        when a decision of the call could not be journaled."""
        if self._missing:
            try:
                await asyncio.wait_for(self._done, timeout)
            except TimeoutError:
                raise Unavailable("notify_svc's journal did not number the decisions in time; retry") from None
        if self._error is not None:
            raise self._error
        return self.sequences


class Journaling:
    """One decision on its way through the journal, and who waits for its number."""

    __slots__ = ("decision", "waiters")

    def __init__(self, decision: decision_pb2.ScoredTransaction):
        self.decision = decision
        self.waiters: list[tuple[PublishWaiter, int]] = []

    def wait(self, waiter: PublishWaiter, index: int) -> None:
        waiter.expect()
        self.waiters.append((waiter, index))

    def settle(self, sequence: int) -> None:
        for waiter, index in self.waiters:
            waiter.settle(index, sequence)

    def fail(self, error: DomainError) -> None:
        for waiter, _ in self.waiters:
            waiter.fail(error)


class InFlight:
    def __init__(self) -> None:
        self._by_transaction: dict[str, Journaling] = {}

    def __len__(self) -> int:
        return len(self._by_transaction)

    def get(self, transaction_id: str) -> Journaling | None:
        return self._by_transaction.get(transaction_id)

    def add(self, transaction_id: str, decision: decision_pb2.ScoredTransaction) -> Journaling:
        journaling = self._by_transaction[transaction_id] = Journaling(decision)
        return journaling

    def take(self, transaction_id: str) -> Journaling | None:
        """Removes and returns the transaction's entry: its record was read back, or never written."""
        return self._by_transaction.pop(transaction_id, None)

    def fail_all(self, error: DomainError) -> None:
        """Fails every waiting call (the service is stopping); the records may still be read back."""
        entries, self._by_transaction = self._by_transaction, {}
        for journaling in entries.values():
            journaling.fail(error)
