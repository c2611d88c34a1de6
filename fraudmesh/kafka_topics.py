"""The platform's Kafka topics, each declared once with its partitions and settings, and their
creation, idempotently: used by `fraudctl up`, the tests and the services at start."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, TopicAuthorizationFailedError, for_code

from fraudmesh.kafka_security import PLAINTEXT, KafkaSecurity

log = logging.getLogger(__name__)

_DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    config: dict[str, str] = field(default_factory=dict)


# Scoring instances share this topic's partitions, so more instances than partitions leave some idle.
TRANSACTIONS = Topic("transactions", 6)
# Every scoring instance rebuilds merchant risk by reading the labels from the start, so labels stay
# at least as long as the longest merchant-risk window (30 days), not Kafka's default 7.
LABELS = Topic("labels", 6, {"retention.ms": str(35 * _DAY_MS)})
# Records a hop set aside; store_svc keeps them in PostgreSQL too, where they are listed and replayed.
DEAD_LETTERS = Topic("dead-letters", 3, {"retention.ms": str(30 * _DAY_MS)})
# notify_svc's journal: one partition, so a record's offset is a durable, ordered sequence number.
DECISIONS = Topic("decisions", 1, {"retention.ms": str(7 * _DAY_MS)})
# The models every scoring instance serves: compacted, so the newest choice is kept for good.
SCORING_CONTROL = Topic("scoring-control", 1, {"cleanup.policy": "compact"})

PLATFORM_TOPICS = (TRANSACTIONS, LABELS, DEAD_LETTERS, DECISIONS, SCORING_CONTROL)
TRANSACTIONS_PARTITIONS = TRANSACTIONS.partitions


async def ensure_topic(
    bootstrap_servers: str,
    name: str,
    partitions: int = TRANSACTIONS_PARTITIONS,
    config: dict[str, str] | None = None,
    security: KafkaSecurity = PLAINTEXT,
) -> None:
    """Creates the topic unless it exists. Under ACLs a service sees only the topics it may use and
    may create none: those the operator (`fraudctl up`) created are listed and left alone, and one
    missing is reported as the operator's to create."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=15_000, **security.aiokafka())
    await admin.start()
    try:
        if name in await admin.list_topics():
            return
        topic = NewTopic(name, num_partitions=partitions, replication_factor=1, topic_configs=config or {})
        response = await admin.create_topics([topic])
        # The answer carries one error code per topic; aiokafka raises none of them.
        for _, code, *_ in response.topic_errors:
            error = for_code(code)
            if error is TopicAlreadyExistsError:
                return  # another process created it between our look and our create
            if error is TopicAuthorizationFailedError:
                raise PermissionError(
                    f"Kafka user {security.username or '(anonymous)'} may not create topic {name}, which is missing "
                    "or which it may not describe: the operator creates the platform's topics (`fraudctl up`)"
                )
            if code != 0:
                raise error(f"creating topic {name}")
        log.info("created topic %s with %d partitions", name, partitions)
    finally:
        await admin.close()


async def ensure(
    bootstrap_servers: str, topic: Topic, name: str | None = None, security: KafkaSecurity = PLAINTEXT
) -> None:
    """Creates `topic` (under `name` when a setting renames it) unless it exists."""
    await ensure_topic(bootstrap_servers, name or topic.name, topic.partitions, topic.config, security)


async def ensure_if_reachable(
    bootstrap_servers: str, topic: Topic, name: str | None = None, security: KafkaSecurity = PLAINTEXT
) -> None:
    """For a service's start: Kafka may come up later, and its clients keep trying to connect."""
    try:
        await ensure(bootstrap_servers, topic, name, security)
    except Exception as error:
        log.warning("could not ensure topic %s yet: %s", name or topic.name, error)
