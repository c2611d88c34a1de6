"""Reads notify_svc's journal (one partition) from an offset on, a page at a time.

librdkafka (confluent-kafka) fetches in its own threads, ahead of the reader; its calls block, so
they run on a thread of the reader's own, one at a time (a consumer is not safe to share between
threads), and the event loop only waits for each page. The partition is assigned, never
subscribed: no consumer group, no offsets committed; the reader says where to start.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import confluent_kafka
from confluent_kafka import KafkaError, TopicPartition

from fraudmesh.errors import Unavailable
from fraudmesh.kafka_security import PLAINTEXT, KafkaSecurity

log = logging.getLogger(__name__)
R = TypeVar("R")

JournalRecord = tuple[int, bytes, bytes]  # offset, key (the transaction id), value (a ScoredTransaction)


class JournalRewound(Exception):
    """The offset read from is gone, and not because retention dropped it: the journal was deleted
    or recreated under a running notify_svc, whose numbering no longer matches it."""


class JournalReader:
    def __init__(
        self, bootstrap_servers: str, topic: str, *, start_at_oldest_if_gone: bool, security: KafkaSecurity = PLAINTEXT
    ):
        """`start_at_oldest_if_gone`: a start offset retention has dropped begins at the oldest kept
        record (a subscriber then learns of the gap); otherwise reading fails with JournalRewound."""
        self.topic = topic
        self._config: dict[str, Any] = {
            "bootstrap.servers": bootstrap_servers,
            **security.confluent(),
            "group.id": "notify-journal",  # librdkafka requires one; assigned partitions never join it
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest" if start_at_oldest_if_gone else "error",
            # Reading back a whole window at start: fewer, larger fetches.
            "max.partition.fetch.bytes": 8 * 1024 * 1024,
            "logger": log,
        }
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="journal-reader")
        self._consumer: confluent_kafka.Consumer | None = None
        self._closed = False

    async def _call(self, work: Callable[..., R], *args: Any) -> R:
        if self._closed:
            raise Unavailable("the journal reader is closed")
        return await asyncio.get_running_loop().run_in_executor(self._executor, work, *args)

    def _consumer_here(self) -> confluent_kafka.Consumer:
        if self._consumer is None:
            self._consumer = confluent_kafka.Consumer(self._config)
        return self._consumer

    async def bounds(self, timeout: float = 5.0) -> tuple[int, int]:
        """The offsets of the oldest record kept and of the next record to be written. Raises
        confluent_kafka.KafkaException while Kafka or the topic cannot be reached."""

        def ask() -> tuple[int, int]:
            partition = TopicPartition(self.topic, 0)
            low, high = self._consumer_here().get_watermark_offsets(partition, timeout=timeout, cached=False)
            return int(low), int(high)

        return await self._call(ask)

    async def start_at(self, offset: int) -> None:
        await self._call(lambda: self._consumer_here().assign([TopicPartition(self.topic, 0, offset)]))

    async def read(self, max_records: int, wait_seconds: float) -> list[JournalRecord]:
        """The next records, at most `max_records`: waits up to `wait_seconds` for the first, then
        takes what is already fetched. [] when none came."""
        return await self._call(self._read, max_records, wait_seconds)

    def _read(self, max_records: int, wait_seconds: float) -> list[JournalRecord]:
        consumer = self._consumer_here()
        # consume(n, timeout) would wait for all n or the whole timeout; poll returns on the first.
        first = consumer.poll(wait_seconds)
        if first is None:
            return []
        messages = [first, *consumer.consume(max_records - 1, 0)] if max_records > 1 else [first]
        records: list[JournalRecord] = []
        for message in messages:
            error = message.error()
            if error is None:
                # A message without an error has its offset; the stubs allow None for all messages.
                offset: int = message.offset()  # type: ignore[assignment]
                records.append((offset, message.key() or b"", message.value() or b""))
            elif error.code() == KafkaError._AUTO_OFFSET_RESET:
                raise JournalRewound(f"journal {self.topic}: {error.str()}")
            elif error.fatal():
                raise Unavailable(f"journal {self.topic}: {error.str()}")
            else:  # librdkafka retries by itself (broker away, leader moving)
                log.warning("reading journal %s: %s", self.topic, error.str())
        return records

    def close(self) -> None:
        """Closes the consumer after the call in progress, without waiting for it; idempotent."""
        if self._closed:
            return
        self._closed = True
        self._executor.submit(self._close_consumer)  # after whatever is queued, which may open it
        self._executor.shutdown(wait=False)

    def _close_consumer(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            consumer.close()
