"""A draft rule evaluated over stored decisions, for the preview an analyst runs before activating it
(RuleService.PreviewRule, served by store, sends the decisions here: scoring alone has the rule engine,
the lists and the thresholds). Each stored decision is decided twice, on its stored features and score,
by the same precedence as live (scoring_svc.rules.precedence): under the rules active now, and under
those rules with the draft among them as active at its priority. The difference between the two is
the draft's own effect, whatever rules and model were in force when the decision was stored."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from fraud.v1 import decision_pb2

from fraudmesh.conversions.rules import RULE_ACTION_NAMES
from fraudmodel.events import TxnEvent, event_from_proto
from fraudmodel.features.names import FEATURE_NAMES
from fraudmodel.training.thresholds import Thresholds
from scoring_svc.rules import Action, Rule, RuleSet, RuleStatus

# Not a valid stored id (those are [a-z0-9]+), so it never collides with a rule of the set.
DRAFT_ID = "draft-preview"


@dataclass(frozen=True)
class DraftEffect:
    matched: bool
    decision_without: str  # APPROVE, REVIEW or DECLINE
    decision_with: str


@dataclass(frozen=True)
class Draft:
    expression: str
    action: Action
    score_delta: float
    priority: int

    def rule(self) -> Rule:
        return Rule(
            id=DRAFT_ID,
            name="draft",
            expression=self.expression,
            action=self.action,
            priority=self.priority,
            status=RuleStatus.ACTIVE,
            score_delta=self.score_delta if self.action is Action.ADD_SCORE else 0.0,
        )


def draft_from_definition(definition) -> Draft:
    return Draft(
        expression=definition.expression,
        action=Action(RULE_ACTION_NAMES[definition.action]),
        score_delta=definition.score_delta,
        priority=definition.priority,
    )


def stored_batch(
    decisions: Sequence[decision_pb2.ScoredTransaction],
) -> tuple[list[TxnEvent], np.ndarray, np.ndarray]:
    """Events, feature rows (FEATURE_NAMES order; a feature not stored is NaN, which the interpreter
    answers for) and scores of stored decisions."""
    events = [event_from_proto(decision.transaction) for decision in decisions]
    rows = np.array(
        [[decision.features.get(name, np.nan) for name in FEATURE_NAMES] for decision in decisions], dtype=float
    ).reshape(len(decisions), len(FEATURE_NAMES))
    scores = np.fromiter((decision.score for decision in decisions), dtype=float, count=len(decisions))
    return events, rows, scores


class DraftRuleEvaluator:
    """`rules` and `thresholds` give what live scoring uses now; the two rule sets compiled from them
    (without and with the draft) are kept for the next call with the same draft and rule set, as a
    preview sends its decisions in several calls."""

    def __init__(self, rules: Callable[[], RuleSet], thresholds: Callable[[], Thresholds]):
        self._rules = rules
        self._thresholds = thresholds
        self._lock = threading.Lock()
        self._compiled: tuple[tuple[str, Draft], RuleSet, RuleSet] | None = None

    def rule_sets(self, draft: Draft) -> tuple[RuleSet, RuleSet]:
        """InvalidExpression when the draft cannot run."""
        current = self._rules()
        key = (current.version, draft)
        with self._lock:
            if self._compiled is not None and self._compiled[0] == key:
                return self._compiled[1], self._compiled[2]
        # Compiled afresh rather than shared with live scoring, so a preview does not count its
        # errors among the live rule set's.
        active = [compiled.rule for compiled in current.active]
        lists = list(current.lists.values())
        without = RuleSet.compile(active, lists, current.version)
        with_draft = RuleSet.compile([*active, draft.rule()], lists, current.version + "+draft")
        with self._lock:
            self._compiled = (key, without, with_draft)
        return without, with_draft

    def evaluate(self, draft: Draft, decisions: Sequence[decision_pb2.ScoredTransaction]) -> list[DraftEffect]:
        without, with_draft = self.rule_sets(draft)
        if not decisions:
            return []
        events, rows, scores = stored_batch(decisions)
        thresholds = self._thresholds()
        before = without.evaluate(events, rows, scores, thresholds)
        after = with_draft.evaluate(events, rows, scores, thresholds)
        position = [compiled.rule.id for compiled in with_draft.active].index(DRAFT_ID)
        assert after.matched is not None  # RuleSet.evaluate always fills it
        matched = after.matched[position]
        return [DraftEffect(bool(matched[i]), before.decisions[i], after.decisions[i]) for i in range(len(decisions))]

    def version(self) -> str:
        return self._rules().version
