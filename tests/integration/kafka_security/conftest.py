"""A broker of this directory's own, secured and set up as `make up` sets it up (SASL_SSL with SCRAM,
one user per service, the ACLs, the platform's topics made by the admin). Its own, because the tests
join the scoring group and write the transactions topic, which on the session's broker would reach
the end-to-end platform's services."""

from __future__ import annotations

import asyncio
import pathlib
import tempfile
from collections.abc import AsyncIterator, Iterator

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.waiting import free_port
from fraudmesh.kafka_security import KafkaSecurity
from fraudmesh.kafka_topics import PLATFORM_TOPICS, ensure


@pytest.fixture(scope="module")
def secured_kafka(runtime_dir: pathlib.Path) -> Iterator[KafkaBroker]:
    platform_dir = pathlib.Path(tempfile.mkdtemp(prefix="kafka-security-", dir=runtime_dir))
    broker = KafkaBroker(platform_dir / "kafka", port=free_port(), controller_port=free_port(), heap="384m")
    try:
        broker.start()
        for topic in PLATFORM_TOPICS:  # as `fraudctl up` makes them
            asyncio.run(ensure(broker.bootstrap_servers, topic, security=broker.admin_security))
        yield broker
    finally:
        broker.stop()


class Clients:
    """Kafka clients of one test, each signed in as someone; all stopped after the test."""

    def __init__(self, broker: KafkaBroker) -> None:
        self.broker = broker
        self._started: list[AIOKafkaProducer | AIOKafkaConsumer] = []

    def security(self, user: str, password: str | None = None) -> KafkaSecurity:
        """`user`'s credentials as the runner gives them to the service of that name (or a password given)."""
        own = self.broker.credentials.security(user)
        return own if password is None else KafkaSecurity(own.protocol, own.mechanism, user, password, own.ca_file)

    async def producer(self, security: KafkaSecurity) -> AIOKafkaProducer:
        producer = AIOKafkaProducer(
            bootstrap_servers=self.broker.bootstrap_servers, request_timeout_ms=10_000, **security.aiokafka()
        )
        self._started.append(producer)
        await producer.start()
        return producer

    async def consumer(self, security: KafkaSecurity, *topics: str, **options: object) -> AIOKafkaConsumer:
        consumer = AIOKafkaConsumer(
            *topics,
            bootstrap_servers=self.broker.bootstrap_servers,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            request_timeout_ms=10_000,
            **options,
            **security.aiokafka(),
        )
        self._started.append(consumer)
        await consumer.start()
        return consumer

    async def stop(self) -> None:
        for client in self._started:
            await client.stop()


@pytest.fixture
async def clients(secured_kafka: KafkaBroker) -> AsyncIterator[Clients]:
    made = Clients(secured_kafka)
    yield made
    await made.stop()
