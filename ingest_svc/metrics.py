"""ingest_svc's metrics: what was submitted and what reached Kafka."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from fraudmesh.metrics import NAMESPACE, ServiceMetrics


class IngestMetrics(ServiceMetrics):
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        super().__init__("ingest", registry)
        self.transactions_received = Counter(
            f"{NAMESPACE}_transactions_received",
            "Transactions submitted to ingest, accepted or not.",
            registry=self.registry,
        )
        # What ingest's gRPC health says, for the ServiceNotServing alert (fraudmesh/serving_watch.py).
        self.serving = Gauge(
            f"{NAMESPACE}_serving",
            "1 while this process's gRPC health is SERVING, 0 while it is NOT_SERVING (ingest: its broker away).",
            registry=self.registry,
        )
        self.kafka_produced = Counter(
            f"{NAMESPACE}_kafka_produced",
            "Records produced, by topic and result (ok or error).",
            ("topic", "result"),
            registry=self.registry,
        )
