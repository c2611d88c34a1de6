"""Replaying labelled history through features, model and rules: the report's figures agree with
what the rules' expressions say about the replayed transactions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fraudctl.backtest.replay import backtest
from fraudmodel.evaluation.batch_scoring import scorer_for, warm_from_history
from scoring_svc.rules import Action, Rule, RuleSet, RuleStatus

BIG = 500.0


@pytest.fixture(scope="module")
def report(model_dir, small_events):
    cut = small_events[-1].occurred_at - timedelta(days=7)
    history = [e for e in small_events if e.occurred_at < cut]
    replayed = [e for e in small_events if e.occurred_at >= cut]
    scorer = scorer_for(model_dir)
    warm_from_history(scorer, history)
    rules = [
        Rule("big", "decline big", f"tx.amount > {BIG}", Action.DECLINE, 1),
        Rule("never", "matches nothing", "false", Action.REVIEW, 2),
        Rule("all", "everything, in shadow", "true", Action.REVIEW, status=RuleStatus.SHADOW),
    ]
    rule_set = RuleSet.compile(rules, [], "bt-1")
    return backtest(scorer, rule_set, replayed), replayed


def test_the_totals_are_those_of_the_replayed_history(report):
    result, replayed = report
    frauds = [e for e in replayed if e.label]
    assert result.transactions == len(replayed) and result.frauds == len(frauds) > 0
    assert result.fraud_amount == pytest.approx(sum(e.amount for e in frauds))
    assert sum(result.rates.values()) == pytest.approx(1.0)
    assert 0.0 < result.average_precision <= 1.0
    legit_big = sum(e.amount for e in replayed if not e.label and e.amount > BIG)
    assert result.legitimate_amount_declined >= legit_big - 1e-6  # the rule's declines, and the model's
    assert result.rates["DECLINE"] >= sum(e.amount > BIG for e in replayed) / len(replayed)
    assert 0.0 <= result.recall_at_decline <= result.recall_at_review <= 1.0


def test_each_rule_is_judged_on_its_own_hits(report):
    result, replayed = report
    by_id = {rule.id: rule for rule in result.rules}
    big = [e for e in replayed if e.amount > BIG]
    assert by_id["big"].hits == len(big) and by_id["big"].frauds_hit == sum(bool(e.label) for e in big)
    assert by_id["big"].precision == pytest.approx(by_id["big"].frauds_hit / len(big))
    assert by_id["big"].overlap_with_rules == 1.0  # the shadow rule holds for everything
    assert by_id["never"].hits == 0 and by_id["never"].precision is None
    everything = by_id["all"]
    assert everything.status == "SHADOW" and everything.hits == len(replayed)
    assert everything.precision == pytest.approx(result.frauds / len(replayed))
    assert everything.overlap_with_model is not None and 0.0 <= everything.overlap_with_model <= 1.0
    assert result.rule_errors == {}
