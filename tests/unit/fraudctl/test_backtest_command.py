"""`fraudctl backtest` on a labelled history file with a rule set from a JSON file: the printed report
names the model, the rule set and each rule with the hits its expression has on the replayed days."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta

import pytest

from fraudctl.backtest.command import register
from fraudmodel.history_files import write_history

BIG = 500.0


def test_the_report_counts_each_rules_hits_on_the_replayed_days(
    tmp_path, small_history, small_events, model_dir, capsys
):
    history = tmp_path / "history.csv"
    write_history(small_history, history)
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps(
            {
                "rules": [
                    {"id": "big", "name": "decline big", "expression": f"tx.amount > {BIG}", "action": "DECLINE"},
                    {"name": "night review", "expression": "features.hour_local < 5.0", "action": "REVIEW",
                     "status": "SHADOW"},
                ]
            }
        )
    )  # fmt: skip
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(
        ["backtest", "--history", str(history), "--rules", str(rules), "--model", str(model_dir), "--json"]
    )

    assert args.run(args) == 0

    report = json.loads(capsys.readouterr().out)
    cut = max(e.occurred_at for e in small_events) - timedelta(days=7)
    replayed = [e for e in small_events if e.occurred_at >= cut]
    assert report["model_version"] == model_dir.name
    assert report["rule_set_version"] == "file:rules.json"
    assert report["transactions"] == len(replayed)
    assert report["frauds"] == sum(bool(e.label) for e in replayed)
    by_id = {rule["id"]: rule for rule in report["rules"]}
    assert by_id["big"]["hits"] == sum(e.amount > BIG for e in replayed)
    assert by_id["r2"]["status"] == "SHADOW"
    assert sum(report["rates"].values()) == pytest.approx(1.0)
    assert 0.0 < report["average_precision"] <= 1.0


def test_the_text_report_has_every_figure(tmp_path, small_history, model_dir, capsys):
    history = tmp_path / "history.csv"
    write_history(small_history, history)
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["backtest", "--history", str(history), "--model", str(model_dir)])

    assert args.run(args) == 0

    text = capsys.readouterr().out
    for figure in (
        "average precision",
        "at REVIEW or worse",
        "at DECLINE",
        "rates  APPROVE",
        "legitimate amount declined",
    ):
        assert figure in text
