"""ingest_svc's metrics: what was submitted and what reached Kafka."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from fraudmesh.metrics import NAMESPACE, ServiceMetrics


class IngestMetrics(ServiceMetrics):
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        super().__init__("ingest", registry)
        self.transactions_received = Counter(
            f"{NAMESPACE}_transactions_received",
            "Transactions submitted to ingest, accepted or not.",
            registry=self.registry,
        )
        self.kafka_produced = Counter(
            f"{NAMESPACE}_kafka_produced",
            "Records produced, by topic and result (ok or error).",
            ("topic", "result"),
            registry=self.registry,
        )
