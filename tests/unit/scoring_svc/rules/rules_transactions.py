"""Transactions, feature rows and scores for the rule engine's tests, built by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np

from fraudmodel.events import TxnEvent
from fraudmodel.features.names import FEATURE_INDEX, FEATURE_NAMES
from fraudmodel.training.thresholds import Thresholds

THRESHOLDS = Thresholds(review=0.5, decline=0.9, policy="test")

BASE = TxnEvent(
    transaction_id="t-0",
    user_id="alice",
    occurred_at=datetime(2026, 12, 7, 3, 15, tzinfo=UTC),
    amount=129.9,
    currency="EUR",
    merchant_id="m-42",
    channel="card_not_present",
    lat=48.85,
    lon=2.35,
    city="Paris",
    country="FR",
)


def event(index: int = 0, **fields: object) -> TxnEvent:
    return replace(BASE, transaction_id=f"t-{index}", **fields)  # type: ignore[arg-type]


def feature_rows(count: int, **values: float | list[float]) -> np.ndarray:
    rows = np.zeros((count, len(FEATURE_NAMES)))
    for name, value in values.items():
        rows[:, FEATURE_INDEX[name]] = value
    return rows
