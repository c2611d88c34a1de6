"""The whole platform on one machine: Kafka, PostgreSQL, the starter model and the five services.

`KAFKA_BOOTSTRAP_SERVERS` / `DATABASE_URL` in the environment point it at existing ones instead of
starting its own. Used by `fraudctl up` and by the end-to-end test session alike."""

from __future__ import annotations

import asyncio
import logging
import os
import pathlib
from dataclasses import dataclass, field
from typing import Any

from fraudctl.runtime.credentials import PlatformKeys, ensure_platform_keys
from fraudctl.runtime.database_roles import ensure_service_roles
from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.kafka_credentials import SERVICE_USERS
from fraudctl.runtime.keeping import RestartBook, RestartPolicy, start_with_backoff
from fraudctl.runtime.postgres import PostgresCluster
from fraudctl.runtime.service_certificates import PlatformCertificates, ensure_platform_certificates
from fraudctl.runtime.services import ServicePorts, ServiceSupervisor
from fraudmesh.kafka_security import KafkaSecurity
from fraudmesh.kafka_topics import PLATFORM_TOPICS, ensure
from fraudmesh.settings import KafkaSettings

log = logging.getLogger(__name__)
REPO = pathlib.Path(__file__).resolve().parents[2]


@dataclass
class PlatformConfig:
    data_dir: pathlib.Path = REPO / ".data"
    models_dir: pathlib.Path = REPO / "models"
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    postgres_port: int = 55432
    ports: ServicePorts = field(default_factory=ServicePorts)
    kafka_bootstrap_servers: str | None = field(default_factory=lambda: os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    database_url: str | None = field(default_factory=lambda: os.environ.get("DATABASE_URL"))
    extra_env: dict[str, str] = field(default_factory=dict)
    # Scoring instances in the consumer group; the transactions topic's partitions are shared among
    # them, so more than TRANSACTIONS_PARTITIONS would leave some idle.
    scoring_instances: int = 1
    # Every call needs a credential: the runner gives each service its key and makes a local admin key.
    access_control: bool = True
    # Every gRPC link is mutual TLS: the runner gives each service a certificate from a local authority.
    grpc_tls: bool = True


class Platform:
    def __init__(self, config: PlatformConfig, policy: RestartPolicy | None = None):
        self.config = config
        self.kafka: KafkaBroker | None = None
        self.postgres: PostgresCluster | None = None
        self.services: ServiceSupervisor | None = None
        self.book = RestartBook(policy or RestartPolicy())
        self.keys: PlatformKeys | None = None
        self.certificates: PlatformCertificates | None = None

    @property
    def bootstrap_servers(self) -> str:
        if self.config.kafka_bootstrap_servers:
            return self.config.kafka_bootstrap_servers
        if self.kafka is None:
            raise RuntimeError("Kafka is neither configured (KAFKA_BOOTSTRAP_SERVERS) nor started")
        return self.kafka.bootstrap_servers

    @property
    def kafka_security(self) -> KafkaSecurity:
        """How the operator's clients connect: our broker's admin user, or what the environment's
        KAFKA_* settings say for a broker given by KAFKA_BOOTSTRAP_SERVERS."""
        if self.kafka is not None:
            return self.kafka.admin_security
        return KafkaSecurity.from_settings(KafkaSettings())

    @property
    def database_url(self) -> str:
        if self.config.database_url:
            return self.config.database_url
        if self.postgres is None:
            raise RuntimeError("PostgreSQL is neither configured (DATABASE_URL) nor started")
        return self.postgres.url

    def start_infrastructure(self) -> None:
        data = self.config.data_dir
        data.mkdir(parents=True, exist_ok=True)
        if not self.config.database_url:
            self.postgres = PostgresCluster(data / "postgres", port=self.config.postgres_port)
            log.info("starting PostgreSQL on 127.0.0.1:%d", self.config.postgres_port)
            self.postgres.start()
        if not self.config.kafka_bootstrap_servers:
            self.kafka = KafkaBroker(
                data / "kafka", port=self.config.kafka_port, controller_port=self.config.kafka_controller_port
            )
            log.info("starting Apache Kafka (KRaft) on 127.0.0.1:%d", self.config.kafka_port)
            self.kafka.start()
        for topic in PLATFORM_TOPICS:
            asyncio.run(ensure(self.bootstrap_servers, topic, security=self.kafka_security))

    def ensure_model(self) -> None:
        from fraudmodel.serving.registry import ensure_starter_model  # heavy imports, only when needed

        if not any(self.config.models_dir.glob("*/model.onnx")):
            log.info("no model yet: training the starter model into %s", self.config.models_dir)
        ensure_starter_model(self.config.models_dir)

    # What runs the services, and what else it takes: a benchmark may give its own (bench/chaos routes
    # one link through a proxy).
    supervisor_class: type[ServiceSupervisor] = ServiceSupervisor
    supervisor_options: dict[str, Any] = {}  # noqa: RUF012 (replaced, never changed in place)

    def start_services(self) -> None:
        per_service: dict[str, dict[str, str]] = {}
        if self.config.access_control:
            self.keys = ensure_platform_keys(self.database_url, self.config.data_dir / "credentials")
            per_service = {name: self.keys.service_env(name) for name in self.keys.by_service}
        if self.postgres is not None:  # our cluster: each service logs in as its own role, least privilege
            roles = ensure_service_roles(self.database_url, self.postgres.credentials_dir)
            for name in roles.urls:
                per_service[name] = {**per_service.get(name, {}), **roles.service_env(name)}
        if self.kafka is not None:  # our broker: each service signs in as its own Kafka user
            for name in SERVICE_USERS:
                per_service[name] = {**per_service.get(name, {}), **self.kafka.client_environment(name)}
        if self.config.grpc_tls:
            self.certificates = ensure_platform_certificates(self.config.data_dir)
            for name in self.certificates.by_service:
                per_service[name] = {**per_service.get(name, {}), **self.certificates.service_env(name)}
        self.services = self.supervisor_class(
            self.config.ports,
            self.config.data_dir / "logs",
            {
                "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
                "DATABASE_URL": self.database_url,
                "MODELS_DIR": str(self.config.models_dir),
                "ACCESS_CONTROL": "true" if self.config.access_control else "false",
                "GRPC_TLS": "true" if self.config.grpc_tls else "false",
                **self.config.extra_env,
            },
            book=self.book,
            per_service_env=per_service,
            admin_credential=self.keys.admin if self.keys else "",
            client_certificate=self.certificates.operator if self.certificates else None,
            **self.supervisor_options,
        )
        self.services.start_all()
        for number in range(2, self.config.scoring_instances + 1):
            service = self.services.start("scoring", instance=str(number))
            self.services.wait_ready(service.name)

    def up(self) -> None:
        self.start_infrastructure()
        self.ensure_model()
        self.start_services()

    def infrastructure(self) -> dict[str, KafkaBroker | PostgresCluster]:
        """The parts this platform started itself (none of those given by URL), by name."""
        parts: dict[str, KafkaBroker | PostgresCluster] = {}
        if self.postgres is not None:
            parts["postgres"] = self.postgres
        if self.kafka is not None:
            parts["kafka"] = self.kafka
        return parts

    def restart_dead(self) -> dict[str, str]:
        """Starts again whatever of ours stopped on its own, Kafka and PostgreSQL first, then the
        services (which reconnect to them by themselves), and answers how each had ended, by name.
        Raises CannotKeepUp, naming the log, for a part that cannot come back or keeps stopping."""
        restarted = {}
        for name, part in self.infrastructure().items():
            ending = part.ended()
            if ending is None or not self.book.due(name):
                continue
            self.book.note(name, ending, part.log_path)
            log.warning("%s stopped: it %s; starting it again", name, ending)
            start_with_backoff(name, part.start, part.log_path, self.book.policy)
            restarted[name] = ending
        if self.services is not None:
            restarted |= self.services.restart_dead()
        return restarted

    def restart_counts(self) -> dict[str, int]:
        """Restarts so far of every part we run, by name (0 for those never restarted)."""
        names = [*self.infrastructure(), *(self.services.running if self.services else ())]
        return {name: self.book.totals.get(name, 0) for name in names}

    def down(self) -> None:
        if self.services:
            self.services.stop_all()
        if self.kafka:
            self.kafka.stop()
        if self.postgres:
            self.postgres.stop()
