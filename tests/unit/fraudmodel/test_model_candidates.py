"""Training chooses the model family on the validation weeks, and whichever it chooses is served
through ONNX scoring like scikit-learn itself."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from fraudmodel.serving.onnx_session import OnnxScorer
from fraudmodel.training.candidates import (
    FAMILIES,
    GRADIENT_BOOSTING,
    LOGISTIC_REGRESSION,
    RANDOM_FOREST,
    default_candidates,
    select,
)
from fraudmodel.training.export import calibrated_scores, to_onnx


def _data(rng: np.random.Generator, rows: int, interaction: bool) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(size=(rows, 5))
    signal = x[:, 0] * x[:, 1] * 3 if interaction else x[:, 0] * 2 + x[:, 1]
    y = (signal + rng.normal(size=rows) * 0.5 > 2.0).astype(int)
    return x, y


def _select(interaction: bool, families: tuple[str, ...] = FAMILIES):
    rng = np.random.default_rng(7)
    x, y = _data(rng, 6000, interaction)
    xv, yv = _data(rng, 3000, interaction)
    candidates = default_candidates(60, 0.1, 15, 20, families)
    return select(candidates, (x, y, np.ones(len(y))), (xv, yv), seed=0)


def test_the_chosen_candidate_has_the_best_validation_average_precision() -> None:
    selection = _select(interaction=True)
    assert {r.family for r in selection.results} == set(FAMILIES)
    (chosen,) = [r for r in selection.results if r.chosen]
    assert chosen.average_precision == max(r.average_precision for r in selection.results)
    assert (selection.family, selection.params) == (chosen.family, chosen.params)
    # A product of two features is beyond a linear model: a tree family must win.
    assert selection.family in {GRADIENT_BOOSTING, RANDOM_FOREST}
    linear = [r for r in selection.results if r.family == LOGISTIC_REGRESSION]
    assert linear[0].average_precision < chosen.average_precision
    assert all(r.fit_seconds > 0 for r in selection.results)


def test_families_can_be_limited_and_unknown_ones_are_refused() -> None:
    selection = _select(interaction=False, families=(LOGISTIC_REGRESSION,))
    assert [r.family for r in selection.results] == [LOGISTIC_REGRESSION]
    with pytest.raises(ValueError, match="unknown model families"):
        default_candidates(10, 0.1, 15, 20, ("deep learning",))


@pytest.mark.parametrize(
    "model",
    [
        RandomForestClassifier(n_estimators=40, min_samples_leaf=3, random_state=0),
        make_pipeline(StandardScaler(), LogisticRegression()),
    ],
    ids=["random forest", "logistic regression"],
)
def test_served_graph_scores_like_scikit_learn(model) -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(size=(8000, 5)) * 1000 + rng.random((8000, 5))
    y = ((x[:, 0] + rng.normal(size=8000) * 500) > 1500).astype(int)
    model.fit(x, y)
    rows = x[:3000].copy()
    if isinstance(model, RandomForestClassifier):
        # Values on and right beside the first tree's splits, where float32 and float64 part ways.
        tree = model.estimators_[0].tree_
        splits = np.flatnonzero(tree.feature >= 0)
        on_split = np.tile(np.median(x, axis=0), (len(splits) * 3, 1))
        for k, node in enumerate(splits):
            for j, nudge in enumerate((-1e-9, 0.0, 1e-9)):
                on_split[3 * k + j, tree.feature[node]] = tree.threshold[node] * (1 + nudge)
        rows = np.vstack([rows, on_split])
    scorer = OnnxScorer(to_onnx(model, 5, 0.8, -0.5, "test").SerializeToString())
    assert np.max(np.abs(scorer.scores(rows) - calibrated_scores(model, rows, 0.8, -0.5))) < 1e-5
    # Uncalibrated, the graph gives the model's own probability (a forest's, clipped away from 0 and 1).
    plain = OnnxScorer(to_onnx(model, 5, 1.0, 0.0, "test").SerializeToString()).scores(rows)
    assert np.max(np.abs(plain - np.clip(model.predict_proba(rows)[:, 1], 1e-6, 1 - 1e-6))) < 1e-5


def test_a_confident_linear_model_is_served_like_scikit_learn() -> None:
    # Probabilities within 1e-6 of 0 or 1, calibrated by a small slope back into the middle: there
    # a float32 log(1 - p) moved the served score by 1e-3.
    rng = np.random.default_rng(5)
    x = rng.normal(size=(6000, 5))
    y = (x[:, 0] > 0).astype(int)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=100.0)).fit(x, y)
    rows = x[:2000] * 3
    assert np.mean(np.abs(model.predict_proba(rows)[:, 1] - 0.5) > 0.5 - 1e-5) > 0.5
    scorer = OnnxScorer(to_onnx(model, 5, 0.1, 0.2, "test").SerializeToString())
    assert np.max(np.abs(scorer.scores(rows) - calibrated_scores(model, rows, 0.1, 0.2))) < 1e-5
