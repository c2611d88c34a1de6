"""`fraudctl train` on a history that says when each label became known (the terminals generator's
`labelled_at`): merchant risk and the split's gap follow those times, not the default seven days."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta

import pandas as pd

from fraudctl.model_commands import register
from fraudmodel.evaluation.cross_generator import events_with_label_times, longest_label_delay
from fraudmodel.generators.cardholders.history import HistoryConfig, generate_history
from fraudmodel.generators.terminals.config import TerminalsConfig
from fraudmodel.generators.terminals.history import generate_terminals_history


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="fraudctl")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.run(args)


def test_longest_label_delay_is_read_from_labelled_at_and_absent_without_it():
    terminals = generate_terminals_history(TerminalsConfig(customers=60, days=14, seed=2)).frame
    delay = longest_label_delay(terminals)
    assert delay is not None and timedelta(days=9) < delay <= timedelta(days=10)
    assert longest_label_delay(generate_history(HistoryConfig(users=20, days=3, seed=2))) is None
    # A label not known yet (empty labelled_at) leaves the event without one.
    terminals.loc[0, "labelled_at"] = pd.NaT
    assert events_with_label_times(terminals.head(2))[0].labelled_at is None


def test_train_on_a_terminals_file_keeps_a_gap_as_long_as_its_longest_label_delay(tmp_path):
    data = tmp_path / "terminals.csv"
    assert _run("generate", "--generator", "terminals", "--out", str(data), "--users", "100", "--days", "36") == 0
    models = tmp_path / "models"
    assert _run("train", "--data", str(data), "--out", str(models), "--no-baselines") == 0
    [version] = list(models.iterdir())
    metadata = json.loads((version / "metadata.json").read_text())
    assert 9.9 < metadata["label_delay_days"] <= 10
    split = {k: pd.Timestamp(v) for k, v in metadata["data"]["split"].items()}
    assert split["test_from"] - split["gap_from"] > pd.Timedelta(days=9.9)
