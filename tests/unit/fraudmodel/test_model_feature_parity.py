"""The same stream through the offline path (training) and the online path (the Scorer's live state,
warmed from history, fed in batches, snapshotted and restored midway) gives identical features."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from fraudmodel.features import FEATURE_NAMES, compute_features, label_known_at
from fraudmodel.serving.registry import ModelRegistry
from fraudmodel.serving.scorer import Scorer


def test_offline_and_online_features_are_identical(small_events, tmp_path):
    events = sorted(small_events, key=lambda e: e.occurred_at)
    offline = compute_features(events, timedelta(days=7))

    scorer = Scorer(ModelRegistry(tmp_path))  # features need no model
    # Every label (fraud and legitimate) is recorded up front: the online state must still count each
    # one only from the moment it became known, exactly like the offline path that releases them in
    # time order.
    for e in events:
        at = label_known_at(e, timedelta(days=7))
        if at is not None:
            known = e.occurred_at + timedelta(days=7)
            scorer.record_label(e.transaction_id, e.merchant_id, bool(e.label), known, e.amount)
    cut = len(events) * 2 // 5
    by_user: dict[str, list] = {}
    for e in events[:cut]:
        by_user.setdefault(e.user_id, []).append(e)
    for user_id, history in by_user.items():
        scorer.warm(user_id, history)

    live = events[cut:]
    online = []
    sizes = [1, 7, 256, 3, 500]
    i = 0
    k = 0
    while i < len(live):
        batch = live[i : i + sizes[k % len(sizes)]]
        online.append(scorer.features(batch))
        i += len(batch)
        k += 1
        if k == 3:
            snapshot = scorer.state_snapshot()
            scorer = Scorer(ModelRegistry(tmp_path))
            scorer.restore(snapshot)
    online_rows = np.vstack(online)

    assert online_rows.shape == (len(live), len(FEATURE_NAMES))
    mismatch = np.argwhere(online_rows != offline[cut:])
    assert mismatch.size == 0, f"first mismatch: row {mismatch[0][0]}, feature {FEATURE_NAMES[mismatch[0][1]]}"
    # The stream exercised what the features are about, so equality is not vacuous.
    col = {n: i for i, n in enumerate(FEATURE_NAMES)}
    assert online_rows[:, col["merchant_known_frauds_30d"]].max() > 0
    assert online_rows[:, col["count_10m"]].max() >= 3
    assert online_rows[:, col["speed_kmh_from_prev"]].max() > 1000


def test_scored_features_equal_offline_features(small_events, model_dir):
    events = sorted(small_events, key=lambda e: e.occurred_at)[:3000]
    offline = compute_features(events, timedelta(days=7))
    # No labels here: none would be known within the first days anyway.
    scorer = Scorer(ModelRegistry(model_dir.parent, active_version=model_dir.name))
    results = []
    for i in range(0, len(events), 256):
        results += scorer.score(events[i : i + 256])
    online = np.array([[r.features[n] for n in FEATURE_NAMES] for r in results])
    np.testing.assert_array_equal(online, offline)
