"""The customer's spend against their own: a window's spend in usual amounts, and the last day's and
week's spend against the 30-day pace, exact on a hand-made customer (whatever the currency)."""

from __future__ import annotations

import pytest

from fraudmodel.features import FeatureEngine
from tests.unit.fraudmodel.test_model_features import f, observe, txn

DAY = 24 * 60  # minutes


def spike_row(amounts: tuple[float, float, float]):
    """Two usual purchases three days apart, then a third an hour after the second."""
    engine = FeatureEngine()
    observe(engine, txn(1, minutes=0, amount=amounts[0]))
    observe(engine, txn(2, minutes=3 * DAY, amount=amounts[1]))
    return observe(engine, txn(3, minutes=3 * DAY + 60, amount=amounts[2]))


def test_a_spike_reads_in_usual_amounts_and_against_the_months_pace():
    row = spike_row((10.0, 10.0, 100.0))
    assert f(row, "spend_24h_to_usual") == pytest.approx(11.0)  # 10 + 100 spent today, usual 10
    assert f(row, "spend_7d_to_usual") == pytest.approx(12.0)
    assert f(row, "spend_30d_to_usual") == pytest.approx(12.0)
    assert f(row, "spend_24h_to_30d_pace") == pytest.approx(110 * 30 / 120)  # the day against a 30th of the month
    assert f(row, "spend_7d_to_30d_pace") == pytest.approx(30 / 7)  # all of the month was this week


def test_the_currency_does_not_change_them():
    dollars = spike_row((10.0, 10.0, 100.0))
    reais = spike_row((55.0, 55.0, 550.0))
    for name in ("spend_24h_to_usual", "spend_7d_to_usual", "spend_30d_to_usual", "spend_24h_to_30d_pace"):
        assert f(reais, name) == pytest.approx(f(dollars, name))


def test_a_first_transaction_is_one_usual_amount_at_the_months_pace():
    row = observe(FeatureEngine(), txn(1, minutes=0, amount=42.0))
    assert f(row, "spend_24h_to_usual") == 1.0 and f(row, "spend_30d_to_usual") == 1.0
    assert f(row, "spend_24h_to_30d_pace") == 30.0 and f(row, "spend_7d_to_30d_pace") == pytest.approx(30 / 7)
