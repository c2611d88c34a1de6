from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from fraudmodel.events import TxnEvent
from fraudmodel.features import FEATURE_INDEX, FEATURE_NAMES
from fraudmodel.serving.reasons import describe, explain, ordinal

EVENT = TxnEvent(
    "t1", "u1", datetime(2025, 3, 3, tzinfo=UTC), 700.0, "USD", "m1", "card_present", 51.5, -0.1, "London", "GB"
)


def values(**given: float):
    row = dict.fromkeys(FEATURE_NAMES, 0.0) | {"amount_z": 1.0} | given
    return lambda name: row[name]


def test_sentences_an_analyst_reads():
    assert describe("amount_to_usual", values(amount_to_usual=14.2), EVENT) == "amount 14x this user's usual"
    assert describe("count_10m", values(count_10m=4), EVENT) == "4th transaction in 10 minutes"
    assert (
        describe("km_from_prev", values(km_from_prev=1200, speed_kmh_from_prev=3600), EVENT)
        == "1,200 km from the previous transaction 20 minutes earlier"
    )
    assert describe("new_place", values(new_place=1), EVENT) == "first transaction in London"
    assert (
        describe("merchant_known_frauds_7d", values(merchant_known_frauds_7d=3), EVENT)
        == "merchant had 3 confirmed frauds reported in the last 7 days"
    )
    # A low value that stands out is said as such.
    assert describe("amount", values(amount=2.39), EVENT, typical=44.0) == "small amount 2.39 USD"
    assert describe("count_7d", values(count_7d=1), EVENT, typical=19.0) == "only 1 transaction in 7 days"
    assert describe("channel_card_present", values(), EVENT) == "card-present transaction"
    assert [ordinal(n) for n in (1, 2, 3, 11, 12, 13, 21, 102)] == [
        "1st",
        "2nd",
        "3rd",
        "11th",
        "12th",
        "13th",
        "21st",
        "102nd",
    ]


def test_contributions_are_score_drops_when_a_feature_returns_to_typical():
    # A toy model: the score is the amount ratio's excess over 1, capped; other features do nothing.
    ratio = FEATURE_INDEX["amount_to_usual"]

    def score_fn(rows: np.ndarray) -> np.ndarray:
        return np.clip((rows[:, ratio] - 1) / 20, 0, 1)

    reference = np.zeros(len(FEATURE_NAMES))
    reference[ratio] = 1.0
    row = reference.copy()
    row[ratio] = 15.0
    row[FEATURE_INDEX["count_1h"]] = 3.0
    row[FEATURE_INDEX["amount_z"]] = 3.0
    rows = row.reshape(1, -1)
    [reasons] = explain(rows, rows, score_fn(rows), [EVENT], FEATURE_NAMES, reference, score_fn)
    assert [r.feature for r in reasons] == ["amount_to_usual"]  # count_1h does not move this model
    assert reasons[0].contribution == np.float64(0.7)
    assert reasons[0].text == "amount 15x this user's usual"
