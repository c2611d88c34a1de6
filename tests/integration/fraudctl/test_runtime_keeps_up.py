"""The runner keeps the platform up: a Kafka or PostgreSQL killed with SIGKILL is started again by
the same runtime code `make up` runs, the services' health follows (ingest NOT_SERVING while the
broker is gone, store while PostgreSQL is), and they serve again once it is back. A part that
cannot come back stops the runner with a message naming its log."""

from __future__ import annotations

import os
import pathlib
import signal
import socket
import uuid
from collections.abc import Iterator
from dataclasses import replace

import grpc
import pytest
from fraud.v1 import (
    ingest_service_pb2,
    ingest_service_pb2_grpc,
    store_service_pb2,
    store_service_pb2_grpc,
    transaction_pb2,
)

from fraudctl.runtime.keeping import CannotKeepUp, RestartPolicy
from fraudctl.runtime.platform import Platform, PlatformConfig
from fraudctl.runtime.services import ServicePorts, ServiceSupervisor, grpc_serving
from fraudctl.runtime.waiting import free_port, wait_until

pytestmark = pytest.mark.timeout(900)

# Quick to give up, so the test of a part that cannot come back is short; patient enough for a
# PostgreSQL whose killed server leaves children behind for a moment.
POLICY = RestartPolicy(attempts=4, first_wait_s=0.5, max_wait_s=4.0)


def _config(folder: pathlib.Path, **overrides) -> PlatformConfig:
    ports = ServicePorts(
        ingest=free_port(), scoring=free_port(), store=free_port(), notify=free_port(), edge=free_port()
    )
    ports.metrics_base = free_port()
    settings = {
        "data_dir": folder,
        "models_dir": folder / "models",
        "kafka_port": free_port(),
        "kafka_controller_port": free_port(),
        "postgres_port": free_port(),
        "ports": ports,
        "kafka_bootstrap_servers": None,  # ours, whatever the environment says
        "database_url": None,
    }
    return PlatformConfig(**(settings | overrides))


@pytest.fixture(scope="module")
def platform(runtime_dir: pathlib.Path) -> Iterator[Platform]:
    """Kafka and PostgreSQL of its own, with store and ingest as `make up` runs them."""
    platform = Platform(_config(runtime_dir / f"keeps-up-{uuid.uuid4().hex[:6]}"), POLICY)
    platform.start_infrastructure()
    platform.services = ServiceSupervisor(
        platform.config.ports,
        platform.config.data_dir / "logs",
        {"KAFKA_BOOTSTRAP_SERVERS": platform.bootstrap_servers, "DATABASE_URL": platform.database_url},
        book=platform.book,
        # Each signs in to Kafka as its own user, as `make up` has them.
        per_service_env={name: platform.kafka.client_environment(name) for name in ("store", "ingest")},
    )
    try:
        for name in ("store", "ingest"):
            platform.services.start(name)
            platform.services.wait_ready(name)
        yield platform
    finally:
        platform.down()


def _serving(platform: Platform, name: str) -> bool:
    return grpc_serving(platform.config.ports.grpc_address(name))


def _submit(platform: Platform, key: str = "") -> ingest_service_pb2.SubmitTransactionResponse:
    transaction = transaction_pb2.TransactionInput(
        user_id="keeper",
        amount=transaction_pb2.Money(minor_units=990, currency="EUR"),
        location=transaction_pb2.Location(city="Paris", country="FR", lat=48.85, lon=2.35),
        channel=transaction_pb2.CHANNEL_CARD_PRESENT,
        idempotency_key=key,
    )
    with grpc.insecure_channel(platform.config.ports.grpc_address("ingest")) as channel:
        return ingest_service_pb2_grpc.IngestServiceStub(channel).SubmitTransaction(
            ingest_service_pb2.SubmitTransactionRequest(transaction=transaction), timeout=30
        )


