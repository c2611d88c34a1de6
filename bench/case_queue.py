"""`python -m bench.case_queue`: what cases cost store, on a private PostgreSQL started for the run.

1. Opening cases as decisions are stored: PutDecisions' batch INSERT with the case-opening
   statement around it (store_svc.case_opening, as store runs) against the bare INSERT, in
   alternating rounds on the same database, one in three decisions a REVIEW. Wall time per
   decision, best and median of the rounds, and their ratio.
2. The queue's pages with any number of cases: the first page and a page deep in the queue (keyset
   pagination, so the deep page should cost what the first does), oldest first and by score, after
   the run stored --cases REVIEW decisions. Wall time per page and the ratio deep/first.
It prints numbers (the machine is shared: several rounds, best and median); it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import time

from fraud.v1 import decision_pb2

from bench.store_put import realistic_decision, servicer_on_private_postgres
from fraudmesh.conversions.rows import ROW_COLUMNS
from store_svc import case_opening
from store_svc.batch_insert import BatchInsert
from store_svc.case_filters import CaseFilters, CaseOrder
from store_svc.case_repository import CaseRepository
from store_svc.database import json_text
from store_svc.repository import TransactionRepository
from store_svc.schema import transactions


def _line(name: str, samples: list[float], unit: str) -> float:
    best, median = min(samples), statistics.median(samples)
    print(f"  {name:<44} best {best:9.2f}  median {median:9.2f} {unit}")
    return median


async def bench(batch: int, calls: int, rounds: int, cases: int) -> None:
    async with servicer_on_private_postgres() as (servicer, _, _):
        repository: TransactionRepository = servicer._repository  # the servicer's own, on its engine
        engine = repository._engine
        with_cases = repository._insert
        bare = BatchInsert(transactions, ROW_COLUMNS, json_text, returning=case_opening.RETURNED)
        serials = itertools.count()
        timings: dict[str, list[float]] = {"with cases": [], "bare": []}
        print(f"PutDecisions' INSERT, {batch} decisions a call (one in three REVIEW), {calls} calls a round:")
        for _ in range(rounds):
            for name, insert in (("with cases", with_cases), ("bare", bare)):
                repository._insert = insert
                batches = [
                    [realistic_decision(next(serials), "case-bench") for _ in range(batch)] for _ in range(calls)
                ]
                started = time.perf_counter()
                for decisions in batches:
                    outcome = await repository.put_batch(decisions)
                    assert outcome.inserted == batch
                timings[name].append((time.perf_counter() - started) / (calls * batch) * 1e6)
        repository._insert = with_cases
        opening = _line("opening cases in the same statement", timings["with cases"], "µs/decision")
        plain = _line("the INSERT alone", timings["bare"], "µs/decision")
        print(f"  ratio with/without (medians): {opening / plain:.3f}")

        review = decision_pb2.DECISION_REVIEW
        stored = 0
        while stored < cases:
            chunk = [realistic_decision(next(serials), "case-queue") for _ in range(min(2000, cases - stored))]
            for scored in chunk:
                scored.decision = review
            await repository.put_batch(chunk)
            stored += len(chunk)
        queue = CaseRepository(engine)
        print(f"ListCases, 50 a page, over {stored + rounds * calls * batch // 3:,}+ cases:")
        for order in (CaseOrder.OLDEST_FIRST, CaseOrder.HIGHEST_SCORE_FIRST):
            filters = CaseFilters(statuses=("OPEN", "INVESTIGATING"))
            token, deep_token, depth = "", "", 0
            while depth < 200:  # walk up to 10,000 cases in, to a deep page's token
                token = (await queue.list(filters, order, 50, token)).next_page_token
                if not token:
                    break
                deep_token, depth = token, depth + 1
            first: list[float] = []
            deep: list[float] = []
            for _ in range(rounds * 3):
                for samples, start_at in ((first, ""), (deep, deep_token)):
                    started = time.perf_counter()
                    await queue.list(filters, order, 50, start_at)
                    samples.append((time.perf_counter() - started) * 1e3)
            first_ms = _line(f"{order.value}: first page", first, "ms")
            deep_ms = _line(f"{order.value}: page {depth + 1}", deep, "ms")
            print(f"  ratio deep/first (medians): {deep_ms / first_ms:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=40, help="decisions per PutDecisions call")
    parser.add_argument("--calls", type=int, default=30, help="calls per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; best and median are reported")
    parser.add_argument("--cases", type=int, default=20_000, help="REVIEW decisions stored before paging")
    args = parser.parse_args()
    asyncio.run(bench(args.batch, args.calls, args.rounds, args.cases))


if __name__ == "__main__":
    main()
