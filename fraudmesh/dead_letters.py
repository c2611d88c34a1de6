"""Setting a record aside: a `fraud.v1.DeadLetter` built from the Kafka record a hop could never
accept or process, produced to the dead-letter topic, so that the record stops nobody else and can be
looked at and replayed (store_svc keeps and lists them).

A letter's id is derived from where the record was read and which hop set it aside, so a record
set aside again after a re-delivery (a crash before its offset was committed) gets the same id and
is recognised as the same letter. The letter is keyed by the record's transaction id when the record
could be read as a transaction, else by its own id.

A hop must not commit a record's offset before Kafka has acknowledged its letter: when the
dead-letter topic cannot take it (Kafka away), that is a transient failure of the whole batch, which
is tried again later; the record is never skipped."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from fraud.v1 import dead_letter_pb2
from google.rpc import status_pb2
from opentelemetry import trace

from fraudmesh.errors import Unavailable
from fraudmesh.kafka_producer import AcknowledgedProducer
from fraudmesh.metrics import ServiceMetrics
from fraudmesh.trace_context import extract_context

DeadLetter = dead_letter_pb2.DeadLetter
# Fixed for good: changing it would give every letter set aside again a new id.
_ID_NAMESPACE = uuid.UUID("5b0e0c9e-7a43-4c57-9d36-2f4c1f3f0d21")


class SourceRecord(Protocol):
    """What a hop read from Kafka (aiokafka's ConsumerRecord has these)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


def dead_letter_id(topic: str, partition: int, offset: int, hop: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, f"{topic}/{partition}/{offset}/{hop}"))


def trace_id_of(headers: Iterable[tuple[str, bytes | None]] | None) -> str:
    """The trace id (32 hex digits) the record's producer put in its headers; "" when untraced."""
    context = trace.get_current_span(extract_context(headers)).get_span_context()
    return trace.format_trace_id(context.trace_id) if context.is_valid else ""


def dead_letter(
    record: SourceRecord,
    *,
    hop: str,
    reason: str,
    error: status_pb2.Status,
    attempts: int,
    failed_at: datetime,
    transaction_id: str = "",
) -> DeadLetter:
    letter = DeadLetter(
        id=dead_letter_id(record.topic, record.partition, record.offset, hop),
        hop=hop,
        reason=reason,
        error=error,
        attempts=attempts,
        source_topic=record.topic,
        source_partition=record.partition,
        source_offset=record.offset,
        transaction_id=transaction_id,
        trace_id=trace_id_of(record.headers),
        payload=record.value or b"",
    )
    letter.failed_at.FromDatetime(failed_at)
    return letter


class DeadLetterProducer:
    """Produces letters to the dead-letter topic and counts each one Kafka acknowledged
    (`fraudmesh_dead_letters_total{hop,reason}`)."""

    def __init__(self, producer: AcknowledgedProducer, topic: str, metrics: ServiceMetrics | None = None) -> None:
        self._producer = producer
        self._topic = topic
        self._metrics = metrics

    async def send_each(self, letters: Sequence[DeadLetter]) -> list[DeadLetter]:
        """Produces every letter; answers those Kafka did not acknowledge (empty: it has them all),
        for the caller to send again later."""
        if not letters:
            return []
        records = [((letter.transaction_id or letter.id).encode(), letter.SerializeToString()) for letter in letters]
        outcomes = await self._producer.send_each(self._topic, records)
        unsent = []
        for letter, outcome in zip(letters, outcomes, strict=True):
            if outcome is not None:
                unsent.append(letter)
            elif self._metrics is not None:
                self._metrics.dead_letters.labels(hop=letter.hop, reason=letter.reason).inc()
        return unsent

    async def send(self, letters: Sequence[DeadLetter]) -> None:
        """Returns once Kafka has every letter; raises Unavailable if it does not have them all."""
        unsent = await self.send_each(letters)
        if unsent:
            raise Unavailable(f"the dead-letter topic {self._topic} did not take {len(unsent)} of {len(letters)}")
