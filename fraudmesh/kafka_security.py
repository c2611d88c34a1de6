"""How a Kafka client proves who it is and checks whom it talks to, in the two clients' own words.

One `KafkaSecurity` (built from a service's `KafkaSettings`, or by the runner for its own clients)
turns into aiokafka's keyword arguments and into confluent-kafka's (librdkafka's) configuration
keys, so that every producer, consumer and admin client in the platform connects the same way."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiokafka.helpers import create_ssl_context

if TYPE_CHECKING:
    from fraudmesh.settings import KafkaSettings

SASL_PROTOCOLS = frozenset({"SASL_PLAINTEXT", "SASL_SSL"})
TLS_PROTOCOLS = frozenset({"SSL", "SASL_SSL"})


@dataclass(frozen=True)
class KafkaSecurity:
    protocol: str = "PLAINTEXT"  # PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
    mechanism: str = "SCRAM-SHA-512"
    username: str = ""
    password: str = field(default="", repr=False)  # never in a repr, so never in a log line or traceback
    ca_file: str = ""  # PEM of the authority the broker's certificate is checked against; "" = the system's

    @classmethod
    def from_settings(cls, settings: KafkaSettings) -> KafkaSecurity:
        return cls(
            protocol=settings.kafka_security_protocol,
            mechanism=settings.kafka_sasl_mechanism,
            username=settings.kafka_sasl_username,
            password=settings.kafka_sasl_password.get_secret_value(),
            ca_file=settings.kafka_ssl_ca_file,
        )

    @property
    def uses_sasl(self) -> bool:
        return self.protocol in SASL_PROTOCOLS

    @property
    def uses_tls(self) -> bool:
        return self.protocol in TLS_PROTOCOLS

    def ssl_context(self) -> ssl.SSLContext:
        # Verifies the broker's certificate and its name (the address dialled), as librdkafka does.
        context: ssl.SSLContext = create_ssl_context(cafile=self.ca_file or None)
        return context

    def aiokafka(self) -> dict[str, Any]:
        """Keyword arguments for AIOKafkaProducer, AIOKafkaConsumer and AIOKafkaAdminClient."""
        arguments: dict[str, Any] = {"security_protocol": self.protocol}
        if self.uses_tls:
            arguments["ssl_context"] = self.ssl_context()
        if self.uses_sasl:
            arguments |= {
                "sasl_mechanism": self.mechanism,
                "sasl_plain_username": self.username,
                "sasl_plain_password": self.password,
            }
        return arguments

    def confluent(self) -> dict[str, Any]:
        """Configuration keys for confluent_kafka's Producer, Consumer and AdminClient."""
        config: dict[str, Any] = {"security.protocol": self.protocol.lower()}
        if self.uses_tls and self.ca_file:
            config["ssl.ca.location"] = self.ca_file
        if self.uses_sasl:
            config |= {
                "sasl.mechanisms": self.mechanism,
                "sasl.username": self.username,
                "sasl.password": self.password,
            }
        return config


PLAINTEXT = KafkaSecurity()
