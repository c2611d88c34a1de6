"""The metric functions of the evaluation report on hand-made arrays, with the values worked out by hand.

Seven transactions: four legitimate, three frauds of 100, 50 and 20.
    score   0.1  0.2  0.3  0.6 | 0.5  0.7  0.9
With four legitimate transactions, 1% false positives allows none flagged: the threshold is 0.7,
which catches the frauds of 50 and 20. Allowing one (25%) moves it to 0.5, which catches all three."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from fraudmodel.evaluation.metrics import (
    amount_recall_at_fpr,
    evaluate,
    recall_at_fpr,
    recall_by_scenario,
    threshold_at_fpr,
)

Y = np.array([0, 0, 0, 0, 1, 1, 1])
SCORE = np.array([0.1, 0.2, 0.3, 0.6, 0.5, 0.7, 0.9])
AMOUNT = np.array([10.0, 10.0, 10.0, 10.0, 100.0, 50.0, 20.0])
SCENARIO = np.array(["", "", "", "", "stolen card", "stolen card", "account takeover"])


def test_the_threshold_at_one_percent_false_positives_flags_no_legitimate_transaction_here():
    assert threshold_at_fpr(Y, SCORE, 0.01) == 0.7
    assert threshold_at_fpr(Y, SCORE, 0.25) == 0.5
    assert recall_at_fpr(Y, SCORE, 0.01) == pytest.approx(2 / 3)


def test_amount_recall_weighs_each_caught_fraud_by_its_amount():
    assert amount_recall_at_fpr(Y, SCORE, AMOUNT, 0.01) == pytest.approx(70 / 170)
    assert amount_recall_at_fpr(Y, SCORE, AMOUNT, 0.25) == 1.0


def test_nothing_within_the_budget_catches_nothing():
    # The highest score is legitimate: every threshold that flags a fraud flags it too.
    y, score = np.array([0, 1, 0, 0]), np.array([0.9, 0.8, 0.1, 0.2])
    assert math.isinf(threshold_at_fpr(y, score, 0.01))
    assert amount_recall_at_fpr(y, score, np.array([1.0, 5.0, 1.0, 1.0]), 0.01) == 0.0


def test_recall_by_scenario_puts_each_model_at_its_own_threshold():
    baseline = np.array([0.1, 0.1, 0.1, 0.2, 0.8, 0.9, 0.15])  # threshold 0.8: misses the takeover
    got = recall_by_scenario(Y, SCENARIO, {"ours": SCORE, "baseline": baseline})
    assert got == {
        "account takeover": {"frauds": 1.0, "ours": 1.0, "baseline": 0.0},
        "stolen card": {"frauds": 2.0, "ours": 0.5, "baseline": 1.0},
    }


def test_evaluate_reports_the_amount_recall_only_when_given_amounts():
    users = np.array(["a", "b", "c", "d", "e", "f", "g"])
    times = pd.Series(pd.to_datetime(["2026-01-01T10:00Z"] * 7))
    assert evaluate(Y, SCORE, users, times).amount_recall_at_1pct_fpr is None
    metrics = evaluate(Y, SCORE, users, times, amounts=AMOUNT)
    assert metrics.amount_recall_at_1pct_fpr == pytest.approx(70 / 170)
    assert metrics.recall_at_1pct_fpr == pytest.approx(2 / 3)
    # One day, seven cards: the top 100 hold all three defrauded cards.
    assert metrics.card_precision_top100_per_day == pytest.approx(3 / 100)
