"""Puts accepted transactions on Kafka and returns only when the broker has acknowledged them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from fraud.v1 import transaction_pb2

from fraudmesh.errors import Unavailable
from fraudmesh.metrics import Metrics
from fraudmesh.trace_context import inject_headers

log = logging.getLogger(__name__)
tracer = trace.get_tracer("ingest_svc")


class KafkaTransactionPublisher:
    """Keyed by user_id so one user's transactions stay in order on one partition; acks=all and an
    idempotent producer so an acknowledged record is durable and a broker-side retry is not doubled."""

    def __init__(
        self, bootstrap_servers: str, topic: str, linger_ms: int, request_timeout_ms: int, metrics: Metrics | None = None
    ):
        self._topic = topic
        self._metrics = metrics
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
        """Connects in the background: ingest serves (answering UNAVAILABLE) while Kafka is not yet up."""
        self._connector = asyncio.create_task(self._connect())

    async def wait_connected(self, timeout: float) -> None:
        await asyncio.wait_for(self._started.wait(), timeout)

    async def _connect(self) -> None:
        delay = 0.2
        while True:
            try:
                await self._producer.start()
            except KafkaError as error:
                log.warning("Kafka not reachable yet (%s); retrying in %.1f s", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5)
                continue
            self._started.set()
            log.info("connected to Kafka")
            return

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

    async def publish(self, transactions: Sequence[transaction_pb2.Transaction]) -> None:
        if not self._started.is_set():
            self._count(len(transactions), "error")
            raise Unavailable("Kafka is not reachable; retry later")
        span_attributes = {
            "messaging.system": "kafka",
            "messaging.destination.name": self._topic,
            "messaging.batch.message_count": len(transactions),
        }
        try:
            with tracer.start_as_current_span(f"{self._topic} publish", kind=SpanKind.PRODUCER, attributes=span_attributes):
                headers = inject_headers()  # the trace continues in whoever consumes these records
                async with asyncio.timeout(self._timeout + 1):
                    deliveries = [
                        await self._producer.send(
                            self._topic,
                            value=txn.SerializeToString(),
                            key=txn.input.user_id.encode(),
                            headers=headers,
                        )
                        for txn in transactions
                    ]
                    await asyncio.gather(*deliveries)
        except (KafkaError, TimeoutError) as error:
            self._count(len(transactions), "error")
            raise Unavailable(f"Kafka did not acknowledge the write ({type(error).__name__}); retry later") from error
        self._count(len(transactions), "ok")

    def _count(self, records: int, result: str) -> None:
        if self._metrics:
            self._metrics.kafka_produced.labels(topic=self._topic, result=result).inc(records)
            if result == "error":
                self._metrics.transactions_failed.labels(stage="produce").inc(records)
