"""The second generator (terminals in Brazil, reais, about 5% fraud, labels after six to ten days):
the properties the cross evaluation relies on, and files that read back in the history format."""

from __future__ import annotations

import argparse
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from fraudctl.model_commands import register
from fraudmodel.generators.terminals.config import LAT_RANGE, LON_RANGE, TerminalsConfig
from fraudmodel.generators.terminals.fraud import COMPROMISED_TERMINAL, PATTERNS
from fraudmodel.generators.terminals.history import TerminalsHistory, generate_terminals_history
from fraudmodel.history_files import COLUMNS, read_history


@pytest.fixture(scope="module")
def history() -> TerminalsHistory:
    return generate_terminals_history(TerminalsConfig(customers=400, days=28, seed=3))


def test_about_five_percent_fraud_from_the_three_patterns(history):
    frame = history.frame
    assert 0.035 < frame["is_fraud"].mean() < 0.07
    assert set(frame.loc[frame["is_fraud"] == 1, "scenario"]) == set(PATTERNS)
    assert set(frame.loc[frame["is_fraud"] == 0, "scenario"]) == {"legit"}


def test_every_transaction_at_a_compromised_terminal_in_its_window_is_fraud(history):
    frame = history.frame
    t = frame["occurred_at"].dt.as_unit("s").astype("int64").to_numpy()
    assert len(history.compromised) > 5
    hits = 0
    for terminal, begin, end in history.compromised:
        at = (frame["merchant_id"] == f"terminal-{terminal:06d}").to_numpy() & (t >= begin) & (t < end)
        assert frame.loc[at, "is_fraud"].eq(1).all()
        hits += int(at.sum())
    assert hits > 50
    # ...and those are the only rows named after that pattern.
    assert (frame["scenario"] == COMPROMISED_TERMINAL).sum() <= hits


def test_compromised_accounts_spend_far_above_their_usual(history):
    frame = history.frame
    usual = frame[frame["scenario"] == "legit"].groupby("user_id")["amount"].median()
    runs = frame[frame["scenario"] == "compromised_account"]
    ratio = runs["amount"].to_numpy() / usual.reindex(runs["user_id"]).to_numpy()
    assert np.nanmedian(ratio) > 4


def test_labels_are_known_six_to_ten_days_after_the_transaction(history):
    frame = history.frame
    delay = frame["labelled_at"] - frame["occurred_at"]
    assert delay.min() >= pd.Timedelta(timedelta(days=6))
    assert delay.max() <= pd.Timedelta(timedelta(days=10))
    assert delay.mean() > pd.Timedelta(timedelta(days=7, hours=12))  # not the first generator's 7 days


def test_reais_coordinates_in_brazil_and_no_city_names(history):
    frame = history.frame
    assert set(frame["currency"]) == {"BRL"}
    assert set(frame["city"]) == {""}
    physical = frame["channel"] == "card_present"
    assert frame.loc[physical, "lat"].between(*LAT_RANGE).all()
    assert frame.loc[physical, "lon"].between(*LON_RANGE).all()
    # Online shops have no place at all.
    assert frame.loc[~physical, "lat"].isna().all()
    assert frame["merchant_id"][physical].str.startswith("terminal-").all()


def test_same_seed_same_history_other_seed_other_history():
    a = generate_terminals_history(TerminalsConfig(customers=60, days=10, seed=5)).frame
    b = generate_terminals_history(TerminalsConfig(customers=60, days=10, seed=5)).frame
    c = generate_terminals_history(TerminalsConfig(customers=60, days=10, seed=6)).frame
    pd.testing.assert_frame_equal(a, b)
    assert len(a) != len(c) or not a["amount"].equals(c["amount"])
    assert a["occurred_at"].is_monotonic_increasing


def test_fraudctl_generate_terminals_writes_a_history_that_reads_back(tmp_path, capsys):
    out = tmp_path / "terminals.csv"
    parser = argparse.ArgumentParser(prog="fraudctl")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(
        ["generate", "--generator", "terminals", "--out", str(out), "--users", "40", "--days", "7", "--scenario-column"]
    )
    assert args.run(args) == 0
    frame = read_history(out)
    assert list(frame.columns[: len(COLUMNS)]) == list(COLUMNS)
    assert {"scenario", "labelled_at"} <= set(frame.columns)
    assert set(frame["currency"]) == {"BRL"}
    assert "transactions of 40 customers over 7 days" in capsys.readouterr().out
