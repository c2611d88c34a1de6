"""The broker as `make up` runs it lets each service do only what its code does: ingest alone writes
the transactions topic, scoring alone reads it, in its own group; a client without credentials, or
with a wrong password, gets nothing."""

from __future__ import annotations

import uuid

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    TopicAuthorizationFailedError,
)

from fraudmesh.kafka_security import PLAINTEXT
from fraudmesh.kafka_topics import TRANSACTIONS, ensure_topic
from scoring_svc.settings import ScoringSettings
from tests.integration.kafka_security.conftest import Clients

pytestmark = pytest.mark.kafka

SCORING_GROUP = ScoringSettings.model_fields["consumer_group"].default


async def test_a_client_without_credentials_can_neither_produce_nor_fetch(clients: Clients):
    with pytest.raises(KafkaConnectionError):
        await clients.producer(PLAINTEXT)
    with pytest.raises(KafkaConnectionError):
        await clients.consumer(PLAINTEXT, TRANSACTIONS.name)


async def test_a_wrong_password_is_refused(clients: Clients, caplog: pytest.LogCaptureFixture):
    with pytest.raises(KafkaConnectionError):
        await clients.producer(clients.security("ingest", password="not-the-password"))
    # aiokafka reports only that it could not bootstrap; its log says why.
    assert "invalid credentials" in caplog.text, caplog.text
    producer = await clients.producer(clients.security("ingest"))  # the same user with its own password
    assert producer.client.cluster.brokers()


@pytest.mark.parametrize("user", ["store", "notify", "scoring"])
async def test_no_service_but_ingest_may_write_the_transactions_topic(clients: Clients, user: str):
    producer = await clients.producer(clients.security(user))
    with pytest.raises(TopicAuthorizationFailedError):
        await producer.send_and_wait(TRANSACTIONS.name, b"forged", key=b"mallory")


async def test_ingest_writes_the_transactions_topic_and_scoring_reads_it_in_its_group(clients: Clients):
    value = f"from ingest {uuid.uuid4().hex}".encode()
    producer = await clients.producer(clients.security("ingest"))
    written = await producer.send_and_wait(TRANSACTIONS.name, value, key=b"alice")

    scoring = await clients.consumer(clients.security("scoring"), TRANSACTIONS.name, group_id=SCORING_GROUP)
    read = []
    while value not in read:
        batches = await scoring.getmany(timeout_ms=1000)
        read += [record.value for records in batches.values() for record in records]
    partition = TopicPartition(TRANSACTIONS.name, written.partition)
    await scoring.commit({partition: written.offset + 1})  # the group's offsets are scoring's to keep
    assert await scoring.committed(partition) == written.offset + 1


@pytest.mark.parametrize("user", ["ingest", "store", "notify"])
async def test_no_service_but_scoring_may_read_the_transactions_topic(clients: Clients, user: str):
    # A user that may not even describe the topic is refused as the consumer starts; ingest, which
    # may describe it (it writes there), is refused its first fetch.
    with pytest.raises(TopicAuthorizationFailedError):
        consumer = await clients.consumer(clients.security(user), TRANSACTIONS.name)
        await consumer.getmany(timeout_ms=5000)


async def test_scoring_may_not_read_the_transactions_topic_in_another_group(clients: Clients):
    with pytest.raises(GroupAuthorizationFailedError):
        consumer = await clients.consumer(clients.security("scoring"), TRANSACTIONS.name, group_id="not-scoring")
        await consumer.getmany(timeout_ms=5000)


async def test_a_service_sees_its_topics_but_may_create_none(clients: Clients):
    broker = clients.broker
    # Its own `ensure` at start finds the topic the operator made...
    await ensure_topic(broker.bootstrap_servers, TRANSACTIONS.name, security=clients.security("ingest"))
    # ...and may not make one of its own.
    with pytest.raises(PermissionError, match="may not create topic"):
        await ensure_topic(
            broker.bootstrap_servers, f"ingest-own-{uuid.uuid4().hex[:8]}", security=clients.security("ingest")
        )
