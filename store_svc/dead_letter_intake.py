"""Reads the dead-letter topic into the `dead_letters` table, in a consumer group of store's own.

Offsets are committed only after the letters are stored, so a crash re-reads them, and storing is
idempotent by the letter's id, so a re-delivered letter changes nothing (not even a replay already
recorded on it). A record that is not a readable letter has no better place to go: it is logged,
counted and passed over. While PostgreSQL is away the batch waits for it (the records stay
uncommitted on the topic meanwhile) rather than being passed over: nothing else can take it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.errors import CommitFailedError
from fraud.v1 import dead_letter_pb2
from google.protobuf.message import DecodeError
from tenacity import AsyncRetrying, before_sleep_log, retry_if_exception_type, wait_exponential_jitter

from fraudmesh.errors import Unavailable
from store_svc.dead_letter_repository import DeadLetterRepository
from store_svc.dead_letter_rows import row_from_letter
from store_svc.metrics import DeadLetterMetrics

log = logging.getLogger(__name__)

MAX_RECORDS = 500
POLL_TIMEOUT_MS = 1000


# What GetDeadLetterRequest and ReplayDeadLetterRequest accept as an id (store_service.proto).
MAX_ID_LENGTH = 64
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _addressable(letter_id: str) -> bool:
    return 0 < len(letter_id) <= MAX_ID_LENGTH and not _CONTROL_CHARACTER.search(letter_id)


def row_of_record(record: ConsumerRecord) -> dict[str, Any] | None:
    """The row a dead-letter record holds, or None when it holds no readable letter. A letter without
    an id, or with one no request could name (too long, control characters), is named by its own
    place on the topic, which is as stable across re-deliveries."""
    if not record.value:
        return None
    try:
        letter = dead_letter_pb2.DeadLetter.FromString(record.value)
        if not _addressable(letter.id):
            letter.id = f"{record.topic}:{record.partition}:{record.offset}"
        written = datetime.fromtimestamp(record.timestamp / 1000, UTC) if record.timestamp >= 0 else datetime.now(UTC)
        return row_from_letter(letter, failed_at=written)
    except (DecodeError, ValueError, OverflowError):  # not a letter, or a time no datetime can hold
        return None


class DeadLetterIntake:
    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        repository: DeadLetterRepository,
        metrics: DeadLetterMetrics | None = None,
        max_retry_wait_seconds: float = 5.0,
    ) -> None:
        self.consumer = consumer
        self._repository = repository
        self._metrics = metrics or DeadLetterMetrics()
        self._max_retry_wait = max_retry_wait_seconds

    async def run(self) -> None:
        while True:
            await self.poll()

    async def poll(self, timeout_ms: int = POLL_TIMEOUT_MS) -> int:
        """Reads one batch, stores its letters and commits it; returns how many records it read."""
        batches = await self.consumer.getmany(timeout_ms=timeout_ms, max_records=MAX_RECORDS)
        records = [record for batch in batches.values() for record in batch]
        if not records:
            return 0
        await self.take(records)
        try:
            await self.consumer.commit({partition: batch[-1].offset + 1 for partition, batch in batches.items()})
        except CommitFailedError as error:  # the group rebalanced: the next owner re-reads, harmlessly
            log.warning("dead letters stored but their offsets not committed: %s", error)
        return len(records)

    async def take(self, records: Sequence[ConsumerRecord]) -> int:
        """Stores the letters of `records`; returns how many were new."""
        rows = []
        for record in records:
            row = row_of_record(record)
            if row is None:
                log.error(
                    "skipping record %s:%d:%d on the dead-letter topic: not a fraud.v1.DeadLetter",
                    record.topic,
                    record.partition,
                    record.offset,
                )
                self._metrics.skipped.labels(reason="undecodable").inc()
            else:
                rows.append(row)
        stored = await self._store(rows)
        self._metrics.stored.inc(stored)
        return stored

    async def _store(self, rows: list[dict[str, Any]]) -> int:
        try:
            return await self._when_available(rows)
        except Exception:  # not Unavailable, which _when_available waits out
            if len(rows) == 1:
                log.exception("skipping dead letter %r: PostgreSQL refuses it", rows[0]["id"])
                self._metrics.skipped.labels(reason="unstorable").inc()
                return 0
        # One letter the table refuses must not hold back the others: each on its own.
        return sum([await self._store([row]) for row in rows])

    async def _when_available(self, rows: list[dict[str, Any]]) -> int:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(Unavailable),
            wait=wait_exponential_jitter(multiplier=0.2, max=self._max_retry_wait, jitter=0.5),
            before_sleep=before_sleep_log(log, logging.WARNING),
            reraise=True,
        ):
            with attempt:
                return await self._repository.add(rows)
        raise AssertionError("unreachable: AsyncRetrying retries until it returns")
