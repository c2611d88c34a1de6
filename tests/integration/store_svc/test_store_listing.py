"""ListTransactions: each filter on its own, and keyset paging through every page in both orders."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from fraud.v1 import decision_pb2, store_service_pb2
from store_testing import BASE_TIME, expect_status, make_scored

from fraudmesh.timestamps import timestamp_of

APPROVE, REVIEW, DECLINE = decision_pb2.DECISION_APPROVE, decision_pb2.DECISION_REVIEW, decision_pb2.DECISION_DECLINE

# id, user, minutes after BASE_TIME, score, decision
ROWS = [
    ("a1", "alice", 0, 0.05, APPROVE),
    ("a2", "alice", 10, 0.55, REVIEW),
    ("a3", "alice", 20, 0.95, DECLINE),
    ("b1", "bob", 5, 0.15, APPROVE),
    ("b2", "bob", 15, 0.65, REVIEW),
    ("c1", "carol", 25, 0.85, DECLINE),
]


@pytest.fixture
async def six_rows(store):
    batch = [
        make_scored(
            tid, user_id=user, occurred_at=BASE_TIME + timedelta(minutes=minutes), score=score, decision=decision
        )
        for tid, user, minutes, score, decision in ROWS
    ]
    await store.PutDecisions(store_service_pb2.PutDecisionsRequest(decisions=batch))
    await store.LabelTransaction(
        store_service_pb2.LabelTransactionRequest(transaction_id="a2", label=decision_pb2.LABEL_FRAUD)
    )
    await store.LabelTransaction(
        store_service_pb2.LabelTransactionRequest(transaction_id="b2", label=decision_pb2.LABEL_LEGITIMATE)
    )
    return store


async def listed_ids(store, **request_fields) -> list[str]:
    response = await store.ListTransactions(store_service_pb2.ListTransactionsRequest(page_size=100, **request_fields))
    assert response.next_page_token == ""
    return [t.transaction.id for t in response.transactions]


async def test_without_filters_everything_is_listed_newest_first(six_rows):
    assert await listed_ids(six_rows) == ["c1", "a3", "b2", "a2", "b1", "a1"]


async def test_oldest_first_reverses_the_order(six_rows):
    assert await listed_ids(six_rows, oldest_first=True) == ["a1", "b1", "a2", "b2", "a3", "c1"]


@pytest.mark.parametrize(
    ("request_fields", "expected"),
    [
        ({"user_id": "alice"}, ["a3", "a2", "a1"]),
        ({"decision": REVIEW}, ["b2", "a2"]),
        ({"label": decision_pb2.LABEL_FRAUD}, ["a2"]),
        ({"label": decision_pb2.LABEL_LEGITIMATE}, ["b2"]),
        ({"min_score": 0.6}, ["c1", "a3", "b2"]),
        ({"max_score": 0.15}, ["b1", "a1"]),
        ({"min_score": 0.5, "max_score": 0.7}, ["b2", "a2"]),
        ({"since": timestamp_of(BASE_TIME + timedelta(minutes=15))}, ["c1", "a3", "b2"]),
        ({"until": timestamp_of(BASE_TIME + timedelta(minutes=10))}, ["b1", "a1"]),
        ({"user_id": "alice", "decision": DECLINE}, ["a3"]),
        ({"user_id": "nobody"}, []),
    ],
    ids=lambda value: "-".join(value) if isinstance(value, dict) else None,
)
async def test_each_filter_narrows_the_list(six_rows, request_fields, expected):
    assert await listed_ids(six_rows, **request_fields) == expected


async def page_through(store, **request_fields) -> tuple[list[str], int]:
    ids: list[str] = []
    pages = 0
    token = ""
    while True:
        response = await store.ListTransactions(
            store_service_pb2.ListTransactionsRequest(page_token=token, **request_fields)
        )
        pages += 1
        ids.extend(t.transaction.id for t in response.transactions)
        token = response.next_page_token
        if not token:
            return ids, pages


@pytest.mark.parametrize("oldest_first", [False, True])
async def test_paging_visits_every_row_once_in_order(store, oldest_first):
    # Three rows share each instant, so the id has to break ties for the cursor to be exact.
    batch = [
        make_scored(f"p-{n:03d}", user_id="pager", occurred_at=BASE_TIME + timedelta(seconds=n // 3)) for n in range(23)
    ]
    batch.append(make_scored("p-elsewhere", user_id="not-the-pager"))
    await store.PutDecisions(store_service_pb2.PutDecisionsRequest(decisions=batch))

    ids, pages = await page_through(store, user_id="pager", page_size=5, oldest_first=oldest_first)

    expected = [f"p-{n:03d}" for n in range(23)]
    assert ids == (expected if oldest_first else expected[::-1])
    assert pages == 5


async def test_a_full_last_page_carries_no_token(store):
    batch = [make_scored(f"e-{n}", occurred_at=BASE_TIME + timedelta(seconds=n)) for n in range(4)]
    await store.PutDecisions(store_service_pb2.PutDecisionsRequest(decisions=batch))

    ids, pages = await page_through(store, page_size=2)

    assert ids == ["e-3", "e-2", "e-1", "e-0"]
    assert pages == 2


async def test_rows_stored_while_paging_do_not_shift_later_pages(store):
    batch = [make_scored(f"k-{n}", occurred_at=BASE_TIME + timedelta(seconds=n)) for n in range(6)]
    await store.PutDecisions(store_service_pb2.PutDecisionsRequest(decisions=batch))
    first = await store.ListTransactions(store_service_pb2.ListTransactionsRequest(page_size=3))

    newer = make_scored("k-newer", occurred_at=BASE_TIME + timedelta(hours=1))
    await store.PutDecisions(store_service_pb2.PutDecisionsRequest(decisions=[newer]))
    second = await store.ListTransactions(
        store_service_pb2.ListTransactionsRequest(page_size=3, page_token=first.next_page_token)
    )

    assert [t.transaction.id for t in first.transactions] == ["k-5", "k-4", "k-3"]
    assert [t.transaction.id for t in second.transactions] == ["k-2", "k-1", "k-0"]
    assert second.next_page_token == ""


async def test_the_default_page_holds_fifty(store):
    batch = [make_scored(f"d-{n:03d}", occurred_at=BASE_TIME + timedelta(seconds=n)) for n in range(51)]
    await store.PutDecisions(store_service_pb2.PutDecisionsRequest(decisions=batch))

    response = await store.ListTransactions(store_service_pb2.ListTransactionsRequest())

    assert len(response.transactions) == 50
    assert response.next_page_token


async def test_a_token_from_another_query_is_rejected_naming_page_token(store):
    batch = [make_scored(f"t-{n}", user_id="alice", occurred_at=BASE_TIME + timedelta(seconds=n)) for n in range(3)]
    await store.PutDecisions(store_service_pb2.PutDecisionsRequest(decisions=batch))
    first = await store.ListTransactions(store_service_pb2.ListTransactionsRequest(user_id="alice", page_size=1))

    error = await expect_status(
        store.ListTransactions(
            store_service_pb2.ListTransactionsRequest(user_id="bob", page_size=1, page_token=first.next_page_token)
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert "page_token" in error.details()
