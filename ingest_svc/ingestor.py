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
from ingest_svc.idempotency import IdempotencyCache, id_for_key, new_id


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
IdempotencyKey = tuple[str, str]  # user id, key


class Ingestor:
    def __init__(
        self,
        publisher: Publisher,
        idempotency: IdempotencyCache,
        clock: Callable[[], int] = time.time_ns,
    ):
        self._publisher = publisher
        self._idempotency = idempotency
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

        One pass sorts them (refused, answered from the idempotency cache, waiting for a first
        attempt in flight, new), and all the new ones are produced together and waited for once:
        a task per transaction would be a large part of the call's CPU."""
        outcomes: list[Outcome | None] = [None] * len(inputs)
        fresh: list[tuple[int, transaction_pb2.Transaction, IdempotencyKey | None]] = []
        repeats: list[tuple[int, str, asyncio.Future[int]]] = []
        received_at_ns = self._clock()
        for index, txn in enumerate(inputs):
            violations = rule_violations.get(index) or normalise(txn, "transaction.")
            if violations:
                outcomes[index] = InvalidArgument(violations)
                continue
            key = txn.idempotency_key
            if not key:
                fresh.append((index, _record(txn, new_id(), received_at_ns), None))
                continue
            user = txn.user_id
            transaction_id = id_for_key(user, key)
            earlier = self._idempotency.accepted_at(user, key)
            if earlier is not None:
                outcomes[index] = Accepted(transaction_id, duplicate=True, received_at_ns=earlier)
                continue
            pending = self._idempotency.in_flight(user, key)
            if pending is not None:  # also a repeat within this very call
                repeats.append((index, transaction_id, pending))
                continue
            self._idempotency.begin(user, key)
            fresh.append((index, _record(txn, transaction_id, received_at_ns), (user, key)))
        await self._publish(fresh, received_at_ns, outcomes)
        for index, transaction_id, pending in repeats:
            try:
                outcomes[index] = Accepted(transaction_id, duplicate=True, received_at_ns=await asyncio.shield(pending))
            except DomainError as error:  # the first attempt failed: so does its repeat
                outcomes[index] = error
        return cast("list[Outcome]", outcomes)  # every place is filled by now

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
            for _, _, key in fresh:
                if key is not None:
                    self._idempotency.finish(*key, None, interrupted)
            raise
        for (index, record, key), error in zip(fresh, errors, strict=True):
            if key is not None:
                self._idempotency.finish(*key, None if error else received_at_ns, error)
            outcomes[index] = error or Accepted(record.id, duplicate=False, received_at_ns=received_at_ns)


def _record(
    txn: transaction_pb2.TransactionInput, transaction_id: str, received_at_ns: int
) -> transaction_pb2.Transaction:
    record = transaction_pb2.Transaction(id=transaction_id, input=txn)
    record.received_at.FromNanoseconds(received_at_ns)
    if not txn.HasField("occurred_at"):
        record.input.occurred_at.CopyFrom(record.received_at)
    return record
