"""Training: features over a labelled history, temporal split, the model family and settings chosen
by average precision on the validation weeks (candidates.py) with frauds up-weighted, Platt
calibration and thresholds on the validation weeks, metrics on the test weeks, the baselines on the
same split, and a new model version folder (ONNX + metadata + report)."""

from __future__ import annotations

import hashlib
import logging
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pandas as pd
import sklearn
from sklearn.base import BaseEstimator
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from fraudmodel.drift.reference import drift_reference
from fraudmodel.evaluation.metrics import Metrics, evaluate, recall_by_scenario
from fraudmodel.events import TxnEvent
from fraudmodel.features import DEFAULT_LABEL_DELAY, compute_features
from fraudmodel.features.names import FEATURE_DEFINITIONS, FEATURE_NAMES, MODEL_COLUMNS, MODEL_FEATURE_NAMES
from fraudmodel.history_files import frame_to_events, read_history
from fraudmodel.training import baselines
from fraudmodel.training.candidates import FAMILIES, calibration_logit, default_candidates, select
from fraudmodel.training.export import calibrated_scores, to_onnx
from fraudmodel.training.split import SplitMasks, TemporalSplit, split_by_time
from fraudmodel.training.thresholds import Thresholds, calibrate_thresholds

log = logging.getLogger(__name__)

MAX_FRAUD_WEIGHT = 10.0  # up-weight frauds, at most tenfold; calibration undoes the bias afterwards
ONNX_TOLERANCE = 1e-5
IMPORTANCE_SAMPLE = 20_000
OURS = "ours: event-time features, the family chosen on the validation weeks"


@dataclass(frozen=True)
class TrainingOptions:
    split: TemporalSplit = field(default_factory=TemporalSplit)
    label_delay: timedelta = DEFAULT_LABEL_DELAY
    max_iter: int = 250
    learning_rate: float = 0.06
    max_leaf_nodes: int = 31
    min_samples_leaf: int = 40
    seed: int = 0
    # The families training chooses among (candidates.FAMILIES: all of them by default).
    families: tuple[str, ...] = FAMILIES
    # OpenMP threads for the gradient-boosting fit. One by default: on a busy 2-core machine, two
    # OpenMP threads spin against other processes and the fit gets many times slower, not faster.
    threads: int = 1
    baselines: bool = True
    report: bool = True
    progress: bool = True


@dataclass
class TrainingResult:
    version: str
    folder: Path
    metrics: Metrics
    baseline_metrics: dict[str, Metrics]
    thresholds: Thresholds
    metadata: dict[str, Any]
    candidates: list[dict[str, Any]] = field(default_factory=list)


def fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def train_from_file(data: Path, out_dir: Path, options: TrainingOptions | None = None) -> TrainingResult:
    frame = read_history(data)
    return train(frame, out_dir, options or TrainingOptions(), data_fingerprint=fingerprint(data), source=str(data))


def train(
    frame: pd.DataFrame,
    out_dir: Path,
    options: TrainingOptions,
    *,
    data_fingerprint: str | None = None,
    source: str = "frame",
    events: list[TxnEvent] | None = None,
) -> TrainingResult:
    with threadpool_limits(limits=options.threads):
        return _train(frame, out_dir, options, data_fingerprint=data_fingerprint, source=source, events=events)


