"""The analysts' rule set applied to a batch the model has decided (precedence: docs/rules.md): where a
list or a rule decides otherwise, or an ADD_SCORE rule moves the score, the decision is rewritten, and
every list, rule and shadow rule that matched is named first among its reasons. (Every decision
records the rule set's version it was taken with: batch_scoring writes it with the model's part.)"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

import numpy as np
from fraud.v1 import decision_pb2

from fraudmesh.conversions.enums import DECISION_VALUES
from fraudmodel.events import TxnEvent
from fraudmodel.serving.scorer import ScoreResult
from fraudmodel.training.thresholds import Thresholds
from scoring_svc.rules import BatchOutcome, FiredRule, ListHit, RuleSet

_SCORE = attrgetter("score")
_REASONS_KEPT = 4096  # lists and rule versions whose reasons are kept made


def apply_rules(
    decisions: Sequence[decision_pb2.ScoredTransaction],
    events: Sequence[TxnEvent],
    rows: np.ndarray,
    results: Sequence[ScoreResult],
    rule_set: RuleSet,
    thresholds: Thresholds,
) -> BatchOutcome | None:
    """`decisions[i]` is `events[i]`'s, with `results[i]` (the model's score, decision and reasons)
    written; `rows[i]` its features. What the rules made of the batch; none when the rule set is empty."""
    if not (rule_set.active or rule_set.shadow or rule_set.lists):
        return None
    # From the model's results, not read back from each message: the same doubles.
    scores = np.fromiter(map(_SCORE, results), dtype=float, count=len(results))
    outcome = rule_set.evaluate(events, rows, scores, thresholds)
    # The others the thresholds decided on the model's own score, as written.
    for i in outcome.changed.tolist():
        decision, model = decisions[i], results[i]
        # Only what differs from the model's part is written again (a rule that names itself among
        # the reasons often leaves the decision and the score as they were).
        name = outcome.decisions[i]
        if name != model.decision:
            decision.decision = DECISION_VALUES[name]
            decision.is_fraud = name == "DECLINE"
        score = float(outcome.scores[i])
        if score != model.score:
            decision.score = score
        hit = outcome.list_hits[i]
        named = [] if hit is None else [_of_list(hit)]
        named += map(_of_rule, outcome.fired[i])
        named += map(_of_shadow, outcome.shadow[i])
        if not model.reasons:
            # No reason of the model's to come after them: all of them appended by one parse
            # rather than inserted one by one.
            decision.MergeFromString(b"".join(encoded for _, encoded in named))
            continue
        reasons = decision.reasons
        for position, (reason, _) in enumerate(named):  # before the model's own; each is copied in
            reasons.insert(position, reason)
    return outcome


Made = tuple[decision_pb2.Reason, bytes]  # a reason, and its encoding as an entry of ScoredTransaction.reasons


class _Reasons:
    """The reasons that name a list, a rule or a shadow rule, made once per list and rule version by
    `make` and copied into each decision they concern; never changed once made. Found by the identity
    of the ListHit or FiredRule, which a rule set makes once: their dataclass hash would cost more
    than copying the reason. An entry keeps its object alive, so no other object can take its id."""

    def __init__(self, make: Callable[[Any], decision_pb2.Reason]) -> None:
        self._make = make
        self._made: dict[int, tuple[object, Made]] = {}

    def __call__(self, source: ListHit | FiredRule) -> Made:
        made = self._made.get(id(source))
        if made is not None and made[0] is source:
            return made[1]
        if len(self._made) >= _REASONS_KEPT:
            self._made.clear()
        reason = self._make(source)
        encoded = reason, decision_pb2.ScoredTransaction(reasons=[reason]).SerializeToString()
        self._made[id(source)] = (source, encoded)
        return encoded


def _list_reason(hit: ListHit) -> decision_pb2.Reason:
    return decision_pb2.Reason(
        feature=f"list:{hit.name}", text=f"{hit.field} is on the {hit.kind.lower()} list {hit.name}"
    )


def _rule_reason(rule: FiredRule) -> decision_pb2.Reason:
    return decision_pb2.Reason(
        feature=f"rule:{rule.id}",
        text=f"rule {rule.name!r} v{rule.version} fired: {rule.action}",
        contribution=rule.score_delta,
    )


def _shadow_reason(rule: FiredRule) -> decision_pb2.Reason:
    return decision_pb2.Reason(
        feature=f"shadow_rule:{rule.id}",
        text=f"shadow rule {rule.name!r} v{rule.version} would have fired: {rule.action}",
    )


_of_list, _of_rule, _of_shadow = _Reasons(_list_reason), _Reasons(_rule_reason), _Reasons(_shadow_reason)
