"""The whole platform for end-to-end tests: the session's real Kafka and PostgreSQL, a starter
model trained from simulated data, and the five services as processes, started by the same
supervisor `fraudctl up` uses, on free loopback ports."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pytest

from fraudmesh.runtime.kafka_broker import KafkaBroker
from fraudmesh.runtime.postgres import PostgresCluster
from fraudmesh.runtime.services import ServicePorts, ServiceSupervisor
from fraudmesh.runtime.waiting import free_port


@pytest.fixture(scope="session")
def models_dir(runtime_dir: pathlib.Path) -> pathlib.Path:
    from scoring_svc.model.registry import ensure_starter_model

    directory = runtime_dir / "models"
    ensure_starter_model(directory)
    return directory


@pytest.fixture(scope="session")
def stack(
    runtime_dir: pathlib.Path, kafka: KafkaBroker, postgres: PostgresCluster, models_dir: pathlib.Path
) -> Iterator[ServiceSupervisor]:
    ports = ServicePorts(
        ingest=free_port(), scoring=free_port(), store=free_port(), notify=free_port(), edge=free_port(),
        metrics_base=free_port(),
    )
    supervisor = ServiceSupervisor(
        ports,
        runtime_dir / "logs",
        {
            "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
            "DATABASE_URL": postgres.url,
            "MODELS_DIR": str(models_dir),
            "LOG_LEVEL": "INFO",
        },
    )
    supervisor.start_all()
    yield supervisor
    supervisor.stop_all()
