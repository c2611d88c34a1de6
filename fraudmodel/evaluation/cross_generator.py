"""Our model against data it was not designed on: trained on each generator's history (the model family
chosen on its validation weeks, as `fraudctl train` does) and tested on the test weeks of every
history, its own and the others', next to the Handbook's 15-feature Random Forest trained on the same
training weeks in the same run.

Each history is split with its own label delay as the gap before the test weeks, and each fraud label
feeds merchant risk (ours and the Handbook's) only once it was known: the file's `labelled_at` when it
has one, else the transaction time plus the delay. The chosen model is calibrated on its validation
weeks as training calibrates it (Platt), so the report's calibration curves mean what the served
scores would; the rank-based figures (average precision, ROC AUC, recall at 1% false positives, card
precision) are the same either way."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from fraudmodel.evaluation.metrics import Metrics, evaluate
from fraudmodel.events import TxnEvent
from fraudmodel.features import compute_features
from fraudmodel.features.names import MODEL_COLUMNS
from fraudmodel.history_files import frame_to_events
from fraudmodel.training import baselines
from fraudmodel.training.candidates import FAMILIES, calibration_logit, default_candidates, select
from fraudmodel.training.export import calibrated_scores
from fraudmodel.training.split import SplitMasks, TemporalSplit, split_by_time
from fraudmodel.training.training import TrainingOptions, platt_calibration

MAX_FRAUD_WEIGHT = 10.0  # as training: frauds up-weighted at most tenfold


@dataclass(frozen=True)
class LabelledHistory:
    name: str
    frame: pd.DataFrame  # history format, sorted by occurred_at; `labelled_at` and `scenario` optional
    label_delay: timedelta  # the longest wait before a label is known: the split's gap


@dataclass(frozen=True)
class Prepared:
    history: LabelledHistory
    y: np.ndarray
    ours: np.ndarray  # our event-time features, those the model reads (names.MODEL_FEATURE_NAMES)
    handbook: np.ndarray  # the Handbook's 15
    masks: SplitMasks  # labelled rows only
    seconds: float


@dataclass(frozen=True)
class Trained:
    source: str
    model: BaseEstimator
    family: str
    params: dict[str, Any]
    candidates: list[dict[str, Any]]
    baseline: BaseEstimator
    seconds: float
    calibration: tuple[float, float] = (1.0, 0.0)  # Platt's slope and intercept on the validation weeks


@dataclass(frozen=True, eq=False)  # holds arrays
class CellScores:
    y: np.ndarray
    ours: np.ndarray  # calibrated probabilities
    baseline: np.ndarray  # the forest's vote shares


@dataclass(frozen=True)
class Cell:
    trained_on: str
    tested_on: str
    family: str
    ours: Metrics
    baseline: Metrics
    scenarios: dict[str, dict[str, float]]  # per fraud pattern: test frauds, recall at 1% FPR (ours, baseline)
    scores: CellScores | None = None  # for the report's curves; not in as_dict

    @property
    def ratio(self) -> float:
        return self.ours.average_precision / self.baseline.average_precision

    def as_dict(self) -> dict[str, Any]:
        return {
            "trained_on": self.trained_on,
            "tested_on": self.tested_on,
            "family": self.family,
            "ours": self.ours.as_dict(),
            "baseline": self.baseline.as_dict(),
            "ap_ratio_to_baseline": self.ratio,
            "scenarios": self.scenarios,
        }


def events_with_label_times(frame: pd.DataFrame) -> list[TxnEvent]:
    """The frame's events, each carrying its `labelled_at` when the file has that column."""
    events = frame_to_events(frame)
    if "labelled_at" not in frame.columns:
        return events
    known = pd.to_datetime(frame["labelled_at"], utc=True)
    return [
        replace(e, labelled_at=None if pd.isna(at) else at.to_pydatetime()) for e, at in zip(events, known, strict=True)
    ]


def prepare(history: LabelledHistory, split: TemporalSplit | None = None) -> Prepared:
    started = time.perf_counter()
    frame = history.frame
    split = split or TemporalSplit()
    split = replace(split, gap=max(split.gap, history.label_delay))
    every_feature = compute_features(events_with_label_times(frame), history.label_delay)
    handbook = baselines.handbook_features(frame, every_feature, history.label_delay)
    ours = every_feature[:, MODEL_COLUMNS]
    labelled = frame["is_fraud"].notna().to_numpy()
    masks = split_by_time(frame["occurred_at"], split)
    masks = replace(
        masks, train=masks.train & labelled, validation=masks.validation & labelled, test=masks.test & labelled
    )
    y = frame["is_fraud"].fillna(0).astype(int).to_numpy()
    for part, mask in (("train", masks.train), ("validation", masks.validation), ("test", masks.test)):
        if y[mask].sum() == 0 or y[mask].sum() == mask.sum():
            raise ValueError(f"{history.name}: the {part} period needs both fraudulent and legitimate labels")
    return Prepared(history, y, ours, handbook, masks, time.perf_counter() - started)


