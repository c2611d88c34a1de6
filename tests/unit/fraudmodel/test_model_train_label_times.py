"""`fraudctl train` on a history that says when each label became known (the terminals generator's
`labelled_at`): merchant risk and the split's gap follow those times, not the default seven days."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta

import pandas as pd

from fraudctl.model_commands import register
from fraudmodel.evaluation.cross_generator import events_with_label_times
from fraudmodel.generators.cardholders.history import HistoryConfig, generate_history
from fraudmodel.generators.terminals.config import TerminalsConfig
from fraudmodel.generators.terminals.history import generate_terminals_history
from fraudmodel.training.label_delays import label_delays


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="fraudctl")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.run(args)


def test_label_delays_are_read_from_labelled_at_and_absent_without_it():
    terminals = generate_terminals_history(TerminalsConfig(customers=60, days=14, seed=2)).frame
    delays = label_delays(terminals)
    assert delays is not None and timedelta(days=9) < delays.gap <= delays.longest <= timedelta(days=10)
    assert label_delays(generate_history(HistoryConfig(users=20, days=3, seed=2))) is None
    # A label not known yet (empty labelled_at) leaves the event without one.
    terminals.loc[0, "labelled_at"] = pd.NaT
    assert events_with_label_times(terminals.head(2))[0].labelled_at is None


def test_train_on_a_terminals_file_keeps_a_gap_as_long_as_its_label_delays_despite_one_very_late_label(tmp_path):
    data = tmp_path / "terminals.csv"
    assert _run("generate", "--generator", "terminals", "--out", str(data), "--users", "100", "--days", "36") == 0
    # One label given 200 days after its transaction: with the longest delay as the gap, the 36 days
    # of history could not be split and training would refuse.
    frame = pd.read_csv(data)
    labelled = frame.index[frame["labelled_at"].notna()][0]
    very_late = pd.Timestamp(frame.loc[labelled, "occurred_at"]) + pd.Timedelta(days=200)
    frame.loc[labelled, "labelled_at"] = str(very_late)  # as the file writes them
    frame.to_csv(data, index=False)
    models = tmp_path / "models"
    assert _run("train", "--data", str(data), "--out", str(models), "--no-baselines") == 0
    [version] = list(models.iterdir())
    metadata = json.loads((version / "metadata.json").read_text())
    assert 9.9 < metadata["label_delay_days"] <= 10
    split = {k: pd.Timestamp(v) for k, v in metadata["data"]["split"].items()}
    assert split["test_from"] - split["gap_from"] > pd.Timedelta(days=9.9)
