"""Creates the platform's topics, idempotently: used by `fraudctl up`, the tests and ingest at start."""

from __future__ import annotations

import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

log = logging.getLogger(__name__)

TRANSACTIONS_PARTITIONS = 6


async def ensure_topic(bootstrap_servers: str, name: str, partitions: int = TRANSACTIONS_PARTITIONS) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=15_000)
    await admin.start()
    try:
        if name in await admin.list_topics():
            return
        try:
            await admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
            log.info("created topic %s with %d partitions", name, partitions)
        except TopicAlreadyExistsError:
            pass  # another process created it between our look and our create
    finally:
        await admin.close()


async def ensure_topic_if_reachable(bootstrap_servers: str, name: str) -> None:
    """For a service's start: Kafka may come up later, and its producer keeps trying to connect."""
    try:
        await ensure_topic(bootstrap_servers, name)
    except Exception as error:  # noqa: BLE001 (any failure here only means "not yet")
        log.warning("could not ensure topic %s yet: %s", name, error)
