"""`python -m bench.rule_cost`: what analysts' rules cost in scoring's batch path (issue 26, part 6).

Scoring's own work on batches of 256, through the service's BatchScorer: decoding the Kafka records'
transactions, their events, features, model, writing the decisions, the rule set (evaluated, and the
decisions it changes rewritten with their reasons), and encoding the batch for store and for notify.
Once with no rules (what the service runs with an empty rule set) and once with 50 active rules and
four lists of 100,000 entries, alternating pass by pass in one process pinned to one core, on the
same records from the same per-user state (restored before every pass). Left out, as the same in
both: Kafka, gRPC and tracing (metrics are kept, as the service keeps them). CPU per transaction comes from process_time; within the passes with
rules, the rules' own share (BatchScorer._apply_rules: evaluation, rewriting, hit counters) is timed too, which gives the
ratio a second way that a busy machine disturbs less (alternating passes can differ a lot in how
much else the cores are doing). Then the rules alone, with the same 50 rules over lists of ten
entries and of 100,000, to show that a list's size costs nothing.
It prints numbers and asserts nothing about them."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import ConsumerRecord
from opentelemetry import trace
from prometheus_client import CollectorRegistry

from bench.scoring_inprocess import BATCH, _pin_to_one_core
from fraudctl.store_history import transaction_of
from fraudmesh.garbage_collection import relax_garbage_collection
from fraudmodel.evaluation.batch_scoring import scorer_for, warm_from_history
from fraudmodel.events import TxnEvent
from fraudmodel.generators.cardholders.history import HistoryConfig, generate_history
from fraudmodel.history_files import frame_to_events
from fraudmodel.serving.registry import ensure_starter_model
from fraudmodel.serving.scorer import Scorer
from scoring_svc.batch_scoring import BatchScorer
from scoring_svc.metrics import ScoringMetrics
from scoring_svc.rules import Action, ListKind, NamedList, Rule, RuleSet
from scoring_svc.scored_batch import ScoredBatch

TARGET_RATIO = 1.10
_SCORED_AT = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
_FEATURE_LIMITS = {
    "amount_to_usual": 8.0,
    "amount_z": 6.0,
    "count_10m": 5,
    "count_1h": 8,
    "count_24h": 30,
    "sum_1h": 3000.0,
    "sum_24h": 8000.0,
    "km_from_usual": 2500.0,
    "km_from_prev": 3000.0,
    "speed_kmh_from_prev": 900.0,
}


def benchmark_lists(entries: int, live: Sequence[TxnEvent]) -> list[NamedList]:
    """Four lists of `entries` strings each: allow and block lists of customers and merchants that
    hold a few of the measured transactions' values (so they are hit), padded with made-up ones."""
    customers = sorted({e.user_id for e in live})
    merchants = sorted({e.merchant_id for e in live})

    def padded(real: list[str], prefix: str) -> frozenset[str]:
        return frozenset(real + [f"{prefix}-{i:07d}" for i in range(max(0, entries - len(real)))])

    return [
        NamedList("allowed_customers", padded(customers[:2], "vip"), ListKind.ALLOW, "user_id"),
        NamedList("blocked_customers", padded(customers[2:4], "mule"), ListKind.BLOCK, "user_id"),
        NamedList("blocked_merchants", padded(merchants[:2], "fake-shop"), ListKind.BLOCK, "merchant_id"),
        NamedList("watched_merchants", padded(merchants[2:12], "watch"), ListKind.REFERENCE),
    ]


