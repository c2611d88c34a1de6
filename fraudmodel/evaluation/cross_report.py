"""The report of `make evaluate` (fraudctl evaluate --across-generators): every train/test cell with
our model beside the Handbook-style baseline, as a markdown table (also printed) and JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fraudmodel.evaluation.cell_curves import write_cell_curves
from fraudmodel.evaluation.cross_generator import Cell

TARGET_RATIO = 1.10  # issue 24's bar: at least 1.10 times the baseline's AP on the other generator


def cells_table(cells: Sequence[Cell]) -> list[str]:
    rows = [
        "| trained on | tested on | chosen family | AP ours | AP baseline | AP ratio | ROC AUC ours | ROC AUC baseline "
        "| test frauds / transactions |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for c in cells:
        rows.append(
            f"| {c.trained_on} | {c.tested_on} | {c.family} | {c.ours.average_precision:.3f} | "
            f"{c.baseline.average_precision:.3f} | {c.ratio:.2f} | {c.ours.roc_auc:.3f} | {c.baseline.roc_auc:.3f} | "
            f"{c.ours.frauds:,} / {c.ours.transactions:,} |"
        )
    return rows


def operating_table(cells: Sequence[Cell]) -> list[str]:
    """What an operations team would see of each cell: frauds and fraudulent amount caught at 1% false
    positives, and the share of the 100 cards checked each day that were defrauded."""
    rows = [
        "| trained on | tested on | recall at 1% FPR ours | baseline | amount recall at 1% FPR ours | baseline "
        "| card precision top-100/day ours | baseline | ideal |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for c in cells:
        rows.append(
            f"| {c.trained_on} | {c.tested_on} | {c.ours.recall_at_1pct_fpr:.3f} | {c.baseline.recall_at_1pct_fpr:.3f} | "
            f"{_share(c.ours.amount_recall_at_1pct_fpr)} | {_share(c.baseline.amount_recall_at_1pct_fpr)} | "
            f"{c.ours.card_precision_top100_per_day:.3f} | {c.baseline.card_precision_top100_per_day:.3f} | "
            f"{c.ours.card_precision_top100_ideal:.3f} |"
        )
    return rows


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def verdict(cells: Sequence[Cell]) -> str:
    across = [c for c in cells if c.trained_on != c.tested_on]
    if not across:
        return "No cross-generator cell (one history only)."
    met = [c for c in across if c.ratio >= TARGET_RATIO]
    parts = ", ".join(f"{c.trained_on} → {c.tested_on} {c.ratio:.2f}" for c in across)
    status = "met" if len(met) == len(across) else f"not met ({len(met)} of {len(across)} directions)"
    return f"Target AP ≥ {TARGET_RATIO:.2f} x baseline on the other generator: {status}; ratios {parts}."


def markdown(cells: Sequence[Cell], about: dict[str, Any], command: str, load: str) -> str:
    lines = [
        "# Held out: each generator's model tested on the other",
        "",
        f"Command: `{command}`. Machine load before the run: `{load}`.",
        "",
        "Ours: our event-time features, the model family chosen on the training history's validation weeks. "
        "Baseline: the Fraud Detection Handbook's 15 features in a Random Forest, fitted on the same "
        "training weeks in the same run. Every cell is tested on the test weeks of the history named "
        "under 'tested on'.",
        "",
        *cells_table(cells),
        "",
        verdict(cells),
        "",
        "## At the operating point",
        "",
        *operating_table(cells),
        "",
        "## Curves",
        "",
        "Precision-recall and calibration (share of frauds against the mean score, ten bins of equal size) "
        "of every cell; ours solid, the baseline dashed.",
        "",
        "![precision-recall](precision_recall.png) ![calibration](calibration.png)",
        "",
        "## Histories",
        "",
        "| history | transactions | fraud rate | currency | label delay (days, split gap) | train rows | test rows | "
        "features (s) |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for name, h in about["histories"].items():
        lines.append(
            f"| {name} | {h['transactions']:,} | {h['fraud_rate']:.2%} | {h['currency']} | "
            f"{h['label_delay_days']:g} | {h['rows']['train']:,} | {h['rows']['test']:,} | {h['feature_seconds']:.0f} |"
        )
    lines += ["", "## Candidates, by validation average precision", ""]
    for name, t in about["training"].items():
        lines += [
            f"Trained on {name} ({t['seconds']:.0f} s with the baseline):",
            "",
            "| family | settings | AP | ROC AUC | fit (s) |",
            "| --- | --- | ---: | ---: | ---: |",
        ]
        for c in sorted(t["candidates"], key=lambda c: -c["validation_average_precision"]):
            settings = ", ".join(f"{k}={v}" for k, v in c["params"].items())
            mark = " **(chosen)**" if c["chosen"] else ""
            lines.append(
                f"| {c['family']}{mark} | {settings} | {c['validation_average_precision']:.3f} | "
                f"{c['validation_roc_auc']:.3f} | {c['fit_seconds']:.1f} |"
            )
        lines.append("")
    lines += [
        "## By fraud pattern",
        "",
        "Share of each pattern's test frauds scored above the threshold at which each model flags 1% of "
        "the legitimate test transactions.",
        "",
        "| trained on | tested on | pattern | test frauds | ours | baseline |",
        "| --- | --- | --- | ---: | ---: | ---: |",
    ]
    for c in cells:
        for pattern, s in c.scenarios.items():
            lines.append(
                f"| {c.trained_on} | {c.tested_on} | {pattern} | {int(s['frauds']):,} | "
                f"{s['ours_recall_at_1pct_fpr']:.2f} | {s['baseline_recall_at_1pct_fpr']:.2f} |"
            )
    return "\n".join(lines) + "\n"


def write_cross_report(folder: Path, cells: Sequence[Cell], about: dict[str, Any], command: str, load: str) -> Path:
    """report.md and cells.json in `folder`; answers the markdown file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "report.md"
    path.write_text(markdown(cells, about, command, load))
    write_cell_curves(folder, cells)
    payload = {"command": command, "load": load, "cells": [c.as_dict() for c in cells], **about}
    (folder / "cells.json").write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path
