"""Scoring's drift watch on a model trained here: traffic like its training data reads as stable,
amounts ten times larger read as shifted in the gauges a scrape sees, and a newly active model
starts from an empty window."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from prometheus_client import CollectorRegistry

from fraudmodel.events import TxnEvent
from fraudmodel.features import FEATURE_INDEX, compute_features
from fraudmodel.serving.registry import LoadedModel
from scoring_svc.drift_watch import DriftWatch
from scoring_svc.metrics import ScoringMetrics


@pytest.fixture(scope="module")
def rows(small_events: list[TxnEvent]) -> np.ndarray:
    return compute_features(small_events, timedelta(days=7), progress=False)


def gauge(metrics: ScoringMetrics, feature: str) -> float | None:
    return metrics.registry.get_sample_value("fraudmesh_model_population_stability", {"feature": feature})


def test_training_records_a_reference_for_the_score_and_every_feature(model_dir: Path):
    reference = json.loads((model_dir / "metadata.json").read_text())["drift_reference"]
    model = LoadedModel(model_dir)
    assert set(reference["features"]) == set(model.feature_names)
    for ref in [reference["score"], *reference["features"].values()]:
        assert len(ref["proportions"]) == len(ref["edges"]) + 1 <= 10
        assert sum(ref["proportions"]) == pytest.approx(1.0)


def test_traffic_like_the_training_data_is_stable_and_larger_amounts_are_shifted(model_dir: Path, rows: np.ndarray):
    model = LoadedModel(model_dir)
    metrics = ScoringMetrics(CollectorRegistry())
    watch = DriftWatch(capacity=5000, min_transactions=2000, metrics=metrics)
    recent = rows[-5000:]
    for start in range(0, 1500, 500):  # below the minimum: nothing said yet
        watch.observe(model, recent[start : start + 500], model.scores(recent[start : start + 500]))
    assert gauge(metrics, "amount") is None
    assert watch.view().stability == {}
    for start in range(1500, 5000, 500):
        watch.observe(model, recent[start : start + 500], model.scores(recent[start : start + 500]))
    assert metrics.registry.get_sample_value("fraudmesh_model_drift_window_transactions") == 5000
    assert gauge(metrics, "amount") < 0.1
    assert gauge(metrics, "score") < 0.1

    shifted = recent.copy()
    shifted[:, FEATURE_INDEX["amount"]] *= 10
    for start in range(0, 5000, 500):
        watch.observe(model, shifted[start : start + 500], model.scores(shifted[start : start + 500]))
    assert gauge(metrics, "amount") > 0.25
    view = watch.view()
    assert view.model_version == model.version and view.window_transactions == 5000
    assert view.stability["amount"] == gauge(metrics, "amount")
    assert next(iter(view.stability)) == "score"


def test_a_new_active_model_starts_an_empty_window(model_dir: Path, rows: np.ndarray, tmp_path: Path):
    model = LoadedModel(model_dir)
    other_dir = tmp_path / "other-version"
    shutil.copytree(model_dir, other_dir)
    other = LoadedModel(other_dir)
    metrics = ScoringMetrics(CollectorRegistry())
    watch = DriftWatch(capacity=1000, min_transactions=100, metrics=metrics)
    watch.observe(model, rows[:1000], model.scores(rows[:1000]))
    assert gauge(metrics, "amount") is not None
    watch.observe(other, rows[:50], other.scores(rows[:50]))
    assert gauge(metrics, "amount") is None  # the first model's figures are gone with it
    assert watch.view().model_version == "other-version" and watch.view().window_transactions == 50


def test_a_model_without_references_is_not_watched(model_dir: Path, rows: np.ndarray, tmp_path: Path):
    old = tmp_path / "old-version"
    shutil.copytree(model_dir, old)
    metadata = json.loads((old / "metadata.json").read_text())
    del metadata["drift_reference"]
    (old / "metadata.json").write_text(json.dumps(metadata))
    model = LoadedModel(old)
    watch = DriftWatch(capacity=1000, min_transactions=10)
    watch.observe(model, rows[:100], model.scores(rows[:100]))
    assert watch.view() is None
