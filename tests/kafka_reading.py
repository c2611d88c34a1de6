"""Reads everything a topic holds, for tests that check what reached Kafka, as the broker's admin
user (whose credentials the test session's broker keeps)."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, TopicPartition

from fraudctl.runtime.kafka_broker import KafkaBroker


def admin_consumer(broker: KafkaBroker, *topics: str, **options: object) -> AIOKafkaConsumer:
    """A consumer of the test session's broker, signed in as its admin user."""
    return AIOKafkaConsumer(
        *topics, bootstrap_servers=broker.bootstrap_servers, **options, **broker.admin_security.aiokafka()
    )


async def read_all(broker: KafkaBroker, topic: str) -> list:
    consumer = admin_consumer(broker, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or set())]
        if not partitions:
            await consumer._client.force_metadata_update()  # a topic created a moment ago
            partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or set())]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        records = []
        while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
            batches = await consumer.getmany(timeout_ms=500)
            for batch in batches.values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()


async def topic_size(broker: KafkaBroker, topic: str) -> int:
    """How many records the topic has ever received (the sum of its partitions' end offsets)."""
    consumer = admin_consumer(broker, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or set())]
        return sum((await consumer.end_offsets(partitions)).values())
    finally:
        await consumer.stop()
