"""The model families training chooses among, on the validation weeks of the history it is given:
gradient boosting (two settings), Random Forest (two) and a scaled logistic regression as the
baseline every other must beat. Each is fitted on the training weeks with frauds up-weighted, scored
on the validation weeks and ranked by average precision; the best one is calibrated and served.

No family is fixed in code because which one wins depends on the data: on our own simulator the
boosted trees win, on a terminal-based history with compromised terminals a forest can."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from fraudmodel.training.sklearn_export import probability_logit

GRADIENT_BOOSTING = "gradient boosting"
RANDOM_FOREST = "random forest"
LOGISTIC_REGRESSION = "logistic regression"
FAMILIES = (GRADIENT_BOOSTING, RANDOM_FOREST, LOGISTIC_REGRESSION)


@dataclass(frozen=True)
class Candidate:
    family: str
    params: dict[str, Any]
    build: Callable[[int], BaseEstimator]

    def fit(self, x: np.ndarray, y: np.ndarray, weight: np.ndarray, seed: int) -> BaseEstimator:
        model = self.build(seed)
        if isinstance(model, Pipeline):
            model.fit(x, y, **{f"{model.steps[-1][0]}__sample_weight": weight})
        else:
            model.fit(x, y, sample_weight=weight)
        return model


@dataclass
class CandidateResult:
    family: str
    params: dict[str, Any]
    average_precision: float  # on the validation weeks
    roc_auc: float
    fit_seconds: float
    score_seconds: float
    chosen: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "params": self.params,
            "validation_average_precision": self.average_precision,
            "validation_roc_auc": self.roc_auc,
            "fit_seconds": self.fit_seconds,
            "score_seconds": self.score_seconds,
            "chosen": self.chosen,
        }


@dataclass
class Selection:
    results: list[CandidateResult]
    model: BaseEstimator  # the chosen one, fitted on the training weeks
    family: str
    params: dict[str, Any] = field(default_factory=dict)


def _gradient_boosting(max_iter: int, learning_rate: float, max_leaf_nodes: int, min_samples_leaf: int) -> Candidate:
    params = {
        "max_iter": max_iter,
        "learning_rate": learning_rate,
        "max_leaf_nodes": max_leaf_nodes,
        "min_samples_leaf": min_samples_leaf,
    }
    return Candidate(
        GRADIENT_BOOSTING,
        params,
        lambda seed: HistGradientBoostingClassifier(
            **params, l2_regularization=1.0, early_stopping=False, random_state=seed
        ),
    )


def _random_forest(n_estimators: int, min_samples_leaf: int) -> Candidate:
    params = {"n_estimators": n_estimators, "min_samples_leaf": min_samples_leaf, "max_features": "sqrt"}
    return Candidate(
        RANDOM_FOREST,
        params,
        lambda seed: RandomForestClassifier(**params, n_jobs=1, random_state=seed),
    )


def _logistic_regression(c: float) -> Candidate:
    params = {"C": c, "scaled": True}
    return Candidate(
        LOGISTIC_REGRESSION,
        params,
        lambda seed: make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000, random_state=seed)),
    )


def default_candidates(
    max_iter: int, learning_rate: float, max_leaf_nodes: int, min_samples_leaf: int, families: Sequence[str] = FAMILIES
) -> list[Candidate]:
    candidates = [
        _gradient_boosting(max_iter, learning_rate, max_leaf_nodes, min_samples_leaf),
        _gradient_boosting(max_iter, learning_rate * 2, max(7, max_leaf_nodes // 2), min_samples_leaf * 2),
        _random_forest(150, 3),
        _random_forest(150, 10),
        _logistic_regression(1.0),
    ]
    unknown = set(families) - set(FAMILIES)
    if unknown:
        raise ValueError(f"unknown model families {sorted(unknown)}; known: {', '.join(FAMILIES)}")
    return [candidate for candidate in candidates if candidate.family in families]


def calibration_logit(model: BaseEstimator, features: np.ndarray) -> np.ndarray:
    """The uncalibrated logit the served graph computes for this model, from scikit-learn."""
    if isinstance(model, HistGradientBoostingClassifier):
        logit: np.ndarray = model.decision_function(features)
        return logit
    return probability_logit(model, features)


def select(
    candidates: Sequence[Candidate],
    train: tuple[np.ndarray, np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray],
    seed: int,
) -> Selection:
    """Fits every candidate on `train` (features, labels, weights), ranks them by average precision
    on `validation` (features, labels), and answers the best with every candidate's figures."""
    x_train, y_train, weight = train
    x_valid, y_valid = validation
    results: list[CandidateResult] = []
    fitted: list[BaseEstimator] = []
    for candidate in candidates:
        started = time.perf_counter()
        model = candidate.fit(x_train, y_train, weight, seed)
        fit_seconds = time.perf_counter() - started
        started = time.perf_counter()
        scores = calibration_logit(model, x_valid)
        score_seconds = time.perf_counter() - started
        results.append(
            CandidateResult(
                candidate.family,
                candidate.params,
                float(average_precision_score(y_valid, scores)),
                float(roc_auc_score(y_valid, scores)),
                fit_seconds,
                score_seconds,
            )
        )
        fitted.append(model)
    best = max(range(len(results)), key=lambda i: results[i].average_precision)
    results[best].chosen = True
    return Selection(results, fitted[best], results[best].family, results[best].params)
