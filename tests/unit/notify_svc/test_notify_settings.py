"""notify_svc's settings: documented defaults, environment overrides, and a clear error for bad values."""

from __future__ import annotations

import pydantic
import pytest

from notify_svc.settings import MAX_PUBLISH_BATCH, NotifySettings


def test_defaults_are_documented_and_sane():
    settings = NotifySettings()
    assert settings.notify_listen == "0.0.0.0:50054"
    assert settings.notify_retained_decisions == 100_000
    assert settings.notify_subscriber_queue_size == 10_000
    assert settings.notify_journal_topic == "decisions"  # fraudmesh.kafka_topics.DECISIONS
    assert settings.notify_journal_timeout_ms == 10_000
    for name in (
        "notify_listen",
        "notify_retained_decisions",
        "notify_subscriber_queue_size",
        "notify_journal_topic",
        "notify_journal_timeout_ms",
    ):
        assert NotifySettings.model_fields[name].description


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("NOTIFY_LISTEN", "127.0.0.1:6000")
    monkeypatch.setenv("NOTIFY_SUBSCRIBER_QUEUE_SIZE", "20000")
    monkeypatch.setenv("NOTIFY_JOURNAL_TOPIC", "decisions-staging")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    settings = NotifySettings()
    assert settings.notify_listen == "127.0.0.1:6000"
    assert settings.notify_subscriber_queue_size == 20_000
    assert settings.notify_journal_topic == "decisions-staging"
    assert settings.kafka_bootstrap_servers == "kafka:9092"


def test_a_queue_smaller_than_one_publish_batch_fails_at_start_naming_the_setting(monkeypatch):
    assert MAX_PUBLISH_BATCH == 5000  # from notify_service.proto's max_items
    monkeypatch.setenv("NOTIFY_SUBSCRIBER_QUEUE_SIZE", "100")
    with pytest.raises(pydantic.ValidationError) as raised:
        NotifySettings()
    assert "notify_subscriber_queue_size" in str(raised.value)
    assert "greater than or equal to 5000" in str(raised.value)
