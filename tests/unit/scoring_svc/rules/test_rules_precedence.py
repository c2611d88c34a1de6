"""Allow list, then block list, then active rules by priority, then the model's thresholds; shadow
rules recorded without effect; a rule failing on one transaction counted, never failing the batch."""

from __future__ import annotations

import numpy as np
import pytest
from rules_transactions import THRESHOLDS, event, feature_rows

from scoring_svc.rules import Action, ListKind, NamedList, Rule, RuleSet, RuleStatus

LISTS = [
    NamedList("allowed_customers", frozenset({"vip"}), ListKind.ALLOW, "user_id"),
    NamedList("blocked_merchants", frozenset({"m-bad"}), ListKind.BLOCK, "merchant_id"),
]


def evaluate(rules, events, scores, lists=LISTS, **features):
    rule_set = RuleSet.compile(rules, lists, "rs-7")
    outcome = rule_set.evaluate(events, feature_rows(len(events), **features), np.array(scores), THRESHOLDS)
    return rule_set, outcome


def test_without_rules_or_lists_the_models_thresholds_decide():
    events = [event(i) for i in range(4)]
    _, outcome = evaluate([], events, [0.1, 0.5, 0.89, 0.95], lists=[])
    assert outcome.decisions == ["APPROVE", "REVIEW", "REVIEW", "DECLINE"]
    assert all(fired == () for fired in outcome.fired)
    assert outcome.rule_set_version == "rs-7"


def test_an_allow_list_approves_before_the_block_list_and_any_rule():
    decline_all = Rule("r1", "decline everything", "true", Action.DECLINE)
    events = [event(0, user_id="vip", merchant_id="m-bad"), event(1, merchant_id="m-bad"), event(2)]
    _, outcome = evaluate([decline_all], events, [0.99, 0.0, 0.0])
    assert outcome.decisions == ["APPROVE", "DECLINE", "DECLINE"]
    assert outcome.list_hits[0].name == "allowed_customers"
    assert outcome.list_hits[1].name == "blocked_merchants" and outcome.list_hits[1].kind == "BLOCK"
    assert outcome.list_hits[2] is None
    assert outcome.fired[0] == () and outcome.fired[1] == ()  # a listed transaction meets no rule
    assert [f.id for f in outcome.fired[2]] == ["r1"]


def test_the_first_decisive_rule_by_priority_wins_and_names_itself():
    rules = [
        Rule("late", "review big", "tx.amount > 100.0", Action.REVIEW, priority=20),
        Rule("early", "approve known", 'tx.user_id == "alice"', Action.APPROVE, priority=10),
        Rule("never", "decline big", "tx.amount > 100.0", Action.DECLINE, priority=30),
    ]
    _, outcome = evaluate(rules, [event(0), event(1, user_id="bob")], [0.95, 0.95])
    assert outcome.decisions == ["APPROVE", "REVIEW"]
    assert [(f.id, f.name, f.action) for f in outcome.fired[0]] == [("early", "approve known", "APPROVE")]
    assert [f.id for f in outcome.fired[1]] == ["late"]


def test_add_score_rules_add_before_the_thresholds():
    rules = [
        Rule("nudge", "new merchant", "features.new_merchant == 1.0", Action.ADD_SCORE, 1, score_delta=0.3),
        Rule("night", "at night", "features.hour_local < 5.0", Action.ADD_SCORE, 2, score_delta=0.3),
    ]
    events = [event(i) for i in range(3)]
    _, outcome = evaluate(rules, events, [0.35, 0.35, 0.35], new_merchant=[1.0, 1.0, 0.0], hour_local=[3.0, 12.0, 12.0])
    assert outcome.decisions == ["DECLINE", "REVIEW", "APPROVE"]
    assert np.allclose(outcome.scores, [0.95, 0.65, 0.35])
    assert [f.id for f in outcome.fired[0]] == ["nudge", "night"]
    assert outcome.outcome(1).score == pytest.approx(0.65) and outcome.outcome(1).fired[0].score_delta == 0.3


def test_the_adjusted_score_stays_within_zero_and_one():
    rules = [Rule("down", "trusted", "true", Action.ADD_SCORE, score_delta=-0.5)]
    _, outcome = evaluate(rules, [event(0)], [0.2])
    assert outcome.scores.tolist() == [0.0]


