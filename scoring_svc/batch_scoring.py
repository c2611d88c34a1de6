"""Deciding a batch of records, setting aside each record that cannot be decided while the rest go on:
a record that is not a `fraud.v1.Transaction` ("undecodable"), and one whose event, features, model
run or decision raise ("scoring_failed").

Scoring runs over the whole batch at once. If that raises, the transactions are scored again one at
a time and those that still fail are set aside. When the batch's features were computed (and its
events folded into the customers' state) before the failure, each transaction keeps its row from
them; otherwise its features are computed alone, and an event the batch's attempt had folded in
already is not folded again (the feature engine recognises it), so each payment counts once."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime

import grpc
import numpy as np
from aiokafka import ConsumerRecord
from fraud.v1 import transaction_pb2
from google.protobuf.message import DecodeError
from google.rpc import status_pb2
from opentelemetry import trace

from fraudmesh.timestamps import timestamp_of
from fraudmodel.events import TxnEvent, event_from_proto
from fraudmodel.serving.decision_message import write_decision
from fraudmodel.serving.scorer import Scorer, ScoreResult
from scoring_svc.batch_tracing import traceparent_of, tracer
from scoring_svc.drift_watch import DriftWatch
from scoring_svc.failures import status_of_exception
from scoring_svc.metrics import ScoringMetrics
from scoring_svc.peers import DecisionBatch
from scoring_svc.rule_decisions import apply_rules
from scoring_svc.rule_metrics import RuleHitCounter
from scoring_svc.rules import RuleSet
from scoring_svc.scored_batch import ScoredBatch, set_aside

log = logging.getLogger(__name__)


class BatchScorer:
    def __init__(
        self,
        scorer: Scorer,
        clock: Callable[[], datetime],
        metrics: ScoringMetrics | None = None,
        rules: Callable[[], RuleSet] | None = None,
        drift: DriftWatch | None = None,
    ) -> None:
        """`rules`: the rule set in force when a batch is decided (scoring_svc.rule_source); none: the model alone.
        `drift`: given every scored batch's features and scores."""
        self._scorer = scorer
        self._clock = clock
        self._metrics = metrics
        self._rules = rules
        self._drift = drift
        self._rule_hits = RuleHitCounter(metrics) if metrics else None

    def decode(self, records: Sequence[ConsumerRecord]) -> tuple[list[ConsumerRecord], DecisionBatch, list]:
        """Each record's transaction, parsed straight into its place in the batch's decisions; the
        records kept, the decisions, and the letters of those that are not transactions."""
        kept, batch, letters = [], DecisionBatch(), []
        decisions = batch.decisions
        for record in records:
            try:
                decisions.add().transaction.ParseFromString(record.value or b"")
            except DecodeError as error:
                del decisions[-1]
                # Only ingest produces here, so this is a foreign or corrupt record.
                log.error(
                    "setting aside an undecodable record at %s[%d]@%d", record.topic, record.partition, record.offset
                )
                status = status_of_exception(error, grpc.StatusCode.INVALID_ARGUMENT)
                status.message = f"not a {transaction_pb2.Transaction.DESCRIPTOR.full_name}: {error}"
                letters.append(set_aside(record, "undecodable", status, 1, self._clock()))
                self._count_failed("decode")
                continue
            kept.append(record)
        return kept, batch, letters

    def events(self, batch: ScoredBatch) -> list[TxnEvent]:
        """The model's events of the batch's transactions; one that cannot be read as an event is set aside."""
        events: list[TxnEvent] = []
        failed = []
        for index, decision in enumerate(batch.decisions.decisions):
            try:
                events.append(event_from_proto(decision.transaction))
            except Exception as error:  # whatever a malformed transaction makes the conversion raise
                failed.append((index, status_of_exception(error)))
        for index, status in reversed(failed):
            log.error(
                "setting aside transaction %s: %s", batch.decisions.decisions[index].transaction.id, status.message
            )
            batch.take_out(index, "scoring_failed", status, 1, self._clock())
            self._count_failed("scoring")
        return events

    def score(self, batch: ScoredBatch, events: list[TxnEvent]) -> None:
        """Scores every transaction of the batch (with `events[i]` its event) and writes each decision
        in its place; sets aside, and takes out of `events`, those that cannot be scored."""
        if not events:
            return
        partitions = [record.partition for record in batch.records]
        rules = self._rules() if self._rules is not None else None  # the one rule set of this batch
        rows = None
        try:
            # Each user's row keeps its partition, to be forgotten if it comes back (scoring_svc.rebalance).
            rows = self._features(events, partitions)
            results = self._model(events, rows)
            self._write(batch.decisions.decisions, results, batch.spans, rules)
            self._apply_rules(batch.decisions.decisions, events, rows, results, rules)
        except Exception:
            log.exception("scoring a batch of %d failed; scoring its transactions one at a time", len(events))
            self._one_at_a_time(batch, events, partitions, rows, rules)

    def _features(self, events: Sequence[TxnEvent], partitions: Sequence[int]) -> np.ndarray:
        started = time.perf_counter()
        with tracer.start_as_current_span("features", attributes={"batch.size": len(events)}):
            rows = self._scorer.features(events, partitions=partitions)
        if self._metrics:
            self._metrics.feature_seconds.observe(time.perf_counter() - started)
        return rows

    def _model(self, events: Sequence[TxnEvent], rows: np.ndarray) -> list[ScoreResult]:
        started = time.perf_counter()
        model = self._scorer.registry.active
        with tracer.start_as_current_span("model", attributes={"batch.size": len(events)}):
            results = self._scorer.score_rows(events, rows)
        if self._metrics:
            self._metrics.model_seconds.observe(time.perf_counter() - started)
        # An activation between the two lines above scored with the new model: that batch is not watched.
        if self._drift is not None and results and results[0].model_version == model.version:
            self._drift.observe(model, rows, np.fromiter((r.score for r in results), float, len(results)))
        return results

    def _write(
        self, decisions: Sequence, results: Sequence[ScoreResult], spans: Sequence[trace.Span], rules: RuleSet | None
    ) -> None:
        """The model's part of each decision, and the version of the rule set that applies next
        (written here, while the message is at hand, and the same with no rules as with fifty)."""
        scored_at = timestamp_of(self._clock())
        version = rules.version if rules is not None else ""
        for decision, result, span in zip(decisions, results, spans, strict=True):
            write_decision(decision, result, scored_at)
            decision.rule_set_version = version
            decision.trace_id, decision.traceparent = traceparent_of(span)
            span.set_attribute("fraud.decision", result.decision)
            span.set_attribute("fraud.score", result.score)

    def _apply_rules(
        self,
        decisions: Sequence,
        events: Sequence[TxnEvent],
        rows: np.ndarray,
        results: Sequence[ScoreResult],
        rules: RuleSet | None,
    ) -> None:
        if rules is None:
            return
        with tracer.start_as_current_span("rules", attributes={"batch.size": len(events)}):
            outcome = apply_rules(
                decisions, events, rows, results, rules, self._scorer.thresholds(self._scorer.registry.active)
            )
        if outcome is not None and self._rule_hits is not None:
            self._rule_hits.observe(rules, outcome)

    def _one_at_a_time(
        self,
        batch: ScoredBatch,
        events: list[TxnEvent],
        partitions: list[int],
        rows: np.ndarray | None,
        rules: RuleSet | None,
    ) -> None:
        """`rows`: the batch's features, when they were computed (and folded in) before the failure:
        each transaction's features as of its place in the batch, used as they are. Without them,
        each transaction's features are computed alone."""
        failed: list[tuple[int, status_pb2.Status]] = []
        decisions = batch.decisions.decisions
        for index, event in enumerate(events):
            try:
                row = rows[index : index + 1] if rows is not None else self._features([event], [partitions[index]])
                [result] = self._model([event], row)
                _clear_decision(decisions[index])  # the batch's attempt may have written part of it
                self._write([decisions[index]], [result], [batch.spans[index]], rules)
                self._apply_rules([decisions[index]], [event], row, [result], rules)
            except Exception as error:
                log.exception("transaction %s cannot be scored; setting it aside", event.transaction_id)
                failed.append((index, status_of_exception(error)))
        for index, status in reversed(failed):
            batch.take_out(index, "scoring_failed", status, 2, self._clock())
            del events[index]
            self._count_failed("scoring")

    def _count_failed(self, stage: str) -> None:
        if self._metrics:
            self._metrics.transactions_failed.labels(stage=stage).inc()


def _clear_decision(decision) -> None:
    """Leaves only the transaction in place."""
    transaction = transaction_pb2.Transaction()
    transaction.CopyFrom(decision.transaction)
    decision.Clear()
    decision.transaction.CopyFrom(transaction)
