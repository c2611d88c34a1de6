"""ingest_svc's settings (environment variables, upper-case names of the fields)."""

from __future__ import annotations

from fraud.v1 import ingest_service_pb2
from pydantic import Field

from fraudmesh.contract import listen_address
from fraudmesh.settings import KafkaSettings, ServiceSettings, TransactionsTopicSettings

SERVICE = ingest_service_pb2.DESCRIPTOR.services_by_name["IngestService"]


class IngestSettings(ServiceSettings, KafkaSettings, TransactionsTopicSettings):
    ingest_listen: str = Field(listen_address(SERVICE), description="Address the gRPC server binds.")
    metrics_port: int = Field(9101, ge=0, le=65535, description="Prometheus /metrics port; 0 picks a free one.")
    producer_linger_ms: int = Field(
        1, ge=0, le=1000, description="How long the Kafka producer waits to fill a batch before sending."
    )
    producer_request_timeout_ms: int = Field(
        10_000, ge=1000, description="How long a produce may wait for the broker before the caller gets UNAVAILABLE."
    )
    idempotency_cache_size: int = Field(
        200_000, ge=1000, description="Idempotency keys remembered in memory to answer repeats without producing."
    )
