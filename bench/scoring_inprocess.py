"""`fraudctl bench scoring`: features plus model in one process, on batches of 256 and on single
transactions, against scikit-learn's predict_proba one row at a time (the same kind of model,
trained here on the same features), all measured in the same run. It prints numbers; it asserts
nothing about them. By default the process is pinned to one CPU core, as the targets are per core."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from fraudmesh.garbage_collection import relax_garbage_collection
from fraudmodel.evaluation.batch_scoring import scorer_for, warm_from_history
from fraudmodel.events import TxnEvent
from fraudmodel.features import FEATURE_NAMES, compute_features
from fraudmodel.generators.cardholders.history import HistoryConfig, generate_history
from fraudmodel.history_files import frame_to_events
from fraudmodel.serving.registry import ensure_starter_model
from fraudmodel.serving.scorer import Scorer

BATCH = 256


@dataclass(frozen=True)
class BenchResult:
    name: str
    transactions: int
    seconds: float
    latencies_ms: list[float]

    @property
    def per_second(self) -> float:
        return self.transactions / self.seconds

    def line(self) -> str:
        text = f"{self.name:<48} {self.per_second:>12,.0f} txn/s"
        if self.latencies_ms:
            q = np.percentile(self.latencies_ms, [50, 99])
            text += f"   p50 {q[0]:.3f} ms   p99 {q[1]:.3f} ms"
        return text


def _pin_to_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity here)"
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return f"pinned to CPU core {core}"


def run(model_dir: Path | None, transactions: int, users: int, one_core: bool = True) -> list[BenchResult]:
    pinned = _pin_to_one_core() if one_core else "all cores"
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = model_dir or ensure_starter_model(Path(tmp) / "models")
        print(f"model {model_dir.name}; {pinned}; batch {BATCH}")
        frame = generate_history(HistoryConfig(users=users, days=35, seed=99))
        events = frame_to_events(frame)
        split = len(events) - min(transactions, len(events) // 2)
        history, live = events[:split], events[split:]
        print(f"warm-up history {len(history):,} transactions of {users:,} users; measured on {len(live):,}")

        scorer = scorer_for(model_dir)
        warm_from_history(scorer, history)
        snapshot = scorer.state_snapshot()
        relax_garbage_collection()  # as scoring_svc does once started: the set-up data is not what is measured
        results = [_batched(scorer, live), _single(_fresh(scorer, snapshot), live)]
        results.append(_sklearn_single(history, live, frame))
        results.append(_onnx_only(scorer, live))
    return results


def _fresh(scorer: Scorer, snapshot: bytes) -> Scorer:
    scorer.restore(snapshot)
    return scorer


def _batched(scorer: Scorer, live: list[TxnEvent]) -> BenchResult:
    start = time.perf_counter()
    for i in range(0, len(live), BATCH):
        scorer.score(live[i : i + BATCH])
    return BenchResult("features + ONNX, batches of 256", len(live), time.perf_counter() - start, [])


def _single(scorer: Scorer, live: list[TxnEvent]) -> BenchResult:
    latencies = []
    start = time.perf_counter()
    for event in live:
        t0 = time.perf_counter()
        scorer.score([event])
        latencies.append((time.perf_counter() - t0) * 1000)
    return BenchResult("features + ONNX, one transaction at a time", len(live), time.perf_counter() - start, latencies)


def _onnx_only(scorer: Scorer, live: list[TxnEvent]) -> BenchResult:
    rows = scorer.features(live, update_state=False)
    model = scorer.registry.active
    start = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        model.scores(rows[i : i + BATCH])
    return BenchResult("ONNX model alone, batches of 256 (no features)", len(rows), time.perf_counter() - start, [])


def _sklearn_single(history: list[TxnEvent], live: list[TxnEvent], frame) -> BenchResult:
    """Baseline: the same kind of model in scikit-learn, predict_proba on one row at a time."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    x = compute_features(history, timedelta(days=7))
    y = frame["is_fraud"].to_numpy()[: len(history)].astype(int)
    with threadpool_limits(1):
        model = HistGradientBoostingClassifier(max_iter=150, max_leaf_nodes=31, early_stopping=False).fit(x, y)
        rows = compute_features(history + live, timedelta(days=7))[len(history) :]
        latencies = []
        start = time.perf_counter()
        for row in rows:
            t0 = time.perf_counter()
            model.predict_proba(row.reshape(1, len(FEATURE_NAMES)))
            latencies.append((time.perf_counter() - t0) * 1000)
        elapsed = time.perf_counter() - start
    return BenchResult("scikit-learn predict_proba, one row at a time (model only)", len(rows), elapsed, latencies)


def print_results(results: list[BenchResult]) -> None:
    for r in results:
        print(r.line())
    batched, single, sk = results[0], results[1], results[2]
    print(
        f"batched is {batched.per_second / sk.per_second:,.0f}x scikit-learn one row at a time; "
        f"single-transaction p99 {statistics.quantiles(single.latencies_ms, n=100)[98]:.3f} ms"
    )
