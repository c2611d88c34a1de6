"""`python -m bench.store_history_read`: what a user's history costs to read, as a scoring instance
reads it for every customer it meets for the first time (after a restart, or a rebalance that gave
it their partition), with and without `transactions_only`.

Against a real, private PostgreSQL started for the run and filled with decisions like scoring's
(26 features, three reasons, a shadow score): per GetUserHistory, store's CPU and wall time, the
response's size, and the CPU of decoding it on scoring's side. It prints
numbers (median of every call: the machine is shared); it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from fraud.v1 import store_service_pb2

from bench.store_put import realistic_decision, servicer_on_private_postgres

USERS_IN_DECISIONS = 500  # realistic_decision's user is its serial modulo this


async def bench(users: int, rows: int, rounds: int) -> None:
    async with servicer_on_private_postgres() as (servicer, _, _):
        print(f"filling: {users} users with {rows} transactions each")
        for user in range(users):
            decisions = [realistic_decision(user + USERS_IN_DECISIONS * n, "history") for n in range(rows)]
            await servicer.PutDecisions(store_service_pb2.PutDecisionsRequest(decisions=decisions), None)
        print(f"GetUserHistory of {rows}, {rounds} rounds over the {users} users, medians per call:")
        for transactions_only in (False, True):
            store_ms, wall_ms, scoring_ms, size = [], [], [], 0
            for _ in range(rounds):
                for user in range(users):
                    request = store_service_pb2.GetUserHistoryRequest(
                        user_id=f"user-{user}", limit=rows, transactions_only=transactions_only
                    )
                    started_cpu, started_wall = time.process_time(), time.perf_counter()
                    response = await servicer.GetUserHistory(request, None)
                    store_ms.append((time.process_time() - started_cpu) * 1e3)
                    wall_ms.append((time.perf_counter() - started_wall) * 1e3)
                    encoded = response.SerializeToString()
                    size = len(encoded)
                    started_cpu = time.process_time()
                    decoded = store_service_pb2.GetUserHistoryResponse.FromString(encoded)
                    scoring_ms.append((time.process_time() - started_cpu) * 1e3)
                    assert len(decoded.transactions) == rows, len(decoded.transactions)
            print(
                f"  transactions_only={transactions_only!s:<5}  store CPU {statistics.median(store_ms):6.2f} ms"
                f"  (wall {statistics.median(wall_ms):6.2f} ms)  {size:>9,} bytes"
                f"  scoring decodes it in {statistics.median(scoring_ms):5.2f} ms"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20, help="users in the table (at most 500)")
    parser.add_argument("--rows", type=int, default=500, help="transactions per user, and the limit read")
    parser.add_argument("--rounds", type=int, default=3, help="times each user's history is read")
    args = parser.parse_args()
    if not 0 < args.users <= USERS_IN_DECISIONS:
        parser.error(f"--users must be 1 to {USERS_IN_DECISIONS}")
    asyncio.run(bench(args.users, args.rows, args.rounds))


if __name__ == "__main__":
    main()
