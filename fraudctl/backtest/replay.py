"""Replaying labelled history through the same feature code, model and rule engine as scoring, in
event time, to see what a rule set would have done (issue 26, part 4; `fraudctl backtest`).

Transactions are scored in batches in the order they happened; a fraud label reaches the features
(the merchants' known frauds) only once it would have been known (`labelled_at`, or the event time
plus the label delay), never the transaction's own. Per rule, `hits` counts the transactions its
expression holds for whatever decided first (a list, an earlier rule), so that a draft rule in
shadow is judged on its own.

In the operations wing: it joins the model library (features, model) and scoring's rule engine, and
runs offline only (it needs the model tools: scikit-learn for AP), so no service carries it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import numpy as np

from fraudmodel.events import TxnEvent
from fraudmodel.features import DEFAULT_LABEL_DELAY, label_known_at
from fraudmodel.serving.scorer import Scorer
from scoring_svc.rules import RuleSet

BATCH = 256


@dataclass(frozen=True)
class RuleReport:
    id: str
    name: str
    status: str  # ACTIVE | SHADOW
    hits: int
    frauds_hit: int
    precision: float | None  # frauds_hit / hits, None without hits
    overlap_with_model: float | None  # share of its hits the model's thresholds flag (REVIEW or worse)
    overlap_with_rules: float | None  # share of its hits another rule also hits


@dataclass(frozen=True)
class BacktestReport:
    transactions: int
    frauds: int
    average_precision: float  # of the model's score (before rules)
    precision_at_review: float | None  # decision REVIEW or DECLINE, after lists and rules
    recall_at_review: float
    precision_at_decline: float | None
    recall_at_decline: float
    rates: dict[str, float]  # APPROVE / REVIEW / DECLINE shares of the transactions
    fraud_amount: float
    fraud_amount_caught: float  # fraud declined or sent to review
    legitimate_amount_declined: float
    rules: list[RuleReport]
    rule_errors: dict[str, int]


def backtest(
    scorer: Scorer, rule_set: RuleSet, events: Sequence[TxnEvent], label_delay: timedelta = DEFAULT_LABEL_DELAY
) -> BacktestReport:
    """`scorer`: its state warmed on what came before `events` (fraudmodel.evaluation.batch_scoring.
    warm_from_history); `events`: labelled (`label` True/False; None counts as legitimate)."""
    ordered = sorted(events, key=lambda e: e.occurred_at)
    labels = sorted(
        ((at, e) for e in ordered if (at := label_known_at(e, label_delay)) is not None), key=lambda p: p[0]
    )
    thresholds = scorer.thresholds(scorer.registry.active)
    scores, decisions, matched, shadow_matched = [], [], [], []
    errors: dict[str, int] = {}
    released = 0
    for start in range(0, len(ordered), BATCH):
        batch = ordered[start : start + BATCH]
        now = batch[0].occurred_at.timestamp()
        while released < len(labels) and labels[released][0] <= now:
            at, known = labels[released]
            scorer.record_label(
                known.transaction_id,
                known.merchant_id,
                bool(known.label),
                datetime.fromtimestamp(at, UTC),
                known.amount,
            )
            released += 1
        unlabelled = [replace(e, label=None, labelled_at=None) for e in batch]
        rows = scorer.features(unlabelled)
        batch_scores = np.array([r.score for r in scorer.score_rows(unlabelled, rows)], dtype=float)
        outcome = rule_set.evaluate(unlabelled, rows, batch_scores, thresholds)
        scores.append(batch_scores)
        decisions.extend(outcome.decisions)
        assert outcome.matched is not None and outcome.shadow_matched is not None  # RuleSet.evaluate sets them
        matched.append(outcome.matched)
        shadow_matched.append(outcome.shadow_matched)
        for rule_id, count in outcome.errors.items():
            errors[rule_id] = errors.get(rule_id, 0) + count
    y = np.array([bool(e.label) for e in ordered])
    amounts = np.array([e.amount for e in ordered], dtype=float)
    model_score = np.concatenate(scores) if scores else np.empty(0)
    decided = np.array(decisions, dtype=object)
    model_flags = model_score >= thresholds.review
    hits = np.vstack(
        [np.concatenate(matched, axis=1), np.concatenate(shadow_matched, axis=1)]
        if ordered
        else [np.empty((len(rule_set.active) + len(rule_set.shadow), 0), dtype=bool)]
    )
    return _report(y, amounts, model_score, decided, model_flags, hits, rule_set, errors)


def _report(
    y: np.ndarray,
    amounts: np.ndarray,
    model_score: np.ndarray,
    decided: np.ndarray,
    model_flags: np.ndarray,
    hits: np.ndarray,
    rule_set: RuleSet,
    errors: dict[str, int],
) -> BacktestReport:
    from sklearn.metrics import average_precision_score  # offline only: not in scoring's image

    count, frauds = len(y), int(y.sum())
    declined = decided == "DECLINE"
    flagged = declined | (decided == "REVIEW")
    rules = [
        _rule_report(compiled.rule.id, compiled.rule.name, str(compiled.rule.status), k, hits, y, model_flags)
        for k, compiled in enumerate((*rule_set.active, *rule_set.shadow))
    ]
    return BacktestReport(
        transactions=count,
        frauds=frauds,
        average_precision=float(average_precision_score(y, model_score)) if 0 < frauds < count else float("nan"),
        precision_at_review=_share(y[flagged]),
        recall_at_review=float(flagged[y].sum() / frauds) if frauds else 0.0,
        precision_at_decline=_share(y[declined]),
        recall_at_decline=float(declined[y].sum() / frauds) if frauds else 0.0,
        rates={name: float((decided == name).mean()) if count else 0.0 for name in ("APPROVE", "REVIEW", "DECLINE")},
        fraud_amount=float(amounts[y].sum()),
        fraud_amount_caught=float(amounts[y & flagged].sum()),
        legitimate_amount_declined=float(amounts[~y & declined].sum()),
        rules=rules,
        rule_errors=errors,
    )


def _rule_report(
    rule_id: str, name: str, status: str, k: int, hits: np.ndarray, y: np.ndarray, model_flags: np.ndarray
) -> RuleReport:
    own = hits[k]
    others = np.zeros_like(own)
    if len(hits) > 1:
        others = np.asarray(np.delete(hits, k, axis=0).any(axis=0))
    count = int(own.sum())
    return RuleReport(
        id=rule_id,
        name=name,
        status=status,
        hits=count,
        frauds_hit=int((own & y).sum()),
        precision=_share(y[own]),
        overlap_with_model=_share(model_flags[own]),
        overlap_with_rules=_share(others[own]),
    )


def _share(flags: np.ndarray) -> float | None:
    return float(flags.mean()) if len(flags) else None
