"""Training a model version from labelled history: split, fit, calibrate, export to ONNX."""
