"""`python -m bench --running` reads what a running `make up` needs from its data folder, as fraudctl
does: the owner's database password, the Kafka admin user, the operator's certificate; and gives a
scoring instance started beside it scoring's own key, certificate, Kafka user and database role."""

from __future__ import annotations

import pathlib

import pytest
from sqlalchemy.engine import make_url

from bench.attach import attachment, keys_for
from bench.stack import attached
from fraudctl.runtime.credentials import admin_key_path
from fraudctl.runtime.database_passwords import write_secret
from fraudctl.runtime.database_roles import login_role
from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.postgres import PostgresCluster
from fraudctl.runtime.service_certificates import ensure_platform_certificates
from fraudctl.runtime.services import ServicePorts
from fraudmesh.grpc_tls import GrpcTlsSettingError

SETTINGS = ("DATABASE_URL", "KAFKA_SECURITY_PROTOCOL", "GRPC_TLS", "GRPC_TLS_CA_FILE", "GRPC_TLS_CERT_FILE")


@pytest.fixture
def clean_environment(monkeypatch):
    for name in (*SETTINGS, "GRPC_TLS_KEY_FILE", "WEBSOCKET_MAX_PER_CREDENTIAL"):
        monkeypatch.delenv(name, raising=False)


def make_up_folder(data: pathlib.Path) -> None:
    """What `make up` leaves in its data folder, made by the same functions."""
    ensure_platform_certificates(data)
    KafkaBroker(data / "kafka", platform_dir=data).credentials.ensure()
    cluster = PostgresCluster(data / "postgres", port=55999)
    cluster.credentials_dir.mkdir(parents=True, exist_ok=True)
    write_secret(cluster.owner_password_path, "owner-secret")
    write_secret(cluster.credentials_dir / f"{login_role('scoring')}.password", "scoring-secret")
    for name in ("admin", "scoring"):
        write_secret(data / "credentials" / f"{name}.key", f"fmk_{name}")
    assert admin_key_path(data).is_file()


def test_a_make_up_folder_gives_the_owner_password_the_kafka_admin_and_the_operator_certificate(
    tmp_path, clean_environment
):
    make_up_folder(tmp_path)
    found = attachment(tmp_path, None, 55999)
    url = make_url(found.database_url)
    assert (url.username, url.password, url.port) == ("fraud", "owner-secret", 55999)
    assert (found.kafka_security.protocol, found.kafka_security.username) == ("SASL_SSL", "admin")
    assert found.kafka_security.password
    assert found.client_certificate is not None
    assert found.client_certificate.certificate == tmp_path / "certificates" / "admin.crt"
    assert found.access_control

    target = attached(ServicePorts(), "127.0.0.1:9092", found)
    assert target.client_tls is not None, "the harness's gRPC clients present the operator's certificate"
    assert target.kafka_security == found.kafka_security


def test_a_second_scoring_gets_scorings_own_key_certificate_kafka_user_and_database_role(tmp_path, clean_environment):
    make_up_folder(tmp_path)
    env = attachment(tmp_path, None, 55999).service_env("scoring")
    assert env["SERVICE_API_KEY"] == "fmk_scoring"
    assert env["GRPC_TLS_CERT_FILE"] == str(tmp_path / "certificates" / "scoring.crt")
    assert env["KAFKA_SASL_USERNAME"] == "scoring" and env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    url = make_url(env["DATABASE_URL"])
    assert (url.username, url.password) == (login_role("scoring"), "scoring-secret")


def test_the_environment_wins_over_the_folder(tmp_path, clean_environment, monkeypatch):
    make_up_folder(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://someone:pw@db.example:5432/fraud")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
    monkeypatch.setenv("GRPC_TLS", "false")
    found = attachment(tmp_path, None, 55999)
    assert make_url(found.database_url).host == "db.example"
    assert found.kafka_security.protocol == "PLAINTEXT"
    assert found.client_certificate is None
    assert attachment(tmp_path, "postgresql+asyncpg://flag@h:1/fraud", 55999).database_url.startswith(
        "postgresql+asyncpg://flag@"
    ), "--database-url first"


def test_without_a_certificate_the_refusal_says_where_one_comes_from(tmp_path, clean_environment):
    with pytest.raises(GrpcTlsSettingError, match="make up"):
        attachment(tmp_path, None, 55999)


def test_enough_keys_for_the_websocket_clients_within_the_edges_cap(clean_environment, monkeypatch):
    assert keys_for(100) == 5  # the edge's default: 20 per credential
    monkeypatch.setenv("WEBSOCKET_MAX_PER_CREDENTIAL", "30")
    assert keys_for(100) == 4
