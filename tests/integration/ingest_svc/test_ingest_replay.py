"""ReplayTransaction against a real Kafka: a transaction ingest accepted goes back on the topic as it
was (same id, same received_at, keyed by its user), once the broker has it."""

from __future__ import annotations

import pathlib
from datetime import UTC, datetime

import grpc
import pytest
from fraud.v1 import ingest_service_pb2 as pb
from fraud.v1 import transaction_pb2

from tests.integration.ingest_svc.ingest_testing import a_transaction, ingest_after_kafka_died, violations_of
from tests.kafka_reading import read_all


def an_accepted_transaction(transaction_id: str = "3f9c1b6e-replayed") -> transaction_pb2.Transaction:
    accepted = transaction_pb2.Transaction(id=transaction_id, input=a_transaction(user="bob", minor_units=4200))
    accepted.received_at.FromDatetime(datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC))
    accepted.input.occurred_at.FromDatetime(datetime(2026, 3, 1, 11, 59, 58, tzinfo=UTC))
    return accepted


async def test_a_replayed_transaction_is_on_the_topic_exactly_as_it_was(ingest, kafka):
    accepted = an_accepted_transaction()

    response = await ingest.stub.ReplayTransaction(pb.ReplayTransactionRequest(transaction=accepted))

    assert response.transaction_id == accepted.id
    [record] = await read_all(kafka, ingest.topic)
    assert record.key == b"bob"
    assert transaction_pb2.Transaction.FromString(record.value) == accepted


async def test_replaying_twice_puts_it_on_the_topic_twice_with_the_same_id(ingest, kafka):
    # Later hops recognise the id (store and notify de-duplicate), so the second changes nothing there.
    accepted = an_accepted_transaction()

    for _ in range(2):
        await ingest.stub.ReplayTransaction(pb.ReplayTransactionRequest(transaction=accepted))

    records = await read_all(kafka, ingest.topic)
    assert [transaction_pb2.Transaction.FromString(r.value).id for r in records] == [accepted.id, accepted.id]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda t: setattr(t, "id", "not an id!"), {("transaction.id", "string.pattern")}),
        (lambda t: t.ClearField("received_at"), {("transaction.received_at", "required")}),
        (lambda t: t.ClearField("input"), {("transaction.input", "required")}),
        (
            lambda t: setattr(t.input.amount, "currency", "ZZZ"),
            {("transaction.input.amount.currency", "currency.iso4217")},
        ),
    ],
    ids=["bad id", "never received", "no input", "unknown currency"],
)
async def test_what_ingest_would_never_have_accepted_is_refused_naming_the_field(ingest, kafka, change, expected):
    broken = an_accepted_transaction()
    change(broken)

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await ingest.stub.ReplayTransaction(pb.ReplayTransactionRequest(transaction=broken))

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations_of(caught.value) == expected
    assert await read_all(kafka, ingest.topic) == []


async def test_a_replay_kafka_does_not_take_is_unavailable(runtime_dir: pathlib.Path):
    async with ingest_after_kafka_died(runtime_dir / "kafka-doomed-replay") as running:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await running.stub.ReplayTransaction(
                pb.ReplayTransactionRequest(transaction=an_accepted_transaction()), timeout=30
            )

    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
