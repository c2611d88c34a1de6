"""Per-rule and per-list hit counters: how often each active rule fired, each shadow rule would have,
and each allow or block list decided, so an analyst sees a rule's effect on live traffic without
querying the store. The label values are bounded because the rule set is (at most 500 live rules and
100 lists, docs/limits.md); when the rule set changes, the series of rules and lists that left it
are dropped, so deleted rules do not pile up in a long-lived process."""

from __future__ import annotations

from collections import Counter

from scoring_svc.metrics import ScoringMetrics
from scoring_svc.rules import BatchOutcome, RuleSet

ACTIVE, SHADOW = "active", "shadow"


class RuleHitCounter:
    def __init__(self, metrics: ScoringMetrics) -> None:
        self._metrics = metrics
        self._version: str | None = None
        self._rule_series: set[tuple[str, str]] = set()  # (rule_id, status) labelled so far
        self._list_series: set[str] = set()

    def observe(self, rule_set: RuleSet, outcome: BatchOutcome) -> None:
        if rule_set.version != self._version:
            self._forget_what_left(rule_set)
            self._version = rule_set.version
        rules: Counter[tuple[str, str]] = Counter()
        lists: Counter[str] = Counter()
        # Only the transactions some list or rule touched: most of a batch meets none.
        for index in outcome.changed.tolist():
            rules.update((fired.id, ACTIVE) for fired in outcome.fired[index])
            rules.update((fired.id, SHADOW) for fired in outcome.shadow[index])
            hit = outcome.list_hits[index]
            if hit is not None:
                lists[hit.name] += 1
        for (rule_id, status), count in rules.items():
            self._metrics.rule_hits.labels(rule_id=rule_id, status=status).inc(count)
        self._rule_series.update(rules)
        for name, count in lists.items():
            self._metrics.list_hits.labels(list=name).inc(count)
        self._list_series.update(lists)

    def _forget_what_left(self, rule_set: RuleSet) -> None:
        kept = {(c.rule.id, ACTIVE) for c in rule_set.active} | {(c.rule.id, SHADOW) for c in rule_set.shadow}
        for series in self._rule_series - kept:
            self._metrics.rule_hits.remove(*series)
        self._rule_series &= kept
        names = set(rule_set.lists)
        for name in self._list_series - names:
            self._metrics.list_hits.remove(name)
        self._list_series &= names
