"""The settings base every service builds its own settings from, read from the environment.

A service's settings class combines `ServiceSettings` with the groups it needs (`KafkaSettings`,
`DatabaseSettings`) and adds its own fields; a wrong value fails at start with pydantic's message,
which names the variable. The README's settings table lists every field of every service.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """What every service process reads: logging, tracing, metrics and shutdown. A service sets the
    default of `metrics_port` to its own port."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    log_level: str = Field("INFO", description="Python logging level: DEBUG, INFO, WARNING, ERROR.")
    otel_exporter_otlp_endpoint: str = Field(
        "", description="OTLP/gRPC endpoint for traces (e.g. http://127.0.0.1:4317); empty turns tracing off."
    )
    otel_exporter_zipkin_endpoint: str = Field(
        "",
        description="Zipkin's span endpoint (e.g. http://127.0.0.1:9411/api/v2/spans) to send traces to as well, "
        "for Zipkin's UI (`make up OBSERVE=1`); needs opentelemetry-exporter-zipkin-json; empty sends none there.",
    )
    otel_traces_sampler_ratio: float = Field(1.0, ge=0, le=1, description="Share of traces kept, 0..1.")
    metrics_port: int = Field(
        0,
        ge=0,
        le=65535,
        description="Prometheus /metrics port (each service has its own default); 0 picks a free one.",
    )
    shutdown_grace_seconds: float = Field(10.0, gt=0, description="How long SIGTERM waits for calls in flight.")


class KafkaSettings(BaseSettings):
    kafka_bootstrap_servers: str = Field("127.0.0.1:9092", description="Kafka brokers, comma-separated.")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT",
        description="How clients connect to Kafka; `make up` gives each service SASL_SSL and its own user.",
    )
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = Field(
        "SCRAM-SHA-512", description="SASL mechanism, when KAFKA_SECURITY_PROTOCOL is SASL_SSL or SASL_PLAINTEXT."
    )
    kafka_sasl_username: str = Field(
        "", description="This service's Kafka user (needed with a SASL protocol).", validate_default=True
    )
    kafka_sasl_password: SecretStr = Field(SecretStr(""), description="That user's password; never logged.")
    kafka_ssl_ca_file: str = Field(
        "", description="PEM file of the authority that signed the broker's certificate; empty: the system's."
    )

    # A field's validator, not the model's: pydantic's message quotes the input it refuses, and a
    # model validator's input is every setting, the password among them.
    @field_validator("kafka_sasl_username")
    @classmethod
    def _sasl_needs_a_user(cls, username: str, info: ValidationInfo) -> str:
        protocol = info.data.get("kafka_security_protocol", "")
        if protocol.startswith("SASL_") and not username:
            raise ValueError(f"KAFKA_SASL_USERNAME is needed when KAFKA_SECURITY_PROTOCOL is {protocol}")
        return username


class DatabaseSettings(BaseSettings):
    database_url: str = Field(
        "postgresql+asyncpg://fraud@127.0.0.1:55432/fraud",
        description="SQLAlchemy URL of the PostgreSQL database (asyncpg driver).",
    )


def asyncpg_dsn(database_url: str) -> str:
    """The SQLAlchemy URL every service takes (postgresql+asyncpg://...) as asyncpg's own DSN."""
    scheme, _, rest = database_url.partition("://")
    return f"{scheme.split('+', 1)[0]}://{rest}"


class TransactionsTopicSettings(BaseSettings):
    transactions_topic: str = Field("transactions", description="Topic ingest produces to and scoring reads.")


class LabelsTopicSettings(BaseSettings):
    labels_topic: str = Field(
        "labels", description="Topic of analysts' labels: store produces, every scoring instance reads."
    )


class GrpcTlsSettings(BaseSettings):
    """Mutual TLS on every gRPC link: a service serves with its certificate, asks each caller for one
    signed by the same authority, and presents its own when it calls. The files are PEM; `make up`
    and the tests make them (fraudctl.runtime.service_certificates). Missing files fail at start."""

    grpc_tls: bool = Field(
        True,
        description="Serve and call gRPC over mutual TLS. Off only for in-process tests and when a mesh "
        "sidecar already encrypts the links.",
    )
    grpc_tls_ca_file: str = Field(
        "", description="PEM certificate of the authority that signs every party's certificate (trusted)."
    )
    grpc_tls_cert_file: str = Field(
        "", description="PEM certificate of this process (common name = the service's name), served and presented."
    )
    grpc_tls_key_file: str = Field("", description="PEM private key of GRPC_TLS_CERT_FILE; never logged.")
