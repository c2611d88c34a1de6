"""store_svc's settings come from the environment and a wrong one names itself."""

from __future__ import annotations

import pydantic
import pytest

from store_svc.settings import StoreSettings


def test_defaults_listen_on_the_store_port(monkeypatch):
    monkeypatch.delenv("STORE_LISTEN", raising=False)

    assert StoreSettings().store_listen == "0.0.0.0:50053"


def test_values_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("STORE_DB_POOL_SIZE", "3")
    monkeypatch.setenv("STORE_MIGRATE_ON_START", "false")

    settings = StoreSettings()

    assert settings.store_db_pool_size == 3
    assert settings.store_migrate_on_start is False


def test_a_wrong_value_fails_naming_the_setting(monkeypatch):
    monkeypatch.setenv("STORE_DB_POOL_SIZE", "0")

    with pytest.raises(pydantic.ValidationError, match="store_db_pool_size"):
        StoreSettings()


def test_every_setting_is_documented():
    undocumented = [name for name, field in StoreSettings.model_fields.items() if not field.description]

    assert undocumented == []
