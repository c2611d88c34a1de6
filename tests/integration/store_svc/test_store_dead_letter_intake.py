"""The dead-letter topic on a real Kafka, read into the real table: every letter kept once, a
re-delivered one changing nothing, a record that holds no letter passed over and counted."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiokafka import AIOKafkaConsumer
from fraud.v1 import store_service_pb2
from prometheus_client import CollectorRegistry
from store_testing import a_dead_letter

from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudmesh.kafka_connect import start_when_reachable
from fraudmesh.kafka_producer import AcknowledgedProducer
from fraudmesh.kafka_topics import DEAD_LETTERS, ensure_topic
from store_svc.dead_letter_intake import DeadLetterIntake
from store_svc.dead_letter_repository import DeadLetterRepository
from store_svc.metrics import DeadLetterMetrics


class Topic:
    def __init__(self, kafka: KafkaBroker) -> None:
        self.name = f"dead-letters-{uuid.uuid4().hex[:8]}"
        self.producer = AcknowledgedProducer(kafka.bootstrap_servers, security=kafka.admin_security)

    async def send(self, *values: bytes) -> None:
        await self.producer.send(self.name, [(b"scoring", value) for value in values])


@pytest.fixture
async def topic(kafka: KafkaBroker) -> AsyncIterator[Topic]:
    created = Topic(kafka)
    await ensure_topic(kafka.bootstrap_servers, created.name, DEAD_LETTERS.partitions, security=kafka.admin_security)
    await created.producer.start()
    await created.producer.wait_connected(30)
    yield created
    await created.producer.stop()


@dataclass
class Intake:
    """The intake under test and the registry of its counters."""

    intake: DeadLetterIntake
    registry: CollectorRegistry

    async def read(self, records: int) -> None:
        """Polls until `records` more records were read from the topic (and their letters stored)."""
        while records > 0:
            records -= await self.intake.poll(timeout_ms=500)

    def counted(self, name: str, **labels: str) -> float | None:
        return self.registry.get_sample_value(f"fraudmesh_{name}_total", labels)


@pytest.fixture
async def intake(kafka: KafkaBroker, topic: Topic, store, store_engine) -> AsyncIterator[Intake]:
    consumer = AIOKafkaConsumer(
        topic.name,
        bootstrap_servers=kafka.bootstrap_servers,
        group_id=f"store-dead-letters-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **kafka.admin_security.aiokafka(),
    )
    registry = CollectorRegistry()
    await start_when_reachable(consumer.start)
    yield Intake(DeadLetterIntake(consumer, DeadLetterRepository(store_engine), DeadLetterMetrics(registry)), registry)
    await consumer.stop()


async def listed(store) -> dict[str, str]:
    page = await store.ListDeadLetters(store_service_pb2.ListDeadLettersRequest())
    assert page.total == len(page.dead_letters)
    return {letter.id: letter.reason for letter in page.dead_letters}


async def test_letters_on_the_topic_are_kept_and_a_record_holding_none_is_passed_over(intake, topic, store):
    first, second = a_dead_letter("dl-1", hop="scoring"), a_dead_letter("dl-2", hop="notify")

    await topic.send(first.SerializeToString(), b"\xff\xff not a letter", second.SerializeToString())
    await intake.read(3)

    assert await listed(store) == {"dl-1": "store_refused", "dl-2": "store_refused"}
    kept = await store.GetDeadLetter(store_service_pb2.GetDeadLetterRequest(id="dl-2"))
    assert kept.dead_letter == second
    assert intake.counted("dead_letters_stored") == 2
    assert intake.counted("dead_letter_records_skipped", reason="undecodable") == 1


async def test_a_redelivered_letter_changes_nothing_not_even_its_recorded_replay(intake, topic, store, store_engine):
    await topic.send(a_dead_letter("dl-1").SerializeToString())
    await intake.read(1)
    await DeadLetterRepository(store_engine).record_replay("dl-1")

    await topic.send(a_dead_letter("dl-1", reason="scoring_failed").SerializeToString())
    await intake.read(1)

    assert await listed(store) == {"dl-1": "store_refused"}
    kept = (await store.GetDeadLetter(store_service_pb2.GetDeadLetterRequest(id="dl-1"))).dead_letter
    assert kept.replay_count == 1 and kept.HasField("replayed_at")
    assert intake.counted("dead_letters_stored") == 1
