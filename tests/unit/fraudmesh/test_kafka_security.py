"""A service's KAFKA_* settings become the same connection in both Kafka clients' words, and a SASL
protocol without a user stops the settings from loading, naming the setting and not the password."""

from __future__ import annotations

import ssl

import pytest
from pydantic import ValidationError

from fraudmesh.kafka_security import KafkaSecurity
from fraudmesh.settings import KafkaSettings


def sasl_ssl_settings(monkeypatch: pytest.MonkeyPatch) -> KafkaSettings:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "ingest")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "s3cret-value")
    return KafkaSettings()


def test_by_default_both_clients_connect_in_plaintext():
    security = KafkaSecurity.from_settings(KafkaSettings())
    assert security.aiokafka() == {"security_protocol": "PLAINTEXT"}
    assert security.confluent() == {"security.protocol": "plaintext"}


def test_sasl_ssl_settings_become_aiokafka_arguments(monkeypatch: pytest.MonkeyPatch):
    arguments = KafkaSecurity.from_settings(sasl_ssl_settings(monkeypatch)).aiokafka()
    context = arguments.pop("ssl_context")
    assert arguments == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "ingest",
        "sasl_plain_password": "s3cret-value",
    }
    # The broker's certificate and name are checked, not merely encrypted to.
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_sasl_ssl_settings_become_confluent_keys_with_the_ca_file(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("KAFKA_SSL_CA_FILE", "/data/certificates/ca.crt")
    config = KafkaSecurity.from_settings(sasl_ssl_settings(monkeypatch)).confluent()
    assert config == {
        "security.protocol": "sasl_ssl",
        "ssl.ca.location": "/data/certificates/ca.crt",
        "sasl.mechanisms": "SCRAM-SHA-512",
        "sasl.username": "ingest",
        "sasl.password": "s3cret-value",
    }


def test_the_password_is_in_no_repr(monkeypatch: pytest.MonkeyPatch):
    settings = sasl_ssl_settings(monkeypatch)
    assert "s3cret-value" not in repr(settings)
    assert "s3cret-value" not in repr(KafkaSecurity.from_settings(settings))


def test_a_sasl_protocol_without_a_user_is_refused_naming_the_setting(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "s3cret-value")
    with pytest.raises(ValidationError) as refused:
        KafkaSettings()
    assert "KAFKA_SASL_USERNAME" in str(refused.value)
    assert "s3cret-value" not in str(refused.value)
