"""ingest_svc's settings (environment variables, upper-case names of the fields)."""

from __future__ import annotations

from datetime import timedelta

from fraud.v1 import ingest_service_pb2
from pydantic import Field

from fraudmesh.access.settings import AccessSettings
from fraudmesh.contract import listen_address
from fraudmesh.settings import GrpcTlsSettings, KafkaSettings, ServiceSettings, TransactionsTopicSettings
from ingest_svc.idempotency_store import IdempotencySettings

SERVICE = ingest_service_pb2.DESCRIPTOR.services_by_name["IngestService"]
# fraudmesh.kafka_producer fails a write the broker never answered up to this long after the produce
# timeout (its watchdog's deadline is a second later, and the watchdog looks every half second).
PRODUCE_WATCHDOG_SLACK_SECONDS = 1.5
# How much longer than a submission can take an unacknowledged claim of its key holds: time for the
# acknowledgement, recorded in the background, to reach PostgreSQL.
CLAIM_LEASE_MARGIN_SECONDS = 30.0


class IngestSettings(ServiceSettings, AccessSettings, GrpcTlsSettings, KafkaSettings, TransactionsTopicSettings):
    ingest_listen: str = Field(listen_address(SERVICE), description="Address the gRPC server binds.")
    metrics_port: int = Field(9101, ge=0, le=65535, description="Prometheus /metrics port; 0 picks a free one.")
    producer_linger_ms: int = Field(
        1, ge=0, le=1000, description="How long the Kafka producer waits to fill a batch before sending."
    )
    producer_request_timeout_ms: int = Field(
        5_000,
        ge=1000,
        description="How long a produce may wait for the broker before the caller gets UNAVAILABLE. The edge's "
        "UPSTREAM_TIMEOUT_SECONDS must exceed the longest submission this allows (produce, plus the claim and "
        "release of its idempotency keys).",
    )
    broker_check_interval_seconds: float = Field(
        1.0,
        gt=0,
        description="How often ingest asks the broker for the topic's metadata; while it cannot get it, its gRPC "
        "health is NOT_SERVING.",
    )
    idempotency_cache_size: int = Field(
        200_000, ge=1000, description="Idempotency keys remembered in memory to answer repeats without PostgreSQL."
    )
    idempotency_window_hours: float = Field(
        168.0,
        gt=0,
        description="How long an idempotency key is kept: a repeat within it gets the first transaction's id and "
        "time of receipt (duplicate=true) and is not produced again; after it the key names a new transaction.",
    )
    idempotency_db_timeout_seconds: float = Field(
        1.0,
        gt=0,
        description="Longest ingest waits for PostgreSQL to claim a call's idempotency keys; beyond it, or with "
        "PostgreSQL unreachable, keyed submissions get UNAVAILABLE (unkeyed ones do not need PostgreSQL).",
    )
    idempotency_db_pool_size: int = Field(8, ge=1, le=100, description="PostgreSQL connections for idempotency keys.")
    idempotency_cleanup_interval_seconds: float = Field(
        60.0, gt=0, description="How often expired idempotency keys are deleted."
    )
    idempotency_cleanup_batch_size: int = Field(
        1000, ge=1, description="Most expired idempotency keys deleted by one statement."
    )

    def submission_deadline_seconds(self) -> float:
        """The longest ingest takes to answer a submission: the claim of its keys, the produce with
        the producer's slack, and the release of its keys should the produce fail. A caller that gives
        up sooner may be told nothing about a transaction that is then delivered."""
        produce = self.producer_request_timeout_ms / 1000 + PRODUCE_WATCHDOG_SLACK_SECONDS
        return produce + 2 * self.idempotency_db_timeout_seconds

    def idempotency(self) -> IdempotencySettings:
        return IdempotencySettings(
            window=timedelta(hours=self.idempotency_window_hours),
            lease=timedelta(seconds=self.submission_deadline_seconds() + CLAIM_LEASE_MARGIN_SECONDS),
            timeout_s=self.idempotency_db_timeout_seconds,
            pool_size=self.idempotency_db_pool_size,
            cleanup_interval_s=self.idempotency_cleanup_interval_seconds,
            cleanup_batch=self.idempotency_cleanup_batch_size,
        )
