"""Merchant risk from labels, fraudulent and legitimate alike, each counted only from the moment it
became known.

A label enters the counts at its `labelled_at` time: a transaction scored before then cannot see it,
however early the label was recorded here. That is what makes the features honest in training (where
all labels are in the file) and identical in serving (where analysts label as they go).

Everything here comes from labels, which every scoring instance reads in full (the labels topic, from
its start), never from the transactions an instance happens to score: customers are partitioned among
instances, merchants are not, so a count of the transactions one instance saw at a merchant would
depend on the instance and read 0 after a restart. The labels give the same numbers on every instance
and again after a restart. Per merchant and window: the fraud labels known, their share of all labels
known (the fraud rate), and the typical amount of the labelled transactions, so that an amount can be
read against the merchant's own, whatever the currency.

Sums are kept exact and independent of the order labels arrive in: counts are integers, and amounts
are summed as integer millionths of their logarithm, so two instances that read the same labels in a
different interleaving hold the same numbers."""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fraudmodel.features.names import MERCHANT_COLUMNS, MERCHANT_WINDOWS

_DAY, _WEEK, _MONTH = MERCHANT_WINDOWS.values()  # features() is written out for these three
assert _DAY < _WEEK < _MONTH and MERCHANT_COLUMNS == 8
_LONGEST = _MONTH
_LOG_SCALE = 1_000_000  # log(amount) kept in integer millionths
_MIN_AMOUNT = 0.01  # as the kernel's: guards log() against zero amounts
# No label known at the merchant: no frauds, no rate, no labels, and the amount at its own typical value.
NOTHING_KNOWN = (0.0,) * (MERCHANT_COLUMNS - 1) + (1.0,)


def log_units(amount: float) -> int:
    return round(math.log(max(amount, _MIN_AMOUNT)) * _LOG_SCALE)


@dataclass(frozen=True, slots=True)
class Label:
    merchant_id: str
    labelled_at: float
    is_fraud: bool
    log_amount: int  # log_units(amount)


@dataclass(slots=True)
class _MerchantLabels:
    """A merchant's labels sorted by when they became known, with running totals so a window's
    counts are two lookups: frauds_before[i] = frauds among the first i labels (likewise logs_before)."""

    times: list[float] = field(default_factory=list)
    frauds: list[int] = field(default_factory=list)
    logs: list[int] = field(default_factory=list)
    frauds_before: list[int] = field(default_factory=lambda: [0])
    logs_before: list[int] = field(default_factory=lambda: [0])

    def add(self, label: Label) -> None:
        # Labels arrive nearly in labelled_at order, so this is almost always an append.
        i = bisect.bisect_right(self.times, label.labelled_at)
        fraud = int(label.is_fraud)
        self.times.insert(i, label.labelled_at)
        self.frauds.insert(i, fraud)
        self.logs.insert(i, label.log_amount)
        self.frauds_before.insert(i + 1, self.frauds_before[i] + fraud)
        self.logs_before.insert(i + 1, self.logs_before[i] + label.log_amount)
        self._shift_totals(i + 2, fraud, label.log_amount)

    def remove(self, label: Label) -> None:
        fraud = int(label.is_fraud)
        i = bisect.bisect_left(self.times, label.labelled_at)
        while i < len(self.times) and self.times[i] == label.labelled_at:
            if self.frauds[i] == fraud and self.logs[i] == label.log_amount:
                del self.times[i], self.frauds[i], self.logs[i]
                del self.frauds_before[i + 1], self.logs_before[i + 1]
                self._shift_totals(i + 1, -fraud, -label.log_amount)
                return
            i += 1

    def _shift_totals(self, start: int, fraud: int, log_amount: int) -> None:
        for j in range(start, len(self.frauds_before)):
            self.frauds_before[j] += fraud
            self.logs_before[j] += log_amount

    def drop_until(self, cutoff: float) -> None:
        """Forget labels known at or before `cutoff` (the running totals stay valid as differences)."""
        drop = bisect.bisect_right(self.times, cutoff)
        if drop:
            del self.times[:drop], self.frauds[:drop], self.logs[:drop]
            del self.frauds_before[:drop], self.logs_before[:drop]

    def features(self, at: float, amount: float) -> tuple[float, ...]:
        # Written out for the three windows (shortest first) rather than looped: this runs once per
        # scored transaction, and a longer window's start is searched only below the shorter one's.
        times = self.times
        hi = bisect.bisect_right(times, at)
        lo_day = bisect.bisect_right(times, at - _DAY, 0, hi)
        lo_week = bisect.bisect_right(times, at - _WEEK, 0, lo_day)
        lo = bisect.bisect_right(times, at - _MONTH, 0, lo_week)
        before = self.frauds_before
        upto = before[hi]
        day, week, month = upto - before[lo_day], upto - before[lo_week], upto - before[lo]
        labels = hi - lo  # the longest window's
        if not labels:
            return NOTHING_KNOWN  # what every window's counts read when none holds a label
        known_day, known_week = hi - lo_day, hi - lo_week
        typical = math.exp((self.logs_before[hi] - self.logs_before[lo]) / labels / _LOG_SCALE)
        return (
            float(day),
            float(week),
            float(month),
            day / known_day if known_day else 0.0,
            week / known_week if known_week else 0.0,
            month / labels,
            float(labels),
            max(amount, _MIN_AMOUNT) / typical,
        )


