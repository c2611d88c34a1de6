"""Accepting transactions: normalise, validate, give each its id, publish, answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from fraud.v1 import transaction_pb2

from fraudmesh.errors import DomainError, FieldViolation, InvalidArgument
from fraudmesh.transaction_rules import normalise
from ingest_svc.idempotency import IdempotencyCache, id_for_key, new_id


class Publisher(Protocol):
    async def publish(self, transactions: Sequence[transaction_pb2.Transaction]) -> None: ...


@dataclass(frozen=True, slots=True)
class Accepted:
    transaction_id: str
    duplicate: bool
    received_at_ns: int  # nanoseconds since the Unix epoch, as protobuf's Timestamp takes them


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
        # The one-transaction call is the hot path: no task per transaction as the batch needs.
        violations = normalise(txn, "transaction.")
        if violations:
            raise InvalidArgument(violations)
        return await self._accept(txn)

    async def submit_batch(self, inputs: Sequence[transaction_pb2.TransactionInput]) -> list[Accepted]:
        """Checks all first: one invalid transaction rejects the whole batch and nothing is produced."""
        violations: list[FieldViolation] = []
        for index, txn in enumerate(inputs):
            violations += normalise(txn, f"transactions[{index}].")
        if violations:
            raise InvalidArgument(violations)
        return list(await asyncio.gather(*(self._accept(txn) for txn in inputs)))

    async def submit_each(
        self, inputs: Sequence[transaction_pb2.TransactionInput], rule_violations: dict[int, list[FieldViolation]]
    ) -> list[Accepted | DomainError]:
        """Each transaction on its own, as `submit` would take it: its outcome is its id or its own
        error. `rule_violations` are the contract's rules each one broke, by position."""

        async def one(index: int, txn: transaction_pb2.TransactionInput) -> Accepted | DomainError:
            try:
                if index in rule_violations:
                    raise InvalidArgument(rule_violations[index])
                return await self.submit(txn)
            except DomainError as error:
                return error

        return list(await asyncio.gather(*(one(index, txn) for index, txn in enumerate(inputs))))

    async def _accept(self, txn: transaction_pb2.TransactionInput) -> Accepted:
        key = txn.idempotency_key
        if not key:
            return await self._publish(txn, new_id())
        user = txn.user_id
        earlier = self._idempotency.accepted_at(user, key)
        if earlier is not None:
            return Accepted(id_for_key(user, key), duplicate=True, received_at_ns=earlier)
        pending = self._idempotency.in_flight(user, key)
        if pending is not None:
            return Accepted(id_for_key(user, key), duplicate=True, received_at_ns=await asyncio.shield(pending))
        self._idempotency.begin(user, key)
        try:
            accepted = await self._publish(txn, id_for_key(user, key))
        except BaseException as error:
            self._idempotency.finish(user, key, None, error)
            raise
        self._idempotency.finish(user, key, accepted.received_at_ns)
        return accepted

    async def _publish(self, txn: transaction_pb2.TransactionInput, transaction_id: str) -> Accepted:
        received_at_ns = self._clock()
        record = transaction_pb2.Transaction(id=transaction_id, input=txn)
        record.received_at.FromNanoseconds(received_at_ns)
        if not txn.HasField("occurred_at"):
            record.input.occurred_at.CopyFrom(record.received_at)
        await self._publisher.publish([record])
        return Accepted(transaction_id, duplicate=False, received_at_ns=received_at_ns)
