"""The Kafka users of a local platform and their SCRAM passwords.

One user for the broker itself (its inter-broker connections), one for the operator (fraudctl, the
tests' readers, topic creation: a super user) and one per service that uses Kafka. Passwords are
random, made once and kept in the data folder's `credentials/kafka/` (mode 0600), never in the repo
and never in a log line; the broker learns them at format time or, for a broker formatted before a
user existed, through the Admin API (see kafka_broker)."""

from __future__ import annotations

import os
import pathlib
import secrets
from dataclasses import dataclass

from fraudmesh.kafka_security import KafkaSecurity

MECHANISM = "SCRAM-SHA-512"
BROKER_USER = "kafka"  # also the common name of the broker's certificate, so one principal either way
ADMIN_USER = "admin"
SERVICE_USERS = ("ingest", "scoring", "store", "notify")  # the edge never touches Kafka
ALL_USERS = (BROKER_USER, ADMIN_USER, *SERVICE_USERS)
SUPER_USERS = (BROKER_USER, ADMIN_USER)


def _write_private(path: pathlib.Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


@dataclass(frozen=True)
class KafkaCredentials:
    folder: pathlib.Path  # <data>/credentials/kafka
    ca_file: pathlib.Path  # the authority that signed the broker's certificate

    def ensure(self) -> None:
        """Makes the folder and a password for every user that has none yet."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.parent.chmod(0o700)
        self.folder.chmod(0o700)
        for user in ALL_USERS:
            path = self._path(user)
            if not path.exists():
                # 32 URL-safe characters: nothing a JAAS line or a format argument would need to quote.
                _write_private(path, secrets.token_urlsafe(24))

    def _path(self, user: str) -> pathlib.Path:
        return self.folder / f"{user}.password"

    def password(self, user: str) -> str:
        return self._path(user).read_text().strip()

    def has_passwords(self) -> bool:
        return all(self._path(user).exists() for user in ALL_USERS)

    def security(self, user: str, bootstrap_protocol: str = "SASL_SSL") -> KafkaSecurity:
        """How `user` connects to the local broker."""
        return KafkaSecurity(bootstrap_protocol, MECHANISM, user, self.password(user), str(self.ca_file))

    def environment(self, user: str) -> dict[str, str]:
        """The settings (fraudmesh.settings.KafkaSettings) a process connects as `user` with."""
        return {
            "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "KAFKA_SASL_MECHANISM": MECHANISM,
            "KAFKA_SASL_USERNAME": user,
            "KAFKA_SASL_PASSWORD": self.password(user),
            "KAFKA_SSL_CA_FILE": str(self.ca_file),
        }

    def scram_arguments(self) -> list[str]:
        """kafka-storage format's arguments that create every user's SCRAM credential."""
        arguments = []
        for user in ALL_USERS:
            arguments += ["--add-scram", f"{MECHANISM}=[name={user},password={self.password(user)}]"]
        return arguments
