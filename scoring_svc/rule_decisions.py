"""The analysts' rule set applied to a batch the model has decided (precedence: docs/rules.md): where a
list or a rule decides otherwise, or an ADD_SCORE rule moves the score, the decision is rewritten, and
every list, rule and shadow rule that matched is named first among its reasons. Every decision
records the rule set's version it was taken with."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from fraud.v1 import decision_pb2

from fraudmesh.conversions.enums import DECISION_VALUES
from fraudmodel.events import TxnEvent
from fraudmodel.training.thresholds import Thresholds
from scoring_svc.rules import RuleSet


def apply_rules(
    decisions: Sequence[decision_pb2.ScoredTransaction],
    events: Sequence[TxnEvent],
    rows: np.ndarray,
    rule_set: RuleSet,
    thresholds: Thresholds,
) -> None:
    """`decisions[i]` is `events[i]`'s, with the model's score and decision written; `rows[i]` its features."""
    for decision in decisions:
        decision.rule_set_version = rule_set.version
    if not (rule_set.active or rule_set.shadow or rule_set.lists):
        return
    scores = np.fromiter((decision.score for decision in decisions), dtype=float, count=len(decisions))
    outcome = rule_set.evaluate(events, rows, scores, thresholds)
    for i, decision in enumerate(decisions):
        fired, shadow, hit = outcome.fired[i], outcome.shadow[i], outcome.list_hits[i]
        if not (fired or shadow or hit):
            continue  # the thresholds decided on the model's own score, as written
        name = outcome.decisions[i]
        decision.decision = DECISION_VALUES[name]
        decision.is_fraud = name == "DECLINE"
        decision.score = float(outcome.scores[i])
        model_reasons = list(decision.reasons)
        del decision.reasons[:]
        if hit is not None:
            decision.reasons.add(
                feature=f"list:{hit.name}", text=f"{hit.field} is on the {hit.kind.lower()} list {hit.name}"
            )
        for rule in fired:
            decision.reasons.add(
                feature=f"rule:{rule.id}",
                text=f"rule {rule.name!r} v{rule.version} fired: {rule.action}",
                contribution=rule.score_delta,
            )
        for rule in shadow:
            decision.reasons.add(
                feature=f"shadow_rule:{rule.id}",
                text=f"shadow rule {rule.name!r} v{rule.version} would have fired: {rule.action}",
            )
        decision.reasons.extend(model_reasons)
