"""A Kafka data folder `make up` made before the platform had Kafka users (plaintext, no ACLs)
comes up secured on the next start, its records kept, with every user able to sign in."""

from __future__ import annotations

import pathlib
import subprocess

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaConnectionError

from fraudctl.runtime.kafka_broker import KafkaBroker, _cluster_id, ensure_jars
from fraudctl.runtime.waiting import free_port
from fraudmesh.kafka_security import PLAINTEXT, KafkaSecurity
from fraudmesh.kafka_topics import TRANSACTIONS, ensure

pytestmark = pytest.mark.kafka


def run_as_before(broker: KafkaBroker) -> None:
    """The broker as it ran before it had users: formatted without credentials, plaintext, open."""
    libs = ensure_jars()
    broker.data_dir.mkdir(parents=True)
    config = broker._write_config(secured=False)
    command = broker._java(libs, "kafka.tools.StorageTool", "format", "-t", _cluster_id(), "-c", str(config))
    subprocess.run(command, check=True, capture_output=True)
    broker._run(libs, config, 120, PLAINTEXT)


async def produce(broker: KafkaBroker, security: KafkaSecurity, value: bytes) -> tuple[int, int]:
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, **security.aiokafka())
    await producer.start()
    try:
        written = await producer.send_and_wait(TRANSACTIONS.name, value, key=b"alice")
    finally:
        await producer.stop()
    return written.partition, written.offset


async def test_an_old_data_folder_keeps_its_records_and_comes_up_secured(tmp_path: pathlib.Path):
    broker = KafkaBroker(tmp_path / "kafka", port=free_port(), controller_port=free_port(), heap="384m")
    try:
        run_as_before(broker)
        await ensure(broker.bootstrap_servers, TRANSACTIONS, security=PLAINTEXT)
        partition, offset = await produce(broker, PLAINTEXT, b"before the upgrade")
        broker.stop()

        broker.start()

        with pytest.raises(KafkaConnectionError):  # plaintext no more
            await produce(broker, PLAINTEXT, b"unsigned")
        consumer = AIOKafkaConsumer(
            bootstrap_servers=broker.bootstrap_servers, **broker.credentials.security("scoring").aiokafka()
        )
        await consumer.start()
        try:
            consumer.assign([TopicPartition(TRANSACTIONS.name, partition)])
            consumer.seek(TopicPartition(TRANSACTIONS.name, partition), offset)
            record = await consumer.getone()
        finally:
            await consumer.stop()
        assert record.value == b"before the upgrade"
        await produce(broker, broker.credentials.security("ingest"), b"after the upgrade")
    finally:
        broker.stop()
