"""Who may do what on the local broker: the least each service needs, read from its code.

Every grant below is a client in a service: ingest's producer writes transactions; scoring's group
consumer reads them, its label feed reads labels (no group), its model control reads and writes the
control topic (no group), and its dead-letter producer writes dead letters; store's label events
write labels and its dead-letter intake reads dead letters in its group; notify writes and reads its
journal by assigned partition (librdkafka still names a group, which it never joins or commits).
Write and Read imply Describe, which is what a service's own `ensure` at start needs to see that its
topics exist: services create no topics; the operator (`fraudctl up`, the test session) does.
An idempotent producer needs no cluster right beyond Write on a topic (Kafka 3.0+).

Topic and group names are the defaults; a platform started with other names in its settings needs
the same grants under those names."""

from __future__ import annotations

from dataclasses import dataclass

from confluent_kafka.admin import (
    AclBinding,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
)

from fraudmesh.kafka_topics import DEAD_LETTERS, DECISIONS, LABELS, SCORING_CONTROL, TRANSACTIONS
from scoring_svc.settings import ScoringSettings
from store_svc.settings import StoreSettings

NOTIFY_JOURNAL_GROUP = "notify-journal"  # notify_svc.journal_reader's group.id


def _default(settings: type, field: str) -> str:
    return str(settings.model_fields[field].default)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Grant:
    resource: ResourceType
    name: str
    operation: AclOperation


def _topic(name: str, *operations: AclOperation) -> list[Grant]:
    return [Grant(ResourceType.TOPIC, name, operation) for operation in operations]


def _group(name: str) -> list[Grant]:
    return [Grant(ResourceType.GROUP, name, AclOperation.READ)]


READ, WRITE = AclOperation.READ, AclOperation.WRITE

GRANTS: dict[str, list[Grant]] = {
    "ingest": _topic(TRANSACTIONS.name, WRITE),
    "scoring": [
        *_topic(TRANSACTIONS.name, READ),
        *_group(_default(ScoringSettings, "consumer_group")),
        *_topic(LABELS.name, READ),
        *_topic(SCORING_CONTROL.name, READ, WRITE),
        *_topic(DEAD_LETTERS.name, WRITE),
    ],
    "store": [
        *_topic(LABELS.name, WRITE),
        *_topic(DEAD_LETTERS.name, READ),
        *_group(_default(StoreSettings, "store_dead_letters_group")),
    ],
    "notify": [*_topic(DECISIONS.name, READ, WRITE), *_group(NOTIFY_JOURNAL_GROUP)],
}


def bindings() -> list[AclBinding]:
    return [
        AclBinding(
            grant.resource,
            grant.name,
            ResourcePatternType.LITERAL,
            f"User:{user}",
            "*",
            grant.operation,
            AclPermissionType.ALLOW,
        )
        for user, grants in GRANTS.items()
        for grant in grants
    ]


def apply_grants(admin: AdminClient, timeout: float = 30.0) -> None:
    """Creates every grant (the broker keeps one of each, however often it is asked)."""
    for future in admin.create_acls(bindings(), request_timeout=timeout).values():
        future.result()
