"""Merchant risk from labels, fraud and legitimate, on a hand-made merchant: each label counts only from
when it was known, the fraud rate is frauds over labels per window, the typical amount is that of the
labelled transactions, and the numbers do not depend on the order labels arrive in (every scoring
instance reads the same labels, in whatever interleaving) nor on a snapshot and restore."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fraudmodel.features import FeatureEngine
from tests.unit.fraudmodel.test_model_features import T0, f, observe, txn

DAY = 86400.0
# (transaction, fraud?, amount, known this many days after T0)
LABELS = [("fraud-10", True, 10.0, 1.0), ("legit-40", False, 40.0, 2.0), ("legit-160", False, 160.0, 10.0 + 1 / 24)]
MERCHANT_COLUMNS = (
    "merchant_known_frauds_1d",
    "merchant_known_frauds_7d",
    "merchant_known_frauds_30d",
    "merchant_fraud_rate_1d",
    "merchant_fraud_rate_7d",
    "merchant_fraud_rate_30d",
    "merchant_labels_30d",
    "amount_to_merchant_usual",
)


def labelled_engine(order=(0, 1, 2)) -> FeatureEngine:
    engine = FeatureEngine()
    for i in order:
        transaction, fraud, amount, days = LABELS[i]
        engine.record_label(transaction, "m", fraud, T0.timestamp() + days * DAY, amount)
    return engine


def merchant_row(engine: FeatureEngine, n: int, days: float, amount: float) -> dict[str, float]:
    row = observe(engine, txn(n, minutes=days * 24 * 60, amount=amount, merchant="m", user=f"shopper-{n}"))
    return {name: f(row, name) for name in MERCHANT_COLUMNS}


def test_nothing_is_known_before_the_first_label_is():
    row = merchant_row(labelled_engine(), 1, 0.5, 20.0)
    assert row == dict.fromkeys(MERCHANT_COLUMNS, 0.0) | {"amount_to_merchant_usual": 1.0}


def test_rates_per_window_and_amount_against_the_labelled_ones():
    engine = labelled_engine()
    after_two = merchant_row(engine, 1, 2 + 1 / 1440, 20.0)  # a minute after the second label
    assert after_two["merchant_known_frauds_1d"] == 0 and after_two["merchant_fraud_rate_1d"] == 0  # only legit-40
    assert after_two["merchant_known_frauds_7d"] == 1 and after_two["merchant_fraud_rate_7d"] == 0.5
    assert after_two["merchant_fraud_rate_30d"] == 0.5 and after_two["merchant_labels_30d"] == 2
    assert after_two["amount_to_merchant_usual"] == pytest.approx(1.0, rel=1e-5)  # 20 against sqrt(10 * 40)

    day_eleven = merchant_row(engine, 2, 11.0, 160.0)
    assert day_eleven["merchant_fraud_rate_1d"] == 0 and day_eleven["merchant_fraud_rate_7d"] == 0  # legit-160 only
    assert day_eleven["merchant_known_frauds_30d"] == 1 and day_eleven["merchant_labels_30d"] == 3
    assert day_eleven["merchant_fraud_rate_30d"] == pytest.approx(1 / 3)
    assert day_eleven["amount_to_merchant_usual"] == pytest.approx(4.0, rel=1e-5)  # 160 against 40 = cbrt(10*40*160)

    after_the_window = merchant_row(engine, 3, 41.0, 20.0)
    assert after_the_window == dict.fromkeys(MERCHANT_COLUMNS, 0.0) | {"amount_to_merchant_usual": 1.0}


def test_a_new_verdict_replaces_the_old_one_from_its_own_time():
    engine = labelled_engine()
    engine.record_label("legit-40", "m", False, T0.timestamp() + 5 * DAY, 40.0)  # the same verdict: no change
    engine.record_label("legit-40", "m", True, T0.timestamp() + 3 * DAY, 40.0)  # found to be fraud after all
    row = merchant_row(engine, 1, 11.0, 20.0)
    assert row["merchant_known_frauds_30d"] == 2 and row["merchant_labels_30d"] == 3
    assert row["merchant_fraud_rate_30d"] == pytest.approx(2 / 3)
    between = merchant_row(engine, 2, 2.5, 20.0)  # legit-40 withdrawn, its fraud verdict not known yet
    assert between["merchant_labels_30d"] == 1 and between["merchant_fraud_rate_30d"] == 1.0


def test_same_numbers_whatever_the_order_labels_arrive_in_and_after_a_restore():
    times = [0.5, 1.5, 2.0 + 1 / 1440, 3.0, 10.5, 11.0, 12.0]
    amounts = [20.0, 7.0, 333.33, 20.0, 160.0, 0.0, 1e6]
    rows = {}
    for name, order in (("in time order", (0, 1, 2)), ("latest first", (2, 0, 1)), ("middle first", (1, 2, 0))):
        engine = labelled_engine(order)
        rows[name] = [merchant_row(engine, n, d, a) for n, (d, a) in enumerate(zip(times, amounts, strict=True))]
    assert rows["latest first"] == rows["in time order"] and rows["middle first"] == rows["in time order"]

    engine = labelled_engine((2, 1, 0))
    restored = FeatureEngine.restore(engine.snapshot())
    restored_rows = [merchant_row(restored, n, d, a) for n, (d, a) in enumerate(zip(times, amounts, strict=True))]
    assert restored_rows == rows["in time order"]


def test_labels_without_a_merchant_are_ignored():
    engine = FeatureEngine()
    engine.record_label("t9", "", True, (T0 - timedelta(days=1)).timestamp(), 10.0)
    assert merchant_row(engine, 1, 0.0, 20.0)["merchant_labels_30d"] == 0
