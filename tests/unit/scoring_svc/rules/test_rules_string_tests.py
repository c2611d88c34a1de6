"""A string field's tests are answered once per distinct value and kept across batches: the answers
stay exact batch after batch, also when the values kept are forgotten beyond their bound."""

from __future__ import annotations

import numpy as np
import pytest
from rules_transactions import THRESHOLDS, event, feature_rows

from scoring_svc.rules import Action, ListKind, NamedList, Rule, RuleSet
from scoring_svc.rules.string_tests import FieldTests

RULES = [
    Rule("cnp", "card not present", 'tx.channel == "CARD_NOT_PRESENT"', Action.REVIEW, 1),
    Rule("shop", "shops", 'tx.merchant_id.startsWith("shop-") && tx.country != "FR"', Action.DECLINE, 2),
    Rule("risky", "risky countries", 'tx.country in ["NG", "KP"] || tx.merchant_id in lists.watched', Action.REVIEW, 3),
]
LISTS = [
    NamedList("watched", frozenset({"m-9"})),
    NamedList("blocked", frozenset({"mule"}), ListKind.BLOCK, "user_id"),
]


def expected(merchant: str, country: str, channel: str, user: str) -> tuple[str, list[str]]:
    if user == "mule":
        return "DECLINE", []
    if channel == "card_not_present":
        return "REVIEW", ["cnp"]
    if merchant.startswith("shop-") and country != "FR":
        return "DECLINE", ["shop"]
    if country in ("NG", "KP") or merchant == "m-9":
        return "REVIEW", ["risky"]
    return "APPROVE", []


def test_answers_stay_exact_over_many_batches_of_repeating_values():
    rule_set = RuleSet.compile(RULES, LISTS, "v1")
    assert all(c.vector is not None for c in rule_set.active)
    rng = np.random.default_rng(3)
    merchants = ["shop-1", "shop-2", "m-9", "m-1", "x"]
    countries = ["FR", "NG", "KP", "DE"]
    channels = ["card_present", "card_not_present", "atm"]
    users = ["alice", "mule", "bob"]
    for _ in range(20):
        rows = [
            (rng.choice(merchants), rng.choice(countries), rng.choice(channels), rng.choice(users)) for _ in range(17)
        ]
        events = [
            event(i, merchant_id=str(m), country=str(c), channel=str(ch), user_id=str(u))
            for i, (m, c, ch, u) in enumerate(rows)
        ]
        outcome = rule_set.evaluate(events, feature_rows(len(events)), np.zeros(len(events)), THRESHOLDS)
        got = [(d, [f.id for f in fired]) for d, fired in zip(outcome.decisions, outcome.fired, strict=True)]
        assert got == [expected(*map(str, row)) for row in rows]


def test_values_forgotten_beyond_the_bound_are_answered_again():
    tests = FieldTests("merchant_id", capacity=4)
    starts = tests.add(("startsWith", "shop-"), lambda value: value.startswith("shop-"))
    equals = tests.add(("==", "m-1"), "m-1".__eq__)
    assert tests.add(("==", "m-1"), "m-1".__eq__) == equals  # one row per distinct test
    for merchants in (["shop-1", "m-1", "m-2"], ["m-3", "shop-4", "m-1"], ["shop-1"] * 6):
        rows = tests.evaluate([event(i, merchant_id=m) for i, m in enumerate(merchants)])
        assert rows[starts].tolist() == [m.startswith("shop-") for m in merchants]
        assert rows[equals].tolist() == [m == "m-1" for m in merchants]


def test_no_test_is_added_once_values_were_seen():
    tests = FieldTests("country")
    tests.add(("==", "FR"), "FR".__eq__)
    tests.evaluate([event(0)])
    with pytest.raises(RuntimeError):
        tests.add(("==", "DE"), "DE".__eq__)
