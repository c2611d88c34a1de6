"""Export a fitted Random Forest or scaled logistic regression (binary) plus its Platt calibration
to ONNX, with skl2onnx's own converters (they are exact for these two families; gradient boosting
has its own exporter, onnx_export.py). The graph ends like that one:

    features (double, N x F) -> the converter's graph -> P(fraud)
                             -> logit = log(p) - log(1 - p), p clipped to [EPSILON, 1 - EPSILON]
                             -> logit * calibration_slope + calibration_intercept -> Sigmoid -> score

A forest's probability is a share of trees and is often exactly 0 or 1; the clip keeps the logit
finite, and the reference scores below clip the same way so the two agree within 1e-5. The head
runs in double precision: in float32, log(1 - p) of a probability near 1 (common for a confident
logistic regression) loses enough digits to move the calibrated score by 1e-3."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
from sklearn.base import BaseEstimator
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline

from fraudmodel.serving.onnx_session import INPUT_NAME, SCORE_OUTPUT
from fraudmodel.training.onnx_export import LOGIT_OUTPUT, ML_OPSET, ONNX_OPSET

EPSILON = 1e-6
PROBABILITIES = "probabilities"
FLOAT_INPUT = "features_float32"


def probability_logit(model: BaseEstimator, features: np.ndarray) -> np.ndarray:
    """The logit the exported graph calibrates, from scikit-learn itself (a forest's probabilities
    rounded to float32, as its converted graph carries them)."""
    probability = model.predict_proba(features)[:, 1]
    if isinstance(_classifier(model), RandomForestClassifier):
        probability = probability.astype(np.float32).astype(np.float64)
    clipped = np.clip(probability, EPSILON, 1.0 - EPSILON)
    logit: np.ndarray = np.log(clipped) - np.log1p(-clipped)
    return logit


def sklearn_to_onnx(
    model: BaseEstimator,
    n_features: int,
    *,
    calibration_slope: float = 1.0,
    calibration_intercept: float = 0.0,
    doc_string: str = "",
) -> onnx.ModelProto:
    classifier = _classifier(model)
    if list(classifier.classes_) != [0, 1]:
        raise ValueError(f"expected a binary classifier with classes [0, 1], got {list(classifier.classes_)}")
    # scikit-learn's trees compare float32(x) with their thresholds: a forest's graph is given the
    # features cast to float32 too, or a value between the two roundings would go the other way.
    trees = isinstance(classifier, RandomForestClassifier)
    converted = convert_sklearn(
        model,
        initial_types=[
            (FLOAT_INPUT, FloatTensorType([None, n_features]))
            if trees
            else (INPUT_NAME, DoubleTensorType([None, n_features]))
        ],
        target_opset={"": ONNX_OPSET, "ai.onnx.ml": ML_OPSET},
        options={id(classifier): {"zipmap": False}},
    )
    graph = converted.graph
    if trees:
        graph.node.insert(0, helper.make_node("Cast", [INPUT_NAME], [FLOAT_INPUT], to=TensorProto.FLOAT))
        del graph.input[:]
        graph.input.append(helper.make_tensor_value_info(INPUT_NAME, TensorProto.DOUBLE, [None, n_features]))
    constants = [
        numpy_helper.from_array(np.asarray(value, dtype=dtype), name)
        for name, value, dtype in (
            ("fraud_column_starts", [1], np.int64),
            ("fraud_column_ends", [2], np.int64),
            ("column_axis", [1], np.int64),
            ("clip_low", EPSILON, np.float64),
            ("clip_high", 1.0 - EPSILON, np.float64),
            ("one", [1.0], np.float64),
            ("calibration_slope", [calibration_slope], np.float64),
            ("calibration_intercept", [calibration_intercept], np.float64),
        )
    ]
    head = [
        helper.make_node("Cast", [PROBABILITIES], ["probabilities_double"], to=TensorProto.DOUBLE),
        helper.make_node(
            "Slice", ["probabilities_double", "fraud_column_starts", "fraud_column_ends", "column_axis"], ["p_fraud"]
        ),
        helper.make_node("Clip", ["p_fraud", "clip_low", "clip_high"], ["p_clipped"]),
        helper.make_node("Sub", ["one", "p_clipped"], ["p_legitimate"]),
        helper.make_node("Log", ["p_clipped"], ["log_fraud"]),
        helper.make_node("Log", ["p_legitimate"], ["log_legitimate"]),
        helper.make_node("Sub", ["log_fraud", "log_legitimate"], ["logit_double"]),
        helper.make_node("Mul", ["logit_double", "calibration_slope"], ["scaled_logit"]),
        helper.make_node("Add", ["scaled_logit", "calibration_intercept"], ["calibrated_logit"]),
        helper.make_node("Sigmoid", ["calibrated_logit"], ["score_double"]),
        helper.make_node("Cast", ["logit_double"], [LOGIT_OUTPUT], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["score_double"], [SCORE_OUTPUT], to=TensorProto.FLOAT),
    ]
    graph.node.extend(head)
    graph.initializer.extend(constants)
    del graph.output[:]
    graph.output.extend(
        [
            helper.make_tensor_value_info(SCORE_OUTPUT, TensorProto.FLOAT, [None, 1]),
            helper.make_tensor_value_info(LOGIT_OUTPUT, TensorProto.FLOAT, [None, 1]),
        ]
    )
    converted.doc_string = doc_string
    converted.producer_name = "fraudmesh"
    onnx.checker.check_model(converted)
    model_proto: onnx.ModelProto = converted
    return model_proto


def _classifier(model: BaseEstimator) -> BaseEstimator:
    return model.steps[-1][1] if isinstance(model, Pipeline) else model
