"""A model version folder with the smallest ONNX model that scoring can serve, made in milliseconds."""

from __future__ import annotations

import json
import pathlib


def write_tiny_model(models: pathlib.Path) -> pathlib.Path:
    """One model version folder with the smallest ONNX model that takes scoring's features and
    flags every transaction (so reasons are computed too). Made here, not trained: fast, and made with
    the test environment's onnx, which the scoring image does not have."""
    import onnx
    from onnx import TensorProto, helper

    from fraudmodel.features.names import FEATURE_DEFINITIONS, FEATURE_NAMES
    from fraudmodel.serving.onnx_session import INPUT_NAME, SCORE_OUTPUT

    folder = models / "20260101T000000Z-test"
    folder.mkdir(parents=True)
    graph = helper.make_graph(
        [
            helper.make_node("ReduceMean", [INPUT_NAME], ["mean"], axes=[1], keepdims=1),
            helper.make_node("Sigmoid", ["mean"], [SCORE_OUTPUT]),
        ],
        "test",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.DOUBLE, [None, len(FEATURE_NAMES)])],
        [helper.make_tensor_value_info(SCORE_OUTPUT, TensorProto.DOUBLE, [None, 1])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    (folder / "model.onnx").write_bytes(model.SerializeToString())
    metadata = {
        "feature_names": list(FEATURE_NAMES),
        "feature_definitions": FEATURE_DEFINITIONS,
        "thresholds": {"review": 0.0, "decline": 1.0, "policy": "test: every transaction to review"},
        "created_at": "2026-01-01T00:00:00+00:00",
    }
    (folder / "metadata.json").write_text(json.dumps(metadata))
    return models
