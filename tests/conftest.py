"""Session-wide real infrastructure, started by the same code as `make up`: PostgreSQL, Apache
Kafka, and for end-to-end and console tests the whole platform (a starter model trained from a
generated history, a Jaeger v2 receiving every service's traces, the five services as processes).

Each starts once per test session, on free loopback ports, under a temporary data folder, and
only when a test asks for it, so unit tests run without them. Tests are marked by what they need
(`kafka`, `postgres`, `browser`), from the fixtures they use, so `-m "not kafka and not postgres
and not browser"` runs only what needs neither.
"""

from __future__ import annotations

import asyncio
import os
import pathlib
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from fraudctl.devtools import tools
from fraudctl.runtime.credentials import ensure_platform_keys
from fraudctl.runtime.database_roles import ensure_service_roles
from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.kafka_credentials import SERVICE_USERS
from fraudctl.runtime.postgres import PostgresCluster
from fraudctl.runtime.service_certificates import ensure_platform_certificates
from fraudctl.runtime.services import ServicePorts, ServiceSupervisor
from fraudctl.runtime.waiting import free_port
from fraudmesh.kafka_topics import PLATFORM_TOPICS, ensure
from tests.access_keys import keys_by_role
from tests.fresh_database import migrated_database

# The session's Keycloak (fixture `keycloak`), for the access tests and the console's sign-in.
pytest_plugins = ["tests.keycloak_plugin"]

# In-process apps and services the integration tests build with stand-in peers run with access
# control off (their peers check no credential); the platform the end-to-end and console tests run
# (`stack`) has it on, as `make up` does, and tests/integration/access* test it with real keys.
os.environ["ACCESS_CONTROL"] = "false"
# Likewise they serve gRPC in plaintext; `stack` runs mutual TLS, and tests/integration/grpc_tls tests it.
os.environ["GRPC_TLS"] = "false"

# What a test needs, known from the fixtures it uses (directly or through others).
NEEDS = {"kafka": "kafka", "postgres": "postgres", "browser": "browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        for fixture, marker in NEEDS.items():
            if fixture in used:
                item.add_marker(marker)


@pytest.fixture(scope="session")
def promtool() -> pathlib.Path:
    # Built once with `go install` into ~/.cache/fraudmesh/go (minutes the first time), then reused.
    return tools.promtool()


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


def pytest_collection_finish(session: pytest.Session) -> None:
    # The first build of Jaeger takes minutes on two cores: do it before any test's timeout starts.
    # Later sessions find it in ~/.cache/fraudmesh/go and go on at once.
    if session.config.option.collectonly:
        return
    if any("jaeger" in getattr(item, "fixturenames", ()) for item in session.items):
        tools.jaeger()


@dataclass(frozen=True)
class RunningJaeger:
    ports: tools.JaegerPorts

    @property
    def otlp_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports.otlp_grpc}"

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.query_http}"


@pytest.fixture(scope="session")
def jaeger(runtime_dir: pathlib.Path) -> Iterator[RunningJaeger]:
    ports = tools.JaegerPorts(
        otlp_grpc=free_port(), otlp_http=free_port(), query_http=free_port(), query_grpc=free_port(), health=free_port()
    )
    process = tools.start_jaeger(runtime_dir / "jaeger", ports)
    yield RunningJaeger(ports)
    tools.stop_jaeger(process)


@pytest.fixture(scope="session")
def models_dir(runtime_dir: pathlib.Path) -> pathlib.Path:
    from fraudmodel.serving.registry import ensure_starter_model

    directory = runtime_dir / "models"
    ensure_starter_model(directory)
    return directory


@pytest.fixture(scope="session")
def stack(
    runtime_dir: pathlib.Path,
    kafka: KafkaBroker,
    postgres: PostgresCluster,
    models_dir: pathlib.Path,
    jaeger: RunningJaeger,
) -> Iterator[ServiceSupervisor]:
    ports = ServicePorts(
        ingest=free_port(),
        scoring=free_port(),
        store=free_port(),
        notify=free_port(),
        edge=free_port(),
        metrics_base=free_port(),
    )
    # As `make up` runs it: access control on, each service with its own key, an admin key for the
    # tests' clients. Rates are raised: the tests send bursts with one key; rates have their own tests.
    keys = ensure_platform_keys(postgres.url, runtime_dir / "credentials")
    per_service = {name: keys.service_env(name) for name in keys.by_service}
    # And each service logs in to PostgreSQL as its own role, with only the privileges its code needs.
    roles = ensure_service_roles(postgres.url, postgres.credentials_dir)
    for name in roles.urls:
        per_service[name] = {**per_service.get(name, {}), **roles.service_env(name)}
    # And each service signs in to Kafka as its own user, which may touch only its own topics and groups.
    for name in SERVICE_USERS:
        per_service[name] = {**per_service.get(name, {}), **kafka.client_environment(name)}
    # And mutual TLS on every gRPC link: a certificate per service, the admin's for the tests' clients.
    certificates = ensure_platform_certificates(runtime_dir)
    for name in certificates.by_service:
        per_service[name] = {**per_service.get(name, {}), **certificates.service_env(name)}
    # A short drift window, so a test's few hundred transactions fill it alone (e2e/test_model_drift.py).
    per_service["scoring"] = {**per_service.get("scoring", {}), "DRIFT_WINDOW": "400", "DRIFT_MIN_TRANSACTIONS": "200"}
    supervisor = ServiceSupervisor(
        ports,
        runtime_dir / "logs",
        {
            "ACCESS_CONTROL": "true",
            "GRPC_TLS": "true",
            "RATE_LIMIT_PER_SECOND": "100000",
            "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
            "DATABASE_URL": postgres.url,
            "MODELS_DIR": str(models_dir),
            "LOG_LEVEL": "INFO",
            # Every end-to-end run is traced, so tracing is exercised under the same load as the rest.
            "OTEL_EXPORTER_OTLP_ENDPOINT": jaeger.otlp_endpoint,
            "OTEL_TRACES_SAMPLER_RATIO": "1.0",
            # Spans leave every 200 ms instead of every 5 s, so a test finds its trace sooner.
            "OTEL_BSP_SCHEDULE_DELAY": "200",
            "JAEGER_QUERY_URL": jaeger.query_url,  # the edge's trace view (GET /api/traces/{id}) reads it
        },
        per_service_env=per_service,
        admin_credential=keys.admin,
        client_certificate=certificates.operator,
    )
    for topic in PLATFORM_TOPICS:  # as `fraudctl up` creates them, as the admin user
        asyncio.run(ensure(kafka.bootstrap_servers, topic, security=kafka.admin_security))
    supervisor.start_all()
    yield supervisor
    supervisor.stop_all()


@pytest.fixture(scope="session")
async def access_database_url(postgres: PostgresCluster) -> str:
    """A migrated database of its own, for the access-control tests."""
    return await migrated_database(postgres.url, "access_test")


@pytest.fixture(scope="session")
async def role_keys(access_database_url: str) -> dict[str, tuple[str, str]]:
    """A valid API key for each role: role -> (key id, key)."""
    return await keys_by_role(access_database_url)
