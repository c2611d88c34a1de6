"""Whether the broker can take ingest's records now: a metadata request for the transactions topic
that answers, with a leader for every partition, from a producer that has connected."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from fraudmesh.kafka_security import PLAINTEXT, KafkaSecurity


class BrokerCheck:
    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        connected: Callable[[], bool],
        timeout_s: float = 1.0,
        security: KafkaSecurity = PLAINTEXT,
    ):
        self._topic = topic
        self._connected = connected
        self._timeout_s = timeout_s
        # Its own small client: the producer's connection stays free for records. log_level 0: a broker
        # that is away is what this reports (on health, and in one log line), not an error per attempt.
        self._admin = AdminClient({"bootstrap.servers": bootstrap_servers, "log_level": 0, **security.confluent()})

    async def problem(self) -> str | None:
        """None when the broker can take records now; else why not."""
        if not self._connected():
            return "the Kafka producer has not connected yet"
        return await asyncio.to_thread(self._topic_problem)

    def _topic_problem(self) -> str | None:
        try:
            metadata = self._admin.list_topics(self._topic, timeout=self._timeout_s)
        except KafkaException as error:
            return f"Kafka does not answer: {error.args[0].str() if error.args else error}"
        topic = metadata.topics.get(self._topic)
        if topic is None or topic.error is not None:
            return f"topic {self._topic} is not available: {topic.error if topic else 'not found'}"
        leaderless = sorted(p.id for p in topic.partitions.values() if p.leader < 0 or p.error is not None)
        if leaderless or not topic.partitions:
            return f"topic {self._topic} has no leader for partitions {leaderless}"
        return None
