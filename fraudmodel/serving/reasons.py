"""Why a transaction was flagged, in words an analyst reads.

Contribution method (cheap and honest about what the model does): for a flagged transaction, each
feature in turn is set back to its typical value in the training population (the median, kept in
the model's metadata) and the model is run again; the contribution is how far the score drops.
All these what-if rows of a batch go through ONNX Runtime in one call, and only features that differ
from their typical value are tried. Limits: features that carry the same signal (the 1-hour and
24-hour counts) share the credit, so each alone may show a smaller drop than both together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from fraudmodel.events import TxnEvent
from fraudmodel.features.names import CAPPED_GAP_SECONDS, FEATURE_INDEX, NO_LOCATION

TOP_REASONS = 3
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WINDOW_WORDS = {
    "10m": "10 minutes",
    "1h": "1 hour",
    "24h": "24 hours",
    "1d": "1 day",
    "7d": "7 days",
    "30d": "30 days",
}


@dataclass(frozen=True)
class ReasonText:
    feature: str
    text: str
    contribution: float


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} seconds"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 86400:.1f} days"


def _money(amount: float, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def _ratio(r: float) -> str:
    return f"{r:.0f}x" if r >= 10 else f"{r:.1f}x"


Row = Callable[[str], float]


def describe(feature: str, v: Row, event: TxnEvent, typical: float | None = None) -> str:
    """One sentence about one feature of one transaction; `typical` (the training population's
    usual value) lets it say "small" or "only" when a low value is what stands out."""
    cur = event.currency
    low = typical is not None and v(feature) < typical
    if feature == "amount":
        return f"{'small ' if low else ''}amount {_money(v('amount'), cur)}"
    if feature in ("amount_to_usual", "amount_z"):
        r = v("amount_to_usual")
        if r == 1.0 and v("amount_z") == 0.0:  # exactly neutral: the user's first transaction
            return "no earlier transactions to compare the amount with"
        return f"amount {_ratio(r)} this user's usual" if r >= 1 else f"amount {_ratio(1 / r)} below this user's usual"
    if feature == "hour_local":
        h = v("hour_local")
        return f"at {int(h):02d}:{int(h % 1 * 60):02d} local time"
    if feature == "weekday_local":
        return f"on a {_WEEKDAYS[int(v('weekday_local')) % 7]}"
    if feature.startswith("count_"):
        window = feature.removeprefix("count_")
        n = int(v(feature))
        if low:
            return f"only {n} transaction{'s' if n != 1 else ''} in {_WINDOW_WORDS[window]}"
        return f"{ordinal(n)} transaction in {_WINDOW_WORDS[window]}"
    if feature.startswith("sum_"):
        window = feature.removeprefix("sum_")
        return f"{_money(v(feature), cur)} spent in {_WINDOW_WORDS[window]}"
    if feature == "seconds_since_prev":
        gap = v(feature)
        if gap >= CAPPED_GAP_SECONDS:
            return "first transaction in 30 days"
        return f"{_duration(gap)} after the previous transaction"
    if feature == "km_from_usual":
        if v(feature) == NO_LOCATION:
            return "no location to compare with this user's usual one"
        return f"{v(feature):,.0f} km from this user's usual location"
    if feature in ("km_from_prev", "speed_kmh_from_prev"):
        km, speed = v("km_from_prev"), v("speed_kmh_from_prev")
        if km == NO_LOCATION:
            return "no earlier location to compare with"
        minutes = km / speed * 60 if speed > 0 else 0.0
        text = f"{km:,.0f} km from the previous transaction {_duration(minutes * 60)} earlier"
        return text + (f" ({speed:,.0f} km/h)" if feature == "speed_kmh_from_prev" else "")
    if feature == "new_merchant":
        return "first transaction at this merchant" if v(feature) else "a merchant this user uses"
    if feature == "new_place":
        place = event.city or "this place"
        return f"first transaction in {place}" if v(feature) else f"a place this user has been ({place})"
    if feature.startswith("channel_"):
        return f"{event.channel.replace('_', '-')} transaction"
    if feature.startswith("merchant_known_frauds_"):
        window = feature.removeprefix("merchant_known_frauds_")
        n = int(v(feature))
        return f"merchant had {n} confirmed fraud{'s' if n != 1 else ''} reported in the last {_WINDOW_WORDS[window]}"
    if feature.startswith("merchant_fraud_rate_"):
        window = feature.removeprefix("merchant_fraud_rate_")
        return (
            f"{v(feature):.0%} of this merchant's transactions labelled in the last {_WINDOW_WORDS[window]} were fraud"
        )
    if feature.startswith("merchant_labels_"):
        window = feature.removeprefix("merchant_labels_")
        return f"{int(v(feature))} of this merchant's transactions labelled in the last {_WINDOW_WORDS[window]}"
    if feature == "amount_to_merchant_usual":
        r = v(feature)
        return (
            f"amount {_ratio(r)} this merchant's usual"
            if r >= 1
            else f"amount {_ratio(1 / r)} below this merchant's usual"
        )
    if feature.startswith("spend_") and feature.endswith("_to_usual"):
        window = feature.removeprefix("spend_").removesuffix("_to_usual")
        return f"{v(feature):.1f} usual amounts spent in {_WINDOW_WORDS[window]}"
    if feature.endswith("_to_30d_pace"):
        window = feature.removeprefix("spend_").removesuffix("_to_30d_pace")
        return f"spending in {_WINDOW_WORDS[window]} at {_ratio(v(feature))} this user's 30-day pace"
    return f"{feature} = {v(feature):g}"


def explain(
    model_rows: np.ndarray,
    engine_rows: np.ndarray,
    scores: np.ndarray,
    events: Sequence[TxnEvent],
    feature_names: Sequence[str],
    reference_values: np.ndarray,
    score_fn: Callable[[np.ndarray], np.ndarray],
    top: int = TOP_REASONS,
) -> list[list[ReasonText]]:
    """Reasons for each given row (rows in the model's feature order; engine rows give the words)."""
    if len(model_rows) == 0:
        return []
    differs = model_rows != reference_values  # (n, f)
    owners, columns = np.nonzero(differs)
    what_if = model_rows[owners].copy()
    what_if[np.arange(len(owners)), columns] = reference_values[columns]
    drops = scores[owners] - score_fn(what_if) if len(owners) else np.empty(0)

    # Every what-if row ordered by its owner, then by how far it dropped the score (largest first;
    # ties keep feature order), and turned into plain lists once: per transaction, the loop below
    # then reads Python numbers instead of indexing small numpy arrays a few dozen times.
    order = np.lexsort((-drops, owners)).tolist()
    ends = np.searchsorted(owners, np.arange(1, len(events) + 1), side="left").tolist()
    drop_of, column_of, typical_of = drops.tolist(), columns.tolist(), reference_values.tolist()
    out: list[list[ReasonText]] = []
    start = 0
    for event, row, end in zip(events, engine_rows.tolist(), ends, strict=True):

        def value(name: str, row: list[float] = row) -> float:
            return row[FEATURE_INDEX[name]]

        reasons: list[ReasonText] = []
        said: set[str] = set()
        for k in order[start:end]:
            if drop_of[k] <= 0 or len(reasons) == top:
                break
            column = column_of[k]
            name = feature_names[column]
            text = describe(name, value, event, typical_of[column])
            if text in said:
                continue
            said.add(text)
            reasons.append(ReasonText(feature=name, text=text, contribution=drop_of[k]))
        out.append(reasons)
        start = end
    return out
