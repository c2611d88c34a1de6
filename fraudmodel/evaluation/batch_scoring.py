"""Scoring a file of transactions after warming state on a history file, with the same Scorer the
service runs (used by `fraudctl score` and `fraudctl evaluate`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from fraudmesh.errors import NotFound
from fraudmodel.events import TxnEvent
from fraudmodel.features import DEFAULT_LABEL_DELAY, label_known_at
from fraudmodel.history_files import frame_to_events, read_history
from fraudmodel.serving.registry import LoadedModel, ModelRegistry
from fraudmodel.serving.scorer import Scorer, ScoreResult

BATCH = 256


@dataclass
class ScoredFile:
    frame: pd.DataFrame
    results: list[ScoreResult]  # in the frame's row order
    model: LoadedModel


def scorer_for(model_dir: Path) -> Scorer:
    model_dir = Path(model_dir)
    if not (model_dir / "model.onnx").is_file():
        raise NotFound(f"--model {model_dir}: not a model version folder (no model.onnx)")
    return Scorer(ModelRegistry(model_dir.parent, active_version=model_dir.name))


def warm_from_history(scorer: Scorer, history: list[TxnEvent], label_delay: timedelta = DEFAULT_LABEL_DELAY) -> None:
    """Per-user state from the history, and merchant risk from its labels, fraud and legitimate (each
    counting from when it became known)."""
    by_user: dict[str, list[TxnEvent]] = defaultdict(list)
    for event in sorted(history, key=lambda e: e.occurred_at):
        by_user[event.user_id].append(event)
        at = label_known_at(event, label_delay)
        if at is not None:
            known = pd.Timestamp(at, unit="s", tz="UTC").to_pydatetime()
            scorer.record_label(event.transaction_id, event.merchant_id, bool(event.label), known, event.amount)
    for user_id, events in by_user.items():
        scorer.warm(user_id, events)


def score_file(model_dir: Path, data: Path, history: Path | None = None, *, progress: bool = True) -> ScoredFile:
    scorer = scorer_for(model_dir)
    if history is not None:
        _, past = _read(history)
        warm_from_history(scorer, past)
    frame, events = _read(data)
    # Labels of the rows being scored are dropped before scoring: they are what we predict.
    unlabelled = [replace(e, label=None, labelled_at=None) for e in events]
    order = sorted(range(len(unlabelled)), key=lambda i: unlabelled[i].occurred_at)
    results: list[ScoreResult | None] = [None] * len(order)
    for start in tqdm(range(0, len(order), BATCH), desc="score", unit="batch", disable=not progress):
        idx = order[start : start + BATCH]
        for i, result in zip(idx, scorer.score([unlabelled[i] for i in idx]), strict=True):
            results[i] = result
    return ScoredFile(frame, results, scorer.registry.active)  # type: ignore[arg-type]


def _read(path: Path) -> tuple[pd.DataFrame, list[TxnEvent]]:
    frame = read_history(path)
    return frame, frame_to_events(frame)
