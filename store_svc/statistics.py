"""Counts and rates over the stored transactions, as the repository computes them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Statistics:
    total: int
    approved: int
    reviewed: int
    declined: int
    labelled_fraud: int
    labelled_legitimate: int
    # 0.0 when there are no transactions in the window.
    mean_score: float
