"""`python -m bench.shadow_comparison`: what store's CompareShadow (the models page's shadow-against-
active table) costs as the window grows, up to and past its cap of decisions compared.

Against a real, private PostgreSQL started for the run, filled with decisions like scoring's (26
features, three reasons) carrying a shadow score, one in ten labelled. It prints the median wall
time of a comparison over the newest N decisions for each N; it asserts nothing (the machine is
shared: run `uptime` beside it)."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import timedelta

from fraud.v1 import decision_pb2, store_service_pb2

from bench.store_put import START, realistic_decision, servicer_on_private_postgres
from store_svc.shadow_comparison import DEFAULT_LIMIT, ComparedModel, ShadowComparisons

BATCH = 5000
ACTIVE = ComparedModel("hgb-2026-03-01", 0.5, 0.8)
SHADOW = ComparedModel("hgb-next", 0.45, 0.85)


def decision(serial: int) -> decision_pb2.ScoredTransaction:
    scored = realistic_decision(serial, "compare")
    del scored.shadow_scores[:]
    scored.shadow_scores.add(model_version=SHADOW.version, score=(serial * 7919 % 1000) / 1000)
    if serial % 10 == 0:
        scored.label = decision_pb2.LABEL_FRAUD if serial % 30 == 0 else decision_pb2.LABEL_LEGITIMATE
    return scored


async def bench(rows: int, rounds: int) -> None:
    async with servicer_on_private_postgres() as (servicer, _, engine):
        print(f"filling: {rows:,} decisions with a shadow score, one in ten labelled")
        for first in range(0, rows, BATCH):
            batch = [decision(serial) for serial in range(first, min(first + BATCH, rows))]
            await servicer.PutDecisions(store_service_pb2.PutDecisionsRequest(decisions=batch), None)
        async with engine.connect() as connection:
            await connection.exec_driver_sql("ANALYZE transactions")
        comparisons = ShadowComparisons(engine)
        print(f"CompareShadow over the newest N decisions (cap {DEFAULT_LIMIT:,}), median of {rounds}:")
        for newest in sorted({n for n in (1_000, 10_000, 100_000, rows) if n <= rows}):
            # realistic_decision's transactions are a second apart: the window holds the newest `newest`.
            since = START + timedelta(seconds=rows - newest)
            wall = []
            for _ in range(rounds):
                started = time.perf_counter()
                result = await comparisons.compare(ACTIVE, SHADOW, since)
                wall.append((time.perf_counter() - started) * 1e3)
            print(
                f"  window of {newest:>9,}: compared {result.compared:>9,} (truncated {result.truncated!s:<5})"
                f"  labelled {result.labelled:>7,}  {statistics.median(wall):8.1f} ms"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=150_000, help="decisions stored (default 150,000)")
    parser.add_argument("--rounds", type=int, default=5, help="comparisons per window (default 5)")
    args = parser.parse_args()
    asyncio.run(bench(args.rows, args.rounds))


if __name__ == "__main__":
    main()
