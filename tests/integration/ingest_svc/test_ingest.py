"""ingest_svc against a real Kafka: what callers get back and what reaches the topic."""

from __future__ import annotations

import uuid

import grpc
import pytest
from aiokafka.partitioner import murmur2
from fraud.v1 import ingest_service_pb2 as pb
from fraud.v1 import transaction_pb2

from fraudctl.runtime.waiting import free_port
from fraudmesh.errors import Unavailable
from fraudmesh.kafka_topics import TRANSACTIONS_PARTITIONS
from ingest_svc.producer import KafkaTransactionPublisher
from ingest_svc.servicer import SERVICE
from tests.integration.ingest_svc.ingest_testing import a_transaction, ingest_after_kafka_died, violations_of
from tests.kafka_reading import read_all


async def test_an_accepted_transaction_is_on_the_topic_keyed_by_user_with_its_id(ingest, kafka):
    response = await ingest.stub.SubmitTransaction(pb.SubmitTransactionRequest(transaction=a_transaction()))
    assert response.transaction_id and not response.duplicate
    [record] = await read_all(kafka, ingest.topic)
    stored = transaction_pb2.Transaction.FromString(record.value)
    assert record.key == b"alice"
    assert stored.id == response.transaction_id
    assert stored.input.amount.minor_units == 1250
    assert stored.input.HasField("occurred_at"), "event time defaults to the time of receipt"


async def test_a_repeated_idempotency_key_returns_the_first_id_and_is_produced_once(ingest, kafka):
    request = pb.SubmitTransactionRequest(transaction=a_transaction(idempotency_key="order-42"))
    first = await ingest.stub.SubmitTransaction(request)
    second = await ingest.stub.SubmitTransaction(request)
    assert second.transaction_id == first.transaction_id
    assert second.duplicate and not first.duplicate
    assert len(await read_all(kafka, ingest.topic)) == 1


async def test_a_batch_keeps_each_users_records_on_one_partition(ingest, kafka):
    transactions = [a_transaction(user=f"user-{i % 5}", minor_units=100 + i) for i in range(50)]
    response = await ingest.stub.SubmitTransactions(pb.SubmitTransactionsRequest(transactions=transactions))
    assert len({r.transaction_id for r in response.results}) == 50
    records = await read_all(kafka, ingest.topic)
    assert len(records) == 50
    partitions_by_user: dict[bytes, set[int]] = {}
    for record in records:
        partitions_by_user.setdefault(record.key, set()).add(record.partition)
    assert all(len(partitions) == 1 for partitions in partitions_by_user.values())


async def test_each_user_lands_on_the_partition_javas_murmur2_partitioner_picks(ingest, kafka):
    # Records written before a change of Kafka client went there too: a user's order and scoring's
    # per-user state depend on the user staying on one partition.
    users = [f"user-{i}" for i in range(40)]
    for user in users:
        await ingest.stub.SubmitTransaction(pb.SubmitTransactionRequest(transaction=a_transaction(user=user)))
    records = await read_all(kafka, ingest.topic)
    assert len(records) == len(users)
    for record in records:
        assert record.partition == (murmur2(record.key) & 0x7FFFFFFF) % TRANSACTIONS_PARTITIONS, record.key


async def test_before_kafka_is_reachable_a_publish_is_refused_as_unavailable():
    publisher = KafkaTransactionPublisher(
        f"127.0.0.1:{free_port()}", "transactions", linger_ms=2, request_timeout_ms=1000
    )
    await publisher.start()
    try:
        records = [transaction_pb2.Transaction(id=str(uuid.uuid4()), input=a_transaction()) for _ in range(2)]
        outcomes = await publisher.publish_each(records)
        assert [type(outcome) for outcome in outcomes] == [Unavailable, Unavailable]
    finally:
        await publisher.stop()


async def test_calls_are_counted_with_the_status_code_the_caller_got(ingest):
    await ingest.stub.SubmitTransaction(pb.SubmitTransactionRequest(transaction=a_transaction()))
    with pytest.raises(grpc.aio.AioRpcError):
        await ingest.stub.SubmitTransaction(pb.SubmitTransactionRequest(transaction=a_transaction(currency="XYZ")))

    def calls(code: str) -> float | None:
        labels = {"service": SERVICE.full_name, "method": "SubmitTransaction", "code": code}
        return ingest.metrics.registry.get_sample_value("fraudmesh_rpc_duration_seconds_count", labels)

    assert calls("OK") == 1
    assert calls("INVALID_ARGUMENT") == 1
    assert ingest.metrics.registry.get_sample_value("fraudmesh_transactions_received_total") == 2
    assert (
        ingest.metrics.registry.get_sample_value(
            "fraudmesh_kafka_produced_total", {"topic": ingest.topic, "result": "ok"}
        )
        == 1
    )


@pytest.mark.parametrize(
    ("transaction", "field", "rule"),
    [
        (a_transaction(minor_units=0), "transaction.amount.minor_units", "int64.gt_lte"),
        (a_transaction(minor_units=-5), "transaction.amount.minor_units", "int64.gt_lte"),
        (a_transaction(user=""), "transaction.user_id", "string.min_len"),
        (a_transaction(currency="usd"), "transaction.amount.currency", "string.pattern"),
        (a_transaction(currency="XYZ"), "transaction.amount.currency", "currency.iso4217"),
        (a_transaction(location=transaction_pb2.Location(lat=200)), "transaction.location.lat", "double.gte_lte"),
    ],
)
async def test_bad_transactions_are_rejected_naming_field_and_rule_and_nothing_is_produced(
    ingest, kafka, transaction, field, rule
):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await ingest.stub.SubmitTransaction(pb.SubmitTransactionRequest(transaction=transaction))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (field, rule) in violations_of(caught.value)
    assert await read_all(kafka, ingest.topic) == []


async def test_one_bad_transaction_rejects_the_whole_batch(ingest, kafka):
    batch = [a_transaction(), a_transaction(currency="XYZ")]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await ingest.stub.SubmitTransactions(pb.SubmitTransactionsRequest(transactions=batch))
    assert violations_of(caught.value) == {("transactions[1].amount.currency", "currency.iso4217")}
    assert await read_all(kafka, ingest.topic) == []


async def test_when_kafka_is_down_the_caller_gets_unavailable_not_a_false_success(runtime_dir):
    async with ingest_after_kafka_died(runtime_dir / "kafka-doomed") as running:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await running.stub.SubmitTransaction(
                pb.SubmitTransactionRequest(transaction=a_transaction(idempotency_key="after-crash")), timeout=30
            )
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
