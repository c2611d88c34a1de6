"""Puts accepted transactions on Kafka and returns only when the broker has acknowledged them."""

from __future__ import annotations

from collections.abc import Sequence

from fraud.v1 import transaction_pb2
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from opentelemetry.util.types import AttributeValue

from fraudmesh.errors import Unavailable
from fraudmesh.kafka_producer import AcknowledgedProducer
from fraudmesh.kafka_security import PLAINTEXT, KafkaSecurity
from fraudmesh.trace_context import inject_headers, tracing_off
from ingest_svc.metrics import IngestMetrics

tracer = trace.get_tracer("ingest_svc")


class KafkaTransactionPublisher:
    """Keyed by user_id so one user's transactions stay in order on one partition."""

    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        linger_ms: int,
        request_timeout_ms: int,
        metrics: IngestMetrics | None = None,
        security: KafkaSecurity = PLAINTEXT,
    ):
        self._topic = topic
        self._producer = AcknowledgedProducer(bootstrap_servers, linger_ms, request_timeout_ms, security)
        self.start = self._producer.start
        self.stop = self._producer.stop
        self.wait_connected = self._producer.wait_connected
        # Children looked up once: `labels()` takes a lock and builds a key on every call.
        self._produced_ok = metrics.kafka_produced.labels(topic=topic, result="ok") if metrics else None
        self._produced_error = metrics.kafka_produced.labels(topic=topic, result="error") if metrics else None
        self._failed = metrics.transactions_failed.labels(stage="produce") if metrics else None

    @property
    def connected(self) -> bool:
        """Whether the producer has reached the broker once (it reconnects by itself after that)."""
        return self._producer.connected

    async def publish_each(self, transactions: Sequence[transaction_pb2.Transaction]) -> list[Unavailable | None]:
        """Produces each transaction and answers for each: None once the broker has it, or why not."""
        records = [(txn.input.user_id.encode(), txn.SerializeToString()) for txn in transactions]
        if tracing_off():
            outcomes = await self._producer.send_each(self._topic, records)
        else:
            outcomes = await self._send_traced(records)
        if self._produced_ok is not None:
            failed = sum(outcome is not None for outcome in outcomes)
            if failed:
                assert self._produced_error is not None and self._failed is not None  # set with _produced_ok
                self._produced_error.inc(failed)
                self._failed.inc(failed)
            if failed < len(outcomes):
                self._produced_ok.inc(len(outcomes) - failed)
        return outcomes

    async def _send_traced(self, records: list[tuple[bytes, bytes]]) -> list[Unavailable | None]:
        span_attributes: dict[str, AttributeValue] = {
            "messaging.system": "kafka",
            "messaging.destination.name": self._topic,
            "messaging.batch.message_count": len(records),
        }
        with tracer.start_as_current_span(f"{self._topic} publish", kind=SpanKind.PRODUCER, attributes=span_attributes):
            # The trace continues in whoever consumes these records.
            return await self._producer.send_each(self._topic, records, inject_headers())
