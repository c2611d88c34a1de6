"""An ONNX Runtime session for one model file: batched, one intra-op thread by default (the scorer
runs one per process and scales out with processes, so threads would only contend)."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort

# The exported graph's input and output names (fraudmodel.training.onnx_export writes them).
INPUT_NAME = "features"
SCORE_OUTPUT = "score"


class OnnxScorer:
    def __init__(self, model: bytes, intra_op_threads: int = 1):
        options = ort.SessionOptions()
        options.intra_op_num_threads = intra_op_threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self._session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        self.n_features = int(self._session.get_inputs()[0].shape[1])

    def scores(self, features: np.ndarray) -> np.ndarray:
        """Calibrated fraud probability per row of a (n, n_features) float64 matrix."""
        if features.shape[0] == 0:
            return np.empty(0)
        out: np.ndarray = self._session.run(
            [SCORE_OUTPUT], {INPUT_NAME: np.ascontiguousarray(features, dtype=np.float64)}
        )[0]
        return out[:, 0].astype(np.float64)
