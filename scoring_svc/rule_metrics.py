"""Per-rule and per-list hit counters: how often each active rule fired, each shadow rule would have,
and each allow or block list decided, so an analyst sees a rule's effect on live traffic without
querying the store. The label values are bounded because the rule set is (at most 500 live rules and
100 lists, docs/limits.md); when the rule set changes, the series of rules and lists that left it
are dropped, so deleted rules do not pile up in a long-lived process."""

from __future__ import annotations

from collections import Counter
from typing import Any

from scoring_svc.metrics import ScoringMetrics
from scoring_svc.rules import BatchOutcome, RuleSet

ACTIVE, SHADOW = "active", "shadow"


class RuleHitCounter:
    def __init__(self, metrics: ScoringMetrics) -> None:
        self._metrics = metrics
        self._version: str | None = None
        # Each series' child, found once: looking a child up by its labels on every batch costs
        # more than counting the batch's hits.
        self._rule_series: dict[tuple[str, str], Any] = {}  # (rule_id, status) -> its counter
        self._list_series: dict[str, Any] = {}

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
        for key, count in rules.items():
            series = self._rule_series.get(key)
            if series is None:
                series = self._rule_series[key] = self._metrics.rule_hits.labels(rule_id=key[0], status=key[1])
            series.inc(count)
        for name, count in lists.items():
            series = self._list_series.get(name)
            if series is None:
                series = self._list_series[name] = self._metrics.list_hits.labels(list=name)
            series.inc(count)

    def _forget_what_left(self, rule_set: RuleSet) -> None:
        kept = {(c.rule.id, ACTIVE) for c in rule_set.active} | {(c.rule.id, SHADOW) for c in rule_set.shadow}
        for key in self._rule_series.keys() - kept:
            self._metrics.rule_hits.remove(*key)
            del self._rule_series[key]
        names = set(rule_set.lists)
        for name in self._list_series.keys() - names:
            self._metrics.list_hits.remove(name)
            del self._list_series[name]