def train_on(data: Prepared, options: TrainingOptions, families: Sequence[str] = FAMILIES) -> Trained:
    """Our model chosen among the candidates on the validation weeks, and the Handbook baseline, both
    fitted on the same training weeks."""
    started = time.perf_counter()
    train, valid = data.masks.train, data.masks.validation
    y = data.y[train]
    weight = np.where(y == 1, min(MAX_FRAUD_WEIGHT, (len(y) - y.sum()) / max(1, y.sum())), 1.0)
    candidates = default_candidates(
        options.max_iter, options.learning_rate, options.max_leaf_nodes, options.min_samples_leaf, families
    )
    chosen = select(candidates, (data.ours[train], y, weight), (data.ours[valid], data.y[valid]), options.seed)
    calibration = platt_calibration(calibration_logit(chosen.model, data.ours[valid]), data.y[valid])
    baseline = baselines.random_forest(options.seed).fit(data.handbook[train], y)
    return Trained(
        data.history.name,
        chosen.model,
        chosen.family,
        chosen.params,
        [r.as_dict() for r in chosen.results],
        baseline,
        time.perf_counter() - started,
        calibration,
    )


def score_cell(trained: Trained, data: Prepared) -> Cell:
    test = data.masks.test
    frame = data.history.frame
    y = data.y[test]
    ours = calibrated_scores(trained.model, data.ours[test], *trained.calibration)
    baseline = trained.baseline.predict_proba(data.handbook[test])[:, 1]
    users, times = frame["user_id"].to_numpy()[test], frame["occurred_at"][test]
    amounts = frame["amount"].to_numpy(dtype=float)[test]
    scenarios = _by_scenario(frame, test, y, ours, baseline)
    return Cell(
        trained.source,
        data.history.name,
        trained.family,
        evaluate(y, ours, users, times, amounts=amounts),
        evaluate(y, baseline, users, times, amounts=amounts),
        scenarios,
        CellScores(y, ours, baseline),
    )


def _by_scenario(
    frame: pd.DataFrame, test: np.ndarray, y: np.ndarray, ours: np.ndarray, baseline: np.ndarray
) -> dict[str, dict[str, float]]:
    """Share of each fraud pattern's test frauds caught when each model flags as many legitimate
    transactions as 1% of them (its own threshold at 1% false positives)."""
    if "scenario" not in frame.columns:
        return {}
    scenario = frame["scenario"].to_numpy()[test]
    cut_ours = np.quantile(ours[y == 0], 0.99)
    cut_base = np.quantile(baseline[y == 0], 0.99)
    out = {}
    for name in sorted(set(scenario[y == 1])):
        sel = (scenario == name) & (y == 1)
        out[str(name)] = {
            "frauds": float(sel.sum()),
            "ours_recall_at_1pct_fpr": float((ours[sel] > cut_ours).mean()),
            "baseline_recall_at_1pct_fpr": float((baseline[sel] > cut_base).mean()),
        }
    return out


def cross_evaluate(
    histories: Sequence[LabelledHistory],
    options: TrainingOptions | None = None,
    families: Sequence[str] = FAMILIES,
    progress: Any = print,
) -> tuple[list[Cell], dict[str, Any]]:
    """Every history trained on and tested on every history (its own included): len(histories)**2 cells.
    Also answers what was done, for the report: per history its size, split and timings, and the
    candidates the training on it ranked."""
    options = options or TrainingOptions()
    prepared = []
    for history in histories:
        progress(f"features of {history.name}: {len(history.frame):,} transactions")
        prepared.append(prepare(history, options.split))
    trained = []
    for data in prepared:
        progress(f"training on {data.history.name}: {int(data.masks.train.sum()):,} rows, choosing the family")
        trained.append(train_on(data, options, families))
    cells = [score_cell(t, data) for t in trained for data in prepared]
    about = {
        "histories": {
            d.history.name: {
                "transactions": len(d.history.frame),
                "fraud_rate": float(d.y.mean()),
                "currency": ", ".join(sorted(set(d.history.frame["currency"]))),
                "label_delay_days": d.history.label_delay.total_seconds() / 86400,
                "split": d.masks.boundaries,
                "rows": {"train": int(d.masks.train.sum()), "test": int(d.masks.test.sum())},
                "feature_seconds": d.seconds,
            }
            for d in prepared
        },
        "training": {
            t.source: {"family": t.family, "params": t.params, "candidates": t.candidates, "seconds": t.seconds}
            for t in trained
        },
    }
    return cells, about
