"""The analysts' rules applied where the model decides (scoring_svc.batch_scoring with a rule set), with
the real scorer and a trained model: a rule that fires decides and is named first among the reasons,
a shadow rule is named and changes nothing, and every decision records the rule set's version."""

from __future__ import annotations

from opentelemetry import trace
from scoring_records import NOW, record_of
from test_scoring_batch_scoring import payment, registry  # noqa: F401 (the fixture)

from fraudmodel.serving.scorer import Scorer
from scoring_svc.batch_scoring import BatchScorer
from scoring_svc.rules import Action, ListKind, NamedList, Rule, RuleSet, RuleStatus
from scoring_svc.scored_batch import ScoredBatch


def decide(scorer: Scorer, records, rules: RuleSet | None) -> list:
    batch_scorer = BatchScorer(scorer, lambda: NOW, rules=None if rules is None else (lambda: rules))
    kept, decisions, letters = batch_scorer.decode(records)
    batch = ScoredBatch(kept, decisions, [trace.INVALID_SPAN] * len(kept), letters)
    batch_scorer.score(batch, batch_scorer.events(batch))
    return list(batch.decisions.decisions)


def records() -> list:
    # 25.00, 25.01, 25.02, 25.03 EUR at m-1, one customer each so no payment moves another's features.
    return [record_of(payment(i, f"customer-{i}"), 40 + i) for i in range(4)]


def test_a_firing_rule_decides_and_is_named_while_a_shadow_rule_only_is_recorded(registry):  # noqa: F811
    rules = RuleSet.compile(
        [
            Rule("r1", "large at m-1", 'tx.merchant_id == "m-1" && tx.amount > 25.02', Action.DECLINE, priority=1),
            Rule("r2", "anything", "tx.amount > 0.0", Action.DECLINE, status=RuleStatus.SHADOW, version=3),
        ],
        [],
        "7",
    )

    model_only = decide(Scorer(registry), records(), None)
    with_rules = decide(Scorer(registry), records(), rules)

    assert [d.decision for d in model_only[:3]] == [d.decision for d in with_rules[:3]]
    assert [d.score for d in model_only] == [d.score for d in with_rules]
    assert with_rules[3].transaction.id == "t3"
    assert with_rules[3].decision == 3  # DECLINE
    assert with_rules[3].is_fraud
    assert [r.feature for r in with_rules[3].reasons[:2]] == ["rule:r1", "shadow_rule:r2"]
    assert with_rules[3].reasons[0].text == "rule 'large at m-1' v1 fired: DECLINE"
    for decision in with_rules[:3]:
        assert decision.reasons[0].feature == "shadow_rule:r2"
        assert decision.reasons[0].text == "shadow rule 'anything' v3 would have fired: DECLINE"
    assert {d.rule_set_version for d in with_rules} == {"7"}
    assert {d.rule_set_version for d in model_only} == {""}


def test_an_allow_list_approves_before_any_rule(registry):  # noqa: F811
    rules = RuleSet.compile(
        [Rule("r1", "everything", "tx.amount > 0.0", Action.DECLINE)],
        [NamedList("trusted", frozenset({"customer-0"}), ListKind.ALLOW, "user_id")],
        "8",
    )

    decided = decide(Scorer(registry), records(), rules)

    assert [d.decision for d in decided] == [1, 3, 3, 3]  # APPROVE, then DECLINE
    assert decided[0].reasons[0].feature == "list:trusted"
    assert decided[1].reasons[0].feature == "rule:r1"


def test_an_add_score_rule_moves_the_score_and_the_thresholds_decide_on_it(registry):  # noqa: F811
    rules = RuleSet.compile(
        [Rule("nudge", "nudge m-1", 'tx.merchant_id == "m-1"', Action.ADD_SCORE, priority=1, score_delta=0.5)], [], "9"
    )
    scorer = Scorer(registry)
    thresholds = scorer.thresholds(registry.active)

    model_only = decide(Scorer(registry), records(), None)
    with_rules = decide(scorer, records(), rules)

    for before, after in zip(model_only, with_rules, strict=True):
        moved = min(1.0, before.score + 0.5)
        assert after.score == moved
        assert after.decision == {"APPROVE": 1, "REVIEW": 2, "DECLINE": 3}[thresholds.decide(moved)]
        assert after.is_fraud == (after.decision == 3)
        assert after.reasons[0].feature == "rule:nudge"
        assert [r.feature for r in after.reasons[1:]] == [r.feature for r in before.reasons]
