"""Merchant risk from fraud labels, counted only from the moment each label became known.

A label enters the count at its `labelled_at` time: a transaction scored before then cannot see it,
however early the label was recorded here. That is what makes the feature honest in training (where
all labels are in the file) and identical in serving (where analysts label as they go)."""

from __future__ import annotations

import bisect
from typing import Any

from fraudmodel.features.names import MERCHANT_WINDOWS

_LONGEST = max(MERCHANT_WINDOWS.values())
_NONE_KNOWN = (0.0,) * len(MERCHANT_WINDOWS)


class MerchantRisk:
    def __init__(self) -> None:
        self._known_at: dict[str, list[float]] = {}  # merchant -> sorted labelled_at of fraud labels
        self._fraud_labels: dict[str, tuple[str, float]] = {}  # transaction -> (merchant, labelled_at)
        self._latest_query = float("-inf")

    def record_label(self, transaction_id: str, merchant_id: str, is_fraud: bool, labelled_at: float) -> None:
        """Idempotent per transaction; a later 'legitimate' verdict withdraws an earlier fraud label."""
        if not merchant_id:
            return
        earlier = self._fraud_labels.get(transaction_id)
        if is_fraud:
            if earlier is not None:
                return
            if labelled_at <= self._latest_query - _LONGEST:
                return  # already outside every window
            bisect.insort(self._known_at.setdefault(merchant_id, []), labelled_at)
            self._fraud_labels[transaction_id] = (merchant_id, labelled_at)
        elif earlier is not None:
            merchant, at = earlier
            times = self._known_at.get(merchant, [])
            i = bisect.bisect_left(times, at)
            if i < len(times) and times[i] == at:
                del times[i]
            del self._fraud_labels[transaction_id]

    def known_frauds(self, merchant_id: str, at: float) -> tuple[float, ...]:
        """Fraud labels at this merchant that became known in (at - window, at], per window."""
        times = self._known_at.get(merchant_id)
        if not times:
            return _NONE_KNOWN
        hi = bisect.bisect_right(times, at)
        return tuple(float(hi - bisect.bisect_right(times, at - w)) for w in MERCHANT_WINDOWS.values())

    def advance(self, at: float) -> None:
        """Event time has reached `at` (for pruning; what-if scoring does not advance it)."""
        if at > self._latest_query:
            self._latest_query = at

    def prune(self) -> None:
        """Forget labels older than every window, relative to the latest scored event time."""
        cutoff = self._latest_query - _LONGEST
        for merchant in list(self._known_at):
            times = self._known_at[merchant]
            drop = bisect.bisect_right(times, cutoff)
            if drop:
                del times[:drop]
            if not times:
                del self._known_at[merchant]
        self._fraud_labels = {t: (m, at) for t, (m, at) in self._fraud_labels.items() if at > cutoff}

    def snapshot(self) -> dict[str, Any]:
        return {
            "latest_query": self._latest_query if self._latest_query != float("-inf") else None,
            "fraud_labels": {t: [m, at] for t, (m, at) in self._fraud_labels.items()},
        }

    @classmethod
    def restore(cls, data: dict[str, Any]) -> MerchantRisk:
        risk = cls()
        latest = data.get("latest_query")
        risk._latest_query = float("-inf") if latest is None else float(latest)
        for txn, (merchant, at) in data.get("fraud_labels", {}).items():
            bisect.insort(risk._known_at.setdefault(merchant, []), float(at))
            risk._fraud_labels[txn] = (merchant, float(at))
        return risk
