"""ingest_svc's batch limits against a real Kafka: SubmitTransactions and SubmitEach take their
contract's most items (max_items, 1,000) and refuse one more with INVALID_ARGUMENT naming the field
and the rule, producing nothing of the refused call."""

from __future__ import annotations

import grpc
import pytest
from buf.validate import validate_pb2
from fraud.v1 import ingest_service_pb2 as pb

from tests.integration.ingest_svc.ingest_testing import a_transaction, violations_of
from tests.kafka_reading import read_all


def max_items(message: type, field: str) -> int:
    options = message.DESCRIPTOR.fields_by_name[field].GetOptions()
    return options.Extensions[validate_pb2.field].repeated.max_items


MOST_TRANSACTIONS = max_items(pb.SubmitTransactionsRequest, "transactions")
MOST_SUBMISSIONS = max_items(pb.SubmitEachRequest, "submissions")


async def test_submit_transactions_takes_the_most_and_refuses_one_more(ingest, kafka):
    assert MOST_TRANSACTIONS == 1000
    full = await ingest.stub.SubmitTransactions(
        pb.SubmitTransactionsRequest(transactions=[a_transaction(user=f"u{i}") for i in range(MOST_TRANSACTIONS)])
    )
    assert len(full.results) == MOST_TRANSACTIONS
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await ingest.stub.SubmitTransactions(
            pb.SubmitTransactionsRequest(transactions=[a_transaction() for _ in range(MOST_TRANSACTIONS + 1)])
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations_of(refused.value) == {("transactions", "repeated.max_items")}
    assert len(await read_all(kafka, ingest.topic)) == MOST_TRANSACTIONS


async def test_submit_each_takes_the_most_and_refuses_one_more(ingest, kafka):
    assert MOST_SUBMISSIONS == 1000
    one = pb.SubmitTransactionRequest(transaction=a_transaction())
    full = await ingest.stub.SubmitEach(pb.SubmitEachRequest(submissions=[one] * MOST_SUBMISSIONS))
    assert len(full.outcomes) == MOST_SUBMISSIONS
    assert all(outcome.HasField("accepted") for outcome in full.outcomes)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await ingest.stub.SubmitEach(pb.SubmitEachRequest(submissions=[one] * (MOST_SUBMISSIONS + 1)))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations_of(refused.value) == {("submissions", "repeated.max_items")}
    assert len(await read_all(kafka, ingest.topic)) == MOST_SUBMISSIONS
