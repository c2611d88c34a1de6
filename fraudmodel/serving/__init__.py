"""Serving a model version: the versions on disk, the ONNX session, the scorer and its reasons."""
