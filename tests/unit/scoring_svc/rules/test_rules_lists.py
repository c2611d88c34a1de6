"""Lists inside rules: `tx.<field> in lists.<name>`, answered the same by the vectorised path and the
interpreter, for a list of ten entries and of 100,000."""

from __future__ import annotations

import numpy as np
import pytest
from rules_transactions import THRESHOLDS, event, feature_rows

from scoring_svc.rules import Action, ListKind, NamedList, Rule, RuleSet

# The second rule names a timestamp, so it runs in the CEL interpreter, one transaction at a time.
RULES = [
    Rule("v", "blocked merchant", "tx.merchant_id in lists.blocked_merchants", Action.DECLINE, 1),
    Rule(
        "i", "blocked, interpreted", "tx.merchant_id in lists.blocked_merchants && has(tx.occurred_at)", Action.REVIEW
    ),
    Rule(
        "lit",
        "literal member",
        '"m-7" in lists.blocked_merchants && tx.country in lists.risky_countries',
        Action.REVIEW,
    ),
]


@pytest.mark.parametrize("size", [10, 100_000])
def test_membership_is_exact_whatever_the_lists_size(size):
    blocked = frozenset({"m-7", "m-9"} | {f"filler-{i}" for i in range(size - 2)})
    lists = [NamedList("blocked_merchants", blocked), NamedList("risky_countries", frozenset({"NG"}))]
    rule_set = RuleSet.compile(RULES, lists, "v1")
    assert [c.vector is not None for c in rule_set.active] == [True, False, True]
    merchants = ["m-7", "m-8", "m-9", "filler-1", "m-70", ""]
    events = [event(i, merchant_id=m, country="NG" if i == 1 else "FR") for i, m in enumerate(merchants)]
    fired = [[f.id for f in hits] for hits in rule_set.evaluate(events, feature_rows(6), np.zeros(6), THRESHOLDS).fired]
    in_list = [m in blocked for m in merchants]
    assert [("v" in ids) for ids in fired] == in_list
    only_i = RuleSet.compile([RULES[1]], lists, "v1").evaluate(events, feature_rows(6), np.zeros(6), THRESHOLDS)
    assert [bool(hits) for hits in only_i.fired] == in_list
    assert [
        bool(hits)
        for hits in RuleSet.compile([RULES[2]], lists, "v1")
        .evaluate(events, feature_rows(6), np.zeros(6), THRESHOLDS)
        .fired
    ] == [False, True, False, False, False, False]


def test_allow_and_block_lists_match_their_own_field():
    lists = [NamedList("blocked_countries", frozenset({"KP"}), ListKind.BLOCK, "country")]
    rule_set = RuleSet.compile([], lists, "v1")
    events = [event(0, country="KP"), event(1, country="FR", merchant_id="KP")]
    assert rule_set.evaluate(events, feature_rows(2), np.zeros(2), THRESHOLDS).decisions == ["DECLINE", "APPROVE"]


def test_an_allow_or_block_list_needs_a_transaction_field():
    with pytest.raises(ValueError, match="needs a field"):
        NamedList("blocked", frozenset({"x"}), ListKind.BLOCK)
    with pytest.raises(ValueError, match="list name"):
        NamedList("Blocked Merchants")
