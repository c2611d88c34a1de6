"""The evaluation report of a model version: report.md with PNG plots beside it (precision-recall,
ROC and calibration curves against the baselines, score distributions by class, feature importance,
and precision and alert volume per threshold), and the test weeks' figures per fraud pattern.
Figures are drawn without pyplot's global state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from sklearn.calibration import calibration_curve
from sklearn.metrics import precision_recall_curve, roc_curve

from fraudmodel.evaluation.metrics import Metrics, format_metrics
from fraudmodel.training.training import OURS


def write_report(
    folder: Path,
    metadata: dict[str, Any],
    y_test: np.ndarray,
    test_scores: np.ndarray,
    baseline_scores: dict[str, np.ndarray],
    y_valid: np.ndarray,
    valid_scores: np.ndarray,
) -> None:
    curves = {OURS: test_scores, **baseline_scores}
    _pr_curves(folder / "precision_recall.png", y_test, curves)
    _roc_curves(folder / "roc.png", y_test, curves)
    _calibration(folder / "calibration.png", y_test, curves)
    _score_distributions(folder / "score_distribution.png", y_test, test_scores, metadata["thresholds"])
    _importance(folder / "feature_importance.png", metadata["feature_importance"])
    _per_threshold(folder / "thresholds.png", y_valid, valid_scores, metadata["thresholds"])
    (folder / "report.md").write_text(_markdown(metadata))


def _markdown(md: dict[str, Any]) -> str:
    m = md["metrics"]
    rows = [(OURS, m), *md["baselines"].items()]
    table = [
        "| model | average precision | ROC AUC | recall at 1% FPR | amount recall at 1% FPR | "
        "card precision top-100/day |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in rows:
        table.append(
            f"| {name} | {r['average_precision']:.4f} | {r['roc_auc']:.4f} | {r['recall_at_1pct_fpr']:.4f} | "
            f"{_figure_or_dash(r.get('amount_recall_at_1pct_fpr'))} | {r['card_precision_top100_per_day']:.4f} |"
        )
    data = md["data"]
    split = data["split"]
    th = md["thresholds"]
    top = sorted(md["feature_importance"].items(), key=lambda kv: -kv[1])[:10]
    metrics_obj = Metrics(**m)
    lines = [
        f"# Model {md['version']}",
        "",
        f"Created {md['created_at']} from `{data['source']}` (sha256 `{data['fingerprint_sha256']}`): "
        f"{data['transactions']:,} transactions, {data['frauds']:,} labelled fraudulent.",
        "",
        "## Split (event time)",
        "",
        f"- burn-in (feature state only): {split['start']} to {split['train_from']}",
        f"- train: {split['train_from']} to {split['validation_from']} ({data['rows']['train']:,} rows)",
        f"- validation (calibration, thresholds): {split['validation_from']} to {split['gap_from']} "
        f"({data['rows']['validation']:,} rows)",
        f"- gap of one label delay ({md['label_delay_days']:g} days): {split['gap_from']} to {split['test_from']}",
        f"- test: {split['test_from']} to {split['end']} ({data['rows']['test']:,} rows)",
        "",
        "## Model chosen on the validation weeks",
        "",
        *_candidates_table(md["training"]),
        "",
        "## Test weeks",
        "",
        *table,
        "",
        "```",
        format_metrics(OURS, metrics_obj),
        "```",
        "",
        f"Thresholds: review {th['review']:.4f}, decline {th['decline']:.4f} ({th['policy']}).",
        "",
        "![precision-recall](precision_recall.png) ![ROC](roc.png)",
        "",
        "Calibration: the share of frauds among test transactions against the score they were given "
        "(ten bins of equal size per model). A calibrated model lies on the diagonal; the forests' "
        "scores are vote shares, not probabilities.",
        "",
        "![calibration](calibration.png)",
        "",
        *_scenarios_table(md.get("scenarios", {})),
        "![score distribution](score_distribution.png) ![thresholds](thresholds.png)",
        "",
        "## Feature importance",
        "",
        "Permutation importance on the validation weeks: drop in average precision when a feature is shuffled.",
        "",
        "| feature | importance |",
        "| --- | ---: |",
        *[f"| {name} | {value:.4f} |" for name, value in top],
        "",
        "![feature importance](feature_importance.png)",
        "",
    ]
    return "\n".join(lines)


def _figure_or_dash(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _scenarios_table(scenarios: dict[str, dict[str, float]]) -> list[str]:
    """Per fraud pattern, the share of its test frauds each model catches at 1% false positives."""
    if not scenarios:
        return []
    models = [name for name in next(iter(scenarios.values())) if name != "frauds"]
    return [
        "## By fraud pattern, test weeks",
        "",
        "Share of each pattern's frauds each model catches at its own threshold for 1% false positives.",
        "",
        "| pattern | frauds | " + " | ".join(models) + " |",
        "| --- | ---: | " + " | ".join("---:" for _ in models) + " |",
        *(
            f"| {pattern} | {int(row['frauds']):,} | " + " | ".join(f"{row[m]:.3f}" for m in models) + " |"
            for pattern, row in scenarios.items()
        ),
        "",
    ]


def _candidates_table(training: dict[str, Any]) -> list[str]:
    rows = [
        f"Served: {training['family']} ({training['estimator']}), chosen by {training['chosen_by']}.",
        "",
        "| family | settings | average precision | ROC AUC | fit (s) | scoring (s) |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for c in training["candidates"]:
        settings = ", ".join(f"{key}={value}" for key, value in c["params"].items())
        mark = " **(chosen)**" if c["chosen"] else ""
        rows.append(
            f"| {c['family']}{mark} | {settings} | {c['validation_average_precision']:.4f} | "
            f"{c['validation_roc_auc']:.4f} | {c['fit_seconds']:.1f} | {c['score_seconds']:.2f} |"
        )
    return rows


def _figure(width: float = 6, height: float = 4.5) -> tuple[Figure, Any]:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return fig, fig.add_subplot()


def _pr_curves(path: Path, y: np.ndarray, curves: dict[str, np.ndarray]) -> None:
    fig, ax = _figure()
    for name, scores in curves.items():
        precision, recall, _ = precision_recall_curve(y, scores)
        ax.plot(recall, precision, label=name, linewidth=1.5 if name == OURS else 1)
    ax.axhline(y.mean(), color="grey", linestyle=":", label=f"fraud rate {y.mean():.2%}")
    ax.set(xlabel="recall", ylabel="precision", title="Precision-recall, test weeks", xlim=(0, 1), ylim=(0, 1.02))
    ax.legend(fontsize=7)
    fig.savefig(path)


def _roc_curves(path: Path, y: np.ndarray, curves: dict[str, np.ndarray]) -> None:
    fig, ax = _figure()
    for name, scores in curves.items():
        fpr, tpr, _ = roc_curve(y, scores)
        ax.plot(fpr, tpr, label=name, linewidth=1.5 if name == OURS else 1)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":")
    ax.axvline(0.01, color="grey", linestyle="--", linewidth=0.8, label="1% false positive rate")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC, test weeks")
    ax.legend(fontsize=7)
    fig.savefig(path)


def _calibration(path: Path, y: np.ndarray, curves: dict[str, np.ndarray]) -> None:
    fig, ax = _figure()
    for name, scores in curves.items():
        observed, predicted = calibration_curve(y, np.clip(scores, 0, 1), n_bins=10, strategy="quantile")
        ax.plot(predicted, observed, marker="o", markersize=3, label=name, linewidth=1.5 if name == OURS else 1)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfectly calibrated")
    ax.set(xlabel="mean score in the bin", ylabel="share of frauds in the bin", title="Calibration, test weeks")
    # Most transactions score near 0: a linear axis would crowd nine of the ten bins into one corner.
    ax.set_xscale("symlog", linthresh=1e-3)
    ax.set_yscale("symlog", linthresh=1e-3)
    ax.legend(fontsize=7)
    fig.savefig(path)


def _score_distributions(path: Path, y: np.ndarray, scores: np.ndarray, thresholds: dict[str, Any]) -> None:
    fig, ax = _figure()
    bins = np.linspace(0, 1, 51)
    ax.hist(scores[y == 0], bins=bins, alpha=0.6, label="legitimate", density=True, log=True)
    ax.hist(scores[y == 1], bins=bins, alpha=0.6, label="fraud", density=True, log=True)
    ax.axvline(thresholds["review"], color="orange", linestyle="--", label="review")
    ax.axvline(thresholds["decline"], color="red", linestyle="--", label="decline")
    ax.set(xlabel="calibrated score", ylabel="density (log)", title="Scores by class, test weeks")
    ax.legend(fontsize=7)
    fig.savefig(path)


def _importance(path: Path, importance: dict[str, float]) -> None:
    items = sorted(importance.items(), key=lambda kv: kv[1])
    fig, ax = _figure(6, 7)
    ax.barh([k for k, _ in items], [v for _, v in items])
    ax.set(xlabel="drop in average precision when shuffled", title="Permutation importance, validation weeks")
    ax.tick_params(axis="y", labelsize=7)
    fig.savefig(path)


def _per_threshold(path: Path, y: np.ndarray, scores: np.ndarray, thresholds: dict[str, Any]) -> None:
    cuts = np.unique(np.quantile(scores, np.linspace(0.9, 0.99999, 200)))
    precision = np.array([(y[scores >= c] == 1).mean() if (scores >= c).any() else np.nan for c in cuts])
    alerts = np.array([(scores >= c).mean() for c in cuts])
    fig, ax = _figure()
    (line_p,) = ax.plot(cuts, precision, label="precision")
    ax.set(
        xlabel="threshold",
        ylabel="precision",
        title="Precision and alert volume per threshold, validation weeks",
        xscale="log",
    )
    twin = ax.twinx()
    (line_a,) = twin.plot(cuts, alerts * 100, color="tab:green", label="alert volume (% of transactions)")
    twin.set_ylabel("alert volume, % of transactions")
    line_r = ax.axvline(thresholds["review"], color="orange", linestyle="--", label="review threshold")
    line_d = ax.axvline(thresholds["decline"], color="red", linestyle="--", label="decline threshold")
    ax.legend(handles=[line_p, line_a, line_r, line_d], fontsize=7, loc="center left")
    fig.savefig(path)
