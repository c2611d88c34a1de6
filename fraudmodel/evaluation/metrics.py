"""How fraud teams measure a detector. Accuracy is reported only beside the fraud rate, because
answering "legitimate" to everything already scores 1 - fraud rate."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

CARD_PRECISION_K = 100


@dataclass(frozen=True)
class Metrics:
    transactions: int
    frauds: int
    fraud_rate: float
    average_precision: float
    roc_auc: float
    recall_at_1pct_fpr: float
    card_precision_top100_per_day: float
    card_precision_top100_ideal: float  # the best any model could reach: fraudulent cards per day are few
    # Share of the fraudulent amount caught at 1% false positives; None when amounts were not given.
    amount_recall_at_1pct_fpr: float | None = None
    review_threshold: float | None = None
    decline_threshold: float | None = None
    precision_at_review: float | None = None
    recall_at_review: float | None = None
    alert_rate_at_review: float | None = None
    precision_at_decline: float | None = None
    recall_at_decline: float | None = None
    accuracy_at_review: float | None = None

    def as_dict(self) -> dict[str, float | int | None]:
        return dict(self.__dict__)


def recall_at_fpr(y: np.ndarray, score: np.ndarray, max_fpr: float = 0.01) -> float:
    fpr, tpr, _ = roc_curve(y, score)
    return float(tpr[fpr <= max_fpr].max())


def threshold_at_fpr(y: np.ndarray, score: np.ndarray, max_fpr: float = 0.01) -> float:
    """The lowest score flagged (score >= it) at the operating point `recall_at_fpr` reports: the most
    frauds caught while flagging at most `max_fpr` of the legitimate transactions. Infinite when no
    threshold flags anything within that budget."""
    fpr, tpr, thresholds = roc_curve(y, score)
    within = np.flatnonzero(fpr <= max_fpr)
    return float(thresholds[within[np.argmax(tpr[within])]])


def amount_recall_at_fpr(y: np.ndarray, score: np.ndarray, amount: np.ndarray, max_fpr: float = 0.01) -> float:
    """Share of the fraudulent amount caught at that operating point: what the losses prevented are,
    where recall counts a 2-unit and a 2,000-unit fraud alike. Amounts are summed as given, so the
    transactions should share a currency."""
    y, amount = np.asarray(y), np.asarray(amount, dtype=float)
    fraud = y == 1
    caught = fraud & (np.asarray(score) >= threshold_at_fpr(y, score, max_fpr))
    return float(amount[caught].sum() / amount[fraud].sum())


def recall_by_scenario(
    y: np.ndarray, scenario: np.ndarray, scores: dict[str, np.ndarray], max_fpr: float = 0.01
) -> dict[str, dict[str, float]]:
    """Per fraud pattern: its frauds ("frauds") and, per model, the share of them each model catches
    at its own 1%-false-positive operating point (the threshold found on all the transactions)."""
    y = np.asarray(y)
    thresholds = {name: threshold_at_fpr(y, s, max_fpr) for name, s in scores.items()}
    out: dict[str, dict[str, float]] = {}
    for pattern in sorted({str(p) for p in scenario[y == 1]}):
        chosen = (y == 1) & (scenario.astype(str) == pattern)
        out[pattern] = {"frauds": float(chosen.sum())}
        for name, s in scores.items():
            out[pattern][name] = float((np.asarray(s)[chosen] >= thresholds[name]).mean())
    return out


def card_precision_top_k(
    y: np.ndarray, score: np.ndarray, user_ids: np.ndarray, days: np.ndarray, k: int = CARD_PRECISION_K
) -> tuple[float, float]:
    """The Handbook's card precision top-k: each day, the k cards with the highest transaction score
    are checked; the share of them with a fraud that day, averaged over days. Also returns the ideal
    (all fraudulent cards ranked first), which bounds it when fewer than k cards are defrauded a day."""
    frame = pd.DataFrame({"user": user_ids, "day": days, "y": y, "score": score})
    cards = frame.groupby(["day", "user"], sort=False).agg(score=("score", "max"), fraud=("y", "max")).reset_index()
    achieved, ideal = [], []
    for _, day_cards in cards.groupby("day", sort=True):
        top = day_cards.nlargest(k, "score")
        achieved.append(top["fraud"].sum() / k)
        ideal.append(min(k, int(day_cards["fraud"].sum())) / k)
    return float(np.mean(achieved)), float(np.mean(ideal))


def _at(y: np.ndarray, score: np.ndarray, threshold: float) -> tuple[float, float, float, float]:
    flagged = score >= threshold
    tp = int((flagged & (y == 1)).sum())
    precision = tp / flagged.sum() if flagged.any() else 0.0
    recall = tp / max(1, int(y.sum()))
    accuracy = float((flagged == (y == 1)).mean())
    return float(precision), float(recall), float(flagged.mean()), accuracy


def evaluate(
    y: np.ndarray,
    score: np.ndarray,
    user_ids: np.ndarray,
    occurred_at: pd.Series | np.ndarray,
    review_threshold: float | None = None,
    decline_threshold: float | None = None,
    amounts: np.ndarray | None = None,
) -> Metrics:
    y = np.asarray(y).astype(int)
    score = np.asarray(score, dtype=float)
    if y.sum() == 0 or y.sum() == len(y):
        raise ValueError("evaluation needs both fraudulent and legitimate labelled transactions")
    days = pd.to_datetime(pd.Series(occurred_at), utc=True).dt.floor("D").to_numpy()
    cp, cp_ideal = card_precision_top_k(y, score, np.asarray(user_ids), days)
    metrics = Metrics(
        transactions=len(y),
        frauds=int(y.sum()),
        fraud_rate=float(y.mean()),
        average_precision=float(average_precision_score(y, score)),
        roc_auc=float(roc_auc_score(y, score)),
        recall_at_1pct_fpr=recall_at_fpr(y, score, 0.01),
        card_precision_top100_per_day=cp,
        card_precision_top100_ideal=cp_ideal,
        amount_recall_at_1pct_fpr=None if amounts is None else amount_recall_at_fpr(y, score, amounts, 0.01),
    )
    if review_threshold is not None:
        p, r, alert, acc = _at(y, score, review_threshold)
        metrics = replace(
            metrics,
            review_threshold=review_threshold,
            precision_at_review=p,
            recall_at_review=r,
            alert_rate_at_review=alert,
            accuracy_at_review=acc,
        )
    if decline_threshold is not None:
        p, r, _, _ = _at(y, score, decline_threshold)
        metrics = replace(metrics, decline_threshold=decline_threshold, precision_at_decline=p, recall_at_decline=r)
    return metrics


def format_metrics(name: str, m: Metrics) -> str:
    lines = [
        f"{name}",
        f"  transactions {m.transactions:,}, frauds {m.frauds:,} (fraud rate {m.fraud_rate:.2%})",
        f"  average precision        {m.average_precision:.4f}",
        f"  ROC AUC                  {m.roc_auc:.4f}",
        f"  recall at 1% FPR         {m.recall_at_1pct_fpr:.4f}",
        *(
            []
            if m.amount_recall_at_1pct_fpr is None
            else [f"  amount recall at 1% FPR  {m.amount_recall_at_1pct_fpr:.4f}"]
        ),
        f"  card precision top-100/day {m.card_precision_top100_per_day:.4f} "
        f"(ideal {m.card_precision_top100_ideal:.4f})",
    ]
    if m.review_threshold is not None:
        lines.append(
            f"  at review threshold {m.review_threshold:.4f}: precision {m.precision_at_review:.3f}, "
            f"recall {m.recall_at_review:.3f}, alert rate {m.alert_rate_at_review:.2%}, "
            f"accuracy {m.accuracy_at_review:.4f} (vs {1 - m.fraud_rate:.4f} for always 'legitimate')"
        )
    if m.decline_threshold is not None:
        lines.append(
            f"  at decline threshold {m.decline_threshold:.4f}: precision {m.precision_at_decline:.3f}, "
            f"recall {m.recall_at_decline:.3f}"
        )
    return "\n".join(lines)
