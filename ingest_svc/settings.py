"""ingest_svc's settings (environment variables, upper-case names of the fields)."""

from __future__ import annotations

from pydantic import Field

from fraudmesh.settings import DEFAULT_PORTS, CommonSettings


class IngestSettings(CommonSettings):
    ingest_listen: str = Field(f"0.0.0.0:{DEFAULT_PORTS['ingest']}", description="Address the gRPC server binds.")
    # 0: a lone transaction goes at once (2 ms of lingering was most of an idle submit's answer time);
    # under load librdkafka still batches what queues while earlier requests are in flight.
    producer_linger_ms: int = Field(
        0, ge=0, le=1000, description="How long the Kafka producer waits to fill a batch before sending."
    )
    producer_request_timeout_ms: int = Field(
        10_000, ge=1000, description="How long a produce may wait for the broker before the caller gets UNAVAILABLE."
    )
    idempotency_cache_size: int = Field(
        200_000, ge=1000, description="Idempotency keys remembered in memory to answer repeats without producing."
    )
