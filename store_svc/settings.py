"""store_svc's settings, read from the environment (e.g. STORE_LISTEN, STORE_DB_POOL_SIZE)."""

from __future__ import annotations

from fraud.v1 import ingest_service_pb2, scoring_service_pb2, store_service_pb2
from pydantic import Field

from fraudmesh.access.settings import AccessSettings
from fraudmesh.contract import listen_address, local_address
from fraudmesh.kafka_topics import DEAD_LETTERS
from fraudmesh.settings import GrpcTlsSettings, KafkaSettings, LabelsTopicSettings, ServiceSettings


class StoreSettings(ServiceSettings, AccessSettings, GrpcTlsSettings, KafkaSettings, LabelsTopicSettings):
    store_listen: str = Field(
        listen_address(store_service_pb2.DESCRIPTOR.services_by_name["StoreService"]),
        description="Address store_svc's gRPC server binds, host:port.",
    )
    metrics_port: int = Field(9103, ge=0, le=65535, description="Prometheus /metrics port; 0 picks a free one.")
    store_db_pool_size: int = Field(10, ge=1, le=100, description="PostgreSQL connections kept open.")
    store_db_max_overflow: int = Field(
        10, ge=0, le=100, description="Extra connections opened beyond the pool under load, closed when idle."
    )
    store_db_pool_timeout_seconds: float = Field(
        5.0, gt=0, description="How long a call waits for a free connection before answering UNAVAILABLE."
    )
    store_db_connect_timeout_seconds: float = Field(
        5.0, gt=0, description="How long opening a PostgreSQL connection may take before answering UNAVAILABLE."
    )
    store_db_command_timeout_seconds: float = Field(
        30.0, gt=0, description="Longest a single SQL statement may run before it is abandoned."
    )
    store_migrate_on_start: bool = Field(
        True, description="Apply the Alembic migrations to DATABASE_URL before serving."
    )
    ingest_address: str = Field(
        local_address(ingest_service_pb2.DESCRIPTOR.services_by_name["IngestService"]),
        description="ingest_svc's gRPC address, where a replayed dead letter's transaction goes.",
    )
    scoring_address: str = Field(
        local_address(scoring_service_pb2.DESCRIPTOR.services_by_name["ScoringService"]),
        description="scoring_svc's gRPC address, which checks a rule's expression before store keeps it.",
    )
    dead_letters_topic: str = Field(
        DEAD_LETTERS.name, description="Topic of the records hops set aside, which store keeps, lists and replays."
    )
    store_dead_letters_group: str = Field(
        "store-dead-letters", description="Kafka consumer group store reads the dead-letter topic as."
    )
