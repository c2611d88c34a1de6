"""A record scoring can never decide stops nobody: a record that is not a transaction, and one that
decodes but that store_svc refuses (a NUL in the city, which PostgreSQL text cannot hold), are set
aside on the dead-letter topic with why, and the transactions after them on the same partition are
decided as usual."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
from aiokafka import AIOKafkaProducer
from fraud.v1 import dead_letter_pb2, transaction_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc import StatusCode

from fraudctl.runtime.kafka_broker import KafkaBroker
from fraudctl.runtime.services import ServiceSupervisor
from fraudmesh.kafka_topics import DEAD_LETTERS, TRANSACTIONS
from tests.e2e.clients import admin_headers
from tests.kafka_reading import admin_consumer

PARTITION = 2  # every record of the test on one partition, so the good ones come after the poison
NOT_A_TRANSACTION = b"\x0a\xff\x01poison"  # field 1 says 255 bytes follow, and six do: it cannot be parsed


def transaction(transaction_id: str, user_id: str, city: str) -> transaction_pb2.Transaction:
    record = transaction_pb2.Transaction(
        id=transaction_id,
        input=transaction_pb2.TransactionInput(
            user_id=user_id,
            amount=transaction_pb2.Money(minor_units=2500, currency="EUR"),
            location=transaction_pb2.Location(city=city, country="FR", lat=48.86, lon=2.35),
            merchant_id="m-poison",
            channel=transaction_pb2.CHANNEL_CARD_PRESENT,
        ),
    )
    record.received_at.FromDatetime(datetime.now(UTC))
    record.input.occurred_at.CopyFrom(record.received_at)
    return record


async def dead_letters_until(
    kafka: KafkaBroker, wanted: dict[str, bytes], timeout: float
) -> dict[str, dead_letter_pb2.DeadLetter]:
    """Reads the dead-letter topic from its beginning until it holds a letter of each payload in
    `wanted` (by name); answers them by name."""
    consumer = admin_consumer(kafka, DEAD_LETTERS.name, group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    found: dict[str, dead_letter_pb2.DeadLetter] = {}
    try:
        async with asyncio.timeout(timeout):
            while found.keys() != wanted.keys():
                batches = await consumer.getmany(timeout_ms=1000)
                for records in batches.values():
                    for record in records:
                        letter = dead_letter_pb2.DeadLetter.FromString(record.value)
                        for name, payload in wanted.items():
                            if letter.payload == payload and letter.hop == "scoring":
                                found[name] = letter
    finally:
        await consumer.stop()
    return found


async def test_poison_records_go_to_the_dead_letter_topic_and_the_records_after_them_are_decided(
    stack: ServiceSupervisor, kafka: KafkaBroker
):
    run = uuid.uuid4().hex[:8]
    user = f"poison-{run}"
    refused = transaction(f"poison-{run}-nul", user, "Pa\x00ris")
    after = [transaction(f"poison-{run}-after-{i}", user, "Paris") for i in range(3)]

    producer = AIOKafkaProducer(
        bootstrap_servers=kafka.bootstrap_servers, acks="all", **kafka.admin_security.aiokafka()
    )
    await producer.start()
    try:
        for value in (NOT_A_TRANSACTION, refused.SerializeToString(), *(t.SerializeToString() for t in after)):
            await producer.send_and_wait(TRANSACTIONS.name, value, key=user.encode(), partition=PARTITION)
    finally:
        await producer.stop()

    async with httpx.AsyncClient(base_url=stack.ports.edge_url, timeout=30, headers=admin_headers(stack)) as client:

        async def stored(transaction_id: str) -> dict:
            while (response := await client.get(f"/api/transactions/{transaction_id}")).status_code != 200:
                await asyncio.sleep(0.2)
            return response.json()

        async with asyncio.timeout(60):
            decided = await asyncio.gather(*(stored(t.id) for t in after))
        assert all(d["decision"] in {"APPROVE", "REVIEW", "DECLINE"} for d in decided), decided

        letters = await dead_letters_until(
            kafka, {"undecodable": NOT_A_TRANSACTION, "refused": refused.SerializeToString()}, timeout=60
        )
        assert (await client.get(f"/api/transactions/{refused.id}")).status_code == 404

    undecodable = letters["undecodable"]
    assert undecodable.reason == "undecodable" and undecodable.transaction_id == ""
    assert undecodable.source_topic == TRANSACTIONS.name and undecodable.source_partition == PARTITION
    assert undecodable.error.code == StatusCode.INVALID_ARGUMENT.value[0]

    store_refused = letters["refused"]
    assert store_refused.reason == "store_refused" and store_refused.transaction_id == refused.id
    assert store_refused.source_partition == PARTITION
    assert store_refused.source_offset == undecodable.source_offset + 1
    assert store_refused.error.code == StatusCode.INVALID_ARGUMENT.value[0]
    assert "transaction.input.location.city" in violated_fields(store_refused.error)


def violated_fields(status: status_pb2.Status) -> set[str]:
    fields = set()
    for detail in status.details:
        bad_request = error_details_pb2.BadRequest()
        if detail.Unpack(bad_request):
            fields |= {violation.field for violation in bad_request.field_violations}
    return fields