def benchmark_rules() -> list[Rule]:
    """50 active rules of the kinds analysts write: feature limits per channel, score bands, list
    membership, merchant prefixes and countries, and ADD_SCORE nudges."""
    rules: list[Rule] = []

    def add(expression: str, action: Action, delta: float = 0.0) -> None:
        n = len(rules)
        rules.append(Rule(f"r{n:02d}", f"rule {n}", expression, action, priority=n, score_delta=delta))

    for name, limit in _FEATURE_LIMITS.items():
        for channel in ("CARD_NOT_PRESENT", "CARD_PRESENT"):
            add(f'tx.channel == "{channel}" && features.{name} > {limit}', Action.REVIEW)
    for band in (0.3, 0.4, 0.5, 0.6, 0.7):
        add(f"score > {band} && features.new_merchant == 1.0 && tx.amount > {band * 1000}", Action.DECLINE)
    for limit in (500.0, 1000.0, 2000.0, 4000.0, 8000.0):
        add(f"tx.merchant_id in lists.watched_merchants && tx.amount > {limit}", Action.REVIEW)
    for step in range(10):
        add(
            f"(features.count_24h > {10 + 2 * step}.0 || features.sum_24h > {5000 + 500 * step}.0)"
            f" && features.amount_to_usual > {2.0 + step / 2} && score > 0.{step}",
            Action.REVIEW,
        )
    add('tx.country in ["RU", "NG", "KP", "IR"] && tx.channel == "CARD_NOT_PRESENT"', Action.DECLINE)
    add('tx.merchant_id.startsWith("shop-009") && features.count_1h >= 3', Action.REVIEW)
    add('tx.currency != "USD" && features.km_from_usual > 1000.0', Action.REVIEW)
    add("features.seconds_since_prev < 30.0 && features.km_from_prev > 50.0", Action.DECLINE)
    add("features.merchant_known_frauds_7d >= 3 && score > 0.2", Action.DECLINE)
    for delta, expression in (
        (0.05, "features.new_place == 1.0 && features.new_merchant == 1.0"),
        (0.05, "features.hour_local >= 2.0 && features.hour_local < 5.0 && features.new_merchant == 1.0"),
        (0.1, "tx.amount / (features.sum_30d + 1.0) > 0.9"),
        (0.02, 'tx.merchant_id in lists.watched_merchants || tx.country in ["BR", "MX"]'),
        (-0.02, 'features.amount_to_usual < 0.2 && tx.channel == "CARD_PRESENT"'),
    ):
        add(expression, Action.ADD_SCORE, delta)
    assert len(rules) == 50
    return rules


def records_of(live: Sequence[TxnEvent]) -> list[ConsumerRecord]:
    """The transactions as scoring reads them from Kafka."""
    records = []
    for offset, event in enumerate(live):
        value = transaction_of(event).SerializeToString()
        records.append(
            ConsumerRecord(
                topic="transactions",
                partition=0,
                offset=offset,
                timestamp=0,
                timestamp_type=0,
                key=event.user_id.encode(),
                value=value,
                checksum=None,
                serialized_key_size=len(event.user_id),
                serialized_value_size=len(value),
                headers=[],
            )
        )
    return records


class _RulesClock:
    """CPU seconds spent on the rules (evaluating the rule set, rewriting the decisions it changes,
    counting each rule's hits for its metrics), read by wrapping BatchScorer's own step while a pass runs."""

    def __init__(self) -> None:
        self.seconds = 0.0

    @contextmanager
    def watching(self) -> Iterator[None]:
        apply = BatchScorer._apply_rules

        def timed(batch_scorer: BatchScorer, *args: Any) -> None:
            started = time.process_time()
            apply(batch_scorer, *args)
            self.seconds += time.process_time() - started

        BatchScorer._apply_rules = timed  # type: ignore[method-assign,assignment]
        try:
            yield
        finally:
            BatchScorer._apply_rules = apply  # type: ignore[method-assign]


def _pass(scorer: Scorer, snapshot: bytes, records: Sequence[ConsumerRecord], rules: RuleSet) -> tuple[float, float]:
    """CPU seconds for one pass over `records` from the same starting state, and of those, the rules'."""
    scorer.restore(snapshot)
    # With metrics, as the service runs: the rules' hit counters are part of what they cost.
    batch_scorer = BatchScorer(scorer, lambda: _SCORED_AT, ScoringMetrics(CollectorRegistry()), rules=lambda: rules)
    clock = _RulesClock()
    with clock.watching():
        started = time.process_time()
        for i in range(0, len(records), BATCH):
            kept, decisions, letters = batch_scorer.decode(records[i : i + BATCH])
            batch = ScoredBatch(kept, decisions, [trace.INVALID_SPAN] * len(kept), letters)
            batch_scorer.score(batch, batch_scorer.events(batch))
            for _peer in ("store", "notify"):  # each gets the batch encoded (scoring_svc.peers)
                batch.decisions.SerializeToString()
        spent = time.process_time() - started
    return spent, clock.seconds