class MerchantRisk:
    def __init__(self) -> None:
        self._merchants: dict[str, _MerchantLabels] = {}
        self._labels: dict[str, Label] = {}  # transaction -> its label as counted
        self._latest_query = float("-inf")

    def record_label(
        self, transaction_id: str, merchant_id: str, is_fraud: bool, labelled_at: float, amount: float
    ) -> None:
        """Idempotent per transaction: the same verdict again changes nothing (it keeps counting from
        when it was first known); a different verdict replaces the earlier one, from its own time."""
        if not merchant_id:
            return
        earlier = self._labels.get(transaction_id)
        if earlier is not None:
            if earlier.is_fraud == is_fraud:
                return
            self._merchants[earlier.merchant_id].remove(earlier)
            del self._labels[transaction_id]
        if labelled_at <= self._latest_query - _LONGEST:
            return  # already outside every window
        self._add(transaction_id, Label(merchant_id, labelled_at, is_fraud, log_units(amount)))

    def _add(self, transaction_id: str, label: Label) -> None:
        merchant = self._merchants.get(label.merchant_id)
        if merchant is None:
            merchant = self._merchants[label.merchant_id] = _MerchantLabels()
        merchant.add(label)
        self._labels[transaction_id] = label

    def features(self, merchant_id: str, at: float, amount: float) -> tuple[float, ...]:
        """Per window (MERCHANT_WINDOWS) the fraud labels at this merchant that became known in
        (at - window, at], then per window their share of all labels known then, then the number of
        labels in the longest window, then `amount` over the typical (geometric mean) amount of those
        labelled transactions: MERCHANT_COLUMNS values, in names.py's order."""
        merchant = self._merchants.get(merchant_id)
        if merchant is None:
            return NOTHING_KNOWN
        return merchant.features(at, amount)

    def features_of_batch(
        self, merchant_ids: Sequence[str], times: Sequence[float], amounts: Sequence[float]
    ) -> tuple[list[int], list[tuple[float, ...]]]:
        """`features` of each (merchant, time, amount), with no label recorded in between: the
        positions of those with a label in a window, and their rows; every other one is NOTHING_KNOWN."""
        merchants = self._merchants.get
        positions: list[int] = []
        rows: list[tuple[float, ...]] = []
        for i, (merchant_id, at, amount) in enumerate(zip(merchant_ids, times, amounts, strict=True)):
            merchant = merchants(merchant_id)
            if merchant is not None:
                row = merchant.features(at, amount)
                if row is not NOTHING_KNOWN:
                    positions.append(i)
                    rows.append(row)
        return positions, rows

    def advance(self, at: float) -> None:
        """Event time has reached `at` (for pruning; what-if scoring does not advance it)."""
        if at > self._latest_query:
            self._latest_query = at

    def prune(self) -> None:
        """Forget labels older than every window, relative to the latest scored event time."""
        cutoff = self._latest_query - _LONGEST
        for name in list(self._merchants):
            merchant = self._merchants[name]
            merchant.drop_until(cutoff)
            if not merchant.times:
                del self._merchants[name]
        self._labels = {t: label for t, label in self._labels.items() if label.labelled_at > cutoff}

    def snapshot(self) -> dict[str, Any]:
        return {
            "latest_query": self._latest_query if self._latest_query != float("-inf") else None,
            "labels": {
                t: [label.merchant_id, label.labelled_at, label.is_fraud, label.log_amount]
                for t, label in self._labels.items()
            },
        }

    @classmethod
    def restore(cls, data: dict[str, Any]) -> MerchantRisk:
        risk = cls()
        latest = data.get("latest_query")
        risk._latest_query = float("-inf") if latest is None else float(latest)
        stored = sorted(data.get("labels", {}).items(), key=lambda item: item[1][1])
        for txn, (merchant, at, is_fraud, log_amount) in stored:
            risk._add(txn, Label(merchant, float(at), bool(is_fraud), int(log_amount)))
        return risk
