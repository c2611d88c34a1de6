"""The cross evaluation behind `make evaluate` on tiny histories: four cells, each with the Handbook
baseline beside ours, the split's gap as long as each history's label delay, and the report. Model
quality is not asserted: tiny histories say nothing about it."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta

import pandas as pd
import pytest

from fraudctl.model_commands import register
from fraudmodel.evaluation.cross_generator import cross_evaluate, events_with_label_times
from fraudmodel.evaluation.cross_report import write_cross_report
from fraudmodel.evaluation.generated_histories import cardholders_history, terminals_history
from fraudmodel.training.candidates import LOGISTIC_REGRESSION


@pytest.fixture(scope="module")
def evaluated():
    histories = [cardholders_history(150, 35, seed=4), terminals_history(120, 35, seed=4)]
    cells, about = cross_evaluate(histories, families=(LOGISTIC_REGRESSION,), progress=lambda _: None)
    return histories, cells, about


def test_four_cells_each_with_the_baseline_beside_ours(evaluated):
    _, cells, _ = evaluated
    assert [(c.trained_on, c.tested_on) for c in cells] == [
        ("cardholders", "cardholders"),
        ("cardholders", "terminals"),
        ("terminals", "cardholders"),
        ("terminals", "terminals"),
    ]
    for cell in cells:
        assert cell.family == LOGISTIC_REGRESSION
        for metrics in (cell.ours, cell.baseline):
            assert 0 < metrics.average_precision <= 1
            assert 0 <= metrics.roc_auc <= 1
        assert cell.ratio == pytest.approx(cell.ours.average_precision / cell.baseline.average_precision)
        # Both models of a cell are tested on the same rows.
        assert cell.ours.transactions == cell.baseline.transactions
        assert cell.ours.frauds == cell.baseline.frauds > 0
    # A history's test weeks are the same whichever history the model was trained on.
    assert cells[0].ours.transactions == cells[2].ours.transactions
    assert cells[1].ours.transactions == cells[3].ours.transactions


def test_the_gap_before_the_test_weeks_is_each_histories_label_delay(evaluated):
    _, _, about = evaluated
    for name, delay_days in (("cardholders", 7), ("terminals", 10)):
        history = about["histories"][name]
        assert history["label_delay_days"] == delay_days
        split = {k: pd.Timestamp(v) for k, v in history["split"].items()}
        assert split["test_from"] - split["gap_from"] == pd.Timedelta(days=delay_days)
    assert about["histories"]["terminals"]["currency"] == "BRL"


def test_merchant_risk_sees_the_terminals_labels_only_when_they_were_known(evaluated):
    histories, _, _ = evaluated
    frame = histories[1].frame.head(50)
    events = events_with_label_times(frame)
    assert [e.labelled_at for e in events] == list(frame["labelled_at"].dt.to_pydatetime())
    assert all(e.labelled_at - e.occurred_at >= timedelta(days=6) for e in events)


def test_the_report_lists_every_cell_and_the_verdict(evaluated, tmp_path):
    _, cells, about = evaluated
    path = write_cross_report(tmp_path, cells, about, "fraudctl evaluate --across-generators", "load average 1")
    text = path.read_text()
    assert "| cardholders | terminals | logistic regression |" in text
    assert "| terminals | cardholders | logistic regression |" in text
    assert "Target AP ≥ 1.10 x baseline on the other generator:" in text
    assert "compromised_terminal" in text  # the breakdown by fraud pattern
    # Each cell's operating figures beside the baseline's, and the two figures of curves.
    for cell in cells:
        row = (
            f"| {cell.trained_on} | {cell.tested_on} | {cell.ours.recall_at_1pct_fpr:.3f} | "
            f"{cell.baseline.recall_at_1pct_fpr:.3f} | {cell.ours.amount_recall_at_1pct_fpr:.3f} | "
            f"{cell.baseline.amount_recall_at_1pct_fpr:.3f} | {cell.ours.card_precision_top100_per_day:.3f} |"
        )
        assert row in text
    for figure in ("precision_recall.png", "calibration.png"):
        assert f"]({figure})" in text and (tmp_path / figure).stat().st_size > 0
    saved = json.loads((tmp_path / "cells.json").read_text())
    assert len(saved["cells"]) == 4
    assert {"ours", "baseline", "ap_ratio_to_baseline"} <= set(saved["cells"][1])


def test_fraudctl_evaluate_without_a_model_asks_for_one_or_across_generators(capsys):
    parser = argparse.ArgumentParser(prog="fraudctl")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["evaluate", "--data", "x.csv"])
    assert args.run(args) == 2
    assert "--model and --data are required (or --across-generators)" in capsys.readouterr().err
