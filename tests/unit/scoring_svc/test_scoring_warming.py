"""Warming the customers a batch meets first (ScoringPipeline.warm_users): all of them with one call
to store_svc (GetUsersHistory), not one call each, with the features a customer warmed alone would
have; and StorePeer.histories reading them one at a time when store refuses the call, so that only
the customer store cannot look up is scored without history."""

from __future__ import annotations

from datetime import timedelta

import grpc
import numpy as np
from fraud.v1 import decision_pb2, store_service_pb2, store_service_pb2_grpc, transaction_pb2
from google.protobuf.timestamp_pb2 import Timestamp
from scoring_records import NOW

from fraudmesh.grpc_server import insecure_channel
from fraudmodel.events import TxnEvent, event_from_proto
from fraudmodel.features import FeatureEngine
from fraudmodel.features.user_table import UserTable
from fraudmodel.serving.scorer import Scorer
from scoring_svc.peers import StorePeer
from scoring_svc.pipeline import WARM_ROWS_PER_CALL, ScoringPipeline, history_events
from scoring_svc.retry_policy import RetryPolicy


def payment(user: str, minutes: float, minor_units: int = 2500) -> transaction_pb2.Transaction:
    txn = transaction_pb2.Transaction(
        id=f"{user}-at-{minutes}",
        input=transaction_pb2.TransactionInput(
            user_id=user,
            amount=transaction_pb2.Money(minor_units=minor_units, currency="EUR"),
            location=transaction_pb2.Location(city="Lyon", country="FR", lat=45.76, lon=4.84),
            merchant_id="m-7",
        ),
    )
    txn.input.occurred_at.FromDatetime(NOW + timedelta(minutes=minutes))
    txn.received_at.FromDatetime(NOW + timedelta(minutes=minutes))
    return txn


class Store:
    """store_svc's history reads over what it holds: each customer's transactions before a time,
    oldest first, the latest `limit`; and every call made."""

    def __init__(self, stored: list[transaction_pb2.Transaction]) -> None:
        self.stored = stored
        self.calls: list[list[str]] = []  # the customers each call asked for

    def _history(self, user_id: str, before: Timestamp, limit: int) -> list[decision_pb2.ScoredTransaction]:
        mine = [
            t
            for t in self.stored
            if t.input.user_id == user_id and t.input.occurred_at.ToDatetime() < before.ToDatetime()
        ]
        return [decision_pb2.ScoredTransaction(transaction=t) for t in mine[-limit:]]

    async def history(self, user_id: str, before: Timestamp, limit: int) -> list[decision_pb2.ScoredTransaction]:
        self.calls.append([user_id])
        return self._history(user_id, before, limit)

    async def histories(self, users, limit: int) -> list[list[decision_pb2.ScoredTransaction]]:
        self.calls.append([user_id for user_id, _ in users])
        return [self._history(user_id, before, limit) for user_id, before in users]


def pipeline(store: Store, history_limit: int = 500) -> ScoringPipeline:
    scorer = Scorer(None, engine=FeatureEngine(UserTable()))  # type: ignore[arg-type]
    return ScoringPipeline(
        None, scorer, store, None, None, None,  # type: ignore[arg-type]
        max_batch=500, poll_timeout_ms=100, warm_history_limit=history_limit, commit_interval_ms=100,
    )  # fmt: skip


def features(scoring: ScoringPipeline, events: list[TxnEvent]) -> np.ndarray:
    return scoring._scorer.features(events, partitions=[0] * len(events))


async def test_a_batch_of_new_customers_is_warmed_with_one_call_as_if_each_was_warmed_alone():
    customers = [f"c{n}" for n in range(300)]
    past = [payment(c, minutes=m, minor_units=1000 + 37 * n) for n, c in enumerate(customers) for m in range(4)]
    batch = [event_from_proto(payment(c, minutes=10, minor_units=80_000)) for c in customers]
    store = Store(past)
    scoring = pipeline(store, history_limit=100)  # answers of at most 300 x 100 rows: within one call's bound

    await scoring.warm_users(batch)

    assert store.calls == [customers]  # one call, each customer once, in the batch's order
    alone = pipeline(Store(past))  # the reference: each customer warmed by hand from their own history
    before = _ts(NOW + timedelta(minutes=10))
    for customer in customers:
        alone._scorer.warm(customer, history_events(store._history(customer, before, 100)))
    np.testing.assert_array_equal(features(scoring, batch), features(alone, batch))
    # The history counted: a customer met with no history scores the same payment otherwise.
    assert not np.array_equal(features(scoring, batch[:1]), features(pipeline(Store([])), batch[:1]))


def _ts(moment) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


async def test_known_customers_are_not_asked_for_and_a_batch_is_no_history_of_its_own():
    store = Store([])
    scoring = pipeline(store)
    await scoring.warm_users([event_from_proto(payment("known", minutes=0))])
    redelivered = payment("back", minutes=5)
    store.stored.append(redelivered)  # stored before a crash, read again from Kafka after it
    batch = [event_from_proto(t) for t in (payment("known", minutes=6), redelivered, payment("back", minutes=7))]

    await scoring.warm_users(batch)

    assert store.calls == [["known"], ["back"]]
    fresh = pipeline(Store([]))
    await fresh.warm_users(batch)
    np.testing.assert_array_equal(features(scoring, batch[1:]), features(fresh, batch[1:]))


async def test_customers_with_long_histories_are_read_in_calls_of_a_bounded_answer():
    store = Store([])
    scoring = pipeline(store, history_limit=1000)
    batch = [event_from_proto(payment(f"c{n}", minutes=1)) for n in range(120)]

    await scoring.warm_users(batch)

    per_call = WARM_ROWS_PER_CALL // 1000
    assert [len(call) for call in store.calls] == [per_call, per_call, 120 - 2 * per_call]
    assert [user for call in store.calls for user in call] == [f"c{n}" for n in range(120)]


class RefusingStore(store_service_pb2_grpc.StoreServiceServicer):
    """store_svc refusing the batched read (as for a user id it cannot look up) and answering the
    single reads of every customer but "bad"."""

    def __init__(self) -> None:
        self.single_reads: list[str] = []

    async def GetUsersHistory(self, request, context):
        await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "users[1].user_id: does not match the pattern")

    async def GetUserHistory(self, request, context):
        self.single_reads.append(request.user_id)
        if request.user_id == "bad":
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "user_id: does not match the pattern")
        return store_service_pb2.GetUserHistoryResponse(
            transactions=[decision_pb2.ScoredTransaction(transaction=payment(request.user_id, minutes=0))]
        )


async def test_when_store_refuses_the_call_each_customer_is_read_alone_and_only_the_bad_one_goes_without():
    servicer = RefusingStore()
    server = grpc.aio.server()
    store_service_pb2_grpc.add_StoreServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = insecure_channel(f"127.0.0.1:{port}")
    try:
        peer = StorePeer(channel, RetryPolicy(attempts=1))
        before = _ts(NOW + timedelta(minutes=1))

        answers = await peer.histories([("ann", before), ("bad", before), ("bob", before)], 500)
    finally:
        await channel.close()
        await server.stop(None)

    assert servicer.single_reads == ["ann", "bad", "bob"]
    assert [[t.transaction.input.user_id for t in answer] for answer in answers] == [["ann"], [], ["bob"]]
