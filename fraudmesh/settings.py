"""Settings every service reads from the environment, typed and validated at start-up.

Each service subclasses `CommonSettings` with its own fields; a wrong value fails at start with
pydantic's message, which names the variable. The README's settings table lists every field.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PORTS = {
    "ingest": 50051,
    "scoring": 50052,
    "store": 50053,
    "notify": 50054,
    "edge": 8000,
}
METRICS_PORTS = {"ingest": 9101, "scoring": 9102, "store": 9103, "notify": 9104, "edge": 9105}


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    log_level: str = Field("INFO", description="Python logging level: DEBUG, INFO, WARNING, ERROR.")
    kafka_bootstrap_servers: str = Field("127.0.0.1:9092", description="Kafka brokers, comma-separated.")
    transactions_topic: str = Field("transactions", description="Topic ingest produces to and scoring reads.")
    labels_topic: str = Field(
        "labels", description="Topic of analysts' labels: store produces, every scoring instance reads."
    )
    database_url: str = Field(
        "postgresql+asyncpg://fraud@127.0.0.1:55432/fraud",
        description="SQLAlchemy URL of the PostgreSQL database (asyncpg driver).",
    )
    ingest_address: str = Field(f"127.0.0.1:{DEFAULT_PORTS['ingest']}", description="ingest_svc gRPC address.")
    scoring_address: str = Field(f"127.0.0.1:{DEFAULT_PORTS['scoring']}", description="scoring_svc gRPC address.")
    store_address: str = Field(f"127.0.0.1:{DEFAULT_PORTS['store']}", description="store_svc gRPC address.")
    notify_address: str = Field(f"127.0.0.1:{DEFAULT_PORTS['notify']}", description="notify_svc gRPC address.")
    otel_exporter_otlp_endpoint: str = Field(
        "", description="OTLP/gRPC endpoint for traces (e.g. http://127.0.0.1:4317); empty turns tracing off."
    )
    otel_traces_sampler_ratio: float = Field(1.0, ge=0, le=1, description="Share of traces kept, 0..1.")
    metrics_port: int = Field(0, ge=0, le=65535, description="Prometheus /metrics port; 0 picks the service default.")
    shutdown_grace_seconds: float = Field(10.0, gt=0, description="How long SIGTERM waits for calls in flight.")
