"""Follows notify_svc's journal into the hub: at start it reads the newest `retained` records back
(the window, the de-duplication index and the last sequence, as they were), then every record as it
is written. A decision reaches subscribers only from here, so only once Kafka has it (a record is
readable once it is committed, as acks=all acknowledges it), in the journal's order, numbered
offset + 1.

The journal can hold a decision twice only after a write whose outcome was unclear (Kafka answered
too late, and scoring's retry wrote it again): the second record is skipped, its number carrying
no decision, so nobody gets the decision twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from confluent_kafka import KafkaException
from fraud.v1 import decision_pb2
from google.protobuf.message import DecodeError

from fraudmesh.kafka_connect import start_when_reachable
from notify_svc.hub import DecisionHub
from notify_svc.in_flight import InFlight
from notify_svc.journal_reader import JournalReader, JournalRecord, JournalRewound

log = logging.getLogger(__name__)

PAGE = 5000  # records handed to the hub at once: a publish's largest batch
WAIT_SECONDS = 0.2  # how long one read waits for a record; also how long stopping may take


def decode(offset: int, value: bytes) -> decision_pb2.ScoredTransaction | None:
    try:
        return decision_pb2.ScoredTransaction.FromString(value)
    except DecodeError:
        log.error("journal record at offset %d is not a ScoredTransaction; its number carries no decision", offset)
        return None


class JournalFollower:
    def __init__(
        self,
        reader: JournalReader,
        hub: DecisionHub,
        in_flight: InFlight,
        retained: int,
        ensure_topic: Callable[[], Awaitable[None]],
    ):
        self._reader = reader
        self._hub = hub
        self._in_flight = in_flight
        self._retained = retained
        self._ensure_topic = ensure_topic
        self._task: asyncio.Task[None] | None = None
        self.next_offset = 0
        self.repeats_skipped = 0

    def start(self, on_failure: Callable[[BaseException], None]) -> None:
        """Follows in a task; `on_failure` learns why it stopped if it did on its own (the process
        should then stop too: its numbering can no longer be trusted)."""

        def ended(task: asyncio.Task[None]) -> None:
            if not task.cancelled() and task.exception() is not None:
                on_failure(task.exception())  # type: ignore[arg-type]

        self._task = asyncio.create_task(self.run(), name="journal-follower")
        self._task.add_done_callback(ended)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self._reader.close()

    async def run(self) -> None:
        """Reads the tail back, marks the hub ready, then follows the journal until cancelled."""
        started = time.monotonic()
        start, rebuild_end = await self._open()
        while True:
            if not self._hub.ready and self.next_offset >= rebuild_end:
                self._hub.mark_ready()
                log.info(
                    "read %d journal records back in %.2f s; the last sequence is %d",
                    rebuild_end - start,
                    time.monotonic() - started,
                    self._hub.last_sequence,
                )
            records = await self._reader.read(PAGE, WAIT_SECONDS)
            if records:
                self.apply(records)

    async def _open(self) -> tuple[int, int]:
        """Starts reading `retained` records before the journal's end; returns where, and that end."""
        bounds: tuple[int, int] = (0, 0)

        async def ask() -> None:
            nonlocal bounds
            await self._ensure_topic()
            bounds = await self._reader.bounds()

        # Kafka may start after notify, and the topic may not exist until it has.
        await start_when_reachable(ask, retry_on=(KafkaException,))
        oldest, end = bounds
        start = max(oldest, end - self._retained)
        await self._reader.start_at(start)
        self.next_offset = start
        log.info("reading journal %s back from offset %d to %d", self._reader.topic, start, end)
        return start, end

    def apply(self, records: Sequence[JournalRecord]) -> None:
        """Puts records read from the journal into the hub, in order, and settles who waits for them."""
        hub, in_flight = self._hub, self._in_flight
        for offset, key, value in records:
            sequence = offset + 1
            if sequence <= hub.last_sequence:
                raise JournalRewound(
                    f"journal offset {offset} comes after sequence {hub.last_sequence}: the journal was recreated"
                )
            transaction_id = key.decode()
            journaling = in_flight.take(transaction_id)
            earlier = hub.find(transaction_id)
            if earlier is not None:
                hub.skip_to(sequence)
                self.repeats_skipped += 1
                log.warning("journal offset %d repeats transaction %s; not delivered again", offset, transaction_id)
                if journaling is not None:
                    journaling.settle(earlier.sequence)
                continue
            decision = journaling.decision if journaling is not None else decode(offset, value)
            if decision is None:
                hub.skip_to(sequence)
                continue
            hub.append(sequence, decision)
            if journaling is not None:
                journaling.settle(sequence)
        self.next_offset = records[-1][0] + 1
