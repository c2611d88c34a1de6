"""PublishDecisions: each decision is refused alone when the contract forbids it, recognised when it
was published before (by its transaction id, within the window), or journaled; the call answers
once Kafka has acknowledged the journaled ones and the follower has read them back and numbered them.

The whole batch is produced at once and its acknowledgements awaited together. A decision Kafka did
not take fails the call with UNAVAILABLE (scoring retries; what Kafka did take is then recognised),
never the `refused` answer, which is for decisions no retry can publish.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from fraud.v1 import decision_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from fraudmesh.errors import DomainError, FieldViolation, InvalidArgument, Unavailable
from notify_svc.hub import DecisionHub
from notify_svc.in_flight import InFlight, PublishWaiter

_NO_TRANSACTION_ID = [FieldViolation("transaction.id", "required", "value is required")]


class JournalProducer(Protocol):
    """What is needed of fraudmesh.kafka_producer.AcknowledgedProducer."""

    async def send_each(self, topic: str, records: Sequence[tuple[bytes, bytes]]) -> list[Unavailable | None]: ...


@dataclass(frozen=True)
class PublishOutcome:
    last_sequence: int  # of the last decision published (0 when every one was refused)
    refused: dict[int, DomainError]  # by position in the request


class DecisionPublisher:
    def __init__(
        self, hub: DecisionHub, in_flight: InFlight, producer: JournalProducer, topic: str, timeout_seconds: float
    ):
        self._hub = hub
        self._in_flight = in_flight
        self._producer = producer
        self._topic = topic
        self._timeout = timeout_seconds
        self._writes: set[asyncio.Task[None]] = set()

    async def publish(
        self,
        decisions: Sequence[decision_pb2.ScoredTransaction],
        violations: Mapping[int, list[FieldViolation]],
    ) -> PublishOutcome:
        """`violations`: each decision's breaches of the contract's rules, by position. The messages
        are kept as they are (stamped with published_at when they have none): the caller must not
        change them afterwards."""
        hub, in_flight = self._hub, self._in_flight
        if hub.closed:
            raise Unavailable("notify_svc is shutting down")
        if not hub.ready:
            raise Unavailable("notify_svc is reading its journal back; retry shortly")
        refused: dict[int, DomainError] = {}
        waiter = PublishWaiter(len(decisions))
        records: list[tuple[bytes, bytes]] = []
        journaled: list[str] = []
        now = Timestamp()
        now.GetCurrentTime()
        for index, decision in enumerate(decisions):
            transaction_id = decision.transaction.id
            breaches = violations.get(index)
            if breaches or not transaction_id:
                refused[index] = InvalidArgument(breaches or _NO_TRANSACTION_ID)
                continue
            earlier = hub.find(transaction_id)
            if earlier is not None:  # published before (scoring re-publishes a batch after a crash)
                waiter.sequences[index] = earlier.sequence
                continue
            journaling = in_flight.get(transaction_id)
            if journaling is None:
                times = decision.times
                if not times.HasField("published_at"):
                    times.published_at.CopyFrom(now)
                journaling = in_flight.add(transaction_id, decision)
                records.append((transaction_id.encode(), decision.SerializeToString()))
                journaled.append(transaction_id)
            journaling.wait(waiter, index)
        if records:
            # Shielded: a caller that goes away must not leave its decisions marked as on their way
            # when Kafka refused them (a retry would wait for them for ever).
            write = asyncio.ensure_future(self._write(records, journaled))
            self._writes.add(write)
            write.add_done_callback(self._written)
            await asyncio.shield(write)
        sequences = await waiter.wait(self._timeout)
        last = next((sequences[i] for i in range(len(decisions) - 1, -1, -1) if i not in refused), 0)
        return PublishOutcome(last, refused)

    async def _write(self, records: list[tuple[bytes, bytes]], transaction_ids: list[str]) -> None:
        outcomes = await self._producer.send_each(self._topic, records)
        refused = [
            (transaction_id, error) for transaction_id, error in zip(transaction_ids, outcomes, strict=True) if error
        ]
        for transaction_id, error in refused:
            # Perhaps written after all: then the follower reads it back anyway, and a retry finds it.
            journaling = self._in_flight.take(transaction_id)
            if journaling is not None:
                journaling.fail(error)
        if refused:
            raise refused[0][1]

    def _written(self, write: asyncio.Task[None]) -> None:
        self._writes.discard(write)
        if not write.cancelled():
            write.exception()  # raised to the caller, if it still waited; read here in case it did not

    def close(self) -> None:
        """Fails the calls still waiting (the service is stopping)."""
        self._in_flight.fail_all(Unavailable("notify_svc is shutting down; retry"))
