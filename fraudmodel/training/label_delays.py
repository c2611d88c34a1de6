"""How long a history's labels took to become known (its `labelled_at` column), and so how wide the
split's gap before the test weeks must be for the training labels to have been known when the test
weeks begin.

The gap is the 99th percentile of the delays, not the longest one: an analyst who labels one
transaction months after it happened (a late chargeback) would otherwise widen the gap past the
history's span and refuse the retrain. The percentile is taken with numpy's "lower" method, an
observed delay, so that among fewer than about a hundred labels the single latest one never sets it.
Labels later than the gap stay labels (training uses them as the truth they are); at most one in a
hundred of the training weeks' labels near the gap may have come after the test weeks began."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

GAP_PERCENTILE = 99.0


@dataclass(frozen=True)
class LabelDelays:
    gap: timedelta  # the split's gap: GAP_PERCENTILE of the delays
    labels: int  # labels whose time is known
    later: int  # labels that took longer than the gap
    longest: timedelta

    def describe(self) -> str:
        text = f"label delay {_days(self.gap)} (99th percentile of {self.labels:,} labels"
        if self.later:
            text += f"; {self.later:,} came later, the latest after {_days(self.longest)}"
        return text + ")"


def label_delays(frame: pd.DataFrame) -> LabelDelays | None:
    """The delays of the frame's labels, or None when the file does not say when they became known
    (no `labelled_at` column, or no label with a time)."""
    if "labelled_at" not in frame.columns:
        return None
    delay = (pd.to_datetime(frame["labelled_at"], utc=True) - pd.to_datetime(frame["occurred_at"], utc=True)).dropna()
    if delay.empty:
        return None
    seconds = delay.dt.total_seconds().to_numpy()
    gap = timedelta(seconds=float(np.percentile(seconds, GAP_PERCENTILE, method="lower")))
    return LabelDelays(
        gap=gap,
        labels=len(seconds),
        later=int((seconds > gap.total_seconds()).sum()),
        longest=timedelta(seconds=float(seconds.max())),
    )


def _days(delay: timedelta) -> str:
    return f"{delay.total_seconds() / 86400:.1f} days"
