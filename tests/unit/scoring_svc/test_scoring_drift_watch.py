"""Scoring's drift watch on a model trained here: traffic of the weeks its references were taken from
reads as stable, amounts ten times larger read as shifted in the gauges a scrape sees, and a newly
active model starts from an empty window."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from prometheus_client import CollectorRegistry

from fraudmodel.events import TxnEvent
from fraudmodel.features import FEATURE_INDEX, FEATURE_NAMES, compute_features
from fraudmodel.serving.registry import LoadedModel
from scoring_svc.drift_watch import DriftWatch
from scoring_svc.metrics import ScoringMetrics


@pytest.fixture(scope="module")
def rows(small_events: list[TxnEvent]) -> np.ndarray:
    return compute_features(small_events, timedelta(days=7), progress=False)


def validation_weeks(model_dir: Path, events: list[TxnEvent], rows: np.ndarray) -> np.ndarray:
    """The labelled rows of the weeks training validated on: the score's reference is theirs, and the
    features' (taken over the training weeks just before) describe the same traffic. Later weeks of
    the small history are not like them: its customers' 30-day windows are still filling in the first."""
    split = json.loads((model_dir / "metadata.json").read_text())["data"]["split"]
    start, end = datetime.fromisoformat(split["validation_from"]), datetime.fromisoformat(split["gap_from"])
    return rows[np.array([start <= event.occurred_at < end and event.label is not None for event in events])]


def gauge(metrics: ScoringMetrics, feature: str) -> float | None:
    return metrics.registry.get_sample_value("fraudmesh_model_population_stability", {"feature": feature})


def test_training_records_a_reference_for_the_score_and_every_feature(model_dir: Path):
    reference = json.loads((model_dir / "metadata.json").read_text())["drift_reference"]
    assert set(reference["features"]) == set(FEATURE_NAMES)  # the model's inputs and those rules read
    for ref in [reference["score"], *reference["features"].values()]:
        assert len(ref["proportions"]) == len(ref["edges"]) + 1 <= 10
        assert sum(ref["proportions"]) == pytest.approx(1.0)


def test_traffic_like_the_training_data_is_stable_and_larger_amounts_are_shifted(
    model_dir: Path, small_events: list[TxnEvent], rows: np.ndarray
):
    model = LoadedModel(model_dir)
    metrics = ScoringMetrics(CollectorRegistry())
    recent = validation_weeks(model_dir, small_events, rows)
    size, half = len(recent), len(recent) // 2
    assert size > 1000, size
    watch = DriftWatch(capacity=size, min_transactions=half + 1, metrics=metrics)
    watch.observe(model, recent[:half], model.scores(recent[:half]))  # below the minimum: nothing said yet
    assert gauge(metrics, "amount") is None
    assert watch.view().stability == {}
    watch.observe(model, recent[half:], model.scores(recent[half:]))
    assert metrics.registry.get_sample_value("fraudmesh_model_drift_window_transactions") == size
    assert gauge(metrics, "amount") < 0.1
    assert gauge(metrics, "score") < 0.1

    shifted = recent.copy()
    shifted[:, FEATURE_INDEX["amount"]] *= 10
    watch.observe(model, shifted, model.scores(shifted))
    assert gauge(metrics, "amount") > 0.25
    view = watch.view()
    assert view.model_version == model.version and view.window_transactions == size
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
