"""A Kafka producer that says the truth: `send` returns only once the broker has acknowledged every
record (acks=all, idempotent producer), and otherwise raises Unavailable, which callers pass on as a
retryable error. It connects in the background, so a service can start before Kafka does."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from fraudmesh.errors import Unavailable
from fraudmesh.kafka_connect import start_when_reachable

log = logging.getLogger(__name__)

Record = tuple[bytes, bytes]  # key, value


class AcknowledgedProducer:
    def __init__(self, bootstrap_servers: str, linger_ms: int = 2, request_timeout_ms: int = 10_000):
        self._timeout = request_timeout_ms / 1000
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            acks="all",
            enable_idempotence=True,
            linger_ms=linger_ms,
            request_timeout_ms=request_timeout_ms,
            max_request_size=1024 * 1024,
        )
        self._started = asyncio.Event()
        self._connector: asyncio.Task | None = None

    @property
    def connected(self) -> bool:
        return self._started.is_set()

    async def start(self) -> None:
        self._connector = asyncio.create_task(self._connect())

    async def wait_connected(self, timeout: float) -> None:
        await asyncio.wait_for(self._started.wait(), timeout)

    async def _connect(self) -> None:
        await start_when_reachable(self._producer.start)
        self._started.set()
        log.info("connected to Kafka")

    async def send(self, topic: str, records: Sequence[Record], headers: list[tuple[str, bytes]] | None = None) -> None:
        if not self._started.is_set():
            raise Unavailable("Kafka is not reachable; retry later")
        try:
            async with asyncio.timeout(self._timeout + 1):
                deliveries = [
                    await self._producer.send(topic, value=value, key=key, headers=headers or [])
                    for key, value in records
                ]
                await asyncio.gather(*deliveries)
        except (KafkaError, TimeoutError) as error:
            raise Unavailable(f"Kafka did not acknowledge the write ({type(error).__name__}); retry later") from error

    async def stop(self) -> None:
        if self._connector:
            self._connector.cancel()
        if not self._started.is_set():
            return
        # Stopping flushes what is in flight; with the broker gone that would never end. Whatever is
        # still unacknowledged was (or will be) answered UNAVAILABLE, so giving up here loses no success.
        try:
            await asyncio.wait_for(self._producer.stop(), self._timeout)
        except TimeoutError:
            log.warning("Kafka producer did not flush within %.0f s; unacknowledged records were refused", self._timeout)
