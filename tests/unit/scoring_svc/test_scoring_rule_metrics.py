"""Per-rule hit counters as Prometheus scrapes them from scoring (fraudmesh_rule_hits_total and
fraudmesh_list_hits_total), with the real scorer, a trained model and the real rule engine: a firing
rule raises its counter by the transactions it matched, a shadow rule its own, a deciding list its
own, and a rule that leaves the rule set leaves the metrics."""

from __future__ import annotations

from collections.abc import Callable

from opentelemetry import trace
from scoring_records import NOW, record_of
from test_scoring_batch_scoring import payment, registry  # noqa: F401 (the fixture)

from fraudmodel.serving.scorer import Scorer
from scoring_svc.batch_scoring import BatchScorer
from scoring_svc.metrics import ScoringMetrics
from scoring_svc.rules import Action, ListKind, NamedList, Rule, RuleSet, RuleStatus
from scoring_svc.scored_batch import ScoredBatch

LARGE = Rule("r-large", "large at m-1", 'tx.merchant_id == "m-1" && tx.amount > 25.01', Action.DECLINE, priority=1)
EVERYTHING = Rule("r-all", "anything", "tx.amount > 0.0", Action.REVIEW, status=RuleStatus.SHADOW)
TRUSTED = NamedList("trusted", frozenset({"customer-0"}), ListKind.ALLOW, "user_id")


def scorer_with(registry, rules: Callable[[], RuleSet]) -> tuple[BatchScorer, ScoringMetrics]:  # noqa: F811
    metrics = ScoringMetrics()
    return BatchScorer(Scorer(registry), lambda: NOW, metrics, rules=rules), metrics


def decide(batch_scorer: BatchScorer, first: int) -> None:
    # 25.00, 25.01, 25.02, 25.03 EUR at m-1 (the amount grows by a cent a payment), one customer each.
    records = [record_of(payment(i, f"customer-{i}"), first + i) for i in range(4)]
    kept, decisions, letters = batch_scorer.decode(records)
    batch = ScoredBatch(kept, decisions, [trace.INVALID_SPAN] * len(kept), letters)
    batch_scorer.score(batch, batch_scorer.events(batch))


def hits(metrics: ScoringMetrics, rule_id: str, status: str) -> float | None:
    return metrics.registry.get_sample_value("fraudmesh_rule_hits_total", {"rule_id": rule_id, "status": status})


def test_a_firing_rule_raises_its_counter_and_a_shadow_rule_and_a_list_their_own(registry):  # noqa: F811
    rules = RuleSet.compile([LARGE, EVERYTHING], [TRUSTED], "7")
    batch_scorer, metrics = scorer_with(registry, lambda: rules)

    decide(batch_scorer, 40)
    after_one = hits(metrics, "r-large", "active")
    decide(batch_scorer, 50)

    assert after_one == 2  # 25.02 and 25.03
    assert hits(metrics, "r-large", "active") == 4
    assert hits(metrics, "r-all", "shadow") == 8  # every payment, the listed customer's too
    assert metrics.registry.get_sample_value("fraudmesh_list_hits_total", {"list": "trusted"}) == 2
    assert hits(metrics, "r-large", "shadow") is None


def test_a_rule_that_leaves_the_rule_set_leaves_the_metrics(registry):  # noqa: F811
    current = [RuleSet.compile([LARGE, EVERYTHING], [], "7")]
    batch_scorer, metrics = scorer_with(registry, lambda: current[0])
    decide(batch_scorer, 40)

    current[0] = RuleSet.compile([EVERYTHING], [], "8")  # r-large deleted
    decide(batch_scorer, 50)

    assert hits(metrics, "r-large", "active") is None
    assert hits(metrics, "r-all", "shadow") == 8
