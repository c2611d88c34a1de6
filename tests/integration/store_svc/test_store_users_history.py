"""GetUsersHistory: many customers' histories in one call, each what GetUserHistory answers for it,
read from the real PostgreSQL through store_svc's gRPC server."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from fraud.v1 import decision_pb2, store_service_pb2
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from store_testing import BASE_TIME, expect_status, make_scored

from fraudmesh.timestamps import timestamp_of


def window(user_id: str, minutes: float | None = None) -> store_service_pb2.UserHistoryWindow:
    """`user_id`'s history up to BASE_TIME + `minutes` (None: up to now)."""
    user = store_service_pb2.UserHistoryWindow(user_id=user_id)
    if minutes is not None:
        user.before.CopyFrom(timestamp_of(BASE_TIME + timedelta(minutes=minutes)))
    return user


async def store_customers(store, customers: int, each: int) -> None:
    """`each` payments of each of `customers` customers, one a minute, stored out of order."""
    decisions = [
        make_scored(
            f"c{c}-t{n}",
            user_id=f"c{c}",
            occurred_at=BASE_TIME + timedelta(minutes=n),
            score=0.7,
            decision=decision_pb2.DECISION_REVIEW,
        )
        for n in reversed(range(each))
        for c in range(customers)
    ]
    await store.PutDecisions(store_service_pb2.PutDecisionsRequest(decisions=decisions))


async def one_by_one(store, users, limit: int, transactions_only: bool) -> list[list[decision_pb2.ScoredTransaction]]:
    answers = []
    for user in users:
        request = store_service_pb2.GetUserHistoryRequest(
            user_id=user.user_id, limit=limit, transactions_only=transactions_only
        )
        if user.HasField("before"):
            request.before.CopyFrom(user.before)
        answers.append(list((await store.GetUserHistory(request)).transactions))
    return answers


@pytest.mark.parametrize("transactions_only", [True, False])
async def test_each_customer_gets_what_their_own_history_call_answers_in_the_order_asked(store, transactions_only):
    await store_customers(store, customers=30, each=8)
    await store.LabelTransaction(
        store_service_pb2.LabelTransactionRequest(transaction_id="c7-t2", label=decision_pb2.LABEL_FRAUD)
    )
    # Each with a window of its own; a customer asked twice, one with no history, one without bound.
    users = [window(f"c{c}", minutes=c % 9) for c in range(29, -1, -1)]
    users += [window("c3", minutes=6), window("nobody", minutes=5), window("c12")]

    response = await store.GetUsersHistory(
        store_service_pb2.GetUsersHistoryRequest(users=users, limit=5, transactions_only=transactions_only)
    )

    assert [history.user_id for history in response.histories] == [user.user_id for user in users]
    expected = await one_by_one(store, users, 5, transactions_only)
    assert [list(history.transactions) for history in response.histories] == expected
    # What the comparison rests on: the windows and the limit cut where they should.
    by_user = {history.user_id: history for history in response.histories}
    assert [t.transaction.id for t in by_user["c29"].transactions] == ["c29-t0", "c29-t1"]  # before minute 2
    assert [t.transaction.id for t in by_user["c8"].transactions] == [f"c8-t{n}" for n in range(3, 8)]
    assert list(by_user["nobody"].transactions) == []
    labelled = by_user["c7"].transactions[0]  # c7-t2 to c7-t6, before minute 7
    assert (labelled.transaction.id, labelled.label) == ("c7-t2", decision_pb2.LABEL_FRAUD)
    if transactions_only:
        assert all(not t.HasField("times") and t.score == 0 for t in by_user["c8"].transactions)
    else:
        assert all(t.decision == decision_pb2.DECISION_REVIEW and t.score == 0.7 for t in by_user["c8"].transactions)


async def test_without_a_limit_each_customer_gets_their_latest_hundred(store):
    await store_customers(store, customers=2, each=120)

    response = await store.GetUsersHistory(
        store_service_pb2.GetUsersHistoryRequest(users=[window("c0"), window("c1")], transactions_only=True)
    )

    for history in response.histories:
        assert [t.transaction.id for t in history.transactions] == [f"{history.user_id}-t{n}" for n in range(20, 120)]


async def test_a_whole_batch_of_new_customers_is_answered_in_one_call(store):
    users = [window(f"new-{n}", minutes=1) for n in range(5000)]

    response = await store.GetUsersHistory(
        store_service_pb2.GetUsersHistoryRequest(users=users, limit=500, transactions_only=True)
    )

    assert len(response.histories) == 5000
    assert not any(history.transactions for history in response.histories)


async def violations(call) -> set[tuple[str, str]]:
    error = await expect_status(call, grpc.StatusCode.INVALID_ARGUMENT)
    status = rpc_status.from_call(error)
    assert status is not None
    found: set[tuple[str, str]] = set()
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            found.update((v.field, v.reason) for v in bad_request.field_violations)
    return found


async def test_a_call_with_no_customers_too_many_or_a_bad_one_is_refused_naming_the_field(store):
    assert await violations(store.GetUsersHistory(store_service_pb2.GetUsersHistoryRequest())) == {
        ("users", "repeated.min_items")
    }
    too_many = [window(f"u{n}") for n in range(5001)]
    assert await violations(store.GetUsersHistory(store_service_pb2.GetUsersHistoryRequest(users=too_many))) == {
        ("users", "repeated.max_items")
    }
    bad_user = [window("fine"), store_service_pb2.UserHistoryWindow(user_id="not fine")]
    assert await violations(
        store.GetUsersHistory(store_service_pb2.GetUsersHistoryRequest(users=bad_user, limit=1001))
    ) == {("users[1].user_id", "string.pattern"), ("limit", "int32.gte_lte")}
    before_year_one = store_service_pb2.UserHistoryWindow(user_id="u", before=Timestamp(seconds=-62135596801))
    assert await violations(
        store.GetUsersHistory(store_service_pb2.GetUsersHistoryRequest(users=[before_year_one]))
    ) == {("users[0].before", "timestamp.gte_lte")}
