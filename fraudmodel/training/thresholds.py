"""Decision thresholds, calibrated on the validation weeks (never on the test weeks).

DECLINE: the lowest score at which validation precision reaches DECLINE_PRECISION (declining a good
customer is costly); if no threshold reaches it, only the top DECLINE_FALLBACK_RATE is declined.
REVIEW: below that, the next REVIEW_ALERT_RATE of transactions by score go to analysts (their
capacity): the review threshold is the score above which decline + review volume is reached."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REVIEW_ALERT_RATE = 0.01
DECLINE_PRECISION = 0.9
DECLINE_FALLBACK_RATE = 0.001


@dataclass(frozen=True)
class Thresholds:
    review: float
    decline: float
    policy: str

    def decide(self, score: float) -> str:
        if score >= self.decline:
            return "DECLINE"
        if score >= self.review:
            return "REVIEW"
        return "APPROVE"


def calibrate_thresholds(y: np.ndarray, score: np.ndarray) -> Thresholds:
    y = np.asarray(y).astype(int)
    score = np.asarray(score, dtype=float)
    from sklearn.metrics import precision_recall_curve  # training only: the scoring image does not carry it

    precision, _, cut = precision_recall_curve(y, score)
    reaching = np.flatnonzero(precision[:-1] >= DECLINE_PRECISION)
    if len(reaching):
        decline = float(cut[reaching[0]])
        how = f"lowest score with validation precision >= {DECLINE_PRECISION:.0%}"
    else:
        decline = float(np.quantile(score, 1 - DECLINE_FALLBACK_RATE))
        how = f"top {DECLINE_FALLBACK_RATE:.1%} of validation scores (precision {DECLINE_PRECISION:.0%} not reached)"
    declined = float((score >= decline).mean())
    review = float(np.quantile(score, max(0.0, 1 - declined - REVIEW_ALERT_RATE)))
    review = min(review, decline)
    return Thresholds(
        review=review,
        decline=decline,
        policy=f"decline: {how}; review: the next {REVIEW_ALERT_RATE:.0%} of validation transactions by score",
    )
