"""`fraudctl evaluate --across-generators` (and `make evaluate`): generate a history with each of the
two generators, train on each, test on both, print the four cells beside the Handbook baseline and
write the report under the models folder."""

from __future__ import annotations

import os
import shlex
import sys
import time
from pathlib import Path

from threadpoolctl import threadpool_limits


def run_across_generators(customers: int, days: int, seed: int, out: Path) -> int:
    from fraudmodel.evaluation.cross_generator import cross_evaluate
    from fraudmodel.evaluation.cross_report import cells_table, verdict, write_cross_report
    from fraudmodel.evaluation.generated_histories import cardholders_history, terminals_history

    if customers < 10 or days < 35:
        print("error: --customers must be at least 10 and --days at least 35 (burn-in, gap and test)", file=sys.stderr)
        return 2
    load = _load()
    command = "fraudctl " + shlex.join(sys.argv[1:]) if sys.argv[1:] else "fraudctl evaluate --across-generators"
    started = time.perf_counter()
    print(f"generating two histories of {customers:,} customers over {days} days (seed {seed})")
    histories = [cardholders_history(customers, days, seed), terminals_history(customers, days, seed)]
    # One OpenMP thread, as `fraudctl train`: on a busy 2-core machine more only spin.
    with threadpool_limits(limits=1):
        cells, about = cross_evaluate(histories, progress=lambda line: print(line, flush=True))
    path = write_cross_report(out, cells, about, command, load)
    print()
    print("\n".join(cells_table(cells)))
    print()
    print(verdict(cells))
    print(f"report: {path} ({time.perf_counter() - started:.0f} s in all)")
    return 0


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"
