"""A training run writes a complete model version and beats both baselines, measured on the same
held-out weeks in the same run; the fraudctl model commands work end to end on small files."""

from __future__ import annotations

import argparse
import csv
import json

from fraudctl.model_commands import register
from fraudmodel.features.names import MODEL_FEATURE_NAMES


def test_model_version_folder_is_complete(trained):
    folder = trained.folder
    for name in (
        "model.onnx",
        "metadata.json",
        "report.md",
        "precision_recall.png",
        "roc.png",
        "calibration.png",
        "score_distribution.png",
        "feature_importance.png",
        "thresholds.png",
    ):
        assert (folder / name).is_file(), name
    md = json.loads((folder / "metadata.json").read_text())
    assert md["feature_names"] == list(MODEL_FEATURE_NAMES)  # what the model reads, in its input order
    assert 0 < md["thresholds"]["review"] <= md["thresholds"]["decline"] < 1
    assert md["data"]["fingerprint_sha256"] == "0" * 64
    assert {"scikit-learn", "onnxruntime", "numpy"} <= set(md["libraries"])
    assert set(md["metrics"]) >= {
        "average_precision",
        "roc_auc",
        "recall_at_1pct_fpr",
        "card_precision_top100_per_day",
        "amount_recall_at_1pct_fpr",
        "precision_at_review",
        "recall_at_review",
    }
    split = md["data"]["split"]
    assert split["train_from"] < split["validation_from"] < split["gap_from"] < split["test_from"]
    report = (folder / "report.md").read_text()
    assert "Split (event time)" in report
    # Every family was tried on the validation weeks; the served one is the best of them there.
    candidates = md["training"]["candidates"]
    assert {c["family"] for c in candidates} == {"gradient boosting", "random forest", "logistic regression"}
    (chosen,) = [c for c in candidates if c["chosen"]]
    assert chosen["validation_average_precision"] == max(c["validation_average_precision"] for c in candidates)
    assert md["training"]["family"] == chosen["family"]
    assert "Model chosen on the validation weeks" in report
    assert report.count(" | ") > len(candidates) * 5  # the candidates' table, one row each


def test_the_report_sets_each_figure_beside_the_handbook_baseline(trained):
    md = json.loads((trained.folder / "metadata.json").read_text())
    report = (trained.folder / "report.md").read_text()
    handbook = "Handbook: 15 features, random forest"
    [handbook_row] = [line for line in report.splitlines() if line.startswith(f"| {handbook} |")]
    assert f"{md['baselines'][handbook]['amount_recall_at_1pct_fpr']:.4f}" in handbook_row
    assert "amount recall at 1% FPR" in report and "![calibration](calibration.png)" in report
    # The small history names its fraud patterns: each has a row, our model and the baseline side by side.
    assert md["scenarios"], "the generated history's scenarios are broken down"
    for pattern, row in md["scenarios"].items():
        assert handbook in row and row["frauds"] >= 1
        assert any(line.startswith(f"| {pattern} | {int(row['frauds']):,} |") for line in report.splitlines())


def test_beats_both_baselines_on_average_precision(trained):
    ours = trained.metrics.average_precision
    required = ["old system: 4 features, random forest", "Handbook: 15 features, random forest"]
    for name in required:
        assert ours > trained.baseline_metrics[name].average_precision, name
    # Our features in a random forest are reported beside, to show what the model family adds; on this
    # small test data it may go either way, so it is measured, not required to lose.
    assert "our features, random forest" in trained.baseline_metrics
    # Accuracy is reported beside the fraud rate: always answering "legitimate" already scores this.
    assert trained.metrics.accuracy_at_review > 1 - trained.metrics.fraud_rate - 0.01


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="fraudctl")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.run(args)


def test_generate_train_score_evaluate_from_the_command_line(tmp_path, capsys):
    data = tmp_path / "history.parquet"
    assert _run("generate", "--out", str(data), "--users", "150", "--days", "36", "--seed", "3") == 0
    models = tmp_path / "models"
    assert _run("train", "--data", str(data), "--out", str(models), "--no-baselines") == 0
    [version] = list(models.iterdir())

    # Score the last week after warming on the rest, as a deployment would.
    import pandas as pd

    frame = pd.read_parquet(data)
    last_week = frame["occurred_at"] >= frame["occurred_at"].max() - pd.Timedelta(days=7)
    frame[~last_week].to_csv(tmp_path / "past.csv", index=False)
    frame[last_week].to_csv(tmp_path / "recent.csv", index=False)
    out = tmp_path / "scores.csv"
    assert (
        _run(
            "score",
            "--model",
            str(version),
            "--history",
            str(tmp_path / "past.csv"),
            "--data",
            str(tmp_path / "recent.csv"),
            "--out",
            str(out),
        )
        == 0
    )
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == last_week.sum()
    assert set(rows[0]) == {"transaction_id", "score", "decision", "reasons"}
    assert {r["decision"] for r in rows} >= {"APPROVE"}
    assert all(r["reasons"] for r in rows if r["decision"] != "APPROVE")

    metrics_file = tmp_path / "metrics.json"
    assert (
        _run(
            "evaluate",
            "--model",
            str(version),
            "--history",
            str(tmp_path / "past.csv"),
            "--data",
            str(tmp_path / "recent.csv"),
            "--json",
            str(metrics_file),
        )
        == 0
    )
    metrics = json.loads(metrics_file.read_text())
    assert 0 < metrics["average_precision"] <= 1 and metrics["transactions"] == len(rows)
    printed = capsys.readouterr().out
    assert "average precision" in printed and "always 'legitimate'" in printed


def test_bad_input_file_fails_with_a_message_naming_the_problem(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("transaction_id,user_id\nt1,u1\n")
    assert _run("train", "--data", str(bad), "--out", str(tmp_path / "m")) == 2
    assert "missing column" in capsys.readouterr().err
