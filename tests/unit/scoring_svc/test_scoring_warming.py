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
from scoring_svc.arrival_order import arrival_ns
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
    """store_svc's history reads over what it holds: each customer's transactions before a time (any
    time when None), oldest first by event time, the latest `limit`; and every call made."""

    def __init__(self, stored: list[transaction_pb2.Transaction]) -> None:
        self.stored = stored
        self.calls: list[list[str]] = []  # the customers each call asked for

    def _history(self, user_id: str, before: Timestamp | None, limit: int) -> list[decision_pb2.ScoredTransaction]:
        mine = sorted(
            (
                t
                for t in self.stored
                if t.input.user_id == user_id
                and (before is None or t.input.occurred_at.ToDatetime() < before.ToDatetime())
            ),
            key=lambda t: (t.input.occurred_at.ToNanoseconds(), t.id),
        )
        return [decision_pb2.ScoredTransaction(transaction=t) for t in mine[-limit:]]

    async def history(self, user_id: str, before: Timestamp | None, limit: int) -> list[decision_pb2.ScoredTransaction]:
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


def arriving_at(txn: transaction_pb2.Transaction, minutes: float) -> transaction_pb2.Transaction:
    """The payment as ingest received it `minutes` after NOW, whenever it happened."""
    txn.received_at.FromDatetime(NOW + timedelta(minutes=minutes))
    return txn


async def live_features(arrived: list[transaction_pb2.Transaction]) -> np.ndarray:
    """The features of the last of `arrived` on an instance that met them all, in that order."""
    live = pipeline(Store([]))
    events = [event_from_proto(t) for t in arrived]
    await live.warm_users(events[:1])  # a new customer, no history
    return features(live, events)[-1]


async def rebuilt_features(stored: list[transaction_pb2.Transaction], probe: transaction_pb2.Transaction) -> np.ndarray:
    """The features of `probe` on an instance that meets its customer first with it, read from Kafka."""
    rebuilt = pipeline(Store(stored))
    event = event_from_proto(probe)
    await rebuilt.warm_users([event], {probe.id: arrival_ns(probe)})
    return features(rebuilt, [event])[0]


async def test_a_late_payment_met_first_is_warmed_with_what_arrived_before_it_not_what_happened_before_it():
    earlier = [payment("ann", minutes=0, minor_units=1200), payment("ann", minutes=10, minor_units=9900)]
    late = arriving_at(payment("ann", minutes=5, minor_units=3100), minutes=12)  # happened at 5, offline till 12

    # Both payments before it count, though the one at minute 10 happened after it.
    np.testing.assert_array_equal(await rebuilt_features(earlier, late), await live_features([*earlier, late]))


async def test_a_customer_is_warmed_in_the_order_their_payments_arrived():
    # Enough payments for the usual amount to follow the latest ones (features/kernel.py), so that
    # the order they are folded in shows; the large one happened first but arrived last.
    arrived = [payment("bob", minutes=m, minor_units=1000 + 10 * m) for m in range(1, 80)]
    arrived.append(arriving_at(payment("bob", minutes=0, minor_units=500_000), minutes=90))
    probe = payment("bob", minutes=100, minor_units=4000)
    rebuilt = await rebuilt_features(arrived, probe)

    np.testing.assert_array_equal(rebuilt, await live_features([*arrived, probe]))
    # In event-time order the usual amount would be another (the order is what the test is about).
    in_event_order = sorted(arrived, key=lambda t: t.input.occurred_at.ToNanoseconds())
    assert not np.array_equal(rebuilt, await live_features([*in_event_order, probe]))
