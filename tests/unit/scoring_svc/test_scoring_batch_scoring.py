"""Deciding a batch of records (scoring_svc.batch_scoring) with the real scorer and a trained model:
a record that is not a transaction, or whose scoring raises, is set aside with why, and every other
transaction of the batch is decided, each customer's velocity counting each payment once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fraud.v1 import transaction_pb2
from opentelemetry import trace
from scoring_records import NOW, raw_record, record_of

from fraudmodel.serving.registry import ModelRegistry
from fraudmodel.serving.scorer import Scorer
from scoring_svc.batch_scoring import BatchScorer
from scoring_svc.metrics import ScoringMetrics
from scoring_svc.scored_batch import ScoredBatch


def payment(index: int, user: str) -> transaction_pb2.Transaction:
    txn = transaction_pb2.Transaction(
        id=f"t{index}",
        input=transaction_pb2.TransactionInput(
            user_id=user,
            amount=transaction_pb2.Money(minor_units=2500 + index, currency="EUR"),
            location=transaction_pb2.Location(city="Paris", country="FR"),
            merchant_id="m-1",
        ),
    )
    txn.input.occurred_at.FromDatetime(NOW + timedelta(seconds=index))
    txn.received_at.FromDatetime(NOW + timedelta(seconds=index))
    return txn


class BreaksOn(Scorer):
    """The real scorer, whose model run raises whenever one given transaction is in the batch."""

    def __init__(self, registry: ModelRegistry, transaction_id: str) -> None:
        super().__init__(registry)
        self.transaction_id = transaction_id

    def score_rows(self, events, rows):
        if any(event.transaction_id == self.transaction_id for event in events):
            raise FloatingPointError("the model cannot take this row")
        return super().score_rows(events, rows)


@pytest.fixture()
def registry(model_dir) -> ModelRegistry:
    return ModelRegistry(model_dir.parent, active_version=model_dir.name)


def decided(scorer: Scorer, records) -> tuple[ScoredBatch, ScoringMetrics]:
    metrics = ScoringMetrics()
    batch_scorer = BatchScorer(scorer, lambda: NOW, metrics)
    kept, decisions, letters = batch_scorer.decode(records)
    batch = ScoredBatch(kept, decisions, [trace.INVALID_SPAN] * len(kept), letters)
    batch_scorer.score(batch, batch_scorer.events(batch))
    return batch, metrics


def count_1h(decision) -> float:
    return decision.features["count_1h"]


def test_an_undecodable_record_is_set_aside_and_the_others_are_decided(registry):
    garbage = b"\xff\xff\xff not a transaction"
    records = [record_of(payment(0, "ann"), 10), raw_record(garbage, 11), record_of(payment(2, "ann"), 12)]
    batch, metrics = decided(Scorer(registry), records)

    assert [d.transaction.id for d in batch.decisions.decisions] == ["t0", "t2"]
    assert all(d.decision and d.model_version == registry.active.version for d in batch.decisions.decisions)
    [letter] = batch.set_aside
    assert (letter.reason, letter.payload, letter.source_offset, letter.transaction_id) == (
        "undecodable",
        garbage,
        11,
        "",
    )
    assert "fraud.v1.Transaction" in letter.error.message
    assert metrics.registry.get_sample_value("fraudmesh_transactions_failed_total", {"stage": "decode"}) == 1


def test_a_transaction_whose_scoring_raises_is_set_aside_and_the_rest_counts_each_payment_once(registry):
    scorer = BreaksOn(registry, "t1")
    records = [record_of(payment(i, "bob" if i % 2 == 0 else "cy"), 20 + i) for i in range(4)]
    batch, metrics = decided(scorer, records)

    assert [d.transaction.id for d in batch.decisions.decisions] == ["t0", "t2", "t3"]
    [letter] = batch.set_aside
    assert (letter.reason, letter.transaction_id, letter.source_offset) == ("scoring_failed", "t1", 21)
    assert "FloatingPointError: the model cannot take this row" in letter.error.message
    # The batch's attempt folded its payments in before the model raised; scoring them again one at
    # a time did not fold them a second time.
    assert [count_1h(d) for d in batch.decisions.decisions] == [1, 2, 2]
    later, _ = decided(scorer, [record_of(payment(4, "bob"), 30)])
    assert count_1h(later.decisions.decisions[0]) == 3
    assert metrics.registry.get_sample_value("fraudmesh_transactions_failed_total", {"stage": "scoring"}) == 1


def test_transactions_scored_again_alone_get_the_decisions_the_batch_would_have_given(registry):
    scorer = BreaksOn(registry, "t9")
    records = [record_of(payment(i, "dee"), 40 + i) for i in range(3)] + [record_of(payment(9, "eve"), 50)]
    alone, _ = decided(scorer, records)
    together, _ = decided(Scorer(registry), [record_of(payment(i, "dee"), 40 + i) for i in range(3)])
    for one, other in zip(alone.decisions.decisions, together.decisions.decisions, strict=True):
        assert (one.score, list(one.reasons), list(one.shadow_scores)) == (
            other.score,
            list(other.reasons),
            list(other.shadow_scores),
        )
