"""Scoring's bound on customers held (MAX_CUSTOMERS): a customer evicted from the feature state is,
when they come back, met as a new customer and warmed again from store_svc's history, so their
features are those of a scorer that never forgot them."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from fraud.v1 import decision_pb2, transaction_pb2
from google.protobuf.timestamp_pb2 import Timestamp
from prometheus_client import CollectorRegistry
from pydantic import ValidationError
from scoring_records import NOW, raw_record

from fraudmodel.events import TxnEvent, event_from_proto
from fraudmodel.features import FeatureEngine
from fraudmodel.features.user_table import UserTable
from fraudmodel.serving.scorer import Scorer
from scoring_svc.metrics import ScoringMetrics
from scoring_svc.pipeline import ScoringPipeline
from scoring_svc.settings import ScoringSettings


def payment(index: int, user: str, minutes: float, minor_units: int = 2500) -> transaction_pb2.Transaction:
    txn = transaction_pb2.Transaction(
        id=f"t{index}-{user}",
        input=transaction_pb2.TransactionInput(
            user_id=user,
            amount=transaction_pb2.Money(minor_units=minor_units, currency="EUR"),
            location=transaction_pb2.Location(city="Paris", country="FR", lat=48.86, lon=2.35),
            merchant_id="m-1",
        ),
    )
    txn.input.occurred_at.FromDatetime(NOW + timedelta(minutes=minutes))
    txn.received_at.FromDatetime(NOW + timedelta(minutes=minutes))
    return txn


class StoredHistory:
    """store_svc's answer to GetUserHistory over what was stored: a customer's transactions before a
    time, oldest first, and who was asked for."""

    def __init__(self) -> None:
        self.stored: list[transaction_pb2.Transaction] = []
        self.asked: list[str] = []

    async def history(self, user_id: str, before: Timestamp, limit: int) -> list[decision_pb2.ScoredTransaction]:
        self.asked.append(user_id)
        mine = [
            t
            for t in self.stored
            if t.input.user_id == user_id and t.input.occurred_at.ToDatetime() < before.ToDatetime()
        ]
        return [decision_pb2.ScoredTransaction(transaction=t) for t in mine[-limit:]]

    async def histories(
        self, users: list[tuple[str, Timestamp]], limit: int
    ) -> list[list[decision_pb2.ScoredTransaction]]:  # GetUsersHistory: each user as GetUserHistory answers
        return [await self.history(user_id, before, limit) for user_id, before in users]


class Scoring:
    """What the pipeline does with each batch, less Kafka and the model: warm the customers it does not
    know from the store, compute the features (folding them in), and store the transactions."""

    def __init__(self, max_customers: int | None) -> None:
        self.metrics = ScoringMetrics(CollectorRegistry())
        self.store = StoredHistory()
        self.scorer = Scorer(None, engine=FeatureEngine(UserTable(max_users=max_customers)))  # type: ignore[arg-type]
        self.pipeline = ScoringPipeline(
            None, self.scorer, self.store, None, None, None,  # type: ignore[arg-type]
            max_batch=500, poll_timeout_ms=100, warm_history_limit=500, commit_interval_ms=100,
            metrics=self.metrics,
        )  # fmt: skip

    async def batch(self, transactions: list[transaction_pb2.Transaction]) -> np.ndarray:
        events: list[TxnEvent] = [event_from_proto(t) for t in transactions]
        await self.pipeline.warm_users(events)
        rows = self.scorer.features(events, partitions=[0] * len(events))
        self.store.stored.extend(transactions)
        # What the pipeline does once a batch is delivered: its metrics (no decisions needed here).
        self.pipeline._observe([raw_record(b"", 0)], [])
        return rows

    def sample(self, name: str) -> float | None:
        return self.metrics.registry.get_sample_value(name)


async def test_an_evicted_customer_coming_back_is_warmed_again_and_scored_as_if_never_evicted():
    bounded, unbounded = Scoring(max_customers=40), Scoring(max_customers=None)
    alice = [payment(i, "alice", minutes=i * 5, minor_units=1000 + 100 * i) for i in range(6)]
    crowd = [[payment(0, f"c{b}-{i}", minutes=40) for i in range(20)] for b in range(5)]
    comeback = payment(99, "alice", minutes=45, minor_units=90_000)
    for scoring in (bounded, unbounded):
        await scoring.batch(alice)
        for batch in crowd:
            await scoring.batch(batch)
    assert not bounded.scorer.knows_user("alice")  # 100 others came after her, with room for 40
    assert unbounded.scorer.knows_user("alice")

    [row] = await bounded.batch([comeback])
    [expected] = await unbounded.batch([comeback])

    assert bounded.sample("fraudmesh_scoring_customers_held") == len(bounded.scorer._engine.users) <= 40
    assert bounded.sample("fraudmesh_scoring_customers_evicted_total") == bounded.scorer.customers()[1] > 0
    assert unbounded.sample("fraudmesh_scoring_customers_evicted_total") == 0
    assert bounded.store.asked.count("alice") == 2  # first met, then met again after the eviction
    assert unbounded.store.asked.count("alice") == 1
    np.testing.assert_array_equal(row, expected)


async def test_a_batch_with_more_new_customers_than_one_eviction_keeps_them_all():
    scoring = Scoring(max_customers=100)  # one eviction sweep makes room for 5
    for b in range(3):
        await scoring.batch([payment(0, f"old{b}-{i}", minutes=b) for i in range(40)])
    newcomers = [payment(0, f"new{i}", minutes=10) for i in range(60)]
    await scoring.batch(newcomers)
    assert all(scoring.scorer.knows_user(f"new{i}") for i in range(60))
    assert len(scoring.scorer._engine.users) <= 100


def test_the_bound_is_a_setting_with_a_floor_above_the_largest_batch(monkeypatch):
    assert ScoringSettings().max_customers == 2_000_000
    monkeypatch.setenv("MAX_CUSTOMERS", "50000")
    assert ScoringSettings().max_customers == 50_000
    monkeypatch.setenv("MAX_CUSTOMERS", "5000")  # below MAX_BATCH's ceiling, with room to evict
    with pytest.raises(ValidationError, match="max_customers"):
        ScoringSettings()
