"""Small generated histories and one small trained model, shared by the unit tests of the model library, scoring and the benchmarks in a session."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from fraudmodel.events import TxnEvent
from fraudmodel.generators.cardholders.history import HistoryConfig, generate_history
from fraudmodel.history_files import frame_to_events
from fraudmodel.training.split import TemporalSplit
from fraudmodel.training.training import TrainingOptions, TrainingResult, train

SMALL_SPLIT = TemporalSplit(burn_in=timedelta(days=5), test=timedelta(days=8), gap=timedelta(days=7))


@pytest.fixture(scope="session")
def small_history() -> pd.DataFrame:
    """About 300 customers over five weeks: some 20,000 transactions, around 1% fraudulent."""
    return generate_history(HistoryConfig(users=300, days=35, seed=11))


@pytest.fixture(scope="session")
def small_events(small_history: pd.DataFrame) -> list[TxnEvent]:
    return frame_to_events(small_history)


@pytest.fixture(scope="session")
def trained(
    tmp_path_factory: pytest.TempPathFactory, small_history: pd.DataFrame, small_events: list[TxnEvent]
) -> TrainingResult:
    models = tmp_path_factory.mktemp("models")
    options = TrainingOptions(split=SMALL_SPLIT, max_iter=120, baselines=True, report=True, progress=False)
    return train(small_history, models, options, data_fingerprint="0" * 64, source="test history", events=small_events)


@pytest.fixture(scope="session")
def model_dir(trained: TrainingResult) -> Path:
    return trained.folder
