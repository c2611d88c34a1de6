"""Creates the platform's topics, idempotently: used by `fraudctl up`, the tests and ingest at start."""

from __future__ import annotations

import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

log = logging.getLogger(__name__)

TRANSACTIONS_PARTITIONS = 6
# Every scoring instance rebuilds merchant risk by reading the labels topic from its start, so it must
# keep labels at least as long as the longest merchant-risk window (30 days), not Kafka's default 7.
LABELS_TOPIC_CONFIG = {"retention.ms": str(35 * 24 * 3600 * 1000)}


async def ensure_topic(
    bootstrap_servers: str, name: str, partitions: int = TRANSACTIONS_PARTITIONS, config: dict[str, str] | None = None
) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=15_000)
    await admin.start()
    try:
        if name in await admin.list_topics():
            return
        try:
            topic = NewTopic(name, num_partitions=partitions, replication_factor=1, topic_configs=config or {})
            await admin.create_topics([topic])
            log.info("created topic %s with %d partitions", name, partitions)
        except TopicAlreadyExistsError:
            pass  # another process created it between our look and our create
    finally:
        await admin.close()


async def ensure_topic_if_reachable(bootstrap_servers: str, name: str, config: dict[str, str] | None = None) -> None:
    """For a service's start: Kafka may come up later, and its producer keeps trying to connect."""
    try:
        await ensure_topic(bootstrap_servers, name, config=config)
    except Exception as error:
        log.warning("could not ensure topic %s yet: %s", name, error)