def _train(
    frame: pd.DataFrame,
    out_dir: Path,
    options: TrainingOptions,
    *,
    data_fingerprint: str | None,
    source: str,
    events: list[TxnEvent] | None,
) -> TrainingResult:
    created_at = datetime.now(UTC).replace(microsecond=0)
    stages = tqdm(total=7, desc="train", unit="stage", disable=not options.progress)
    events = events if events is not None else frame_to_events(frame)
    stages.set_postfix_str("features")
    all_features = compute_features(events, options.label_delay, progress=options.progress)
    features = all_features[:, MODEL_COLUMNS]  # what the model reads (names.MODEL_FEATURE_NAMES)
    stages.update()

    labelled = frame["is_fraud"].notna().to_numpy()
    y = frame["is_fraud"].fillna(0).astype(int).to_numpy()
    masks = split_by_time(frame["occurred_at"], options.split)
    train_m, valid_m, test_m = (m & labelled for m in (masks.train, masks.validation, masks.test))
    for name, m in (("train", train_m), ("validation", valid_m), ("test", test_m)):
        if y[m].sum() == 0 or y[m].sum() == m.sum():
            raise ValueError(f"the {name} period needs both fraudulent and legitimate labelled transactions")

    stages.set_postfix_str("choose")
    candidates = default_candidates(
        options.max_iter, options.learning_rate, options.max_leaf_nodes, options.min_samples_leaf, options.families
    )
    weight = np.where(y[train_m] == 1, _fraud_weight(y[train_m]), 1.0)
    selection = select(
        candidates, (features[train_m], y[train_m], weight), (features[valid_m], y[valid_m]), options.seed
    )
    model = selection.model
    log.info("chose %s %s", selection.family, selection.params)
    stages.update()

    stages.set_postfix_str("calibrate")
    slope, intercept = platt_calibration(calibration_logit(model, features[valid_m]), y[valid_m])
    valid_scores = calibrated_scores(model, features[valid_m], slope, intercept)
    thresholds = calibrate_thresholds(y[valid_m], valid_scores)
    stages.update()

    stages.set_postfix_str("evaluate")
    test_scores = calibrated_scores(model, features[test_m], slope, intercept)
    users = frame["user_id"].to_numpy()
    times = frame["occurred_at"]
    amounts = frame["amount"].to_numpy(dtype=float)
    metrics = evaluate(
        y[test_m], test_scores, users[test_m], times[test_m], thresholds.review, thresholds.decline, amounts[test_m]
    )
    importance = permutation_importance(
        model,
        features[valid_m],
        y[valid_m],
        scoring="average_precision",
        n_repeats=2,
        max_samples=min(1.0, IMPORTANCE_SAMPLE / max(1, int(valid_m.sum()))),
        random_state=options.seed,
    ).importances_mean
    stages.update()

    stages.set_postfix_str("baselines")
    baseline_metrics: dict[str, Metrics] = {}
    baseline_scores: dict[str, np.ndarray] = {}
    if options.baselines:
        for name, matrix in (
            ("old system: 4 features, random forest", baselines.old_system_features(all_features)),
            (
                "Handbook: 15 features, random forest",
                baselines.handbook_features(frame, all_features, options.label_delay),
            ),
            # Our features in the design's first model family: shows what the boosted trees add.
            ("our features, random forest", features),
        ):
            rf = baselines.random_forest(options.seed).fit(matrix[train_m], y[train_m])
            scores = rf.predict_proba(matrix[test_m])[:, 1]
            baseline_scores[name] = scores
            baseline_metrics[name] = evaluate(y[test_m], scores, users[test_m], times[test_m], amounts=amounts[test_m])
    stages.update()

    stages.set_postfix_str("export")
    version = _version_name(created_at, data_fingerprint or "")
    folder = out_dir / version
    folder.mkdir(parents=True, exist_ok=False)
    onnx_model = to_onnx(model, len(MODEL_FEATURE_NAMES), slope, intercept, f"fraud score, version {version}")
    _check_onnx(onnx_model, model, features[test_m][:2000], slope, intercept)
    onnx.save(onnx_model, folder / "model.onnx")
    served_valid_scores = _served_scores(onnx_model, features[valid_m])

    medians = np.median(features[train_m], axis=0)
    reference_values = {n: float(v) for n, v in zip(MODEL_FEATURE_NAMES, medians, strict=True)}
    metadata = {
        "version": version,
        "created_at": created_at.isoformat(),
        "feature_names": list(MODEL_FEATURE_NAMES),
        "feature_definitions": FEATURE_DEFINITIONS,
        "thresholds": {"review": thresholds.review, "decline": thresholds.decline, "policy": thresholds.policy},
        "calibration": {"method": "platt on the validation weeks", "slope": slope, "intercept": intercept},
        "reference_values": reference_values,
        "feature_importance": {n: float(v) for n, v in zip(MODEL_FEATURE_NAMES, importance, strict=True)},
        # What scoring's drift watch compares live traffic with. The scores are those of the
        # validation weeks, which the model did not fit: on its own training rows a forest scores
        # with a confidence live traffic never sees, and the score would look shifted from day one.
        # They are the served model's: a forest's float32 probabilities sit a rounding away from
        # scikit-learn's, and the many equal low scores would fall on the other side of a decile edge.
        "drift_reference": drift_reference(
            FEATURE_NAMES,  # every feature, not only the model's: rules and reasons read them too
            all_features[train_m],
            served_valid_scores,
            "deciles: features over the training weeks, calibrated scores over the validation weeks",
        ),
        "metrics": metrics.as_dict(),
        "baselines": {name: m.as_dict() for name, m in baseline_metrics.items()},
        # Per fraud pattern, when the history names them (the generators' `scenario` column).
        "scenarios": (
            recall_by_scenario(y[test_m], frame["scenario"].to_numpy()[test_m], {OURS: test_scores, **baseline_scores})
            if "scenario" in frame.columns
            else {}
        ),
        "data": {
            "source": source,
            "fingerprint_sha256": data_fingerprint,
            "transactions": len(frame),
            "labelled": int(labelled.sum()),
            "frauds": int(y[labelled].sum()),
            "split": masks.boundaries,
            "rows": {"train": int(train_m.sum()), "validation": int(valid_m.sum()), "test": int(test_m.sum())},
        },
        "label_delay_days": options.label_delay.total_seconds() / 86400,
        "training": {
            "family": selection.family,
            "estimator": type(model[-1] if hasattr(model, "steps") else model).__name__,
            "params": selection.params,
            "fraud_weight": _fraud_weight(y[train_m]),
            "seed": options.seed,
            "chosen_by": "average precision on the validation weeks",
            "candidates": [result.as_dict() for result in selection.results],
        },
        "libraries": _library_versions(),
    }
    _write_json(folder / "metadata.json", metadata)
    if options.report:
        from fraudmodel.evaluation.report import write_report

        write_report(folder, metadata, y[test_m], test_scores, baseline_scores, y[valid_m], valid_scores)
    stages.update()
    stages.close()
    candidates_table = [result.as_dict() for result in selection.results]
    return TrainingResult(version, folder, metrics, baseline_metrics, thresholds, metadata, candidates_table)