def test_add_score_rules_after_the_deciding_rule_are_not_consulted():
    rules = [
        Rule("a", "before", "true", Action.ADD_SCORE, 1, score_delta=0.1),
        Rule("b", "decides", "true", Action.REVIEW, 2),
        Rule("c", "after", "true", Action.ADD_SCORE, 3, score_delta=0.5),
    ]
    _, outcome = evaluate(rules, [event(0)], [0.0])
    assert outcome.decisions == ["REVIEW"]
    assert [f.id for f in outcome.fired[0]] == ["a", "b"]


def test_shadow_rules_are_recorded_and_change_nothing():
    rules = [
        Rule("s1", "shadow decline", "tx.amount > 100.0", Action.DECLINE, status=RuleStatus.SHADOW),
        Rule("s2", "shadow nudge", "true", Action.ADD_SCORE, status=RuleStatus.SHADOW, score_delta=0.9),
        Rule("off", "disabled", "true", Action.DECLINE, status=RuleStatus.DISABLED),
    ]
    _, outcome = evaluate(rules, [event(0), event(1, amount=5.0)], [0.1, 0.1])
    assert outcome.decisions == ["APPROVE", "APPROVE"]
    assert outcome.fired == [(), ()]
    assert [f.id for f in outcome.shadow[0]] == ["s1", "s2"]
    assert [f.id for f in outcome.shadow[1]] == ["s2"]


def test_a_rule_that_fails_on_one_transaction_is_not_fired_for_it_and_is_counted():
    # tx.lat is there only when the location is known: "no such key" on the second transaction.
    rules = [Rule("north", "far north", "tx.lat > 40.0", Action.DECLINE)]
    events = [event(0), event(1, lat=None, lon=None), event(2, lat=None, lon=None)]
    rule_set, outcome = evaluate(rules, events, [0.1, 0.1, 0.1])
    assert outcome.decisions == ["DECLINE", "APPROVE", "APPROVE"]
    assert outcome.errors == {"north": 2}
    rule_set.evaluate(events, feature_rows(3), np.array([0.1, 0.1, 0.1]), THRESHOLDS)
    assert rule_set.errors["north"] == 4


def test_rules_the_vectorised_path_does_not_take_still_decide():
    rules = [
        Rule("night", "local night", "tx.occurred_at.getHours() < 6", Action.REVIEW, 1),
        Rule("cnp", "card not present", 'tx.channel == "CARD_NOT_PRESENT"', Action.DECLINE, 2),
    ]
    rule_set, outcome = evaluate(rules, [event(0), event(1, occurred_at=event(0).occurred_at.replace(hour=12))], [0, 0])
    assert [c.vector is None for c in rule_set.active] == [True, False]
    assert outcome.decisions == ["REVIEW", "DECLINE"]


def test_ordering_a_computed_nan_is_an_error_as_in_cel_not_false():
    # 0.0 / 0.0 is NaN; CEL refuses `<` on it (an error, so the rule does not fire and is counted),
    # where numpy would answer false and `!` would make the rule fire.
    rules = [
        Rule("ratio", "ratio", "!(features.amount_to_usual < features.amount_to_usual / 2.0 / 0.0)", Action.REVIEW)
    ]
    rule_set, outcome = evaluate(rules, [event(0), event(1)], [0.1, 0.1], amount_to_usual=[0.0, 2.0])
    assert rule_set.active[0].vector is not None
    assert outcome.decisions == ["APPROVE", "APPROVE"]  # 2.0 < inf: true, negated
    assert outcome.errors == {"ratio": 1}
    _, outcome = evaluate(rules, [event(0)], [0.1], amount_to_usual=[-1.0])  # -1.0 < -inf: false, negated
    assert outcome.decisions == ["REVIEW"] and outcome.errors == {}


def test_changed_names_exactly_the_transactions_a_list_a_rule_or_a_shadow_rule_touched():
    rules = [
        Rule("big", "review big", "tx.amount > 100.0", Action.REVIEW),
        Rule("s1", "shadow small", "tx.amount < 2.0", Action.DECLINE, status=RuleStatus.SHADOW),
    ]
    events = [
        event(0, amount=50.0),  # nothing: the thresholds decided
        event(1, amount=500.0),  # a rule fired
        event(2, amount=1.0),  # only a shadow rule
        event(3, amount=50.0, user_id="vip"),  # on the allow list
        event(4, amount=50.0, merchant_id="m-bad"),  # on the block list
        event(5, amount=60.0),
    ]
    _, outcome = evaluate(rules, events, [0.1] * 6)
    assert outcome.changed.tolist() == [1, 2, 3, 4]
    touched = [i for i in range(6) if outcome.fired[i] or outcome.shadow[i] or outcome.list_hits[i]]
    assert touched == outcome.changed.tolist()
