"""The model library: the offline machine-learning toolkit and the feature code that online scoring shares.

- `events`: the transaction as the model sees it; `geo`: places and distances; `history_files`: labelled history files.
- `features/`: the one event-time feature computation, for training and for live scoring alike.
- `generators/`: synthetic labelled transaction histories.
- `training/`: temporal split, fitting, thresholds, baselines, ONNX export, the starter model.
- `evaluation/`: the metrics fraud teams use, reports, scoring a file.
- `serving/`: model versions on disk, the ONNX session, the scorer (features, model, reasons), decisions as messages.

It imports the ground floor (`fraudmesh`) and no service; only scoring_svc among the services imports it.
"""
