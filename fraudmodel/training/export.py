"""The served graph and its reference scores for whichever family training chose."""

from __future__ import annotations

import numpy as np
import onnx
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingClassifier

from fraudmodel.training.candidates import calibration_logit
from fraudmodel.training.onnx_export import hgb_to_onnx
from fraudmodel.training.sklearn_export import sklearn_to_onnx


def to_onnx(model: BaseEstimator, n_features: int, slope: float, intercept: float, doc_string: str) -> onnx.ModelProto:
    export = hgb_to_onnx if isinstance(model, HistGradientBoostingClassifier) else sklearn_to_onnx
    return export(
        model,
        n_features,
        calibration_slope=slope,
        calibration_intercept=intercept,
        doc_string=doc_string,
    )


def calibrated_scores(model: BaseEstimator, features: np.ndarray, slope: float, intercept: float) -> np.ndarray:
    """What the exported graph computes, from scikit-learn itself: the equality check's reference."""
    scores: np.ndarray = 1.0 / (1.0 + np.exp(-(slope * calibration_logit(model, features) + intercept)))
    return scores
