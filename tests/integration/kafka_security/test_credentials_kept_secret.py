"""The Kafka passwords `make up` makes stay with their owner: files only its user can read, and
in no log, neither the broker's nor a service's refusal to start."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.kafka_credentials import ALL_USERS
from fraudmesh.kafka_security import KafkaSecurity

pytestmark = pytest.mark.kafka


def test_every_password_file_is_readable_by_its_owner_only(secured_kafka: KafkaBroker):
    folder = secured_kafka.credentials.folder
    for user in ALL_USERS:
        mode = stat.S_IMODE((folder / f"{user}.password").stat().st_mode)
        assert mode == 0o600, f"{user}: {oct(mode)}"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    # The broker's configuration holds its own password.
    assert stat.S_IMODE((secured_kafka.data_dir / "server.properties").stat().st_mode) == 0o600


def test_no_password_reaches_the_broker_logs(secured_kafka: KafkaBroker):
    logs = [secured_kafka.log_path, secured_kafka.data_dir / "stdout.log"]
    text = "".join(path.read_text(errors="replace") for path in logs if path.exists())
    assert "SASL" in text or "sasl" in text  # the log is the broker's, and it did describe its listeners
    for user in ALL_USERS:
        assert secured_kafka.credentials.password(user) not in text, user


def test_a_password_is_not_in_the_repr_of_its_settings(secured_kafka: KafkaBroker):
    security = secured_kafka.admin_security
    assert security.password and security.password not in repr(security)
    assert isinstance(security, KafkaSecurity)


def test_a_service_told_to_use_sasl_without_a_user_fails_at_start_naming_the_setting():
    environment = {
        **os.environ,
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SASL_USERNAME": "",
        "KAFKA_SASL_PASSWORD": "a-password-that-must-not-be-printed",
    }
    finished = subprocess.run(
        [sys.executable, "-m", "ingest_svc"], env=environment, capture_output=True, text=True, timeout=120, check=False
    )
    assert finished.returncode != 0
    assert "KAFKA_SASL_USERNAME" in finished.stderr
    assert "a-password-that-must-not-be-printed" not in finished.stderr + finished.stdout
