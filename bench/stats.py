"""Latency summaries and trends: the arithmetic every benchmark shares, kept pure so it can be tested."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

PERCENTILES = (50, 90, 99, 99.9)


@dataclass(frozen=True)
class LatencySummary:
    """Milliseconds. Percentiles interpolate linearly between the closest ranks (numpy's default)."""

    count: int
    p50: float | None
    p90: float | None
    p99: float | None
    p999: float | None  # p99.9: the tail a card authorisation budget is written against
    max: float | None
    mean: float | None

    @classmethod
    def of(cls, values_ms: Sequence[float]) -> LatencySummary:
        if len(values_ms) == 0:
            return cls(0, None, None, None, None, None, None)
        values = np.asarray(values_ms, dtype=np.float64)
        p50, p90, p99, p999 = (float(v) for v in np.percentile(values, PERCENTILES))
        return cls(len(values), p50, p90, p99, p999, float(values.max()), float(values.mean()))


def slope_per_minute(times_s: Sequence[float], values: Sequence[float]) -> float | None:
    """Least-squares trend of `values` per minute of `times_s`; None with fewer than 3 points or no spread
    in time. Used to tell a memory that grows under steady load from one that only moves about."""
    if len(times_s) < 3 or len(times_s) != len(values):
        return None
    t = np.asarray(times_s, dtype=np.float64)
    if np.ptp(t) == 0:
        return None
    slope, _ = np.polyfit(t, np.asarray(values, dtype=np.float64), 1)
    return float(slope * 60)


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0
