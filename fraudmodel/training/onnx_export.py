"""Export a fitted HistGradientBoostingClassifier (binary) plus its Platt calibration to ONNX.

Why not skl2onnx's own converter: with the protobuf and onnx versions this project pins, skl2onnx 1.20
fails on HistGradientBoosting ("Expected an int, got a boolean": it writes a Python bool into an
integer attribute for leaf nodes). Its RandomForest converter works and is used for the baselines.
A gradient-boosted tree ensemble is a plain sum of leaf values, so the graph here is small:

    features (double, N x F) -> TreeEnsembleRegressor (sum of trees + baseline = logit)
                             -> logit * calibration_slope + calibration_intercept -> Sigmoid -> score

Thresholds are stored as doubles (ai.onnx.ml opset 3 `*_as_tensor` attributes) and the input is
double, so a value exactly on a split goes the same way as in scikit-learn.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.ensemble import HistGradientBoostingClassifier

from fraudmodel.serving.onnx_session import INPUT_NAME, SCORE_OUTPUT

LOGIT_OUTPUT = "logit"
ML_OPSET = 3
ONNX_OPSET = 17


def hgb_to_onnx(
    model: HistGradientBoostingClassifier,
    n_features: int,
    *,
    calibration_slope: float = 1.0,
    calibration_intercept: float = 0.0,
    doc_string: str = "",
) -> onnx.ModelProto:
    if list(model.classes_) != [0, 1]:
        raise ValueError(f"expected a binary classifier with classes [0, 1], got {list(model.classes_)}")
    if model.is_categorical_ is not None and np.any(model.is_categorical_):
        raise ValueError("categorical splits are not supported by this exporter; encode features numerically")

    tree_ids: list[int] = []
    node_ids: list[int] = []
    feature_ids: list[int] = []
    modes: list[str] = []
    thresholds: list[float] = []
    true_ids: list[int] = []
    false_ids: list[int] = []
    missing_tracks_true: list[int] = []
    leaf_tree_ids: list[int] = []
    leaf_node_ids: list[int] = []
    leaf_weights: list[float] = []

    for tree_id, per_class in enumerate(model._predictors):
        (predictor,) = per_class  # binary: one tree per iteration
        for node_id, node in enumerate(predictor.nodes):
            tree_ids.append(tree_id)
            node_ids.append(node_id)
            if node["is_leaf"]:
                modes.append("LEAF")
                feature_ids.append(0)
                thresholds.append(0.0)
                true_ids.append(0)
                false_ids.append(0)
                missing_tracks_true.append(0)
                leaf_tree_ids.append(tree_id)
                leaf_node_ids.append(node_id)
                leaf_weights.append(float(node["value"]))
            else:
                modes.append("BRANCH_LEQ")
                feature_ids.append(int(node["feature_idx"]))
                thresholds.append(float(node["num_threshold"]))
                true_ids.append(int(node["left"]))
                false_ids.append(int(node["right"]))
                missing_tracks_true.append(int(node["missing_go_to_left"]))

    baseline = float(np.asarray(model._baseline_prediction).ravel()[0])
    ensemble = helper.make_node(
        "TreeEnsembleRegressor",
        [INPUT_NAME],
        ["raw_logit"],
        domain="ai.onnx.ml",
        n_targets=1,
        aggregate_function="SUM",
        post_transform="NONE",
        nodes_treeids=tree_ids,
        nodes_nodeids=node_ids,
        nodes_featureids=feature_ids,
        nodes_modes=modes,
        nodes_values_as_tensor=numpy_helper.from_array(np.asarray(thresholds, dtype=np.float64)),
        nodes_truenodeids=true_ids,
        nodes_falsenodeids=false_ids,
        nodes_missing_value_tracks_true=missing_tracks_true,
        target_treeids=leaf_tree_ids,
        target_nodeids=leaf_node_ids,
        target_ids=[0] * len(leaf_node_ids),
        target_weights_as_tensor=numpy_helper.from_array(np.asarray(leaf_weights, dtype=np.float64)),
        base_values_as_tensor=numpy_helper.from_array(np.asarray([baseline], dtype=np.float64)),
    )
    # The regressor's output is float32 by the operator's definition; keep it as the logit output.
    identity = helper.make_node("Identity", ["raw_logit"], [LOGIT_OUTPUT])
    slope = numpy_helper.from_array(np.asarray([calibration_slope], dtype=np.float32), "calibration_slope")
    intercept = numpy_helper.from_array(np.asarray([calibration_intercept], dtype=np.float32), "calibration_intercept")
    scaled = helper.make_node("Mul", ["raw_logit", "calibration_slope"], ["scaled_logit"])
    shifted = helper.make_node("Add", ["scaled_logit", "calibration_intercept"], ["calibrated_logit"])
    sigmoid = helper.make_node("Sigmoid", ["calibrated_logit"], [SCORE_OUTPUT])

    graph = helper.make_graph(
        [ensemble, identity, scaled, shifted, sigmoid],
        "fraud_score",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.DOUBLE, [None, n_features])],
        [
            helper.make_tensor_value_info(SCORE_OUTPUT, TensorProto.FLOAT, [None, 1]),
            helper.make_tensor_value_info(LOGIT_OUTPUT, TensorProto.FLOAT, [None, 1]),
        ],
        initializer=[slope, intercept],
    )
    onnx_model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", ONNX_OPSET), helper.make_opsetid("ai.onnx.ml", ML_OPSET)],
        producer_name="fraudmesh",
        doc_string=doc_string,
    )
    onnx_model.ir_version = 8
    onnx.checker.check_model(onnx_model)
    return onnx_model


def reference_scores(
    model: HistGradientBoostingClassifier,
    features: np.ndarray,
    calibration_slope: float = 1.0,
    calibration_intercept: float = 0.0,
) -> np.ndarray:
    """What the exported graph computes, from scikit-learn itself: used for the equality test."""
    logit: np.ndarray = model.decision_function(features)
    return 1.0 / (1.0 + np.exp(-(calibration_slope * logit + calibration_intercept)))
