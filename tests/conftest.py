"""Session-wide real infrastructure: PostgreSQL and Apache Kafka started by the same code as `make up`.

Each starts once per test session, on free loopback ports, under a temporary data folder, and
only when a test asks for it, so unit tests run without them.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import tempfile
from collections.abc import Iterator

import pytest

from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.postgres import PostgresCluster
from fraudctl.runtime.waiting import free_port


@pytest.fixture(scope="session")
def runtime_dir() -> Iterator[pathlib.Path]:
    path = pathlib.Path(tempfile.mkdtemp(prefix="fraudmesh-test-"))
    path.chmod(0o755)  # PostgreSQL runs as the postgres user and must reach its folder below this one
    yield path
    if not os.environ.get("FRAUDMESH_KEEP_TEST_DATA"):
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres(runtime_dir: pathlib.Path) -> Iterator[PostgresCluster]:
    cluster = PostgresCluster(runtime_dir / "postgres", port=free_port())
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def kafka(runtime_dir: pathlib.Path) -> Iterator[KafkaBroker]:
    broker = KafkaBroker(runtime_dir / "kafka", port=free_port(), controller_port=free_port())
    broker.start()
    yield broker
    broker.stop()
