"""Scoring inside one process: the model engineers' own benchmark (bench.scoring_inprocess, called, not
copied) and the memory of per-user feature state, measured with tracemalloc and extrapolated to a
million users. Both run in a child process: bench.scoring_inprocess pins its process to one core, and
tracemalloc should see only the state being built."""

from __future__ import annotations

import multiprocessing
import pathlib
from dataclasses import dataclass

MILLION = 1_000_000
GIB = 1024**3


@dataclass(frozen=True)
class InProcessScoring:
    name: str
    per_second: float
    p50_ms: float | None
    p99_ms: float | None


@dataclass(frozen=True)
class StateMemory:
    users: int
    transactions: int
    days: int
    traced_bytes: int  # allocations still held after warming every user (tracemalloc; includes the
    # merchants' shared risk state, so per user it slightly overstates)
    snapshot_bytes: int  # Scorer.state_snapshot(): the arrays a scoring instance could save
    bytes_per_user: float
    snapshot_bytes_per_user: float
    gib_per_million_users: float


def state_per_user(traced_bytes: int, snapshot_bytes: int, users: int, transactions: int, days: int) -> StateMemory:
    per_user = traced_bytes / users
    return StateMemory(
        users=users,
        transactions=transactions,
        days=days,
        traced_bytes=traced_bytes,
        snapshot_bytes=snapshot_bytes,
        bytes_per_user=per_user,
        snapshot_bytes_per_user=snapshot_bytes / users,
        gib_per_million_users=per_user * MILLION / GIB,
    )


def _measure(model_dir: str, transactions: int, users: int, state_users: int, state_days: int, queue) -> None:
    import tracemalloc

    import numpy as np

    from bench import scoring_inprocess as scoring_bench
    from fraudmodel.evaluation.batch_scoring import scorer_for, warm_from_history
    from fraudmodel.generators.cardholders.history import HistoryConfig, generate_history
    from fraudmodel.history_files import frame_to_events

    results = scoring_bench.run(pathlib.Path(model_dir), transactions, users, one_core=True)
    in_process = []
    for r in results:
        p50 = p99 = None
        if r.latencies_ms:
            p50, p99 = (float(v) for v in np.percentile(r.latencies_ms, [50, 99]))
        in_process.append(InProcessScoring(r.name, r.per_second, p50, p99))

    events = frame_to_events(generate_history(HistoryConfig(users=state_users, days=state_days, seed=5)))
    transactions_warmed = len(events)
    scorer = scorer_for(pathlib.Path(model_dir))
    scorer.knows_user("warm-up")  # let lazy set-up happen before tracing starts
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    warm_from_history(scorer, events)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del events  # held before tracing started, so never counted; dropped before the snapshot is built
    snapshot = scorer.state_snapshot()
    memory = state_per_user(after - before, len(snapshot), state_users, transactions_warmed, state_days)
    queue.put((in_process, memory))


def measure(
    model_dir: pathlib.Path, transactions: int, users: int, state_users: int, state_days: int, timeout_s: float = 900
) -> tuple[list[InProcessScoring], StateMemory]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(
        target=_measure, args=(str(model_dir), transactions, users, state_users, state_days, queue), daemon=True
    )
    process.start()
    try:
        return queue.get(timeout=timeout_s)
    finally:
        process.join(30)
        if process.is_alive():
            process.terminate()
            process.join()
