"""Features over a whole labelled history at once, for training and evaluation: the same engine the
scorer uses, fed in event-time order, with each label (fraud or legitimate) released at the moment it
became known."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import numpy as np

from fraudmodel.events import TxnEvent
from fraudmodel.features.engine import FeatureEngine
from fraudmodel.features.names import FEATURE_NAMES

DEFAULT_LABEL_DELAY = timedelta(days=7)
_CHUNK = 4096


def label_known_at(event: TxnEvent, label_delay: timedelta) -> float | None:
    """When this event's label (fraud or legitimate) counts for merchant risk: its labelled_at, or, for
    history files without it, the event time plus the usual delay before a chargeback or report; None
    when it has no label."""
    if event.label is None:
        return None
    at = event.labelled_at or (event.occurred_at + label_delay)
    return at.timestamp()


def compute_features(
    events: Sequence[TxnEvent],
    label_delay: timedelta = DEFAULT_LABEL_DELAY,
    *,
    engine: FeatureEngine | None = None,
    progress: bool = False,
) -> np.ndarray:
    """Rows in the order of `events` (computed in event-time order; ties keep file order)."""
    engine = engine or FeatureEngine()
    order = sorted(range(len(events)), key=lambda i: events[i].occurred_at)
    labels = sorted(
        ((at, i) for i in range(len(events)) if (at := label_known_at(events[i], label_delay)) is not None),
    )
    next_label = 0

    def release_labels_known_by(t: float) -> None:
        nonlocal next_label
        while next_label < len(labels) and labels[next_label][0] <= t:
            at, i = labels[next_label]
            e = events[i]
            engine.record_label(e.transaction_id, e.merchant_id, bool(e.label), at, e.amount)
            next_label += 1

    out = np.empty((len(events), len(FEATURE_NAMES)), dtype=np.float64)
    from tqdm import tqdm  # training only: the scoring image does not carry it

    with tqdm(total=len(order), desc="features", unit="txn", disable=not progress, mininterval=0.5) as bar:
        for start in range(0, len(order), _CHUNK):
            chunk = order[start : start + _CHUNK]
            out[chunk] = engine.observe([events[i] for i in chunk], before_each=release_labels_known_by)
            bar.update(len(chunk))
    return out
