"""`python -m bench.drift_cost`: what scoring's drift watch adds to a batch (issue 24, part 6).

Feature rows of a generated history; the references are taken from its first half as training
records them, and the second half is fed in batches as scoring does: the window's update, the
population stability of the score and every feature, and the gauges set. Timed with process_time
in one process pinned to one core, per batch and per transaction. It prints numbers and asserts
nothing about them."""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

import numpy as np
from prometheus_client import CollectorRegistry

from bench.scoring_inprocess import _pin_to_one_core
from fraudmodel.drift.monitor import DriftMonitor
from fraudmodel.drift.reference import drift_reference
from fraudmodel.features import FEATURE_NAMES, compute_features
from fraudmodel.generators.cardholders.history import HistoryConfig, generate_history
from fraudmodel.history_files import frame_to_events
from scoring_svc.metrics import ScoringMetrics


def measure(rows: np.ndarray, scores: np.ndarray, batch: int, window: int, rounds: int) -> list[float]:
    """Seconds of CPU per batch, one figure per round over every batch of the rows."""
    half = len(rows) // 2
    reference = drift_reference(FEATURE_NAMES, rows[:half], scores[:half], "bench")
    metrics = ScoringMetrics(CollectorRegistry())
    per_batch = []
    for _ in range(rounds):
        monitor = DriftMonitor(reference, FEATURE_NAMES, window)
        live, live_scores = rows[half:], scores[half:]
        batches = range(0, len(live) - batch + 1, batch)
        started = time.process_time()
        for start in batches:
            monitor.observe(live_scores[start : start + batch], live[start : start + batch])
            for name, value in monitor.stability().items():
                metrics.population_stability.labels(feature=name).set(value)
        per_batch.append((time.process_time() - started) / len(batches))
    return per_batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000, help="customers of the generated history (default 1000)")
    parser.add_argument("--window", type=int, default=10_000, help="DRIFT_WINDOW (default 10000)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    _pin_to_one_core()
    events = frame_to_events(generate_history(HistoryConfig(users=args.users, days=35, seed=5)))
    rows = compute_features(events, timedelta(days=7), progress=False)
    # The score's own distribution does not change the cost: a stand-in in [0, 1] with the same skew.
    scores = np.random.default_rng(0).beta(0.3, 20, size=len(rows))
    print(f"{len(rows):,} feature rows of {len(FEATURE_NAMES)} features; window {args.window:,}; one core")
    print("| batch | CPU per batch (median, µs) | per transaction (µs) | rounds |")
    print("| ---: | ---: | ---: | ---: |")
    for batch in (1, 64, 256, 500):
        seconds = statistics.median(measure(rows, scores, batch, args.window, args.rounds))
        print(f"| {batch} | {seconds * 1e6:,.0f} | {seconds * 1e6 / batch:,.1f} | {args.rounds} |")


if __name__ == "__main__":
    main()
