"""Accepting transactions: normalise, validate, give each its id, publish, answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, cast

from fraud.v1 import transaction_pb2

from fraudmesh.errors import DomainError, FieldViolation, InvalidArgument
from fraudmesh.transaction_rules import normalise
from fraudmesh.validation import violations_of
from ingest_svc.idempotency import IdempotencyCache, new_id
from ingest_svc.idempotency_store import IdempotencyStore
from ingest_svc.keyed_submissions import IdempotencyKey, IdempotencyKeys, Remembered, Settled


class Publisher(Protocol):
    async def publish_each(
        self, transactions: Sequence[transaction_pb2.Transaction]
    ) -> Sequence[DomainError | None]: ...


@dataclass(frozen=True, slots=True)
class Accepted:
    transaction_id: str
    duplicate: bool
    received_at_ns: int  # nanoseconds since the Unix epoch, as protobuf's Timestamp takes them


Outcome = Accepted | DomainError


def _repeat(first: Remembered) -> Accepted:
    return Accepted(first.transaction_id, duplicate=True, received_at_ns=first.received_at_ns)


class Ingestor:
    def __init__(
        self,
        publisher: Publisher,
        idempotency: IdempotencyCache[Remembered],
        clock: Callable[[], int] = time.time_ns,
        durable_keys: IdempotencyStore | None = None,
    ):
        self._publisher = publisher
        self._keys = IdempotencyKeys(idempotency, durable_keys)
        self._clock = clock

    async def submit(self, txn: transaction_pb2.TransactionInput) -> Accepted:
        (outcome,) = await self.submit_each([txn], {})
        if isinstance(outcome, DomainError):
            raise outcome
        return outcome

    async def submit_batch(self, inputs: Sequence[transaction_pb2.TransactionInput]) -> list[Accepted]:
        """Checks all first: one invalid transaction rejects the whole batch and nothing is produced."""
        violations: list[FieldViolation] = []
        for index, txn in enumerate(inputs):
            violations += normalise(txn, f"transactions[{index}].")
        if violations:
            raise InvalidArgument(violations)
        accepted: list[Accepted] = []
        for outcome in await self.submit_each(inputs, {}):
            if isinstance(outcome, DomainError):
                raise outcome
            accepted.append(outcome)
        return accepted

    async def submit_each(
        self, inputs: Sequence[transaction_pb2.TransactionInput], rule_violations: dict[int, list[FieldViolation]]
    ) -> list[Outcome]:
        """Each transaction on its own, as `submit` would take it: its outcome is its id or its own
        error. `rule_violations` are the contract's rules each one broke, by position.

        One pass sorts them (refused, answered from memory, waiting for a first attempt in flight,
        keyed, new); one statement claims all the keyed ones in PostgreSQL; all to be produced are
        produced together and waited for once: a task per transaction would be a large part of the
        call's CPU."""
        outcomes: list[Outcome | None] = [None] * len(inputs)
        fresh: list[tuple[int, transaction_pb2.Transaction, IdempotencyKey | None]] = []
        keyed: list[tuple[int, transaction_pb2.TransactionInput, IdempotencyKey]] = []
        repeats: list[tuple[int, asyncio.Future[Remembered]]] = []
        # Whole microseconds, as PostgreSQL keeps them: a repeat answered from there is told the same time.
        received_at_ns = self._clock() // 1000 * 1000
        for index, txn in enumerate(inputs):
            violations = rule_violations.get(index) or normalise(txn, "transaction.")
            if violations:
                outcomes[index] = InvalidArgument(violations)
                continue
            if not txn.idempotency_key:
                fresh.append((index, _record(txn, new_id(), received_at_ns), None))
                continue
            key = (txn.user_id, txn.idempotency_key)
            earlier = self._keys.remembered(key, received_at_ns)
            if earlier is not None:
                outcomes[index] = _repeat(earlier)
                continue
            pending = self._keys.in_flight(key)
            if pending is not None:  # also a repeat within this very call
                repeats.append((index, pending))
                continue
            self._keys.begin(key)
            keyed.append((index, txn, key))
        if keyed:
            decided = await self._keys.claim([key for _, _, key in keyed], received_at_ns)
            for index, txn, key in keyed:
                decision = decided[key]
                if isinstance(decision, str):
                    fresh.append((index, _record(txn, decision, received_at_ns), key))
                else:
                    outcomes[index] = _repeat(decision) if isinstance(decision, Remembered) else decision
        await self._publish(fresh, received_at_ns, outcomes)
        for index, pending in repeats:
            try:
                outcomes[index] = _repeat(await asyncio.shield(pending))
            except DomainError as error:  # the first attempt failed: so does its repeat
                outcomes[index] = error
        return cast("list[Outcome]", outcomes)  # every place is filled by now

    async def replay(self, transaction: transaction_pb2.Transaction) -> str:
        """Puts a transaction ingest accepted earlier back on the topic exactly as it is (its id and
        received_at kept, keyed by its user as before), for a dead letter's replay, and returns its
        id once the broker has it. Every later hop recognises the id, so a transaction replayed twice
        is still decided, stored and notified once.

        Raises InvalidArgument for a transaction ingest would never have accepted, naming its fields
        as `transaction.<path>`, and Unavailable when Kafka does not take it."""
        violations = violations_of(transaction, "transaction.")
        violations += [
            FieldViolation(f"transaction.{name}", "required", "is required: a replay puts back what ingest accepted")
            for name in ("input", "received_at")
            if not transaction.HasField(name)
        ]
        if not violations:
            # Ingest's own rules, on a copy: normalising fills defaults, and the record goes as it came.
            submitted = transaction_pb2.TransactionInput()
            submitted.CopyFrom(transaction.input)
            violations = normalise(submitted, "transaction.input.")
        if violations:
            raise InvalidArgument(violations)
        (error,) = await self._publisher.publish_each([transaction])
        if error is not None:
            raise error
        return transaction.id

    async def _publish(
        self,
        fresh: list[tuple[int, transaction_pb2.Transaction, IdempotencyKey | None]],
        received_at_ns: int,
        outcomes: list[Outcome | None],
    ) -> None:
        """Produces the new transactions and settles each one's outcome and idempotency key."""
        if not fresh:
            return
        try:
            errors = await self._publisher.publish_each([record for _, record, _ in fresh])
        except BaseException as interrupted:  # cancelled, or a bug: no key may stay in flight for good
            self._keys.abandon([key for _, _, key in fresh if key is not None], interrupted)
            raise
        settled: list[Settled] = []
        for (index, record, key), error in zip(fresh, errors, strict=True):
            if key is not None:
                settled.append((key, record.id, error))
            outcomes[index] = error or Accepted(record.id, duplicate=False, received_at_ns=received_at_ns)
        if settled:
            await self._keys.settle(settled, received_at_ns)


def _record(
    txn: transaction_pb2.TransactionInput, transaction_id: str, received_at_ns: int
) -> transaction_pb2.Transaction:
    record = transaction_pb2.Transaction(id=transaction_id, input=txn)
    record.received_at.FromNanoseconds(received_at_ns)
    if not txn.HasField("occurred_at"):
        record.input.occurred_at.CopyFrom(record.received_at)
    return record
