"""What the benchmarks need to reach a platform they did not start (`python -m bench --running`,
beside `make up`), read from its data folder as fraudctl reads it: PostgreSQL's owner password, the
Kafka admin user (SASL_SSL), the operator's client certificate (mutual TLS) and, with access control
on, API keys of role `service` made for the run (the admin key is held to a person's rate) and
revoked after it. A scoring instance started beside the platform gets scoring's own key,
certificate, Kafka user and database role, as `make up` gives the first. Settings in the
environment (DATABASE_URL, KAFKA_*, GRPC_TLS_*) win over the folder, as they do for fraudctl."""

from __future__ import annotations

import asyncio
import math
import os
import pathlib
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from edge.settings import EdgeSettings
from fraudctl.operator_channel import operator_certificate
from fraudctl.runtime.certificates import IssuedCertificate
from fraudctl.runtime.credentials import admin_key_path, operator
from fraudctl.runtime.database_roles import ServiceDatabaseRoles, login_role
from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.postgres import PostgresCluster
from fraudctl.runtime.service_certificates import certificates_folder, tls_env
from fraudmesh.access.declarations import role_value
from fraudmesh.kafka_security import KafkaSecurity
from fraudmesh.settings import KafkaSettings
from store_svc.access_repository import AccessRepository

WEBSOCKET_CAP = "WEBSOCKET_MAX_PER_CREDENTIAL"


@dataclass(frozen=True)
class Attachment:
    database_url: str  # the owner's: the harness reads rows and makes its keys (never log it)
    kafka_security: KafkaSecurity
    client_certificate: IssuedCertificate | None  # None: the platform serves gRPC in plaintext
    access_control: bool  # `make up` made its admin key: every call needs a credential
    data_dir: pathlib.Path
    postgres_port: int

    def service_env(self, service: str) -> dict[str, str]:
        """The settings `make up` gives `service`, from the files it keeps, for one more instance."""
        env: dict[str, str] = {}
        key = self.data_dir / "credentials" / f"{service}.key"
        if self.access_control and key.is_file():
            env["SERVICE_API_KEY"] = key.read_text().strip()
        certificates = certificates_folder(self.data_dir)
        if self.client_certificate is not None and (certificates / f"{service}.crt").is_file():
            env |= tls_env(
                IssuedCertificate(
                    certificates / "ca.crt", certificates / f"{service}.crt", certificates / f"{service}.key"
                )
            )
        broker = KafkaBroker(self.data_dir / "kafka", platform_dir=self.data_dir)
        if "KAFKA_SECURITY_PROTOCOL" not in os.environ and broker.credentials.has_passwords():
            env |= broker.credentials.environment(service)
        cluster = PostgresCluster(self.data_dir / "postgres", port=self.postgres_port)
        password = cluster.credentials_dir / f"{login_role(service)}.password"
        if "DATABASE_URL" not in os.environ and password.is_file():
            url = cluster.url_for(login_role(service), password.read_text().strip())
            env |= ServiceDatabaseRoles({service: url}).service_env(service)
        return env


def attachment(data_dir: pathlib.Path, database_url: str | None, postgres_port: int) -> Attachment:
    """How to reach the platform whose data folder is `data_dir` (`make up`'s .data by default)."""
    cluster = PostgresCluster(data_dir / "postgres", port=postgres_port)
    return Attachment(
        database_url or os.environ.get("DATABASE_URL") or cluster.url,
        kafka_security(data_dir),
        operator_certificate(data_dir),
        admin_key_path(data_dir).is_file(),
        data_dir,
        postgres_port,
    )


def kafka_security(data_dir: pathlib.Path) -> KafkaSecurity:
    """The KAFKA_* settings when they name a protocol, else the admin user of the broker `make up`
    started under `data_dir`, else plaintext."""
    broker = KafkaBroker(data_dir / "kafka", platform_dir=data_dir)
    if "KAFKA_SECURITY_PROTOCOL" not in os.environ and broker.credentials.has_passwords():
        return broker.admin_security
    return KafkaSecurity.from_settings(KafkaSettings())


def websocket_cap() -> int:
    """WebSocket clients the edge lets one credential hold: its setting, as the environment gives it."""
    default = EdgeSettings.model_fields["websocket_max_per_credential"].default
    return int(os.environ.get(WEBSOCKET_CAP, default))


class RunKeys:
    """API keys of role `service` made for one run and revoked after it (both in the audit trail,
    by the operator running the bench)."""

    def __init__(self, database_url: str):
        self._database_url = database_url
        self._made: list[str] = []  # ids

    def make(self, count: int, label: str) -> list[str]:
        return asyncio.run(self._make(count, label))

    def revoke(self) -> None:
        if self._made:
            asyncio.run(self._revoke())

    async def _make(self, count: int, label: str) -> list[str]:
        engine = create_async_engine(self._database_url, poolclass=NullPool)
        repository = AccessRepository(engine)
        keys = []
        try:
            for number in range(count):
                name = f"bench {label} {number + 1}"
                created = await repository.create_key(name, role_value("service"), by=operator())
                self._made.append(created.api_key.id)
                keys.append(created.key)
        finally:
            await engine.dispose()
        return keys

    async def _revoke(self) -> None:
        engine = create_async_engine(self._database_url, poolclass=NullPool)
        repository = AccessRepository(engine)
        try:
            for key_id in self._made:
                await repository.revoke_key(key_id, by=operator())
            self._made = []
        finally:
            await engine.dispose()


def keys_for(clients: int) -> int:
    """Keys enough for `clients` WebSocket clients within the edge's cap per credential."""
    return math.ceil(clients / websocket_cap())


def run_label() -> str:
    return uuid.uuid4().hex[:8]
