"""Storing batches, reading them back, labels, a user's history and statistics, over gRPC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
import pytest
from fraud.v1 import decision_pb2, store_service_pb2
from google.protobuf.timestamp_pb2 import Timestamp
from store_testing import BASE_TIME, expect_status, make_scored

from fraudmesh.timestamps import timestamp_of


def put_request(*decisions: decision_pb2.ScoredTransaction) -> store_service_pb2.PutDecisionsRequest:
    return store_service_pb2.PutDecisionsRequest(decisions=decisions)


async def test_a_redelivered_batch_is_stored_once(store):
    batch = put_request(*(make_scored(f"tx-{n}", occurred_at=BASE_TIME + timedelta(seconds=n)) for n in range(10)))

    first = await store.PutDecisions(batch)
    again = await store.PutDecisions(batch)

    assert first.inserted == 10
    assert again.inserted == 0
    listed = await store.ListTransactions(store_service_pb2.ListTransactionsRequest(page_size=500))
    assert sorted(t.transaction.id for t in listed.transactions) == sorted(f"tx-{n}" for n in range(10))


async def test_a_batch_overlapping_earlier_ones_inserts_only_the_new_rows(store):
    await store.PutDecisions(put_request(make_scored("tx-a"), make_scored("tx-b")))

    response = await store.PutDecisions(put_request(make_scored("tx-b"), make_scored("tx-c"), make_scored("tx-c")))

    assert response.inserted == 1


async def test_a_stored_transaction_reads_back_as_it_was_written(store):
    written = make_scored("tx-roundtrip", score=0.42, decision=decision_pb2.DECISION_REVIEW, minor_units=987654)
    written.shadow_scores.add(model_version="rf-next", score=0.5, decision=decision_pb2.DECISION_REVIEW)
    before = datetime.now(UTC)
    await store.PutDecisions(put_request(written))

    read = (
        await store.GetTransaction(store_service_pb2.GetTransactionRequest(transaction_id="tx-roundtrip"))
    ).transaction

    stored_at = read.times.stored_at.ToDatetime(tzinfo=UTC)
    assert before - timedelta(seconds=5) <= stored_at <= datetime.now(UTC) + timedelta(seconds=5)
    read.times.ClearField("stored_at")
    assert read == written


async def test_an_unknown_id_is_not_found(store):
    error = await expect_status(
        store.GetTransaction(store_service_pb2.GetTransactionRequest(transaction_id="no-such-tx")),
        grpc.StatusCode.NOT_FOUND,
    )
    assert "no-such-tx" in error.details()


async def test_a_batch_of_five_thousand_is_stored_in_full(store):
    # 5,000 rows x 25 columns is far past PostgreSQL's 32,767 bind parameters for one statement.
    batch = put_request(
        *(
            make_scored(f"bulk-{n:05d}", user_id=f"user-{n % 50}", occurred_at=BASE_TIME + timedelta(milliseconds=n))
            for n in range(5000)
        )
    )

    response = await store.PutDecisions(batch)

    assert response.inserted == 5000
    statistics = await store.GetStatistics(store_service_pb2.GetStatisticsRequest())
    assert statistics.total == 5000


async def test_labelling_fraud_marks_the_transaction_fraudulent(store):
    await store.PutDecisions(put_request(make_scored("tx-label", decision=decision_pb2.DECISION_APPROVE)))

    response = await store.LabelTransaction(
        store_service_pb2.LabelTransactionRequest(
            transaction_id="tx-label", label=decision_pb2.LABEL_FRAUD, analyst="ana"
        )
    )

    labelled = response.transaction
    assert labelled.label == decision_pb2.LABEL_FRAUD
    assert labelled.is_fraud
    assert labelled.HasField("labelled_at")
    read = (await store.GetTransaction(store_service_pb2.GetTransactionRequest(transaction_id="tx-label"))).transaction
    assert read.label == decision_pb2.LABEL_FRAUD and read.is_fraud


async def test_labelling_a_declined_transaction_legitimate_clears_is_fraud(store):
    await store.PutDecisions(
        put_request(make_scored("tx-declined", score=0.97, decision=decision_pb2.DECISION_DECLINE))
    )

    response = await store.LabelTransaction(
        store_service_pb2.LabelTransactionRequest(transaction_id="tx-declined", label=decision_pb2.LABEL_LEGITIMATE)
    )

    assert response.transaction.label == decision_pb2.LABEL_LEGITIMATE
    assert not response.transaction.is_fraud
    assert response.transaction.decision == decision_pb2.DECISION_DECLINE


async def test_a_redelivered_batch_keeps_the_analysts_label(store):
    batch = put_request(make_scored("tx-keep"))
    await store.PutDecisions(batch)
    await store.LabelTransaction(
        store_service_pb2.LabelTransactionRequest(transaction_id="tx-keep", label=decision_pb2.LABEL_FRAUD)
    )

    await store.PutDecisions(batch)

    read = (await store.GetTransaction(store_service_pb2.GetTransactionRequest(transaction_id="tx-keep"))).transaction
    assert read.label == decision_pb2.LABEL_FRAUD and read.is_fraud


async def test_labelling_an_unknown_transaction_is_not_found(store):
    await expect_status(
        store.LabelTransaction(
            store_service_pb2.LabelTransactionRequest(transaction_id="ghost", label=decision_pb2.LABEL_FRAUD)
        ),
        grpc.StatusCode.NOT_FOUND,
    )


@pytest.mark.parametrize("transactions_only", [False, True])
async def test_user_history_is_the_most_recent_before_the_instant_oldest_first(store, transactions_only):
    own = [make_scored(f"h-{n}", user_id="hist-user", occurred_at=BASE_TIME + timedelta(minutes=n)) for n in range(6)]
    other = make_scored("h-other", user_id="someone-else", occurred_at=BASE_TIME + timedelta(minutes=2))
    await store.PutDecisions(put_request(*own, other))

    response = await store.GetUserHistory(
        store_service_pb2.GetUserHistoryRequest(
            user_id="hist-user",
            before=timestamp_of(BASE_TIME + timedelta(minutes=5)),
            limit=3,
            transactions_only=transactions_only,
        )
    )

    assert [t.transaction.id for t in response.transactions] == ["h-2", "h-3", "h-4"]


@pytest.mark.parametrize("transactions_only", [False, True])
async def test_user_history_without_bounds_returns_everything_of_that_user(store, transactions_only):
    await store.PutDecisions(
        put_request(
            *(make_scored(f"h-{n}", user_id="hist-user", occurred_at=BASE_TIME - timedelta(hours=n)) for n in range(4))
        )
    )

    response = await store.GetUserHistory(
        store_service_pb2.GetUserHistoryRequest(user_id="hist-user", transactions_only=transactions_only)
    )

    assert [t.transaction.id for t in response.transactions] == ["h-3", "h-2", "h-1", "h-0"]


async def test_user_history_of_transactions_only_has_each_transaction_and_label_and_no_decision(store):
    own = [
        make_scored(
            f"h-{n}",
            user_id="hist-user",
            occurred_at=BASE_TIME + timedelta(minutes=n),
            score=0.7,
            decision=decision_pb2.DECISION_REVIEW,
        )
        for n in range(3)
    ]
    own[1].shadow_scores.add(model_version="rf-next", score=0.5, decision=decision_pb2.DECISION_REVIEW)
    await store.PutDecisions(put_request(*own))
    labelled = await store.LabelTransaction(
        store_service_pb2.LabelTransactionRequest(transaction_id="h-1", label=decision_pb2.LABEL_FRAUD)
    )
    full = await store.GetUserHistory(store_service_pb2.GetUserHistoryRequest(user_id="hist-user"))

    lean = await store.GetUserHistory(
        store_service_pb2.GetUserHistoryRequest(user_id="hist-user", transactions_only=True)
    )

    assert [t.transaction for t in lean.transactions] == [t.transaction for t in full.transactions]
    assert [t.transaction for t in lean.transactions] == [t.transaction for t in own]
    assert [(t.label, t.labelled_at) for t in lean.transactions] == [
        (decision_pb2.LABEL_UNSPECIFIED, Timestamp()),
        (decision_pb2.LABEL_FRAUD, labelled.transaction.labelled_at),
        (decision_pb2.LABEL_UNSPECIFIED, Timestamp()),
    ]
    for replayed in lean.transactions:  # nothing of the decision: no score, reasons, features, times
        replayed.ClearField("transaction")
        replayed.ClearField("label")
        replayed.ClearField("labelled_at")
        assert replayed == decision_pb2.ScoredTransaction()


async def test_statistics_count_decisions_and_labels_since_an_instant(store):
    old = make_scored(
        "s-old", occurred_at=BASE_TIME - timedelta(days=2), score=0.9, decision=decision_pb2.DECISION_DECLINE
    )
    recent = [
        make_scored("s-1", score=0.1, decision=decision_pb2.DECISION_APPROVE),
        make_scored("s-2", score=0.2, decision=decision_pb2.DECISION_APPROVE),
        make_scored("s-3", score=0.6, decision=decision_pb2.DECISION_REVIEW),
        make_scored("s-4", score=0.9, decision=decision_pb2.DECISION_DECLINE),
    ]
    await store.PutDecisions(put_request(old, *recent))
    for transaction_id, label in [
        ("s-3", decision_pb2.LABEL_FRAUD),
        ("s-1", decision_pb2.LABEL_LEGITIMATE),
        ("s-old", decision_pb2.LABEL_FRAUD),
    ]:
        await store.LabelTransaction(
            store_service_pb2.LabelTransactionRequest(transaction_id=transaction_id, label=label)
        )

    since = await store.GetStatistics(
        store_service_pb2.GetStatisticsRequest(since=timestamp_of(BASE_TIME - timedelta(days=1)))
    )
    everything = await store.GetStatistics(store_service_pb2.GetStatisticsRequest())

    assert (since.total, since.approved, since.reviewed, since.declined) == (4, 2, 1, 1)
    assert (since.labelled_fraud, since.labelled_legitimate) == (1, 1)
    assert since.mean_score == pytest.approx(0.45)
    assert (everything.total, everything.declined, everything.labelled_fraud) == (5, 2, 2)


async def test_statistics_of_an_empty_store_are_zero(store):
    statistics = await store.GetStatistics(store_service_pb2.GetStatisticsRequest())

    assert statistics == store_service_pb2.GetStatisticsResponse()
