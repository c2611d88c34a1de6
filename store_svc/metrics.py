"""store_svc's own metrics, beside the families every service has (fraudmesh.metrics.ServiceMetrics):
what became of the records on the dead-letter topic."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from fraudmesh.metrics import NAMESPACE


class DeadLetterMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.stored = Counter(
            f"{NAMESPACE}_dead_letters_stored",
            "Dead letters store_svc read from the dead-letter topic and kept (a re-delivered one is not counted).",
            registry=registry,
        )
        self.skipped = Counter(
            f"{NAMESPACE}_dead_letter_records_skipped",
            "Records on the dead-letter topic store_svc could not keep, by reason (undecodable, unstorable).",
            ("reason",),
            registry=registry,
        )