def _rules_alone(rules: RuleSet, scorer: Scorer, snapshot: bytes, live: Sequence[TxnEvent], repeats: int) -> float:
    """CPU microseconds per transaction of the rule evaluation alone (features and scores precomputed)."""
    scorer.restore(snapshot)
    thresholds = scorer.thresholds(scorer.registry.active)
    batches = []
    for i in range(0, len(live), BATCH):
        batch = live[i : i + BATCH]
        rows = scorer.features(batch)
        scores = scorer.registry.active.scores(rows)
        batches.append((batch, rows, scores))
    started = time.process_time()
    for _ in range(repeats):
        for batch, rows, scores in batches:
            rules.evaluate(batch, rows, scores, thresholds)
    return (time.process_time() - started) / (repeats * len(live)) * 1e6


def run(
    model_dir: Path | None, transactions: int, users: int, rounds: int, say: Callable[[str], None] = print
) -> float:
    """Prints the measurements; returns the ratio of CPU per transaction with rules to without."""
    # The platform's own model folder (what `make up` serves); a starter model is trained there if empty.
    model_dir = model_dir or ensure_starter_model(Path(__file__).resolve().parents[1] / "models")
    pinned = _pin_to_one_core()
    events = frame_to_events(generate_history(HistoryConfig(users=users, days=35, seed=99)))
    split = len(events) - min(transactions, len(events) // 2)
    history, live = events[:split], events[split:]
    scorer = scorer_for(model_dir)
    warm_from_history(scorer, history)
    snapshot = scorer.state_snapshot()

    rules = benchmark_rules()
    big = RuleSet.compile(rules, benchmark_lists(100_000, live), "bench-100k")
    small = RuleSet.compile(rules, benchmark_lists(10, live), "bench-10")
    vectorised = sum(c.vector is not None for c in big.active)
    say(f"model {model_dir.name}; {pinned}; batch {BATCH}; {len(live):,} transactions per pass, {rounds} rounds")
    say(f"rule set: {len(big.active)} active rules ({vectorised} vectorised), 4 lists of 100,000 entries")
    relax_garbage_collection()

    records = records_of(live)
    none = RuleSet.empty("")  # what scoring runs with when no rule or list exists
    _pass(scorer, snapshot, records, big)  # warm-up: first runs of every code path, not measured
    _pass(scorer, snapshot, records, none)
    without: list[float] = []
    with_rules: list[float] = []
    rules_part: list[float] = []
    for round_ in range(rounds):
        order = (none, big) if round_ % 2 == 0 else (big, none)
        for rule_set in order:
            seconds, in_rules = _pass(scorer, snapshot, records, rule_set)
            (without if rule_set is none else with_rules).append(seconds / len(live) * 1e6)
            if rule_set is big:
                rules_part.append(in_rules / len(live) * 1e6)
    ratios = [w / o for w, o in zip(with_rules, without, strict=True)]
    ratio = statistics.median(with_rules) / statistics.median(without)
    # The same figure from inside the passes with rules: their rules' CPU over the rest of the same
    # passes. It does not depend on how busy the machine was in one pass or the next.
    rest = [w - r for w, r in zip(with_rules, rules_part, strict=True)]
    inner = 1 + statistics.median(r / o for r, o in zip(rules_part, rest, strict=True))
    say(f"scoring, no rules                    {statistics.median(without):8.2f} us CPU/transaction (median)")
    say(f"scoring, 50 rules, 100k lists        {statistics.median(with_rules):8.2f} us CPU/transaction (median)")
    say(f"  of which the rules and reasons     {statistics.median(rules_part):8.2f} us CPU/transaction (median)")
    say(f"ratio {ratio:.3f} (target <= {TARGET_RATIO:.2f}); per round {', '.join(f'{r:.3f}' for r in ratios)}")
    say(f"ratio within the passes with rules {inner:.3f} (1 + rules / the rest of the same passes)")

    alone_small = _rules_alone(small, scorer, snapshot, live, 3)
    alone_big = _rules_alone(big, scorer, snapshot, live, 3)
    say(f"rules alone, lists of 10 entries      {alone_small:8.2f} us CPU/transaction")
    say(f"rules alone, lists of 100,000 entries {alone_big:8.2f} us CPU/transaction")
    errors = sum(big.errors.values())
    say(f"rule errors counted: {errors}")
    return ratio


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rule_cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="a model version folder (default: the starter model)")
    parser.add_argument("--transactions", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args(argv)
    run(options.model, options.transactions, options.users, options.rounds)


if __name__ == "__main__":
    main()
