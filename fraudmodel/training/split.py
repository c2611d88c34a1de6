"""Temporal split of a labelled history: burn-in (feature state warms up, not trained on), train,
validation (calibration and thresholds), a gap as long as the label delay, and test.

The gap matters: at the end of training, the labels of the last days are not known yet in real life,
and transactions right after training share cards and merchants with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class TemporalSplit:
    burn_in: timedelta = timedelta(days=7)
    test: timedelta = timedelta(days=14)
    gap: timedelta = timedelta(days=7)
    validation_share: float = 0.25  # of the period between burn-in and gap


@dataclass(frozen=True)
class SplitMasks:
    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray
    boundaries: dict[str, str]


def split_by_time(occurred_at: pd.Series, split: TemporalSplit) -> SplitMasks:
    t = pd.to_datetime(occurred_at, utc=True)
    start, end = t.min(), t.max()
    test_start = end - split.test
    gap_start = test_start - split.gap
    train_start = start + split.burn_in
    if gap_start <= train_start:
        span = (end - start).days
        needed = (split.burn_in + split.gap + split.test).days
        raise ValueError(
            f"history spans {span} days; the temporal split needs more than {needed} (burn-in + label-delay gap + test)"
        )
    valid_start = gap_start - (gap_start - train_start) * split.validation_share
    train = ((t >= train_start) & (t < valid_start)).to_numpy()
    valid = ((t >= valid_start) & (t < gap_start)).to_numpy()
    test = (t >= test_start).to_numpy()
    return SplitMasks(
        train=train,
        validation=valid,
        test=test,
        boundaries={
            "start": start.isoformat(),
            "train_from": train_start.isoformat(),
            "validation_from": valid_start.isoformat(),
            "gap_from": gap_start.isoformat(),
            "test_from": test_start.isoformat(),
            "end": end.isoformat(),
        },
    )
