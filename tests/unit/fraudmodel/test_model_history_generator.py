"""The labelled-history generator: seeded, about one percent fraud in overlapping patterns, and files that read back."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from fraudmodel.generators.cardholders.history import HistoryConfig, generate_history
from fraudmodel.history_files import COLUMNS, read_history, write_history

PATTERNS = {
    "compromised_merchant",
    "stolen_card_spree",
    "cnp_shipped_far",
    "card_testing",
    "impossible_travel",
    "high_amount",
}


def test_same_seed_same_data_other_seed_other_data():
    a = generate_history(HistoryConfig(users=80, days=14, seed=5))
    b = generate_history(HistoryConfig(users=80, days=14, seed=5))
    c = generate_history(HistoryConfig(users=80, days=14, seed=6))
    pd.testing.assert_frame_equal(a, b)
    assert not a["transaction_id"].isin(c["transaction_id"]).any()
    assert len(a) != len(c) or not a["amount"].equals(c["amount"])


def test_history_looks_like_card_traffic_with_about_one_percent_fraud(small_history):
    h = small_history
    assert list(h.columns[: len(COLUMNS)]) == list(COLUMNS)
    assert 0.005 < h["is_fraud"].mean() < 0.02
    assert set(h.loc[h["is_fraud"] == 1, "scenario"]) == PATTERNS
    assert set(h.loc[h["is_fraud"] == 0, "scenario"]) == {"legit"}
    assert set(h["channel"]) == {"card_present", "card_not_present"}
    assert h["occurred_at"].is_monotonic_increasing
    assert h["occurred_at"].min() >= pd.Timestamp(datetime(2025, 1, 6, tzinfo=UTC))
    assert (h["amount"] > 0).all() and h["transaction_id"].is_unique
    assert h["lat"].between(-90, 90).all() and h["lon"].between(-180, 180).all()
    # Behaviour overlaps: honest customers also buy far from home and make big purchases.
    legit = h[h["is_fraud"] == 0]
    assert (legit["country"] != "US").any()
    assert (legit["amount"] > 500).any()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_written_history_reads_back_identically(small_history, tmp_path, suffix):
    path = tmp_path / f"history{suffix}"
    write_history(small_history.head(2000), path)
    back = read_history(path)
    want = small_history.head(2000)
    pd.testing.assert_series_equal(back["occurred_at"], want["occurred_at"], check_dtype=False, check_names=False)
    assert back["transaction_id"].tolist() == want["transaction_id"].tolist()
    assert back["amount"].tolist() == want["amount"].tolist()
    assert back["is_fraud"].astype(int).tolist() == want["is_fraud"].tolist()
    assert back["lat"].round(5).tolist() == want["lat"].tolist()


def test_bad_configuration_names_the_field():
    with pytest.raises(ValueError, match="users"):
        HistoryConfig(users=0)
