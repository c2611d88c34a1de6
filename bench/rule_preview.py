"""`python -m bench.rule_preview`: what a rule preview costs scoring (EvaluateDraftRule's work, in
process): --rows stored decisions, in the chunks store sends, through scoring_svc.draft_rules for a
draft the vectorised path takes and one only the CEL interpreter runs. Wall time per preview and per
decision, best and median of --rounds. It prints numbers (the machine is shared); it asserts nothing.
Store's read of the rows and the gRPC hops are not in it."""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

from fraud.v1 import decision_pb2, transaction_pb2

from fraudmodel.features.names import FEATURE_NAMES
from fraudmodel.training.thresholds import Thresholds
from scoring_svc.draft_rules import Draft, DraftRuleEvaluator
from scoring_svc.rules import Action, RuleSet
from store_svc.rule_preview import CHUNK, MAX_ROWS

DRAFTS = {
    "vectorised": 'tx.channel == "CARD_NOT_PRESENT" && tx.amount > 100.0',
    "interpreted": 'tx.merchant_id.startsWith("m1") && features.count_1h > 3.0',
}


def stored_decision(i: int, now: datetime) -> decision_pb2.ScoredTransaction:
    scored = decision_pb2.ScoredTransaction(score=(i % 100) / 100, features={n: float(i % 7) for n in FEATURE_NAMES})
    scored.transaction.id = f"t{i}"
    submitted = scored.transaction.input
    submitted.user_id = f"u{i % 500}"
    submitted.merchant_id = f"m{i % 50}"
    submitted.amount.minor_units = 1000 + i
    submitted.amount.currency = "EUR"
    submitted.location.city, submitted.location.country = "Paris", "FR"
    submitted.location.lat, submitted.location.lon = 48.85, 2.35
    submitted.channel = transaction_pb2.CHANNEL_CARD_NOT_PRESENT
    submitted.occurred_at.FromDatetime(now)
    return scored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=MAX_ROWS)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    now = datetime.now(UTC)
    decisions = [stored_decision(i, now) for i in range(args.rows)]
    evaluator = DraftRuleEvaluator(lambda: RuleSet.empty("bench"), lambda: Thresholds(0.5, 0.9, "bench"))
    for label, expression in DRAFTS.items():
        draft = Draft(expression, Action.DECLINE, 0.0, 10)
        evaluator.rule_sets(draft)  # compiled once, as the preview's first chunk does
        seconds = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            for first in range(0, len(decisions), CHUNK):
                evaluator.evaluate(draft, decisions[first : first + CHUNK])
            seconds.append(time.perf_counter() - start)
        best, median = min(seconds), statistics.median(seconds)
        print(
            f"{label:12} {args.rows:,} decisions: best {best:.2f} s, median {median:.2f} s "
            f"({best / args.rows * 1e6:.0f} us per decision at best)"
        )


if __name__ == "__main__":
    main()