def _fraud_weight(y: np.ndarray) -> float:
    return float(min(MAX_FRAUD_WEIGHT, (len(y) - y.sum()) / max(1, y.sum())))


def platt_calibration(logit: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Map the weighted model's logit to a probability on the true class balance of the validation weeks."""
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(logit.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def _served_scores(onnx_model: onnx.ModelProto, rows: np.ndarray) -> np.ndarray:
    from fraudmodel.serving.onnx_session import OnnxScorer

    return OnnxScorer(onnx_model.SerializeToString()).scores(rows)


def _check_onnx(
    onnx_model: onnx.ModelProto,
    model: BaseEstimator,
    sample: np.ndarray,
    slope: float,
    intercept: float,
) -> None:
    got = _served_scores(onnx_model, sample)
    want = calibrated_scores(model, sample, slope, intercept)
    worst = float(np.max(np.abs(got - want))) if len(sample) else 0.0
    if worst > ONNX_TOLERANCE:
        raise RuntimeError(f"exported ONNX model differs from scikit-learn by {worst:.2e} (> {ONNX_TOLERANCE})")


def _version_name(created_at: datetime, data_fingerprint: str) -> str:
    return created_at.strftime("%Y%m%dT%H%M%SZ") + (f"-{data_fingerprint[:8]}" if data_fingerprint else "")


def _library_versions() -> dict[str, str]:
    import onnxruntime

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scikit-learn": sklearn.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
    }


def _write_json(path: Path, data: dict[str, Any]) -> None:
    import json

    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")


__all__ = ["SplitMasks", "TrainingOptions", "TrainingResult", "train", "train_from_file"]