def test_a_killed_kafka_is_restarted_and_ingest_is_not_serving_until_it_is_back(platform: Platform):
    kafka = platform.kafka
    assert kafka is not None and kafka.process is not None
    assert _submit(platform).transaction_id

    os.kill(kafka.process.pid, signal.SIGKILL)
    kafka.process.wait()
    wait_until(lambda: not _serving(platform, "ingest"), 60, "ingest reporting NOT_SERVING without its broker")

    restarted = platform.restart_dead()

    assert list(restarted) == ["kafka"]
    assert restarted["kafka"].startswith(f"exited with -{signal.SIGKILL.value} (log {kafka.log_path}")
    assert kafka.answers()
    wait_until(lambda: _serving(platform, "ingest"), 60, "ingest SERVING again")
    assert _submit(platform, key=f"after-kafka-{uuid.uuid4().hex[:6]}").transaction_id
    assert platform.restart_counts()["kafka"] == 1
    assert platform.restart_dead() == {}, "a platform that is up is left alone"


def test_a_killed_postgresql_is_restarted_and_store_is_not_serving_until_it_is_back(platform: Platform):
    postgres = platform.postgres
    assert postgres is not None
    server = postgres.postmaster_pid()
    assert server is not None

    os.kill(server, signal.SIGKILL)
    wait_until(lambda: postgres.ended() is not None, 30, "PostgreSQL's server process gone")
    wait_until(lambda: not _serving(platform, "store"), 60, "store reporting NOT_SERVING without PostgreSQL")

    restarted = platform.restart_dead()

    assert list(restarted) == ["postgres"]
    assert f"its server process {server} is gone (log {postgres.log_path}" in restarted["postgres"]
    assert postgres.answers()
    wait_until(lambda: _serving(platform, "store"), 60, "store SERVING again")
    with grpc.insecure_channel(platform.config.ports.grpc_address("store")) as channel:
        listed = store_service_pb2_grpc.StoreServiceStub(channel).ListTransactions(
            store_service_pb2.ListTransactionsRequest(page_size=5), timeout=30
        )
    assert listed is not None
    # Ingest's idempotency keys live in the same PostgreSQL: keyed submissions work again too.
    assert _submit(platform, key=f"after-postgres-{uuid.uuid4().hex[:6]}").transaction_id
    assert platform.restart_dead() == {}


def test_a_kafka_that_cannot_come_back_stops_the_runner_naming_its_log(runtime_dir: pathlib.Path, postgres):
    # PostgreSQL from the session: only Kafka is this platform's own.
    config = _config(runtime_dir / f"cannot-{uuid.uuid4().hex[:6]}", database_url=postgres.url)
    platform = Platform(config, RestartPolicy(attempts=2, first_wait_s=0.1, max_wait_s=0.2))
    platform.start_infrastructure()
    squatter = socket.socket()
    try:
        kafka = platform.kafka
        assert kafka is not None and kafka.process is not None
        os.kill(kafka.process.pid, signal.SIGKILL)
        kafka.process.wait()
        # Something else takes the broker's port: no restart can succeed.
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", config.kafka_port))
        squatter.listen()

        with pytest.raises(CannotKeepUp) as caught:
            platform.restart_dead()

        message = str(caught.value)
        assert message.startswith("kafka stopped and could not be started again (2 attempts")
        assert f"port {config.kafka_port} is taken" in message
        assert message.endswith(f"see {kafka.log_path}")
    finally:
        squatter.close()
        platform.down()


def test_a_service_that_keeps_stopping_stops_the_runner_naming_its_log(platform: Platform):
    # Last in this module: it leaves ingest stopped. One restart within the window is all this policy allows.
    platform.book.policy = replace(POLICY, crash_loop_restarts=1)
    services = platform.services
    assert services is not None
    first = services.running["ingest"]
    first.process.kill()
    first.process.wait()
    assert list(platform.restart_dead()) == ["ingest"]
    again = services.running["ingest"]
    assert again.process.pid != first.process.pid and _serving(platform, "ingest")

    again.process.kill()
    again.process.wait()
    wait_until(lambda: platform.book.due("ingest"), 30, "the spacing between restarts of ingest")
    with pytest.raises(CannotKeepUp) as caught:
        platform.restart_dead()

    message = str(caught.value)
    assert message.startswith("ingest keeps stopping (1 restarts in 600 s; last it exited with -9")
    assert message.endswith(f"see {again.log_path}")
