"""SubmitEach against a real Kafka: many submissions in one call, each answered as if alone, and the
edge's coalescer that gathers concurrent submissions into such calls."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from fraud.v1 import ingest_service_pb2 as pb
from fraud.v1 import transaction_pb2
from grpc_status import rpc_status

from fraudmesh.submit_coalescer import SubmitCoalescer, error_of
from ingest_svc.servicer import SERVICE
from tests.integration.ingest_svc.ingest_testing import a_transaction, ingest_after_kafka_died, violations_of
from tests.kafka_reading import read_all


def submission(transaction: transaction_pb2.TransactionInput | None) -> pb.SubmitTransactionRequest:
    return pb.SubmitTransactionRequest(transaction=transaction) if transaction else pb.SubmitTransactionRequest()


def status_violations(status) -> set[tuple[str, str]]:
    return violations_of(error_of(status))


async def test_each_submission_gets_its_own_outcome_and_only_the_accepted_reach_kafka(ingest, kafka):
    response = await ingest.stub.SubmitEach(
        pb.SubmitEachRequest(
            submissions=[
                submission(a_transaction(user="ann")),
                submission(a_transaction(currency="XYZ")),
                submission(None),
                submission(a_transaction(user="bob", idempotency_key="order-7")),
                submission(a_transaction(user="bob", idempotency_key="order-7")),
            ]
        )
    )
    first, bad_currency, missing, keyed, repeated = response.outcomes
    assert first.HasField("accepted") and not first.accepted.duplicate
    assert bad_currency.error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    # Named exactly as SubmitTransaction names them, not by the submission's place in the call.
    assert status_violations(bad_currency.error) == {("transaction.amount.currency", "currency.iso4217")}
    assert status_violations(missing.error) == {("transaction", "required")}
    assert keyed.HasField("accepted") and repeated.accepted.duplicate
    assert repeated.accepted.transaction_id == keyed.accepted.transaction_id
    records = await read_all(kafka, ingest.topic)
    assert sorted(transaction_pb2.Transaction.FromString(r.value).id for r in records) == sorted(
        [first.accepted.transaction_id, keyed.accepted.transaction_id]
    )


async def test_a_call_with_no_submissions_is_refused_naming_the_rule(ingest):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await ingest.stub.SubmitEach(pb.SubmitEachRequest())
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations_of(caught.value) == {("submissions", "repeated.min_items")}


async def test_the_coalescer_answers_like_single_calls_with_fewer_calls(ingest, kafka):
    coalescer = SubmitCoalescer(ingest.stub, calls_in_flight=2)
    good = [a_transaction(user=f"user-{i % 7}", minor_units=100 + i) for i in range(200)]
    submissions = [coalescer.submit(submission(t), timeout=10) for t in good]
    submissions.insert(50, coalescer.submit(submission(a_transaction(minor_units=0)), timeout=10))
    outcomes = await asyncio.gather(*submissions, return_exceptions=True)
    await coalescer.close()

    refused = outcomes.pop(50)
    assert isinstance(refused, grpc.aio.AioRpcError) and refused.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations_of(refused) == {("transaction.amount.minor_units", "int64.gt_lte")}
    assert rpc_status.from_call(refused).message == refused.details()
    ids = [o.transaction_id for o in outcomes]
    assert len(set(ids)) == 200
    records = await read_all(kafka, ingest.topic)
    assert sorted(transaction_pb2.Transaction.FromString(r.value).id for r in records) == sorted(ids)
    calls = ingest.metrics.registry.get_sample_value(
        "fraudmesh_rpc_duration_seconds_count", {"service": SERVICE.full_name, "method": "SubmitEach", "code": "OK"}
    )
    assert calls is not None and calls < 50, "201 concurrent submissions should need only a few calls"


async def test_when_kafka_is_down_each_submission_is_unavailable_not_a_false_success(runtime_dir):
    async with ingest_after_kafka_died(runtime_dir / "kafka-doomed-each") as running:
        # Three plain submissions, and a keyed one with its repeat in the same call: the repeat waits
        # for the first attempt and shares its failure, and the key is not remembered as accepted.
        keyed = submission(a_transaction(user="u9", idempotency_key="order-9"))
        submissions = [submission(a_transaction(user=f"u{i}")) for i in range(3)] + [keyed, keyed]
        response = await running.stub.SubmitEach(pb.SubmitEachRequest(submissions=submissions), timeout=30)
        assert [o.WhichOneof("outcome") for o in response.outcomes] == ["error"] * 5
        assert {o.error.code for o in response.outcomes} == {grpc.StatusCode.UNAVAILABLE.value[0]}
        again = await running.stub.SubmitEach(pb.SubmitEachRequest(submissions=[keyed]), timeout=30)
        assert (
            again.outcomes[0].error.code == grpc.StatusCode.UNAVAILABLE.value[0]
        )  # retried, not answered as a duplicate
