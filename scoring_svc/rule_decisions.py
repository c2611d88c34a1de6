"""The analysts' rule set applied to a batch the model has decided (precedence: docs/rules.md): where a
list or a rule decides otherwise, or an ADD_SCORE rule moves the score, the decision is rewritten, and
every list, rule and shadow rule that matched is named first among its reasons. Every decision
records the rule set's version it was taken with."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from operator import attrgetter

import numpy as np
from fraud.v1 import decision_pb2

from fraudmesh.conversions.enums import DECISION_VALUES
from fraudmodel.events import TxnEvent
from fraudmodel.training.thresholds import Thresholds
from scoring_svc.rules import BatchOutcome, FiredRule, ListHit, RuleSet

_SCORE = attrgetter("score")
_REASONS_KEPT = 4096  # lists and rule versions whose reasons are kept made


def apply_rules(
    decisions: Sequence[decision_pb2.ScoredTransaction],
    events: Sequence[TxnEvent],
    rows: np.ndarray,
    rule_set: RuleSet,
    thresholds: Thresholds,
) -> BatchOutcome | None:
    """`decisions[i]` is `events[i]`'s, with the model's score and decision written; `rows[i]` its features.
    What the rules made of the batch; none when the rule set is empty."""
    for decision in decisions:
        decision.rule_set_version = rule_set.version
    if not (rule_set.active or rule_set.shadow or rule_set.lists):
        return None
    scores = np.fromiter(map(_SCORE, decisions), dtype=float, count=len(decisions))
    outcome = rule_set.evaluate(events, rows, scores, thresholds)
    # The others the thresholds decided on the model's own score, as written.
    for i in outcome.changed.tolist():
        decision = decisions[i]
        name = outcome.decisions[i]
        decision.decision = DECISION_VALUES[name]
        decision.is_fraud = name == "DECLINE"
        decision.score = float(outcome.scores[i])
        hit = outcome.list_hits[i]
        named = [] if hit is None else [_list_reason(hit)]
        named += map(_rule_reason, outcome.fired[i])
        named += map(_shadow_reason, outcome.shadow[i])
        reasons = decision.reasons
        for position, reason in enumerate(named):  # before the model's own; each is copied in
            reasons.insert(position, reason)
    return outcome


# The reasons that name a list or a rule, made once per list and rule version and copied into each
# decision they concern; never changed once made.
@lru_cache(maxsize=_REASONS_KEPT)
def _list_reason(hit: ListHit) -> decision_pb2.Reason:
    return decision_pb2.Reason(
        feature=f"list:{hit.name}", text=f"{hit.field} is on the {hit.kind.lower()} list {hit.name}"
    )


@lru_cache(maxsize=_REASONS_KEPT)
def _rule_reason(rule: FiredRule) -> decision_pb2.Reason:
    return decision_pb2.Reason(
        feature=f"rule:{rule.id}",
        text=f"rule {rule.name!r} v{rule.version} fired: {rule.action}",
        contribution=rule.score_delta,
    )


@lru_cache(maxsize=_REASONS_KEPT)
def _shadow_reason(rule: FiredRule) -> decision_pb2.Reason:
    return decision_pb2.Reason(
        feature=f"shadow_rule:{rule.id}",
        text=f"shadow rule {rule.name!r} v{rule.version} would have fired: {rule.action}",
    )
